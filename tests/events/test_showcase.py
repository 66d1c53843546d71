"""Showcase items and shout-outs through the approval rule and the facilitator's decision."""

from __future__ import annotations

import pytest

from exchange import realtime
from exchange.accounts.models import ApprovalPolicy
from exchange.errors import Conflict, Forbidden, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemState, Stage
from exchange.rooms.events import services, showcase
from exchange.rooms.events.models import Shoutout, ShowcaseItem
from tests import factories
from tests.events.conftest import approved_post, plan_event


def test_pupils_new_item_goes_through_own_teacher_then_facilitator(world, event):
    item = showcase.add_new_showcase(
        world.pupil_a, event.id, title="Our song", text="We wrote a song about rivers"
    )
    assert showcase.status_of(item) == "waiting_teacher"
    assert item.item.scope == f"event:{event.id}"
    with pytest.raises(NotFound):
        rule.approve(world.facilitator, item.item_id)  # not the facilitator's turn yet
    rule.approve(world.teacher_a, item.item_id)
    assert showcase.status_of(item) == "waiting_facilitator"
    assert item.item.stage == Stage.FACILITATOR
    entries = showcase.pending_for_facilitator(world.facilitator, event)
    assert [e["id"] for e in entries] == [item.item_id]
    showcase.approve_showcase(world.facilitator, event.id, item.id)
    assert showcase.status_of(item) == "ready"


def test_dual_link_adds_the_partner_teachers_approval(world):
    world.link.approval_policy = ApprovalPolicy.DUAL
    db.session.commit()
    event = plan_event(world)
    item = showcase.add_new_showcase(world.pupil_a, event.id, title="T", text="Hello all")
    rule.approve(world.teacher_a, item.item_id)
    assert showcase.status_of(item) == "waiting_partner"
    rule.approve(world.teacher_b, item.item_id)
    assert showcase.status_of(item) == "waiting_facilitator"


def test_teachers_new_item_waits_only_for_the_facilitator(world, event):
    item = showcase.add_new_showcase(world.teacher_b, event.id, title="Map", text="Our town")
    assert showcase.status_of(item) == "waiting_facilitator"
    with pytest.raises(Forbidden):
        showcase.approve_showcase(world.teacher_a, event.id, item.id)
    showcase.return_showcase(world.facilitator, event.id, item.id, "Please add your names")
    assert showcase.status_of(item) == "returned"


@pytest.mark.parametrize("role", ["pupil_c", "teacher_c"])
def test_classes_that_were_not_invited_cannot_send_showcase_items(world, event, role):
    with pytest.raises(NotFound):
        showcase.add_new_showcase(world.actor(role), event.id, title="x", text="y")
    assert db.session.query(ShowcaseItem).count() == 0


def test_a_teacher_cannot_prepare_for_another_invited_class(world, event):
    with pytest.raises(Forbidden, match="Only pupils and teachers"):
        showcase.add_new_showcase(
            world.teacher_a, event.id, title="x", text="y", classroom_id=world.class_b.id
        )


def test_existing_approved_work_waits_for_the_facilitator(world, event):
    post = approved_post(world)
    chosen = showcase.choose_existing_work(world.teacher_a, event.id, post.id)
    assert chosen.title == "Our class map"
    assert showcase.status_of(chosen) == "waiting_facilitator"
    with pytest.raises(Conflict, match="already"):
        showcase.choose_existing_work(world.teacher_a, event.id, post.id)
    with pytest.raises(Forbidden):
        showcase.approve_showcase(world.teacher_b, event.id, chosen.id)
    showcase.approve_showcase(world.facilitator, event.id, chosen.id)
    assert showcase.status_of(chosen) == "ready"
    view = showcase.ready_view(chosen)
    assert view["text"] == "Our class map" and view["source"]["item_id"] == post.id


def test_pupils_and_partner_teachers_cannot_choose_a_classes_work(world, event):
    post = approved_post(world)
    with pytest.raises(Forbidden):
        showcase.choose_existing_work(world.pupil_a, event.id, post.id)
    with pytest.raises(Forbidden, match="teachers of that class"):
        showcase.choose_existing_work(world.teacher_b, event.id, post.id)


def test_shoutout_needs_teacher_then_helper_and_then_reaches_the_wall(world, event):
    services.name_helper(world.facilitator, event.id, world.teacher_b.id)
    shout = showcase.send_shoutout(world.pupil_a, event.id, "  Well   done everyone! ")
    assert shout.text == "Well done everyone!"
    assert showcase.approved_shoutouts(event) == []
    rule.approve(world.teacher_a, shout.item_id)
    assert shout.item.stage == Stage.FACILITATOR
    assert rule.can_decide(world.teacher_b, shout.item)  # the helper decides shout-outs
    assert not rule.can_decide(world.teacher_c, shout.item)
    rule.approve(world.teacher_b, shout.item_id)
    wall = showcase.approved_shoutouts(event)
    assert [w["text"] for w in wall] == ["Well done everyone!"]
    last = realtime.events_after(realtime.event_stream(event.id), 0)[-1]
    assert last.kind == "item_approved" and last.payload["text"] == "Well done everyone!"
    assert rule.can_view_item(world.pupil_b, shout.item)  # everyone on the event sees it
    assert not rule.can_view_item(world.pupil_c, shout.item)


def test_the_helper_cannot_decide_showcase_items(world, event):
    services.name_helper(world.facilitator, event.id, world.teacher_b.id)
    item = showcase.add_new_showcase(world.teacher_a, event.id, title="x", text="y")
    assert not rule.can_decide(world.teacher_b, item.item)


@pytest.mark.parametrize("text, message", [("", "first"), ("x" * 141, "at most 140")])
def test_bad_shoutouts_are_refused(world, event, text, message):
    from exchange.errors import Invalid

    with pytest.raises(Invalid, match=message):
        showcase.send_shoutout(world.pupil_a, event.id, text)
    assert db.session.query(Shoutout).count() == 0


def test_a_retried_shoutout_is_stored_once(world, event):
    one = showcase.send_shoutout(world.pupil_a, event.id, "Hi!", client_id="abc")
    two = showcase.send_shoutout(world.pupil_a, event.id, "Hi!", client_id="abc")
    assert one.id == two.id


def test_host_of_another_district_decides_its_classes_items(world):
    from datetime import timedelta

    from exchange.types import utcnow

    start = utcnow() + timedelta(days=2)
    event = services.create_event(
        world.admin,
        title="Region",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        district_ids=[world.district.id, world.other_district.id],
        host_id=world.facilitator.id,
    )
    other_class = factories.make_classroom(factories.make_school(world.other_district))
    other_pupil = factories.make_pupil(other_class)
    other_teacher = factories.make_teacher(other_class)
    db.session.commit()
    services.invite(world.admin, event.id, class_ids=[other_class.id])
    shout = showcase.send_shoutout(other_pupil, event.id, "Hello from Calderdale")
    rule.approve(other_teacher, shout.item_id)
    rule.approve(world.facilitator, shout.item_id)
    assert shout.item.state == ItemState.APPROVED


def test_showcase_list_hides_other_classes_pending_items(world, event):
    mine = showcase.add_new_showcase(world.pupil_a, event.id, title="Mine", text="x")
    theirs = showcase.add_new_showcase(world.teacher_b, event.id, title="Theirs", text="y")
    assert showcase.showcase_for(world.pupil_a, event) == [mine]
    assert showcase.showcase_for(world.pupil_a2, event) == []
    assert showcase.showcase_for(world.teacher_a, event) == [mine]
    assert set(showcase.showcase_for(world.facilitator, event)) == {mine, theirs}
    showcase.approve_showcase(world.facilitator, event.id, theirs.id)
    assert showcase.showcase_for(world.pupil_a2, event) == [theirs]
