"""The audit log: who, when and why for every state change; who reads which part."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.accounts.models import ApprovalPolicy
from exchange.errors import Forbidden, Invalid
from exchange.extensions import db
from exchange.moderation import services
from exchange.moderation.models import AuditEntry
from tests.factories import make_world
from tests.moderation.conftest import send_note


def actions(entries):
    return [(e.action, e.actor_name) for e in reversed(entries)]


def test_partner_class_log_shows_what_reached_it_but_not_the_sending_stage(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a, text="call 07700 900123")
    services.return_item(world.teacher_a, item.id, "Please take out your number")
    notes[item.id]["text"] = "call me"
    services.resubmit(world.pupil_a, item, "call me")
    db.session.commit()
    services.approve(world.teacher_a, item.id)
    services.hide_and_report(world.teacher_b, item.id, "asks for contact")
    own = services.audit_log(world.teacher_a, classroom_id=world.class_a.id)
    assert actions(own) == [
        ("created", "Aisha K."),
        ("flagged", "Aisha K."),
        ("returned", "Ms Amina Khan"),
        ("edited", "Aisha K."),
        ("approved", "Ms Amina Khan"),
        ("hidden", "Mr Ben Wood"),
        ("reported", "Mr Ben Wood"),
    ]
    partner = services.audit_log(world.teacher_b, classroom_id=world.class_b.id)
    assert actions(partner) == [
        ("approved", "Ms Amina Khan"),
        ("hidden", "Mr Ben Wood"),
        ("reported", "Mr Ben Wood"),
    ]
    assert services.audit_log(world.teacher_c, classroom_id=world.class_c.id) == []


def test_receiving_teachers_decisions_are_in_both_logs(app, notes):
    world = make_world(policy=ApprovalPolicy.DUAL)
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    services.return_item(world.teacher_b, item.id, "Could you add a picture?")
    partner = services.audit_log(world.teacher_b, classroom_id=world.class_b.id)
    assert actions(partner) == [
        ("approved", "Ms Amina Khan"),
        ("returned", "Mr Ben Wood"),
    ]
    assert partner[0].reason == "Could you add a picture?"


def test_withdrawing_what_the_partner_saw_is_shared_but_a_pending_withdrawal_is_not(world, notes):
    shown = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, shown.id)
    services.withdraw(world.teacher_a, shown.id, "posted twice")
    waiting = send_note(world.pupil_a, world.link, world.class_a)
    services.withdraw(world.teacher_a, waiting.id)
    partner = services.audit_log(world.teacher_b, classroom_id=world.class_b.id)
    assert [(e.action, e.item_id, e.reason) for e in reversed(partner)] == [
        ("approved", shown.id, None),
        ("withdrawn", shown.id, "posted twice"),
    ]


def test_teachers_own_items_are_created_in_both_logs(world, notes):
    item = send_note(world.teacher_a, world.link, world.class_a)
    partner = services.audit_log(world.teacher_b, classroom_id=world.class_b.id)
    assert [(e.action, e.item_id) for e in partner] == [("created", item.id)]


def test_district_log_has_everything_with_who_when_and_why(world, notes):
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.return_item(world.teacher_a, item.id, "Say more")
    log = services.audit_log(world.facilitator, district_id=world.district.id)
    assert [(e.action, e.reason) for e in reversed(log)] == [
        ("created", None),
        ("returned", "Say more"),
    ]
    assert all(e.at is not None and e.actor_key for e in log)
    assert services.audit_log(world.admin, district_id=world.district.id) == log
    with pytest.raises(Forbidden):
        services.audit_log(world.teacher_a, district_id=world.district.id)


def test_log_pages_back_and_filters(world, notes):
    for _ in range(3):
        send_note(world.pupil_a, world.link, world.class_a)
    newest = services.audit_log(world.teacher_a, classroom_id=world.class_a.id, limit=2)
    older = services.audit_log(
        world.teacher_a, classroom_id=world.class_a.id, before_id=newest[-1].id
    )
    assert len(newest) == 2 and len(older) == 1 and older[0].id < newest[-1].id
    created = services.audit_log(world.teacher_a, classroom_id=world.class_a.id, action="created")
    assert len(created) == 3
    assert services.audit_log(world.teacher_a, classroom_id=world.class_a.id, action="hidden") == []


def test_a_log_must_be_named(world):
    with pytest.raises(Invalid):
        services.audit_log(world.teacher_a)


def test_class_log_page(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a, text="call 07700 900123")
    services.return_item(world.teacher_a, item.id, "Please take out your number")
    browser = as_user(world.teacher_a)
    html = browser.get(f"/classes/{world.class_a.id}/moderation-log").get_data(as_text=True)
    assert "Moderation log: Class 5A, Oakfield Primary" in html
    assert "Returned with feedback" in html and "Please take out your number" in html
    assert "Flagged" in html and "Phone number" in html
    assert f'href="/items/{item.id}"' in html
    filtered = browser.get(f"/classes/{world.class_a.id}/moderation-log?action=returned")
    text = filtered.get_data(as_text=True)
    assert "Returned with feedback" in text and "<td>Flagged</td>" not in text
    unknown = browser.get(f"/classes/{world.class_a.id}/moderation-log?action=nonsense&before=x")
    assert unknown.status_code == 200


def test_log_page_links_to_older_entries(world, notes, as_user, monkeypatch):
    from exchange.moderation.views import logs

    monkeypatch.setattr(logs, "PAGE_SIZE", 2)
    for _ in range(3):
        send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.teacher_a)
    html = browser.get(f"/classes/{world.class_a.id}/moderation-log").get_data(as_text=True)
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert f"/classes/{world.class_a.id}/moderation-log?before={entries[1].id}" in html
    older = browser.get(f"/classes/{world.class_a.id}/moderation-log?before={entries[1].id}")
    assert older.get_data(as_text=True).count("<td>Sent</td>") == 1


def test_district_log_page_and_api(world, notes, as_user):
    send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.facilitator)
    html = browser.get(f"/districts/{world.district.id}/moderation-log").get_data(as_text=True)
    assert "Moderation log: Bradford" in html and "Aisha K." in html
    api = browser.get(f"/api/v1/districts/{world.district.id}/moderation-log?limit=5").json
    assert [(e["action"], e["actor"], e["kind"]) for e in api] == [
        ("created", "Aisha K.", "reflection")
    ]
    bad = browser.get(f"/api/v1/districts/{world.district.id}/moderation-log?limit=0")
    assert bad.status_code == 422 and bad.json["error"] == "invalid"
    own = as_user(world.teacher_a).get(f"/api/v1/classes/{world.class_a.id}/moderation-log").json
    assert [e["action"] for e in own] == ["created"]
