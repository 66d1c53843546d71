"""Safeguarding concerns: raised by a teacher, read only by their school's designated
safeguarding lead, kept out of the ordinary audit log."""

from __future__ import annotations

import pytest

from exchange import realtime
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import safeguarding, services
from exchange.moderation.models import AuditEntry
from tests.factories import make_teacher
from tests.moderation.conftest import send_note


@pytest.fixture
def lead(world):
    """School A's designated safeguarding lead."""
    lead = make_teacher(world.class_a, is_dsl=True, display_name="Mrs Dee Lead")
    db.session.commit()
    return lead


def test_a_concern_about_a_partner_pupils_item_reaches_only_the_teachers_schools_lead(
    world, notes, lead
):
    other_lead = make_teacher(world.class_b, is_dsl=True)
    item = send_note(world.pupil_b, world.link, world.class_b, text="Nobody at home again")
    services.approve(world.teacher_b, item.id)
    concern = safeguarding.raise_concern(world.teacher_a, "Worried", item_id=item.id)
    assert safeguarding.concern_log(lead) == [concern]
    assert safeguarding.concern_log(other_lead) == []  # the partner school's lead
    with pytest.raises(NotFound):
        safeguarding.get_concern(other_lead, concern.id)
    events = realtime.events_after(realtime.staff_stream(lead.id), 0)
    assert [(e.kind, e.payload) for e in events] == [("concern_raised", {"concern_id": concern.id})]
    assert realtime.events_after(realtime.staff_stream(other_lead.id), 0) == []


def test_the_concern_keeps_what_the_teacher_saw(world, notes, lead):
    item = send_note(world.pupil_a, world.link, world.class_a, text="I am scared at home")
    concern = safeguarding.raise_concern(world.teacher_a, "Please look", item_id=item.id)
    notes[item.id]["text"] = "All fine"
    services.resubmit(world.pupil_a, item, "All fine")
    db.session.commit()
    assert concern.snapshot["item"]["text"] == "I am scared at home"
    assert concern.snapshot["item"]["author"] == "Aisha K."


def test_nothing_about_concerns_is_in_the_moderation_log(world, notes, lead):
    item = send_note(world.pupil_a, world.link, world.class_a)
    before = db.session.query(AuditEntry).count()
    concern = safeguarding.raise_concern(world.teacher_a, "Worried", item_id=item.id)
    safeguarding.acknowledge_concern(lead, concern.id, "Spoke to mum")
    assert db.session.query(AuditEntry).count() == before


def test_nobody_but_the_lead_reads_the_log_or_a_concern(world, notes, lead):
    concern = safeguarding.raise_concern(world.teacher_a, "Worried", pupil_id=world.pupil_a.id)
    outsiders = [
        world.admin,
        world.facilitator,
        world.other_facilitator,
        world.teacher_a,  # raised it, but is not the lead
        world.teacher_b,
        world.teacher_c,
        world.pupil_a,
    ]
    for outsider in outsiders:
        with pytest.raises(Forbidden):
            safeguarding.concern_log(outsider)
        with pytest.raises(NotFound):
            safeguarding.get_concern(outsider, concern.id)
        with pytest.raises(NotFound):
            safeguarding.acknowledge_concern(outsider, concern.id)
    assert safeguarding.get_concern(lead, concern.id) == concern


def test_the_lead_acknowledges_once_and_the_raising_teacher_is_told(world, notes, lead):
    concern = safeguarding.raise_concern(world.teacher_a, "Worried", pupil_id=world.pupil_a.id)
    assert safeguarding.open_concern_count(lead) == 1
    safeguarding.acknowledge_concern(lead, concern.id, "Called home")
    assert concern.status == "acknowledged" and concern.acknowledged_note == "Called home"
    assert safeguarding.open_concern_count(lead) == 0
    told = realtime.events_after(realtime.staff_stream(world.teacher_a.id), 0)[-1]
    assert told.kind == "concern_acknowledged" and "Called" not in str(told.payload)
    with pytest.raises(Conflict):
        safeguarding.acknowledge_concern(lead, concern.id)
    with pytest.raises(Invalid):
        other = safeguarding.raise_concern(world.teacher_a, "Again", pupil_id=world.pupil_a2.id)
        safeguarding.acknowledge_concern(lead, other.id, "n" * 2001)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"details": ""}, Invalid, "describe"),
        ({"details": "x" * 4001, "pupil": True}, Invalid, "under 4000"),
        ({"details": "Worried"}, Invalid, "which item or which pupil"),
        ({"details": "Worried", "item_id": 999}, NotFound, "does not exist"),
        ({"details": "Worried", "pupil_id": "b"}, NotFound, "not in your class"),
    ],
    ids=["no-details", "too-long", "about-nothing", "unknown-item", "partner-pupil"],
)
def test_bad_concerns_are_refused(world, notes, lead, kwargs, error, message):
    kwargs = dict(kwargs)
    if kwargs.pop("pupil", False):
        kwargs["pupil_id"] = world.pupil_a.id
    if kwargs.get("pupil_id") == "b":
        kwargs["pupil_id"] = world.pupil_b.id
    with pytest.raises(error, match=message):
        safeguarding.raise_concern(world.teacher_a, **kwargs)
    assert safeguarding.concern_log(lead) == []


def test_only_teachers_raise_concerns(world, notes):
    for actor in (world.facilitator, world.admin, world.pupil_a):
        with pytest.raises(Forbidden):
            safeguarding.raise_concern(actor, "Worried", pupil_id=world.pupil_a.id)


def test_raise_a_concern_from_the_page(world, notes, lead, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a, text="I am sad at home")
    browser = as_user(world.teacher_a)
    form = browser.get(f"/concerns/new?item={item.id}").get_data(as_text=True)
    assert "It will be read by Mrs Dee Lead." in form and "I am sad at home" in form
    refused = browser.post("/concerns", data={"item": item.id, "details": ""})
    assert refused.status_code == 422 and "Please describe the concern" in refused.get_data(
        as_text=True
    )
    response = browser.post("/concerns", data={"item": item.id, "details": "Sad at home twice"})
    assert response.status_code == 303
    after = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "passed to your designated safeguarding lead (Mrs Dee Lead)" in after
    assert "Not yet acknowledged" in after
    assert browser.get(f"/concerns/new?item={item.id + 100}").status_code == 404


def test_a_school_without_a_lead_is_warned(world, notes, as_user):
    browser = as_user(world.teacher_b)
    form = browser.get(f"/concerns/new?pupil={world.pupil_b.id}").get_data(as_text=True)
    assert "no designated safeguarding lead" in form
    response = browser.post("/concerns", data={"pupil": world.pupil_b.id, "details": "Worried"})
    assert "please also tell your DSL in person today" in browser.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_the_lead_reads_and_acknowledges_on_the_restricted_pages(world, notes, lead, as_user):
    concern = safeguarding.raise_concern(world.teacher_a, "Hungry again", pupil_id=world.pupil_a.id)
    browser = as_user(lead)
    log = browser.get("/safeguarding").get_data(as_text=True)
    assert "Aisha K. (Class 5A, Oakfield Primary)" in log and "Open" in log
    assert 'href="/safeguarding"' in browser.get("/").get_data(as_text=True).split("</nav>")[0]
    detail = browser.get(f"/safeguarding/{concern.id}").get_data(as_text=True)
    assert "Hungry again" in detail and "Ms Amina Khan" in detail
    assert (
        browser.post(
            f"/safeguarding/{concern.id}/acknowledge", data={"note": "Breakfast club"}
        ).status_code
        == 303
    )
    detail = browser.get(f"/safeguarding/{concern.id}").get_data(as_text=True)
    assert "Acknowledged by Mrs Dee Lead" in detail and "Breakfast club" in detail
    again = browser.post(f"/safeguarding/{concern.id}/acknowledge")
    assert again.status_code == 409 and "already been acknowledged" in again.get_data(as_text=True)


def test_safeguarding_api(world, notes, lead, as_user):
    teacher = as_user(world.teacher_a)
    raised = teacher.post(
        "/api/v1/concerns", json={"details": "Worried", "pupil_id": world.pupil_a.id}
    )
    assert raised.status_code == 201 and raised.json["leads"] == ["Mrs Dee Lead"]
    assert teacher.post("/api/v1/concerns", json={"details": 5}).status_code == 422
    assert teacher.get("/api/v1/concerns").status_code == 403
    assert teacher.get(f"/api/v1/concerns/{raised.json['id']}").status_code == 404
    reader = as_user(lead)
    listed = reader.get("/api/v1/concerns").json
    assert [(c["about"], c["details"], c["status"]) for c in listed] == [
        ("Aisha K. (Class 5A, Oakfield Primary)", "Worried", "open")
    ]
    done = reader.post(f"/api/v1/concerns/{raised.json['id']}/acknowledge", json={"note": "ok"})
    assert done.status_code == 200 and done.json["acknowledged_by"] == "Mrs Dee Lead"
    assert (
        as_user(world.facilitator).get(f"/api/v1/concerns/{raised.json['id']}").status_code == 404
    )
