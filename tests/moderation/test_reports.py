"""Hiding and reporting an item, and the facilitator's decision, through pages and the API."""

from __future__ import annotations

import pytest

from exchange import realtime
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.moderation import reports, services
from exchange.moderation.models import ItemState, ModerationItem, Report, ReportStatus
from tests.moderation.conftest import send_note


@pytest.fixture
def shown(world, notes):
    """An approved item of class A that class B can see."""
    item = send_note(world.pupil_a, world.link, world.class_a, text="Meet me at 12 Elm Road")
    services.approve(world.teacher_a, item.id)
    return item


def test_partner_teacher_hides_and_reports_from_the_item_page(world, shown, as_user):
    browser = as_user(world.teacher_b)
    page = browser.get(f"/items/{shown.id}").get_data(as_text=True)
    assert "Hide and report" in page and "Withdraw" not in page
    response = browser.post(f"/items/{shown.id}/hide", data={"reason": "An address"})
    assert response.status_code == 303
    assert db.session.get(ModerationItem, shown.id).state == ItemState.HIDDEN
    kinds = [e.kind for e in realtime.events_after(realtime.link_stream(world.link.id), 0)]
    assert kinds[-1] == "item_removed"
    opened = realtime.events_after(realtime.district_stream(world.district.id), 0)[-1]
    assert opened.kind == "report_opened" and opened.payload["item_id"] == shown.id


@pytest.mark.parametrize(
    ("reason", "status", "message"),
    [("", 422, "Please say why"), ("x" * 1001, 422, "at most 1000")],
    ids=["no-reason", "too-long"],
)
def test_hiding_needs_a_reason(world, shown, as_user, reason, status, message):
    response = as_user(world.teacher_b).post(f"/items/{shown.id}/hide", data={"reason": reason})
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert db.session.get(ModerationItem, shown.id).state == ItemState.APPROVED


def test_a_hidden_item_cannot_be_hidden_again(world, shown, as_user):
    services.hide_and_report(world.teacher_b, shown.id, "address")
    response = as_user(world.teacher_a).post(f"/items/{shown.id}/hide", data={"reason": "again"})
    assert response.status_code == 409
    assert db.session.scalars(db.select(Report)).all().__len__() == 1


def test_facilitator_sees_the_report_with_the_hidden_item_and_restores_it(world, shown, as_user):
    report = services.hide_and_report(world.teacher_b, shown.id, "An address")
    browser = as_user(world.facilitator)
    html = browser.get(f"/districts/{world.district.id}/reports").get_data(as_text=True)
    assert "Open reports (1)" in html
    assert "An address" in html and "Mr Ben Wood" in html
    assert '<mark class="flag flag-address">' in html
    assert "Class 5A, Oakfield Primary and Year 5 Kestrels, Moorside Primary" in html
    response = browser.post(
        f"/reports/{report.id}/decide", data={"decision": "restore", "note": "A school trip"}
    )
    assert response.status_code == 303
    assert db.session.get(ModerationItem, shown.id).state == ItemState.APPROVED
    html = browser.get(f"/districts/{world.district.id}/reports").get_data(as_text=True)
    assert "Open reports (0)" in html and "Restored by Farah F" in html and "A school trip" in html
    told = realtime.events_after(realtime.staff_stream(world.teacher_b.id), 0)[-1]
    assert told.kind == "report_decided" and told.payload["status"] == "restored"


def test_many_open_reports_never_hide_the_recently_decided_ones(world, notes, as_user):
    first = send_note(world.pupil_a, world.link, world.class_a, text="An early note")
    services.approve(world.teacher_a, first.id)
    decided = services.hide_and_report(world.teacher_b, first.id, "Checked and fine")
    services.decide_report(world.facilitator, decided.id, restore=True, note="All fine")
    for n in range(51):
        item = send_note(world.pupil_a, world.link, world.class_a, text=f"Note {n}")
        services.approve(world.teacher_a, item.id)
        services.hide_and_report(world.teacher_b, item.id, f"Reason {n}")
    html = (
        as_user(world.facilitator)
        .get(f"/districts/{world.district.id}/reports")
        .get_data(as_text=True)
    )
    assert "Open reports (51)" in html
    recent = html[html.index('id="decided-heading"') :]
    assert "Restored by" in recent and "Checked and fine" in recent


def test_facilitator_removes_an_item_for_good(world, shown, as_user):
    report = services.hide_and_report(world.teacher_b, shown.id, "An address")
    response = as_user(world.facilitator).post(
        f"/reports/{report.id}/decide", data={"decision": "remove", "note": "Personal details"}
    )
    assert response.status_code == 303
    assert db.session.get(ModerationItem, shown.id).state == ItemState.REMOVED
    log = services.audit_log(world.facilitator, district_id=world.district.id, action="decided")
    assert log[0].reason == "removed: Personal details"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"note": "hmm"}, 422, "Choose whether to restore or remove"),
        ({"decision": "delete"}, 422, "Choose whether to restore or remove"),
        ({"decision": "remove", "note": "x" * 1001}, 422, "at most 1000"),
    ],
    ids=["no-decision", "unknown-decision", "note-too-long"],
)
def test_bad_decisions_change_nothing(world, shown, as_user, data, status, message):
    report = services.hide_and_report(world.teacher_b, shown.id, "An address")
    response = as_user(world.facilitator).post(f"/reports/{report.id}/decide", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.session.get(Report, report.id).status == ReportStatus.OPEN
    assert db.session.get(ModerationItem, shown.id).state == ItemState.HIDDEN


def test_a_report_is_decided_once(world, shown, as_user):
    report = services.hide_and_report(world.teacher_b, shown.id, "An address")
    services.decide_report(world.facilitator, report.id, restore=True)
    response = as_user(world.facilitator).post(
        f"/reports/{report.id}/decide", data={"decision": "remove"}
    )
    assert response.status_code == 409
    assert db.session.get(ModerationItem, shown.id).state == ItemState.APPROVED
    with pytest.raises(Conflict):
        services.decide_report(world.facilitator, report.id, restore=False)
    with pytest.raises(Invalid):
        other = send_note(world.pupil_a, world.link, world.class_a)
        services.approve(world.teacher_a, other.id)
        second = services.hide_and_report(world.teacher_a, other.id, "oops")
        services.decide_report(world.facilitator, second.id, restore=True, note="n" * 1001)


def test_reports_api(world, shown, as_user):
    hidden = as_user(world.teacher_b).post(
        f"/api/v1/items/{shown.id}/hide", json={"reason": "An address"}
    )
    assert hidden.status_code == 201 and hidden.json["status"] == "open"
    browser = as_user(world.facilitator)
    listed = browser.get(f"/api/v1/districts/{world.district.id}/reports?status=open").json
    assert [(r["reason"], r["reported_by"], r["item"]["text"]) for r in listed] == [
        ("An address", "Mr Ben Wood", "Meet me at 12 Elm Road")
    ]
    bad = browser.post(f"/api/v1/reports/{listed[0]['id']}/decide", json={"decision": "maybe"})
    assert bad.status_code == 422 and "decision" in bad.json["details"]["json"]
    done = browser.post(
        f"/api/v1/reports/{listed[0]['id']}/decide", json={"decision": "remove", "note": "no"}
    )
    assert done.status_code == 200 and done.json["status"] == "removed"
    assert (
        browser.get(f"/api/v1/districts/{world.district.id}/reports?status=wrong").status_code
        == 422
    )
    assert reports.open_report_count(world.facilitator, world.district.id) == 0


def test_withdraw_from_the_item_page(world, shown, as_user):
    browser = as_user(world.teacher_a)
    response = browser.post(f"/items/{shown.id}/withdraw", data={"reason": "posted twice"})
    assert response.status_code == 303
    assert db.session.get(ModerationItem, shown.id).state == ItemState.WITHDRAWN
    again = browser.post(f"/items/{shown.id}/withdraw")
    assert again.status_code == 409 and "Only approved or waiting" in again.get_data(as_text=True)
    api = browser.post(f"/api/v1/items/{shown.id}/withdraw", json={})
    assert api.status_code == 409 and api.json["error"] == "conflict"
