"""Planning live sessions: propose, confirm, reschedule, cancel, and list what is coming up.

Either teacher of a link proposes a session; a teacher of the other class confirms it. Moving
its time sends it back for confirmation; every change tells the other teachers (on their
`staff:<id>` stream) and moves the calendar entry on (same UID, next SEQUENCE).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from exchange import authz, realtime
from exchange.accounts.linking import links_of_classes, newest_first
from exchange.accounts.models import Link
from exchange.authz import rooms as rules
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.idlists import row_limit
from exchange.rooms.live import timing
from exchange.rooms.live.models import (
    SEGMENT_LABELS,
    LiveSegment,
    LiveSession,
    SegmentKind,
    SessionStatus,
)
from exchange.rooms.live.services.common import get_session, phase
from exchange.rooms.live.timing import Phase

TITLE_MIN, TITLE_MAX = 3, 120
SEGMENT_TITLE_MAX = 80
SEGMENTS_MAX = 12
REASON_MAX = 500
DEFAULT_AGENDA = [
    (SegmentKind.WELCOME, "Welcome and hellos", 5),
    (SegmentKind.GAME, "Warm-up game", 10),
    (SegmentKind.SHARING, "Sharing our work", 15),
    (SegmentKind.P4C, "P4C enquiry", 20),
    (SegmentKind.GOODBYE, "Goodbye", 5),
]


@dataclass
class SegmentPlan:
    """One agenda line as a teacher typed it."""

    kind: str = "other"
    title: str = ""
    minutes: int | None = None


@dataclass
class Plan:
    """A session's title, day, London start and end times, and agenda."""

    title: str
    day: date
    start: time
    end: time
    segments: list[SegmentPlan] = field(default_factory=list)


def default_segments() -> list[SegmentPlan]:
    """The agenda a new session starts from (teachers change it freely)."""
    return [SegmentPlan(kind.value, title, minutes) for kind, title, minutes in DEFAULT_AGENDA]


def _clean_segments(segments: list[SegmentPlan]) -> list[SegmentPlan]:
    """Validate the agenda: at least one segment, known kinds, short titles."""
    cleaned = []
    for n, seg in enumerate(segments, start=1):
        title = (seg.title or "").strip()
        if seg.kind not in SegmentKind.__members__.values():
            raise Invalid(f"Agenda line {n}: choose a kind from the list.", field="segments")
        kind = SegmentKind(seg.kind)
        if not title:
            title = SEGMENT_LABELS[kind]
        if len(title) > SEGMENT_TITLE_MAX:
            raise Invalid(
                f"Agenda line {n}: at most {SEGMENT_TITLE_MAX} characters.", field="segments"
            )
        if seg.minutes is not None and not 1 <= seg.minutes <= 240:
            raise Invalid(f"Agenda line {n}: minutes must be 1 to 240.", field="segments")
        cleaned.append(SegmentPlan(kind.value, title, seg.minutes))
    if not cleaned:
        raise Invalid("Please give the session at least one agenda segment.", field="segments")
    if len(cleaned) > SEGMENTS_MAX:
        raise Invalid(f"An agenda can have at most {SEGMENTS_MAX} segments.", field="segments")
    return cleaned


def _clean_plan(plan: Plan) -> tuple[str, Any, Any, list[SegmentPlan]]:
    """Validate a plan and turn its London times into UTC."""
    title = (plan.title or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise Invalid(f"The title needs {TITLE_MIN} to {TITLE_MAX} characters.", field="title")
    starts_at = timing.london_to_utc(plan.day, plan.start)
    ends_at = timing.london_to_utc(plan.day, plan.end)
    if ends_at <= starts_at:
        raise Invalid("The session must end after it starts.", field="end_time")
    if ends_at - starts_at < timing.SHORTEST:
        raise Invalid("A live session lasts at least 10 minutes.", field="end_time")
    if ends_at - starts_at > timing.LONGEST:
        raise Invalid("A live session lasts at most 4 hours.", field="end_time")
    if starts_at <= timing.now():
        raise Invalid("Please choose a start time in the future.", field="date")
    return title, starts_at, ends_at, _clean_segments(plan.segments)


def _require_no_overlap(link: Link, starts_at: Any, ends_at: Any, other_than: int | None) -> None:
    """Two sessions of one link cannot overlap."""
    stmt = select(LiveSession).where(
        LiveSession.link_id == link.id,
        LiveSession.status != SessionStatus.CANCELLED,
        LiveSession.starts_at < ends_at,
        LiveSession.ends_at > starts_at,
        LiveSession.ended_at.is_(None),
    )
    if other_than is not None:
        stmt = stmt.where(LiveSession.id != other_than)
    clash = db.session.scalars(stmt.order_by(LiveSession.starts_at, LiveSession.id)).first()
    if clash is not None:
        raise Conflict(
            f"“{clash.title}” is already planned then ({timing.london_label(clash.starts_at)}). "
            "Please choose another time.",
            field="start_time",
        )


def _teacher_class(actor: Any, link: Link) -> int:
    """The class through which a teacher plans for a link."""
    class_id = next((cid for cid in link.class_ids if authz.teaches(actor, cid)), None)
    if class_id is None:
        raise Forbidden("Only the two classes' teachers can plan live sessions.")
    return class_id


def _set_segments(session: LiveSession, segments: list[SegmentPlan]) -> None:
    """Replace the agenda and start again at its first segment."""
    session.segments.clear()
    db.session.flush()
    for position, seg in enumerate(segments):
        session.segments.append(
            LiveSegment(
                position=position, kind=SegmentKind(seg.kind), title=seg.title, minutes=seg.minutes
            )
        )
    session.segment_position = 0


def _notify(actor: Any, session: LiveSession, change: str, note: str | None = None) -> None:
    """Tell every other teacher of the two classes (the record is their staff stream)."""
    link = session.link
    told = set()
    for classroom in (link.class_a, link.class_b):
        for teacher in classroom.teachers:
            if teacher.id == actor.id or teacher.id in told:
                continue
            told.add(teacher.id)
            realtime.publish(
                realtime.staff_stream(teacher.id),
                "live_session_changed",
                {
                    "session_id": session.id,
                    "change": change,
                    "title": session.title,
                    "when": timing.london_label(session.starts_at),
                    "by": actor.display_name,
                    "note": note,
                    "needs_confirmation": session.status == SessionStatus.PROPOSED
                    and authz.teaches(teacher, session.confirming_class_id),
                },
                link_id=link.id,
            )


def schedule(actor: Any, link_id: int, plan: Plan) -> LiveSession:
    """A teacher proposes a session; the other class's teacher is asked to confirm."""
    link = db.session.get(Link, link_id) if link_id else None
    if link is None or not authz.can_view_link(actor, link):
        raise NotFound("That link does not exist.")
    class_id = _teacher_class(actor, link)
    if not rules.can_schedule_session(actor, link):
        raise Conflict("This link is not active, so no session can be planned in it.")
    title, starts_at, ends_at, segments = _clean_plan(plan)
    _require_no_overlap(link, starts_at, ends_at, None)
    session = LiveSession(
        link=link,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        status=SessionStatus.PROPOSED,
        proposed_by_id=actor.id,
        proposed_by_class_id=class_id,
        calendar_uid=f"live-{uuid.uuid4().hex}@linking-exchange",
        calendar_sequence=0,
    )
    db.session.add(session)
    _set_segments(session, segments)
    db.session.flush()
    _notify(actor, session, "proposed")
    db.session.commit()
    return session


def confirm(actor: Any, session_id: int) -> LiveSession:
    """A teacher of the other class agrees to the proposed time."""
    session = _plannable(actor, session_id)
    if session.status != SessionStatus.PROPOSED:
        raise Conflict("This session is not waiting for confirmation.")
    if phase(session) == Phase.EXPIRED:
        raise Conflict("The proposed time has passed. Please reschedule it first.")
    if not rules.can_confirm_session(actor, session):
        raise Forbidden(
            "The partner class's teacher confirms a session you proposed; you can still change it."
        )
    session.status = SessionStatus.CONFIRMED
    session.confirmed_by_id, session.confirmed_at = actor.id, timing.now()
    session.updated_at = timing.now()
    _notify(actor, session, "confirmed")
    db.session.commit()
    return session


def reschedule(actor: Any, session_id: int, plan: Plan) -> LiveSession:
    """Change the title, times or agenda; a new time needs the other teacher's confirmation."""
    session = _plannable(actor, session_id)
    if phase(session) not in (Phase.PROPOSED, Phase.EXPIRED, Phase.SCHEDULED):
        raise Conflict("A session can be changed only until its lobby opens.")
    title, starts_at, ends_at, segments = _clean_plan(plan)
    _require_no_overlap(session.link, starts_at, ends_at, session.id)
    moved = starts_at != session.starts_at or ends_at != session.ends_at
    session.title, session.starts_at, session.ends_at = title, starts_at, ends_at
    _set_segments(session, segments)
    if moved or session.status == SessionStatus.PROPOSED:
        session.status = SessionStatus.PROPOSED
        session.proposed_by_id = actor.id
        session.proposed_by_class_id = _teacher_class(actor, session.link)
        session.confirmed_by_id = session.confirmed_at = None
    session.calendar_sequence += 1
    session.updated_at = timing.now()
    _notify(actor, session, "rescheduled" if moved else "updated")
    db.session.commit()
    return session


def cancel(actor: Any, session_id: int, reason: str = "") -> LiveSession:
    """Call the session off (or decline a proposal); the calendar entry is cancelled."""
    session = _plannable(actor, session_id)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise Invalid(f"The reason can be at most {REASON_MAX} characters.", field="reason")
    now = phase(session)
    if now == Phase.LIVE:
        raise Conflict("The session is live: end it from the session page instead.")
    if now in (Phase.ENDED, Phase.CANCELLED):
        raise Conflict("This session is already over.")
    session.status = SessionStatus.CANCELLED
    session.cancelled_by_id, session.cancelled_at = actor.id, timing.now()
    session.cancel_reason = reason or None
    session.calendar_sequence += 1
    session.updated_at = timing.now()
    _notify(actor, session, "cancelled", note=reason or None)
    db.session.commit()
    return session


def _plannable(actor: Any, session_id: int) -> LiveSession:
    """A session this teacher may plan; others are told it does not exist for them."""
    session = get_session(session_id)
    if not rules.can_view_session(actor, session):
        raise NotFound("There is no live session like that.")
    if not rules.can_plan_session(actor, session):
        raise Forbidden("Only the two classes' teachers can change a live session.")
    return session


def viewable(actor: Any, session_id: int) -> LiveSession:
    """A session this user may see, or NotFound."""
    session = get_session(session_id)
    if not rules.can_view_session(actor, session):
        raise NotFound("There is no live session like that.")
    return session


def sessions_for(
    actor: Any, *, classroom_id: int | None = None, past: bool = False, limit: int = 100
) -> list[LiveSession]:
    """Sessions this user may see (optionally of one class), upcoming first or recent past."""
    stmt = select(LiveSession).join(Link, Link.id == LiveSession.link_id)
    if classroom_id is not None:
        stmt = stmt.where(or_(Link.class_a_id == classroom_id, Link.class_b_id == classroom_id))
    if authz.is_pupil(actor):
        stmt = stmt.where(
            or_(Link.class_a_id == actor.classroom_id, Link.class_b_id == actor.classroom_id),
            LiveSession.confirmed_at.is_not(None),
        )
    elif authz.is_staff(actor) and actor.role.value == "teacher":
        ids = [c.id for c in actor.classrooms]
        stmt = stmt.where(or_(Link.class_a_id.in_(ids), Link.class_b_id.in_(ids)))
    elif authz.is_staff(actor) and actor.role.value == "facilitator":
        stmt = stmt.where(Link.district_id == actor.district_id)
    elif not authz.is_admin(actor):
        return []
    now = timing.now()
    if past:
        stmt = stmt.where(
            or_(LiveSession.ends_at <= now, LiveSession.ended_at.is_not(None))
        ).order_by(LiveSession.starts_at.desc(), LiveSession.id.desc())
    else:
        stmt = stmt.where(
            LiveSession.ends_at > now,
            LiveSession.ended_at.is_(None),
            or_(
                LiveSession.status != SessionStatus.CANCELLED,
                LiveSession.starts_at > now - timedelta(days=1),
            ),
        ).order_by(LiveSession.starts_at, LiveSession.id)
    found = list(db.session.scalars(stmt.limit(row_limit(limit))))
    return [s for s in found if rules.can_view_session(actor, s)]


def awaiting_confirmation(actor: Any) -> list[LiveSession]:
    """Proposals this teacher is asked to confirm."""
    if not authz.is_staff(actor):
        return []
    return [
        s
        for s in sessions_for(actor)
        if s.status == SessionStatus.PROPOSED
        and rules.can_confirm_session(actor, s)
        and phase(s) == Phase.PROPOSED
    ]


def plan_of(session: LiveSession) -> Plan:
    """A session's current plan, to fill the reschedule form."""
    start, end = timing.in_london(session.starts_at), timing.in_london(session.ends_at)
    return Plan(
        title=session.title,
        day=start.date(),
        start=start.time().replace(tzinfo=None),
        end=end.time().replace(tzinfo=None),
        segments=[SegmentPlan(s.kind.value, s.title, s.minutes) for s in session.segments],
    )


def links_to_plan(actor: Any) -> list[Link]:
    """The active links this teacher may plan sessions for."""
    if not authz.is_staff(actor):
        return []
    links = newest_first(links_of_classes([c.id for c in actor.classrooms]))
    return [link for link in links if rules.can_schedule_session(actor, link)]
