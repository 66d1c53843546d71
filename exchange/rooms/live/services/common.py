"""What every live-session service shares: finding a session, its phase, refusals, its view."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload

from exchange import realtime
from exchange.authz import core as roles
from exchange.authz import rooms as rules
from exchange.errors import Conflict, Forbidden, NotFound
from exchange.extensions import db
from exchange.rooms.live import timing
from exchange.rooms.live.models import SEGMENT_LABELS, LiveSegment, LiveSession
from exchange.rooms.live.timing import Phase


class NotLive(Conflict):
    """The session is not open for this now (not started yet, ended, cancelled)."""

    code = "not_live"


class ChatPaused(Conflict):
    """A teacher paused pupils' chat."""

    code = "chat_paused"


def get_session(session_id: int) -> LiveSession:
    """A session by id, or NotFound."""
    session = db.session.get(LiveSession, session_id) if session_id else None
    if session is None:
        raise NotFound("There is no live session like that.")
    return session


def phase(session: LiveSession) -> Phase:
    """The session's phase now."""
    return timing.phase_of(
        session.status.value, session.starts_at, session.ends_at, session.ended_at
    )


def member_session(actor: Any, session_id: int) -> LiveSession:
    """A session of the actor's link (its phase decides what they may do in it); others, and
    pupils asking about a proposal, are told it does not exist for them."""
    session = (
        db.session.get(LiveSession, session_id, options=[joinedload(LiveSession.link)])
        if session_id
        else None
    )
    if session is None or not roles.member_of_link(actor, session.link):
        raise NotFound("There is no live session like that for your class.")
    if roles.is_pupil(actor) and not rules.can_view_session(actor, session):
        raise NotFound("There is no live session like that for your class.")
    return session


def teacher_session(actor: Any, session_id: int) -> LiveSession:
    """A session the actor may run (a teacher of either class)."""
    session = member_session(actor, session_id)
    if not roles.teaches_in_link(actor, session.link):
        raise Forbidden("Only the classes' teachers can do that.")
    return session


def require_live(session: LiveSession, doing: str = "post") -> None:
    """Refuse unless the session is live now: nobody posts outside its window."""
    now = phase(session)
    if now == Phase.LIVE:
        return
    if now in (Phase.SCHEDULED, Phase.LOBBY):
        raise NotLive(
            f"The session has not started yet: you can {doing} from "
            f"{timing.london_label(session.starts_at, with_date=False)}."
        )
    if now == Phase.ENDED:
        raise NotLive("The session has ended, so nothing more can be sent to it.")
    raise NotLive("This session is not taking place.")


def class_in_session(actor: Any, session: LiveSession) -> int | None:
    """The class through which the actor takes part."""
    return roles.class_of_actor_in_link(actor, session.link)


def segment_view(segment: LiveSegment) -> dict[str, Any]:
    """One agenda segment."""
    return {
        "position": segment.position,
        "kind": segment.kind.value,
        "kind_label": SEGMENT_LABELS[segment.kind],
        "title": segment.title,
        "minutes": segment.minutes,
    }


def session_view(actor: Any, session: LiveSession) -> dict[str, Any]:
    """A session as pages and the API show it, with what this user may do."""
    now = phase(session)
    link = session.link
    return {
        "id": session.id,
        "link_id": session.link_id,
        "title": session.title,
        "status": session.status.value,
        "phase": now.value,
        "phase_label": timing.PHASE_WORDS[now],
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "lobby_opens_at": (session.starts_at - timing.LOBBY_OPENS_BEFORE).isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "when": timing.london_label(session.starts_at),
        "until": timing.london_label(session.ends_at, with_date=False),
        "zone": timing.zone_name(session.starts_at),
        "countdown": timing.countdown_words(session.starts_at),
        "classes": [
            {"id": link.class_a_id, "label": link.class_a.label},
            {"id": link.class_b_id, "label": link.class_b.label},
        ],
        "proposed_by": session.proposed_by.display_name,
        "confirming_class": link.classroom(session.confirming_class_id).label,
        "cancel_reason": session.cancel_reason,
        "chat_paused": session.chat_paused,
        "segment_position": session.segment_position,
        "segments": [segment_view(s) for s in session.segments],
        "calendar_sequence": session.calendar_sequence,
        "streams": {
            "live": realtime.live_stream(session.id),
            "teachers": realtime.live_teachers_stream(session.id),
        },
        "can": {
            "confirm": rules.can_confirm_session(actor, session) and now == Phase.PROPOSED,
            "plan": rules.can_plan_session(actor, session)
            and now in (Phase.PROPOSED, Phase.EXPIRED, Phase.SCHEDULED),
            "cancel": rules.can_plan_session(actor, session)
            and now in (Phase.PROPOSED, Phase.EXPIRED, Phase.SCHEDULED, Phase.LOBBY),
            "join": rules.can_join_session(actor, session),
            "run": rules.can_run_session(actor, session),
            "transcript": rules.can_read_transcript(actor, session),
            "calendar": rules.can_download_calendar(actor, session),
        },
    }
