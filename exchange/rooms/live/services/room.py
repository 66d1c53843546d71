"""The live room: joining (presence and a snapshot), the stage, the agenda, teacher controls.

Stage, agenda, pause and end are stored facts on `live:<id>` (every screen follows, a
reconnecting screen catches up, the transcript keeps them). Presence (and the crowd's reactions
and hands, crowd.py) is state a screen re-reads on (re)joining; its changes are signalled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from exchange import authz, realtime
from exchange.errors import Conflict, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ItemState, ModerationItem
from exchange.rooms import presence
from exchange.rooms.live import timing
from exchange.rooms.live.models import LiveHand, LiveSession
from exchange.rooms.live.services import chat
from exchange.rooms.live.services.common import (
    class_in_session,
    member_session,
    phase,
    require_live,
    session_view,
    teacher_session,
)
from exchange.rooms.live.services.crowd import hand_of, hands_view, reaction_counts
from exchange.rooms.live.services.teachers import teacher_notes
from exchange.rooms.live.timing import Phase

STAGE_KINDS = {ItemKind.POST: "Post", ItemKind.QUESTION: "Enquiry question"}


def _member(actor: Any, session: LiveSession) -> presence.Member:
    """The presence record of the actor, in their class of the link."""
    class_id = class_in_session(actor, session)
    label = session.link.classroom(class_id).label if class_id else ""
    return presence.member_for(actor, class_id, label)


def join(actor: Any, session_id: int) -> dict[str, Any]:
    """Enter the room: counted as present while the lobby or session is open; the snapshot."""
    session = member_session(actor, session_id)
    live_seq = realtime.last_seq(realtime.live_stream(session.id))  # before reading the state
    if phase(session) in (Phase.LOBBY, Phase.LIVE):
        presence.join(realtime.live_stream(session.id), _member(actor, session))
    return snapshot(actor, session, live_seq)


def leave(actor: Any, session_id: int) -> dict[str, Any]:
    """Leave the room (closing the socket does the same)."""
    session = member_session(actor, session_id)
    presence.leave(realtime.live_stream(session.id))
    return {"session_id": session.id}


def snapshot(actor: Any, session: LiveSession, live_seq: int | None = None) -> dict[str, Any]:
    """Everything a screen shows, as of now, and the sequence numbers it is current to."""
    teacher = authz.teaches_in_link(actor, session.link)
    room = realtime.live_stream(session.id)
    seqs = {room: live_seq if live_seq is not None else realtime.last_seq(room)}
    if teacher:
        seqs[realtime.live_teachers_stream(session.id)] = realtime.last_seq(
            realtime.live_teachers_stream(session.id)
        )
    people = presence.members(room)
    data: dict[str, Any] = {
        "session": session_view(actor, session),
        "seqs": seqs,
        "presence": {"classes": presence.summary(room, people)},
        "reactions": reaction_counts(session.id),
        "hands": hands_view(session.id, names=teacher),
        "stage": stage_view(session),
        "chat": chat.approved_messages(actor, session),
        "mine": chat.own_messages(actor, session),
        "my_hand_up": authz.is_pupil(actor) and hand_of(session.id, actor.id) is not None,
    }
    if teacher:
        data["presence"]["people"] = people
        data["queue"] = chat.live_queue(actor, session)
        data["notes"] = teacher_notes(actor, session)
        data["stage_choices"] = stage_choices(actor, session)
    return data


def announce_presence(room: str) -> None:
    """Presence listener: counts to both classes, names to the teachers."""
    people = presence.members(room)
    classes = presence.summary(room, people)
    realtime.signal(room, "presence_changed", {"classes": classes})
    realtime.signal(f"{room}:teachers", "presence_changed", {"classes": classes, "people": people})


presence.on_change("live", announce_presence)


# ----- the stage and the agenda -------------------------------------------------------------


def stage_view(session: LiveSession) -> dict[str, Any] | None:
    """What is on the stage: an approved post or enquiry question of the link, or nothing."""
    item = session.stage_item
    if item is None or item.state != ItemState.APPROVED:
        return None
    try:
        view = rule.channel_for(item).public_view(item)
    except LookupError:
        return None
    return {"item_id": item.id, "item_kind": item.kind.value,
            "kind_label": STAGE_KINDS.get(item.kind, "Item"), "view": view}  # fmt: skip


def stage_choices(actor: Any, session: LiveSession, limit: int = 40) -> list[dict[str, Any]]:
    """Approved posts and questions of the link a teacher may put on the stage, newest first."""
    items = db.session.scalars(
        select(ModerationItem)
        .where(
            ModerationItem.link_id == session.link_id,
            ModerationItem.kind.in_(list(STAGE_KINDS)),
            ModerationItem.state == ItemState.APPROVED,
            rule.visible_in_link(actor, session.link),
        )
        .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
        .limit(limit)
    )
    choices = []
    for item in items:
        try:
            view = rule.channel_for(item).public_view(item)
        except LookupError:
            continue
        label = str(view.get("title") or view.get("text") or "")[:80]
        choices.append({"item_id": item.id, "item_kind": item.kind.value,
                        "kind_label": STAGE_KINDS[item.kind], "label": label,
                        "author": item.author_name})  # fmt: skip
    return choices


def show_on_stage(actor: Any, session_id: int, item_id: int | None) -> dict[str, Any]:
    """Put an approved post or question on both classes' screens (None clears the stage)."""
    session = teacher_session(actor, session_id)
    require_live(session, "use the stage")
    item = None
    if item_id is not None:
        item = db.session.get(ModerationItem, item_id)
        if item is None or item.link_id != session.link_id or not rule.can_view_item(actor, item):
            raise NotFound("That post or question is not in this link.")
        if item.kind not in STAGE_KINDS:
            raise Invalid("Only posts and enquiry questions can go on the stage.", field="item_id")
        if item.state != ItemState.APPROVED:
            raise Conflict("Only approved work can go on the stage.")
    session.stage_item = item
    view = stage_view(session)
    if item is not None and view is None:
        raise Conflict("That item cannot be shown on the stage.")
    realtime.publish(
        realtime.live_stream(session.id),
        "stage_changed",
        # item_id at the top: the event is deleted with the item (a pupil's data removed).
        {
            "session_id": session.id,
            "item_id": item.id if item else None,
            "stage": view,
            "by": actor.display_name,
        },  # fmt: skip
        link_id=session.link_id,
    )
    db.session.commit()
    return {"stage": view}


def goto_segment(actor: Any, session_id: int, position: int) -> dict[str, Any]:
    """Move every screen to an agenda segment (pressing twice is harmless)."""
    session = teacher_session(actor, session_id)
    require_live(session, "move the agenda")
    segment = next((s for s in session.segments if s.position == position), None)
    if segment is None:
        raise Invalid("There is no such agenda segment.", field="position")
    if session.segment_position != position:
        session.segment_position = position
        realtime.publish(
            realtime.live_stream(session.id),
            "segment_changed",
            {
                "session_id": session.id,
                "position": position,
                "title": segment.title,
                "segment_kind": segment.kind.value,
                "by": actor.display_name,
            },  # fmt: skip
            link_id=session.link_id,
        )
        db.session.commit()
    return {"position": session.segment_position}


# ----- teacher controls ---------------------------------------------------------------------


def pause_chat(actor: Any, session_id: int, paused: bool) -> dict[str, Any]:
    """Pause or resume pupils' chat in both classes."""
    session = teacher_session(actor, session_id)
    require_live(session, "pause the chat")
    if session.chat_paused != paused:
        session.chat_paused = paused
        realtime.publish(
            realtime.live_stream(session.id),
            "chat_paused",
            {"session_id": session.id, "paused": paused, "by": actor.display_name},
            link_id=session.link_id,
        )
        db.session.commit()
    return {"paused": session.chat_paused}


def end_session(actor: Any, session_id: int) -> dict[str, Any]:
    """End the session for everyone; nothing more can be posted to it."""
    session = teacher_session(actor, session_id)
    if phase(session) not in (Phase.LOBBY, Phase.LIVE):
        raise Conflict("Only an open session can be ended.")
    session.ended_at, session.ended_by_id = timing.now(), actor.id
    db.session.execute(delete(LiveHand).where(LiveHand.session_id == session.id))
    realtime.publish(
        realtime.live_stream(session.id),
        "session_ended",
        {
            "session_id": session.id,
            "ended_at": session.ended_at.isoformat(),
            "by": actor.display_name,
        },  # fmt: skip
        link_id=session.link_id,
    )
    db.session.commit()
    return {"ended_at": session.ended_at.isoformat()}
