"""The approval rule at the service level, for every state transition."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange import realtime
from exchange.accounts.models import ApprovalPolicy
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services
from exchange.moderation.models import AuditEntry, ItemState, ModerationItem, Stage
from tests.moderation.conftest import send_note


def visible_to(actor, link):
    return list(
        db.session.scalars(select(ModerationItem).where(services.visible_in_link(actor, link)))
    )


def test_partner_class_sees_nothing_until_approved(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    assert item.state == ItemState.PENDING and item.stage == Stage.OWN_TEACHER
    assert visible_to(world.pupil_b, world.link) == []
    assert visible_to(world.teacher_b, world.link) == []
    assert not services.can_view_item(world.pupil_b, item)
    assert visible_to(world.pupil_a, world.link) == [item]  # the author sees their own
    assert visible_to(world.pupil_a2, world.link) == []  # classmates do not
    services.approve(world.teacher_a, item.id)
    assert visible_to(world.pupil_b, world.link) == [item]
    assert services.can_view_item(world.pupil_b, item)


def test_pending_item_waits_in_own_teachers_queue_only(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    assert services.queue(world.teacher_a) == [item]
    assert services.queue_count(world.teacher_a) == 1
    assert services.queue(world.teacher_b) == []
    assert services.queue(world.teacher_c) == []


def test_partner_teacher_cannot_see_or_approve_a_sender_stage_item(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    with pytest.raises(NotFound):
        services.approve(world.teacher_b, item.id)
    with pytest.raises(NotFound):
        services.approve(world.teacher_c, item.id)
    with pytest.raises(Forbidden, match="Only a teacher"):
        services.approve(world.pupil_a, item.id)
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_teachers_own_items_go_straight_through(world, notes):
    item = send_note(world.teacher_a, world.link, world.class_a)
    assert item.state == ItemState.APPROVED
    assert visible_to(world.pupil_b, world.link) == [item]


def test_returned_item_carries_feedback_and_can_be_sent_again(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a, text="I live at 12 Elm Road")
    assert [f["kind"] for f in item.flags] == ["address"]
    services.return_item(world.teacher_a, item.id, "Lovely! Please take out your street name")
    assert item.state == ItemState.RETURNED
    assert item.feedback == "Lovely! Please take out your street name"
    assert visible_to(world.pupil_a, world.link) == [item]
    notes[item.id]["text"] = "I live near the park"
    services.resubmit(world.pupil_a, item, "I live near the park")
    db.session.commit()
    assert item.state == ItemState.PENDING and item.flags == [] and item.version == 2
    assert item.feedback is None


def test_editing_a_waiting_item_takes_it_out_of_the_queue_and_puts_it_back_in_order(world, notes):
    # Out of the queue and back in are two facts on one stream, in one change: numbered one
    # after the other, in that order, so a teacher's open queue ends with the edited item.
    item = send_note(world.pupil_a, world.link, world.class_a, text="We like football")
    db.session.commit()
    queue = realtime.queue_stream(world.class_a.id)
    before = realtime.last_seq(queue)
    notes[item.id]["text"] = "We like football and netball"
    services.resubmit(world.pupil_a, item, "We like football and netball")
    db.session.commit()
    after = [(e.seq, e.kind) for e in realtime.events_after(queue, before)]
    assert after == [(before + 1, "queue_item_removed"), (before + 2, "queue_item_added")]
    assert item.state == ItemState.PENDING and item.version == 2


def test_return_needs_feedback(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    with pytest.raises(Invalid, match="feedback"):
        services.return_item(world.teacher_a, item.id, "   ")
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_editing_an_approved_item_takes_it_away_until_approved_again(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    services.resubmit(world.pupil_a, item, "changed")
    db.session.commit()
    assert visible_to(world.pupil_b, world.link) == []
    kinds = [e.kind for e in realtime.events_after(realtime.link_stream(world.link.id), 0)]
    assert kinds == ["item_approved", "item_removed"]


def test_dual_approval_waits_for_the_receiving_teacher(app, notes):
    from tests.factories import make_world

    world = make_world(policy=ApprovalPolicy.DUAL)
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    assert item.state == ItemState.PENDING and item.stage == Stage.PARTNER_TEACHER
    assert visible_to(world.pupil_b, world.link) == []
    assert services.queue(world.teacher_b) == [item]
    assert services.queue(world.teacher_a) == []
    with pytest.raises(Forbidden):
        services.approve(world.teacher_a, item.id)
    services.approve(world.teacher_b, item.id)
    assert item.state == ItemState.APPROVED
    assert visible_to(world.pupil_b, world.link) == [item]


def test_withdrawal_removes_the_item_from_the_partner_class(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    with pytest.raises(Forbidden):  # the partner teacher sees it, but it is not theirs
        services.withdraw(world.teacher_b, item.id)
    with pytest.raises(NotFound):  # outside the link: not told it exists
        services.withdraw(world.teacher_c, item.id)
    services.withdraw(world.teacher_a, item.id, "posted by mistake")
    assert visible_to(world.pupil_b, world.link) == []
    assert not services.can_view_item(world.pupil_b, item)


def test_either_teacher_can_hide_and_report_and_the_facilitator_decides(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    with pytest.raises(Invalid):
        services.hide_and_report(world.teacher_b, item.id, "")
    # A teacher outside the link cannot see the item: they are not told it exists.
    with pytest.raises(NotFound):
        services.hide_and_report(world.teacher_c, item.id, "not nice")
    report = services.hide_and_report(world.teacher_b, item.id, "unkind words")
    assert visible_to(world.pupil_b, world.link) == []
    with pytest.raises(Forbidden):
        services.decide_report(world.other_facilitator, report.id, restore=True)
    services.decide_report(world.facilitator, report.id, restore=True, note="misunderstanding")
    assert visible_to(world.pupil_b, world.link) == [item]
    with pytest.raises(Conflict):
        services.decide_report(world.facilitator, report.id, restore=False)


def test_pupil_without_work_consent_cannot_have_work_approved(world, notes):
    world.pupil_a.consent_work = False
    item = send_note(world.pupil_a, world.link, world.class_a)
    with pytest.raises(Conflict, match="family has not agreed"):
        services.approve(world.teacher_a, item.id)
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_approving_photos_asks_for_photo_consent_confirmation(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a, photos=True)
    with pytest.raises(Invalid, match="photo consent"):
        services.approve(world.teacher_a, item.id)
    services.approve(world.teacher_a, item.id, photos_confirmed=True)
    assert item.state == ItemState.APPROVED


def test_bulk_approve_skips_flagged_and_photo_items(world, notes):
    plain = send_note(world.pupil_a, world.link, world.class_a, text="Hello!")
    flagged = send_note(world.pupil_a, world.link, world.class_a, text="mail me a@b.com")
    photo = send_note(world.pupil_a2, world.link, world.class_a, photos=True)
    done = services.approve_many(world.teacher_a, [plain.id, flagged.id, photo.id])
    assert done == [plain]
    assert flagged.state == ItemState.PENDING and photo.state == ItemState.PENDING


def test_every_state_change_is_audited(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a, text="call 07700 900123")
    services.approve(world.teacher_a, item.id)
    services.hide_and_report(world.teacher_b, item.id, "phone number")
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["created", "flagged", "approved", "hidden", "reported"]
    assert services.audit_log(world.teacher_a, classroom_id=world.class_a.id)
    assert services.audit_log(world.facilitator, district_id=world.district.id)
    with pytest.raises(Forbidden):
        services.audit_log(world.teacher_c, classroom_id=world.class_a.id)
    with pytest.raises(Forbidden):
        services.audit_log(world.other_facilitator, district_id=world.district.id)


def test_pupil_cannot_send_into_a_link_they_are_not_in(world, notes):
    with pytest.raises(Forbidden):
        send_note(world.pupil_c, world.link, world.class_a)
    with pytest.raises(Forbidden):
        send_note(world.pupil_c, world.link, world.class_c)


def test_nothing_is_published_for_a_rolled_back_change(world, notes):
    send_note(world.pupil_a, world.link, world.class_a)
    before = realtime.last_seq(realtime.queue_stream(world.class_a.id))
    assert before == 1
    with pytest.raises(Conflict):
        world.link.status = "archived"
        db.session.flush()
        send_note(world.pupil_a, world.link, world.class_a)
    db.session.rollback()
    assert realtime.last_seq(realtime.queue_stream(world.class_a.id)) == before


def test_safeguarding_concerns_reach_only_the_schools_lead(world, notes):
    from tests.factories import make_teacher

    lead = make_teacher(world.class_a, is_dsl=True)
    item = send_note(world.pupil_a, world.link, world.class_a)
    concern = services.raise_concern(world.teacher_a, "worrying words", item_id=item.id)
    assert services.concerns_for(lead) == [concern]
    assert services.concerns_for(world.teacher_a) == [concern]
    assert services.concerns_for(world.teacher_b) == []
    assert services.concerns_for(world.facilitator) == []
    with pytest.raises(NotFound):
        services.raise_concern(world.teacher_a, "x", pupil_id=world.pupil_b.id)
