"""Services of the live area: the rules, called by views, API and sockets (one place to import).

scheduling.py plans sessions, chat.py carries chat through the approval rule, room.py runs the
room (presence, stage, agenda, controls), crowd.py its reactions and hands, teachers.py the
teachers' private channel, transcript.py keeps the record; common.py has what they share.
"""

from __future__ import annotations

from exchange.rooms.live.services.chat import (
    MESSAGE_MAX,
    approve_message,
    approved_messages,
    live_queue,
    own_messages,
    return_message,
    send_message,
)
from exchange.rooms.live.services.common import (
    ChatPaused,
    NotLive,
    get_session,
    member_session,
    phase,
    session_view,
    teacher_session,
)
from exchange.rooms.live.services.crowd import (
    REACTIONS,
    hands_view,
    lower_hand,
    raise_hand,
    react,
    reaction_counts,
)
from exchange.rooms.live.services.room import (
    end_session,
    goto_segment,
    join,
    leave,
    pause_chat,
    show_on_stage,
    snapshot,
    stage_choices,
    stage_view,
)
from exchange.rooms.live.services.scheduling import (
    Plan,
    SegmentPlan,
    awaiting_confirmation,
    cancel,
    confirm,
    default_segments,
    links_to_plan,
    plan_of,
    reschedule,
    schedule,
    sessions_for,
    viewable,
)
from exchange.rooms.live.services.teachers import send_teacher_note, teacher_notes
from exchange.rooms.live.services.transcript import as_csv, as_text, readable, transcript

__all__ = [
    "MESSAGE_MAX",
    "REACTIONS",
    "ChatPaused",
    "NotLive",
    "Plan",
    "SegmentPlan",
    "approve_message",
    "approved_messages",
    "as_csv",
    "as_text",
    "awaiting_confirmation",
    "cancel",
    "confirm",
    "default_segments",
    "end_session",
    "get_session",
    "goto_segment",
    "hands_view",
    "join",
    "leave",
    "links_to_plan",
    "live_queue",
    "lower_hand",
    "member_session",
    "own_messages",
    "pause_chat",
    "phase",
    "plan_of",
    "raise_hand",
    "react",
    "reaction_counts",
    "readable",
    "reschedule",
    "return_message",
    "schedule",
    "send_message",
    "send_teacher_note",
    "session_view",
    "sessions_for",
    "show_on_stage",
    "snapshot",
    "stage_choices",
    "stage_view",
    "teacher_notes",
    "teacher_session",
    "transcript",
    "viewable",
]
