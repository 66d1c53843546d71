"""Before the event: creating it, the run of show, invitations, the helper teacher."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.rooms.events import access, services
from exchange.rooms.events.models import CelebrationEvent, InvitationStatus
from exchange.types import utcnow
from tests import factories
from tests.events.conftest import plan_event


def test_facilitator_creates_an_event_with_a_default_run_of_show(world):
    event = plan_event(world)
    assert event.host_id == world.facilitator.id
    assert event.district_ids == [world.district.id]
    kinds = [s.kind.value for s in event.segments]
    assert kinds == ["welcome", "showcase", "activity", "goodbye"]
    assert event.segments[1].link_id == world.link.id
    assert {i.classroom_id for i in event.invitations} == {world.class_a.id, world.class_b.id}


@pytest.mark.parametrize(
    "role", ["teacher_a", "pupil_a", "other_facilitator"], ids=lambda r: f"refused-{r}"
)
def test_only_the_districts_facilitator_or_an_admin_creates_events(world, role):
    start = utcnow() + timedelta(days=1)
    with pytest.raises(Forbidden):
        services.create_event(
            world.actor(role),
            title="X",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            district_ids=[world.district.id],
        )
    assert db.session.query(CelebrationEvent).count() == 0


def test_admin_creates_a_multi_district_event_with_a_named_host(world):
    start = utcnow() + timedelta(days=1)
    event = services.create_event(
        world.admin,
        title="Region",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        district_ids=[world.district.id, world.other_district.id],
        host_id=world.facilitator.id,
    )
    assert set(event.district_ids) == {world.district.id, world.other_district.id}
    assert event.host_id == world.facilitator.id


def test_facilitator_cannot_span_several_districts(world):
    start = utcnow() + timedelta(days=1)
    with pytest.raises(Forbidden):
        services.create_event(
            world.facilitator,
            title="X",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            district_ids=[world.district.id, world.other_district.id],
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 161}, "at most"),
        ({"ends_at_offset": -1}, "end after"),
        ({"ends_at_offset": 60 * 9}, "at most 8 hours"),
        ({"starts_in": -60 * 24}, "past"),
    ],
    ids=["empty-title", "long-title", "ends-before-start", "too-long", "in-the-past"],
)
def test_bad_event_details_are_refused_and_nothing_is_stored(world, change, message):
    start = utcnow() + timedelta(minutes=change.get("starts_in", 60 * 24))
    end = start + timedelta(minutes=change.get("ends_at_offset", 60))
    with pytest.raises(Invalid, match=message):
        services.create_event(
            world.facilitator, title=change.get("title", "Fine"), starts_at=start, ends_at=end
        )
    assert db.session.query(CelebrationEvent).count() == 0


def test_admin_must_name_a_host_facilitator_of_the_district(world):
    start = utcnow() + timedelta(days=1)
    with pytest.raises(Invalid, match="host"):
        services.create_event(
            world.admin,
            title="X",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            district_ids=[world.district.id],
            host_id=world.teacher_a.id,
        )


def test_run_of_show_is_replaced_and_validated(world, event):
    plans = [
        services.SegmentPlan("welcome", "Hello everyone", 3),
        services.SegmentPlan("showcase", "Class 5A", 4, classroom_id=world.class_a.id),
        services.SegmentPlan("goodbye", "Bye", 2),
    ]
    services.set_run_of_show(world.facilitator, event.id, plans)
    assert [s.title for s in event.segments] == ["Hello everyone", "Class 5A", "Bye"]
    with pytest.raises(Invalid, match="not invited"):
        services.set_run_of_show(
            world.facilitator,
            event.id,
            [services.SegmentPlan("showcase", "C", 4, classroom_id=world.class_c.id)],
        )
    with pytest.raises(Invalid, match="welcome, showcase"):
        services.set_run_of_show(world.facilitator, event.id, [services.SegmentPlan("dance", "x")])
    with pytest.raises(Invalid, match="at least one"):
        services.set_run_of_show(world.facilitator, event.id, [])
    db.session.refresh(event)
    assert [s.title for s in event.segments] == ["Hello everyone", "Class 5A", "Bye"]


def test_teachers_cannot_change_the_plan(world, event):
    with pytest.raises(Forbidden):
        services.set_run_of_show(world.teacher_a, event.id, [services.SegmentPlan("welcome", "x")])
    with pytest.raises(NotFound):
        services.invite(world.teacher_c, event.id, class_ids=[world.class_c.id])
    with pytest.raises(NotFound):
        services.invite(world.other_facilitator, event.id, class_ids=[world.class_c.id])


def test_classes_outside_the_events_districts_cannot_be_invited(world, event):
    foreign = factories.make_classroom(factories.make_school(world.other_district))
    db.session.commit()
    with pytest.raises(Invalid, match="districts"):
        services.invite(world.facilitator, event.id, class_ids=[foreign.id])
    with pytest.raises(Invalid, match="at least one"):
        services.invite(world.facilitator, event.id)


def test_teacher_accepts_or_declines_for_their_own_class_only(world, event):
    invitation = services.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
    assert invitation.status == InvitationStatus.ACCEPTED
    with pytest.raises(NotFound):
        services.answer_invitation(world.teacher_a, event.id, world.class_b.id, True)
    with pytest.raises(NotFound):
        services.answer_invitation(world.teacher_c, event.id, world.class_c.id, True)
    services.answer_invitation(world.teacher_b, event.id, world.class_b.id, False)
    found = access.access(event.id)
    assert world.class_b.id not in found.class_ids  # a declined class cannot join
    assert world.class_a.id in found.accepted_ids


def test_helper_must_teach_an_invited_class(world, event):
    services.name_helper(world.facilitator, event.id, world.teacher_b.id)
    assert event.helper_id == world.teacher_b.id
    with pytest.raises(Invalid, match="invited"):
        services.name_helper(world.facilitator, event.id, world.teacher_c.id)
    with pytest.raises(Forbidden):
        services.name_helper(world.teacher_a, event.id, world.teacher_a.id)


def test_events_list_shows_each_role_its_own_events(world, event):
    assert services.events_for(world.facilitator) == [event]
    assert services.events_for(world.admin) == [event]
    assert services.events_for(world.teacher_a) == [event]
    assert services.events_for(world.pupil_b) == [event]
    assert services.events_for(world.teacher_c) == []
    assert services.events_for(world.pupil_c) == []
    assert services.events_for(world.other_facilitator) == []


def test_run_of_show_marks_when_my_class_is_on(world, event):
    rows = services.run_of_show(event, [world.class_a.id])
    assert [r["yours"] for r in rows] == [False, True, False, False]
    assert rows[1]["planned_at"] > rows[0]["planned_at"]


def test_cancelled_event_refuses_changes(world, event):
    services.cancel_event(world.facilitator, event.id)
    with pytest.raises(Conflict):
        services.invite(world.facilitator, event.id, class_ids=[world.class_c.id])
