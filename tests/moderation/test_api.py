"""The moderation API: the queue and decisions, with the pages' rules and plain-words refusals."""

from __future__ import annotations

from exchange.accounts.models import ApprovalPolicy
from exchange.extensions import db
from exchange.moderation import services
from exchange.moderation.models import ItemState, ModerationItem
from tests.factories import make_world
from tests.moderation.conftest import send_note


def test_queue_lists_review_entries_and_the_streams_to_follow(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a, text="call 07700 900123")
    body = as_user(world.teacher_a).get("/api/v1/queue").json
    assert body["count"] == 1
    assert body["streams"] == [{"stream": f"queue:{world.class_a.id}", "last_seq": 1}]
    entry = body["items"][0]
    assert entry["id"] == item.id and entry["author"] == "Aisha K."
    assert entry["flags"] == [
        {"kind": "phone", "label": "Phone number", "start": 5, "end": 17, "text": "07700 900123"}
    ]
    assert entry["can_decide"] is True and entry["bulk_ok"] is False
    assert as_user(world.teacher_b).get("/api/v1/queue").json["count"] == 0


def test_approve_and_return(world, notes, as_user):
    first = send_note(world.pupil_a, world.link, world.class_a)
    second = send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.teacher_a)
    approved = browser.post(f"/api/v1/items/{first.id}/approve", json={})
    assert approved.status_code == 200
    assert approved.json == {"item_id": first.id, "state": "approved", "stage": None, "version": 1}
    returned = browser.post(f"/api/v1/items/{second.id}/return", json={"feedback": "Say more"})
    assert returned.json["state"] == "returned"


def test_refusals_are_json_with_plain_words(world, notes, as_user):
    photo = send_note(world.pupil_a, world.link, world.class_a, photos=True)
    browser = as_user(world.teacher_a)
    unconfirmed = browser.post(f"/api/v1/items/{photo.id}/approve", json={})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json["field"] == "photos_confirmed"
    assert "photo consent" in unconfirmed.json["message"]
    blank = browser.post(f"/api/v1/items/{photo.id}/return", json={"feedback": " "})
    assert blank.status_code == 422 and blank.json["field"] == "feedback"
    missing = browser.post(f"/api/v1/items/{photo.id}/return", json={})
    assert missing.status_code == 422 and "feedback" in missing.json["details"]["json"]
    wrong_type = browser.post(
        f"/api/v1/items/{photo.id}/approve", json={"photos_confirmed": "maybe"}
    )
    assert wrong_type.status_code == 422
    assert browser.post("/api/v1/items/999/approve", json={}).status_code == 404
    assert db.session.get(ModerationItem, photo.id).state == ItemState.PENDING
    ok = browser.post(f"/api/v1/items/{photo.id}/approve", json={"photos_confirmed": True})
    assert ok.status_code == 200


def test_approve_many_reports_what_it_skipped(world, notes, as_user):
    plain = send_note(world.pupil_a, world.link, world.class_a, text="Hello")
    flagged = send_note(world.pupil_a, world.link, world.class_a, text="www.roblox.com")
    elsewhere = send_note(world.pupil_b, world.link, world.class_b)
    browser = as_user(world.teacher_a)
    ids = [plain.id, flagged.id, elsewhere.id, plain.id, 999]
    body = browser.post("/api/v1/queue/approve-many", json={"item_ids": ids}).json
    assert body == {"approved": [plain.id], "skipped": [flagged.id, elsewhere.id, 999]}
    assert db.session.get(ModerationItem, elsewhere.id).state == ItemState.PENDING
    assert browser.post("/api/v1/queue/approve-many", json={"item_ids": []}).status_code == 422
    too_many = list(range(1, 202))
    assert (
        browser.post("/api/v1/queue/approve-many", json={"item_ids": too_many}).status_code == 422
    )
    assert browser.post("/api/v1/queue/approve-many", json={"item_ids": ["1"]}).status_code == 422


def test_item_shows_history_and_what_this_user_may_do(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    own = as_user(world.teacher_a).get(f"/api/v1/items/{item.id}").json
    assert [h["action"] for h in own["history"]] == ["created", "approved"]
    assert own["actions"] == {"decide": False, "withdraw": True, "hide": True, "concern": True}
    partner = as_user(world.teacher_b).get(f"/api/v1/items/{item.id}").json
    assert [h["action"] for h in partner["history"]] == ["approved"]
    assert partner["actions"]["withdraw"] is False and partner["actions"]["hide"] is True
    assert as_user(world.teacher_c).get(f"/api/v1/items/{item.id}").status_code == 404


def test_receiving_teacher_approves_through_the_api(app, notes, as_user):
    world = make_world(policy=ApprovalPolicy.DUAL)
    item = send_note(world.pupil_a, world.link, world.class_a)
    first = as_user(world.teacher_a).post(f"/api/v1/items/{item.id}/approve", json={})
    assert first.json == {
        "item_id": item.id,
        "state": "pending",
        "stage": "partner_teacher",
        "version": 1,
    }
    queue = as_user(world.teacher_b).get("/api/v1/queue").json
    assert [i["id"] for i in queue["items"]] == [item.id]
    again = as_user(world.teacher_a).post(f"/api/v1/items/{item.id}/approve", json={})
    assert again.status_code == 403
    done = as_user(world.teacher_b).post(f"/api/v1/items/{item.id}/approve", json={})
    assert done.json["state"] == "approved"


def test_counts_for_the_navigation(world, notes, as_user):
    send_note(world.pupil_a, world.link, world.class_a)
    body = as_user(world.teacher_a).get("/api/v1/moderation/counts").json
    assert body["entries"] == [{"key": "queue", "label": "Queue", "url": "/queue", "count": 1}]
    assert body["streams"] == [{"stream": f"queue:{world.class_a.id}", "last_seq": 1}]
    facilitator = as_user(world.facilitator).get("/api/v1/moderation/counts").json
    assert [e["key"] for e in facilitator["entries"]] == ["approvals", "reports"]
    assert facilitator["streams"][0]["stream"] == f"district:{world.district.id}"
    assert as_user(world.pupil_a).get("/api/v1/moderation/counts").json == {
        "entries": [],
        "streams": [],
    }


def test_facilitator_approvals_api(world, notes, as_user):
    item = send_note(world.teacher_a, world.link, world.class_a, needs_facilitator=True)
    body = as_user(world.facilitator).get(f"/api/v1/districts/{world.district.id}/approvals").json
    assert body["count"] == 1 and body["items"][0]["id"] == item.id
    queue = as_user(world.facilitator).get("/api/v1/queue").json
    assert [i["id"] for i in queue["items"]] == [item.id]


def test_openapi_documents_the_moderation_api(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/queue",
        "/api/v1/items/{item_id}/approve",
        "/api/v1/items/{item_id}/return",
        "/api/v1/queue/approve-many",
        "/api/v1/items/{item_id}/withdraw",
        "/api/v1/items/{item_id}/hide",
        "/api/v1/districts/{district_id}/reports",
        "/api/v1/reports/{report_id}/decide",
        "/api/v1/classes/{classroom_id}/moderation-log",
        "/api/v1/districts/{district_id}/moderation-log",
        "/api/v1/districts/{district_id}/watch-words",
        "/api/v1/concerns",
        "/api/v1/concerns/{concern_id}/acknowledge",
    ):
        assert path in spec["paths"], path
    approve = spec["paths"]["/api/v1/items/{item_id}/approve"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(approve["responses"])
