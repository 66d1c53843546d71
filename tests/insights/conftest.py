"""Helpers for insights tests: moderation items written straight into the database at known
times, so every figure can be checked against a value worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange.accounts.models import Classroom, Link
from exchange.extensions import db
from exchange.moderation.models import (
    ItemKind,
    ItemState,
    ModerationItem,
    Report,
    ReportStatus,
    Stage,
)

# A fixed "now" for every figure: a Wednesday in the spring term of 2026-27.
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    """A moment that many days before NOW."""
    return NOW - timedelta(days=days)


def make_item(
    link: Link,
    classroom: Classroom,
    *,
    kind: ItemKind = ItemKind.POST,
    state: ItemState = ItemState.APPROVED,
    approved: datetime | None = None,
    submitted: datetime | None = None,
    stage: Stage | None = None,
    pupil=None,
    staff=None,
) -> ModerationItem:
    """An item of a link's class in a given state; approved items default to approved a day ago."""
    if state == ItemState.APPROVED and approved is None:
        approved = days_ago(1)
    if state == ItemState.PENDING and stage is None:
        stage = Stage.OWN_TEACHER
    item = ModerationItem(
        kind=kind,
        link_id=link.id,
        classroom_id=classroom.id,
        district_id=link.district_id,
        author_pupil_id=pupil.id if pupil else None,
        author_staff_id=staff.id if staff else None,
        state=state,
        stage=stage,
        flags=[],
        submitted_at=submitted or approved or days_ago(1),
        approved_at=approved,
    )
    db.session.add(item)
    db.session.flush()
    return item


def make_items(link, classroom, count, **kw) -> list[ModerationItem]:
    """Several items alike."""
    return [make_item(link, classroom, **kw) for _ in range(count)]


def make_report(item: ModerationItem, by, status: ReportStatus = ReportStatus.OPEN) -> Report:
    """A report of a hidden item."""
    report = Report(
        item_id=item.id,
        district_id=item.district_id,
        reported_by_id=by.id,
        reason="x",
        status=status,
    )
    db.session.add(report)
    db.session.flush()
    return report


@pytest.fixture
def now():
    """The fixed moment figures are computed for."""
    return NOW


def make_session(link, teacher, *, starts, title="Linking day", status=None, ended=None, hours=1):
    """A live session of a link at a given time (confirmed by default)."""
    from exchange.rooms.live.models import LiveSession, SessionStatus

    session = LiveSession(
        link_id=link.id,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        status=status or SessionStatus.CONFIRMED,
        proposed_by_id=teacher.id,
        proposed_by_class_id=teacher.classrooms[0].id,
        ended_at=ended,
        calendar_uid=f"test-{link.id}-{starts.timestamp()}-{title}",
    )
    db.session.add(session)
    db.session.flush()
    return session


def make_enquiry(link, *, at, title="Is it ever right to tell a lie?", open_=False):
    """A P4C enquiry of a link started at a given time (closed unless `open_`)."""
    from exchange.enquiry.models import Enquiry, EnquiryState

    enquiry = Enquiry(
        link_id=link.id,
        title=title,
        created_at=at,
        state=EnquiryState.OPEN if open_ else EnquiryState.CLOSED,
        closed_at=None if open_ else at + timedelta(days=7),
    )
    db.session.add(enquiry)
    db.session.flush()
    if not open_:
        enquiry.open_slot = None  # as closing does: frees the link's one open slot
        db.session.flush()
    return enquiry
