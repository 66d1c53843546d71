"""Who is part of an event, cached per process so joins and stream checks cost no query.

Joining 1,000 screens in a few seconds means the authorisation data of an event (its host,
helper, districts and invited classes) is read once and reused. Services that change it forget
the entry at once; other processes see the change within ACCESS_TTL seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from exchange.accounts.models import Classroom, class_teacher
from exchange.extensions import db
from exchange.rooms.events.models import (
    CelebrationEvent,
    EventInvitation,
    EventState,
    InvitationStatus,
    event_district,
)

ACCESS_TTL = 2.0


@dataclass(frozen=True)
class EventAccess:
    """The facts authorisation needs about one event."""

    id: int
    district_id: int
    district_ids: frozenset[int]
    host_id: int
    helper_id: int | None
    class_ids: frozenset[int]  # invited and not declined
    accepted_ids: frozenset[int]
    state: EventState
    # Teacher id -> the invited classes they teach, in Classroom.name order (as
    # User.classrooms): a thousand teachers' screens join without loading their classes.
    teacher_classes: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False)


def _cache() -> dict[int, tuple[float, EventAccess]]:
    """This app's cache (per app, so each test's fresh app starts empty)."""
    return current_app.extensions.setdefault("events_access", {})


def load(event_id: int) -> EventAccess | None:
    """Read an event's access facts from the database (four small queries)."""
    row = db.session.execute(
        select(
            CelebrationEvent.district_id,
            CelebrationEvent.host_id,
            CelebrationEvent.helper_id,
            CelebrationEvent.state,
        ).where(CelebrationEvent.id == event_id)
    ).first()
    if row is None:
        return None
    invitations = db.session.execute(
        select(EventInvitation.classroom_id, EventInvitation.status).where(
            EventInvitation.event_id == event_id
        )
    ).all()
    teaching = db.session.execute(
        select(class_teacher.c.user_id, class_teacher.c.classroom_id)
        .join(Classroom, Classroom.id == class_teacher.c.classroom_id)
        .join(EventInvitation, EventInvitation.classroom_id == Classroom.id)
        .where(EventInvitation.event_id == event_id)
        .order_by(Classroom.name, Classroom.id)
    ).all()
    teacher_classes: dict[int, list[int]] = {}
    for user_id, classroom_id in teaching:
        teacher_classes.setdefault(user_id, []).append(classroom_id)
    districts = db.session.scalars(
        select(event_district.c.district_id).where(event_district.c.event_id == event_id)
    ).all()
    return EventAccess(
        id=event_id,
        district_id=row.district_id,
        district_ids=frozenset([row.district_id, *districts]),
        host_id=row.host_id,
        helper_id=row.helper_id,
        class_ids=frozenset(c for c, s in invitations if s != InvitationStatus.DECLINED),
        accepted_ids=frozenset(c for c, s in invitations if s == InvitationStatus.ACCEPTED),
        state=row.state,
        teacher_classes={k: tuple(v) for k, v in teacher_classes.items()},
    )


def access(event_id: int) -> EventAccess | None:
    """An event's access facts, from the cache when fresh."""
    now = time.monotonic()
    cache = _cache()
    cached = cache.get(event_id)
    if cached and now - cached[0] < ACCESS_TTL:
        return cached[1]
    found = load(event_id)
    if found is None:
        cache.pop(event_id, None)
        return None
    cache[event_id] = (now, found)
    return found


def of(event: CelebrationEvent) -> EventAccess:
    """The access facts of a loaded event (cached; never None)."""
    found = access(event.id)
    assert found is not None, "event vanished"
    return found


def forget(event_id: int) -> None:
    """Drop an event's cached facts after a change (the next check reads them again)."""
    _cache().pop(event_id, None)
