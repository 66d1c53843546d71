"""Before the event: creating it, the run of show, invitations, the helper teacher.

Showcase items and shout-outs are in exchange/rooms/events/showcase.py; the live stage in
stage.py; the aggregated counters and roll call in live.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from exchange import authz, realtime
from exchange.accounts.models import Classroom, District, Link, Role, School, User
from exchange.authz import events as event_authz
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.rooms.events import access as event_access
from exchange.rooms.events.models import (
    CelebrationEvent,
    EventInvitation,
    EventSegment,
    EventState,
    InvitationStatus,
    SegmentKind,
)
from exchange.types import utcnow

TITLE_MAX = 160
DESCRIPTION_MAX = 2000
MAX_SEGMENTS = 100
MAX_EVENT_HOURS = 8


@dataclass
class SegmentPlan:
    """One segment as a facilitator writes it."""

    kind: str
    title: str
    minutes: int = 5
    link_id: int | None = None
    classroom_id: int | None = None


DEFAULT_SEGMENTS = [
    SegmentPlan("welcome", "Welcome", 5),
    SegmentPlan("activity", "Shared activity", 15),
    SegmentPlan("goodbye", "Goodbye", 5),
]


def get_event(event_id: int) -> CelebrationEvent:
    """An event by id, or NotFound."""
    event = db.session.get(CelebrationEvent, event_id)
    if event is None:
        raise NotFound("That event does not exist.")
    return event


def event_for(actor: Any, event_id: int) -> CelebrationEvent:
    """An event this user may see (others get NotFound, so ids are not probed)."""
    event = get_event(event_id)
    if not event_authz.can_view_event(actor, event_access.of(event)):
        raise NotFound("That event does not exist.")
    return event


def _require_manager(actor: Any, event: CelebrationEvent) -> None:
    if not event_authz.can_manage_event(actor, event_access.of(event)):
        if event_authz.can_view_event(actor, event_access.of(event)):
            raise Forbidden("Only the event's facilitator can change its plan.")
        raise NotFound("That event does not exist.")


def _require_planning(event: CelebrationEvent) -> None:
    if event.state in (EventState.ENDED, EventState.CANCELLED):
        raise Conflict("This event is over, so its plan cannot change.")


def _check_text(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise Invalid("Please give the event a title.", field="title")
    if len(title) > TITLE_MAX:
        raise Invalid(f"The title can be at most {TITLE_MAX} characters.", field="title")
    if len(description) > DESCRIPTION_MAX:
        raise Invalid(
            f"The description can be at most {DESCRIPTION_MAX} characters.", field="description"
        )
    return title, description


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("Times need a time zone.", field="starts_at")
    if ends_at <= starts_at:
        raise Invalid("The event must end after it starts.", field="ends_at")
    if ends_at - starts_at > timedelta(hours=MAX_EVENT_HOURS):
        raise Invalid(f"An event can last at most {MAX_EVENT_HOURS} hours.", field="ends_at")


def create_event(
    actor: Any,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    district_ids: list[int] | None = None,
    host_id: int | None = None,
    segments: list[SegmentPlan] | None = None,
) -> CelebrationEvent:
    """A facilitator plans an event for their district; an admin may span several districts
    and names the facilitator who hosts it."""
    if not (authz.is_admin(actor) or (authz.is_staff(actor) and actor.role == Role.FACILITATOR)):
        raise Forbidden("Only facilitators and admins can create celebration events.")
    district_ids = list(
        dict.fromkeys(district_ids or ([actor.district_id] if actor.district_id else []))
    )
    if not district_ids:
        raise Invalid("Please choose the district the event is for.", field="district_ids")
    if not event_authz.can_create_event(actor, district_ids):
        raise Forbidden("A facilitator can create events for their own district only.")
    districts = [db.session.get(District, d) for d in district_ids]
    if any(d is None for d in districts):
        raise Invalid("One of those districts does not exist.", field="district_ids")
    title, description = _check_text(title, description)
    _check_times(starts_at, ends_at)
    if starts_at < utcnow() - timedelta(hours=1):
        raise Invalid("The event cannot start in the past.", field="starts_at")
    host = actor if host_id is None and not authz.is_admin(actor) else db.session.get(User, host_id)
    if host is None or host.role != Role.FACILITATOR or host.district_id not in district_ids:
        raise Invalid(
            "The host must be a facilitator of one of the event's districts.", field="host_id"
        )
    event = CelebrationEvent(
        district_id=host.district_id,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        host_id=host.id,
        created_by_id=actor.id,
        state=EventState.SCHEDULED,
        reaction_totals={},
    )
    event.districts = [d for d in districts if d is not None]
    db.session.add(event)
    db.session.flush()
    _replace_segments(event, segments if segments is not None else DEFAULT_SEGMENTS)
    db.session.commit()
    return event


def update_event(
    actor: Any,
    event_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> CelebrationEvent:
    """Change an event's title, description or times."""
    event = get_event(event_id)
    _require_manager(actor, event)
    _require_planning(event)
    new_title, new_description = _check_text(
        event.title if title is None else title,
        event.description if description is None else description,
    )
    new_start = starts_at or event.starts_at
    new_end = ends_at or event.ends_at
    _check_times(new_start, new_end)
    event.title, event.description = new_title, new_description
    event.starts_at, event.ends_at = new_start, new_end
    _announce_plan(event)
    db.session.commit()
    return event


def cancel_event(actor: Any, event_id: int) -> CelebrationEvent:
    """Call off an event that has not started."""
    event = get_event(event_id)
    _require_manager(actor, event)
    if event.state != EventState.SCHEDULED:
        raise Conflict("Only an event that has not started can be cancelled.")
    event.state = EventState.CANCELLED
    _announce_plan(event)
    db.session.commit()
    event_access.forget(event.id)
    return event


def set_run_of_show(actor: Any, event_id: int, segments: list[SegmentPlan]) -> CelebrationEvent:
    """Replace the run of show (only before the event goes on air)."""
    event = get_event(event_id)
    _require_manager(actor, event)
    if event.state != EventState.SCHEDULED:
        raise Conflict("The run of show can only be changed before the event starts.")
    _replace_segments(event, segments)
    _announce_plan(event)
    db.session.commit()
    return event


def _replace_segments(event: CelebrationEvent, plans: Iterable[SegmentPlan]) -> None:
    plans = list(plans)
    if not plans:
        raise Invalid("The run of show needs at least one segment.", field="segments")
    if len(plans) > MAX_SEGMENTS:
        raise Invalid(f"A run of show can have at most {MAX_SEGMENTS} segments.", field="segments")
    invited = {i.classroom_id for i in event.invitations}
    built = []
    for position, plan in enumerate(plans, start=1):
        built.append(_segment(event, position, plan, invited))
    event.segments.clear()
    db.session.flush()
    event.segments.extend(built)
    db.session.flush()


def _segment(
    event: CelebrationEvent, position: int, plan: SegmentPlan, invited: set[int]
) -> EventSegment:
    where = f"Segment {position}"
    try:
        kind = SegmentKind(plan.kind)
    except ValueError:
        raise Invalid(
            f"{where}: choose welcome, showcase, activity or goodbye.", field="segments"
        ) from None
    title = (plan.title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(
            f"{where}: give it a title of at most {TITLE_MAX} characters.", field="segments"
        )
    if not 1 <= int(plan.minutes) <= 180:
        raise Invalid(f"{where}: a segment lasts between 1 and 180 minutes.", field="segments")
    link_id = plan.link_id if kind == SegmentKind.SHOWCASE else None
    classroom_id = plan.classroom_id if kind == SegmentKind.SHOWCASE else None
    if link_id is not None:
        link = db.session.get(Link, link_id)
        if link is None or not set(link.class_ids) <= invited:
            raise Invalid(f"{where}: that link is not invited to the event.", field="segments")
    if classroom_id is not None and classroom_id not in invited:
        raise Invalid(f"{where}: that class is not invited to the event.", field="segments")
    return EventSegment(
        event_id=event.id,
        position=position,
        kind=kind,
        title=title,
        minutes=int(plan.minutes),
        link_id=link_id,
        classroom_id=classroom_id,
    )


def invite(
    actor: Any, event_id: int, *, link_ids: Iterable[int] = (), class_ids: Iterable[int] = ()
) -> list[EventInvitation]:
    """Invite links (both classes) or single classes of the event's districts.

    A newly invited link gets its own showcase segment before the shared activity.
    """
    event = get_event(event_id)
    _require_manager(actor, event)
    _require_planning(event)
    wanted: list[tuple[int, Link | None]] = []
    new_links: list[Link] = []
    for link_id in dict.fromkeys(link_ids):
        link = db.session.get(Link, link_id)
        if link is None or link.district_id not in event.district_ids:
            raise Invalid("That link is not in the event's districts.", field="link_ids")
        if not link.is_active:
            raise Conflict("Only active links can be invited.")
        wanted += [(cid, link) for cid in link.class_ids]
        new_links.append(link)
    for class_id in dict.fromkeys(class_ids):
        classroom = db.session.get(Classroom, class_id)
        if classroom is None or classroom.district_id not in event.district_ids:
            raise Invalid("That class is not in the event's districts.", field="class_ids")
        wanted.append((class_id, None))
    if not wanted:
        raise Invalid("Choose at least one link or class to invite.", field="link_ids")
    existing = {i.classroom_id: i for i in event.invitations}
    made = []
    for class_id, link in wanted:
        if class_id in existing:
            continue
        invitation = EventInvitation(
            event_id=event.id, classroom_id=class_id, link_id=link.id if link else None
        )
        event.invitations.append(invitation)
        existing[class_id] = invitation
        made.append(invitation)
    db.session.flush()
    if event.state == EventState.SCHEDULED:
        _add_showcase_segments(event, new_links)
    _announce_plan(event)
    db.session.commit()
    event_access.forget(event.id)
    return made


def _add_showcase_segments(event: CelebrationEvent, links: list[Link]) -> None:
    have = {s.link_id for s in event.segments if s.link_id}
    plans = [
        SegmentPlan(s.kind.value, s.title, s.minutes, s.link_id, s.classroom_id)
        for s in event.segments
    ]
    insert_at = next(
        (n for n, p in enumerate(plans) if p.kind in ("activity", "goodbye")), len(plans)
    )
    for link in links:
        if link.id in have or len(plans) >= MAX_SEGMENTS:
            continue  # a very large event: the facilitator groups showcases by hand
        title = f"Showcase: {link.class_a.name} and {link.class_b.name}"
        plans.insert(insert_at, SegmentPlan("showcase", title[:TITLE_MAX], 5, link.id))
        insert_at += 1
    if len(plans) != len(event.segments):
        _replace_segments(event, plans)


def uninvite(actor: Any, event_id: int, classroom_id: int) -> None:
    """Withdraw a class's invitation before the event starts."""
    event = get_event(event_id)
    _require_manager(actor, event)
    if event.state != EventState.SCHEDULED:
        raise Conflict("Invitations can only be withdrawn before the event starts.")
    invitation = next((i for i in event.invitations if i.classroom_id == classroom_id), None)
    if invitation is None:
        raise NotFound("That class is not invited.")
    if any(classroom_id in s.class_ids for s in event.segments):
        raise Conflict("That class has a showcase segment: change the run of show first.")
    event.invitations.remove(invitation)
    _announce_plan(event)
    db.session.commit()
    event_access.forget(event.id)


def answer_invitation(
    actor: Any, event_id: int, classroom_id: int, accept: bool
) -> EventInvitation:
    """A teacher of an invited class accepts (and gets the calendar file) or declines."""
    event = get_event(event_id)
    invitation = next((i for i in event.invitations if i.classroom_id == classroom_id), None)
    if invitation is None or not event_authz.can_answer_invitation(actor, classroom_id):
        raise NotFound("There is no invitation for that class.")
    if event.state in (EventState.ENDED, EventState.CANCELLED):
        raise Conflict("This event is over.")
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.decided_by_id = actor.id
    invitation.decided_at = utcnow()
    _announce_plan(event)
    db.session.commit()
    event_access.forget(event.id)
    return invitation


def name_helper(actor: Any, event_id: int, teacher_id: int | None) -> CelebrationEvent:
    """The facilitator names (or clears) the helper teacher who may approve shout-outs."""
    event = get_event(event_id)
    _require_manager(actor, event)
    _require_planning(event)
    if teacher_id is not None:
        teacher = db.session.get(User, teacher_id)
        found = event_access.of(event)
        if (
            teacher is None
            or teacher.role != Role.TEACHER
            or not any(c.id in found.class_ids for c in teacher.classrooms)
        ):
            raise Invalid("The helper must teach one of the invited classes.", field="teacher_id")
    event.helper_id = teacher_id
    _announce_plan(event)
    db.session.commit()
    event_access.forget(event.id)
    return event


def _announce_plan(event: CelebrationEvent) -> None:
    """Tell screens the plan changed (they re-read the run of show); also bumps the stream's
    sequence, which invalidates every process's cached snapshot."""
    realtime.publish(
        realtime.event_stream(event.id),
        "plan_changed",
        {"event_id": event.id, "state": event.state.value},
    )


# ----- reading ------------------------------------------------------------------------------


def events_for(actor: Any) -> list[CelebrationEvent]:
    """The events a user may see, soonest first."""
    stmt = select(CelebrationEvent).order_by(CelebrationEvent.starts_at, CelebrationEvent.id)
    if authz.is_admin(actor):
        return list(db.session.scalars(stmt))
    if authz.is_staff(actor) and actor.role == Role.FACILITATOR:
        return list(
            db.session.scalars(
                stmt.where(
                    or_(
                        CelebrationEvent.district_id == actor.district_id,
                        CelebrationEvent.host_id == actor.id,
                        CelebrationEvent.districts.any(District.id == actor.district_id),
                    )
                )
            )
        )
    if authz.is_pupil(actor):
        class_ids = [actor.classroom_id]
    elif authz.is_staff(actor):
        class_ids = [c.id for c in actor.classrooms]
    else:
        return []
    invited = select(EventInvitation.event_id).where(
        EventInvitation.classroom_id.in_(class_ids),
        EventInvitation.status != InvitationStatus.DECLINED,
    )
    helper = CelebrationEvent.helper_id == actor.id if authz.is_staff(actor) else False
    return list(db.session.scalars(stmt.where(or_(CelebrationEvent.id.in_(invited), helper))))


def invitations_for(actor: Any) -> list[EventInvitation]:
    """A teacher's invitations (any answer), for events not yet over."""
    if not authz.is_staff(actor):
        return []
    class_ids = [c.id for c in actor.classrooms]
    stmt = (
        select(EventInvitation)
        .join(CelebrationEvent)
        .where(
            EventInvitation.classroom_id.in_(class_ids),
            CelebrationEvent.state.in_([EventState.SCHEDULED, EventState.LIVE, EventState.PAUSED]),
        )
        .order_by(CelebrationEvent.starts_at, CelebrationEvent.id, EventInvitation.id)
    )
    return list(db.session.scalars(stmt))


def run_of_show(event: CelebrationEvent, my_class_ids: Iterable[int] = ()) -> list[dict[str, Any]]:
    """The segments with their planned start times and whether it is one of my classes' turn."""
    mine = set(my_class_ids)
    at = event.starts_at
    rows = []
    for segment in event.segments:
        labels = [db.session.get(Classroom, c).label for c in segment.class_ids]
        rows.append(
            {
                "position": segment.position,
                "kind": segment.kind.value,
                "title": segment.title,
                "minutes": segment.minutes,
                "planned_at": at.isoformat(),
                "link_id": segment.link_id,
                "classroom_id": segment.classroom_id,
                "class_ids": list(segment.class_ids),
                "class_labels": labels,
                "yours": bool(mine.intersection(segment.class_ids)),
                "current": segment.position == event.segment_position and event.is_on_air,
            }
        )
        at = at + timedelta(minutes=segment.minutes)
    return rows


def invited_classes(event: CelebrationEvent) -> list[dict[str, Any]]:
    """Invited classes with their answers, by school."""
    rows = [
        {
            "classroom_id": i.classroom_id,
            "label": i.classroom.label,
            "link_id": i.link_id,
            "status": i.status.value,
        }
        for i in event.invitations
    ]
    return sorted(rows, key=lambda r: r["label"])


def invitable(event: CelebrationEvent) -> dict[str, list[dict[str, Any]]]:
    """Active links and classes of the event's districts that could still be invited."""
    invited = {i.classroom_id for i in event.invitations}
    links = db.session.scalars(
        select(Link).where(Link.district_id.in_(event.district_ids)).order_by(Link.id)
    )
    classes = db.session.scalars(
        select(Classroom)
        .join(School)
        .where(School.district_id.in_(event.district_ids))
        .order_by(School.name, Classroom.name)
    )
    return {
        "links": [
            {"id": link.id, "label": f"{link.class_a.label} with {link.class_b.label}"}
            for link in links
            if link.is_active and not set(link.class_ids) <= invited
        ],
        "classes": [{"id": c.id, "label": c.label} for c in classes if c.id not in invited],
    }


def helper_choices(event: CelebrationEvent) -> list[dict[str, Any]]:
    """Teachers of invited classes, who may be named the helper."""
    seen: dict[int, dict[str, Any]] = {}
    for invitation in event.invitations:
        for teacher in invitation.classroom.teachers:
            seen.setdefault(
                teacher.id,
                {
                    "id": teacher.id,
                    "label": f"{teacher.display_name} ({invitation.classroom.label})",
                },
            )
    return sorted(seen.values(), key=lambda t: t["label"])


def planning_choices(actor: Any) -> dict[str, list[Any]]:
    """What the new-event form offers an admin: districts and host facilitators (a facilitator
    plans for their own district only, so gets neither)."""
    if not authz.is_admin(actor):
        return {"districts": [], "hosts": []}
    districts = db.session.scalars(select(District).order_by(District.name))
    hosts = db.session.scalars(
        select(User).where(User.role == Role.FACILITATOR).order_by(User.display_name)
    )
    return {"districts": list(districts), "hosts": list(hosts)}
