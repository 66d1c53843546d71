"""The live JSON API: the same services and rules as the pages and sockets, for every role."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from exchange.rooms.live import services
from exchange.rooms.live.timing import LONDON
from tests.factories import ROLES
from tests.live.conftest import make_session

TEACHERS = {"teacher_a", "teacher_b"}
MEMBERS = TEACHERS | {"pupil_a", "pupil_b"}


def expected(endpoint: str, role: str) -> int:
    if role == "anonymous":
        return 401
    return {
        "get": 200 if role in MEMBERS | {"facilitator", "admin"} else 404,
        "snapshot": 200 if role in MEMBERS else 404,
        "messages": 200 if role in MEMBERS else 404,
        "send": 201 if role in MEMBERS else 404,
        "queue": 200 if role in TEACHERS else 403 if role in MEMBERS else 404,
        "teacher_messages": 200 if role in TEACHERS else 403 if role in MEMBERS else 404,
        "transcript": 200 if role in TEACHERS else 404,
        "calendar": 200 if role in TEACHERS else 404,
        "list": 200,
    }[endpoint]


def call(client, endpoint: str, session):
    base = f"/api/v1/live/sessions/{session.id}"
    return {
        "get": lambda: client.get(base),
        "snapshot": lambda: client.get(f"{base}/snapshot"),
        "messages": lambda: client.get(f"{base}/messages"),
        "send": lambda: client.post(f"{base}/messages", json={"text": "Hello!"}),
        "queue": lambda: client.get(f"{base}/queue"),
        "teacher_messages": lambda: client.get(f"{base}/teacher-messages"),
        "transcript": lambda: client.get(f"{base}/transcript"),
        "calendar": lambda: client.get(f"{base}/calendar.ics"),
        "list": lambda: client.get("/api/v1/live/sessions"),
    }[endpoint]()


@pytest.mark.parametrize(
    "endpoint",
    [
        "get",
        "snapshot",
        "messages",
        "send",
        "queue",
        "teacher_messages",
        "transcript",
        "calendar",
        "list",
    ],  # fmt: skip
)
@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_it_should(world, as_user, endpoint, role):
    session = make_session(world)
    response = call(as_user(world.actor(role)), endpoint, session)
    assert response.status_code == expected(endpoint, role), response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        body = response.get_json()
        assert body["ok"] is False and body["message"]


def test_schedule_confirm_and_read_through_the_api(world, as_user):
    day = (datetime.now(LONDON) + timedelta(days=5)).date().isoformat()
    body = {"title": "API day", "date": day, "start_time": "13:00", "end_time": "14:00",
            "segments": [{"kind": "welcome", "title": "Hi"}, {"kind": "goodbye"}]}  # fmt: skip
    created = as_user(world.teacher_a).post(
        f"/api/v1/links/{world.link.id}/live/sessions", json=body
    )
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["status"] == "proposed" and [s["title"] for s in data["segments"]] == [
        "Hi",
        "Goodbye",
    ]
    assert data["can"]["confirm"] is False
    confirmed = as_user(world.teacher_b).post(f"/api/v1/live/sessions/{data['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    listed = as_user(world.pupil_b).get("/api/v1/live/sessions").get_json()["sessions"]
    assert [s["id"] for s in listed] == [data["id"]]
    cancelled = as_user(world.teacher_b).post(
        f"/api/v1/live/sessions/{data['id']}/cancel", json={"reason": "Snow day"}
    )
    assert cancelled.get_json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Day", "date": "tomorrow", "start_time": "13:00", "end_time": "14:00"}, "date"),
        ({"title": "Day", "date": "2030-01-01", "start_time": "1pm", "end_time": "14:00"},
         "start_time"),
        ({"date": "2030-01-01", "start_time": "13:00", "end_time": "14:00"}, "title"),
        ({"title": "Day", "date": "2030-01-01", "start_time": "13:00", "end_time": "14:00",
          "segments": [{"kind": "disco"}]}, "segments"),
    ],
)  # fmt: skip
def test_malformed_plans_get_field_errors(world, as_user, body, field):
    response = as_user(world.teacher_a).post(
        f"/api/v1/links/{world.link.id}/live/sessions", json=body
    )
    assert response.status_code == 422
    assert field in response.get_json()["details"]["json"]


def test_chat_through_the_api_is_stored_once_and_approved(world, as_user):
    session = make_session(world)
    pupil = as_user(world.pupil_a)
    url = f"/api/v1/live/sessions/{session.id}/messages"
    first = pupil.post(url, json={"text": "Hi!", "client_id": "api-client-1"}).get_json()
    again = pupil.post(url, json={"text": "Hi!", "client_id": "api-client-1"}).get_json()
    assert first["item_id"] == again["item_id"] and again["repeated"] is True
    too_long = pupil.post(url, json={"text": "x" * 300})
    assert too_long.status_code == 422 and "at most 280" in too_long.get_json()["message"]
    teacher = as_user(world.teacher_a)
    queue = teacher.get(f"/api/v1/live/sessions/{session.id}/queue").get_json()["items"]
    assert [q["id"] for q in queue] == [first["item_id"]]
    ok = teacher.post(f"/api/v1/live/sessions/{session.id}/queue/{first['item_id']}/approve")
    assert ok.status_code == 200 and ok.get_json()["state"] == "approved"
    seen = as_user(world.pupil_b).get(url).get_json()["messages"]
    assert [m["text"] for m in seen] == ["Hi!"]


def test_room_controls_through_the_api(world, as_user):
    session = make_session(world)
    base = f"/api/v1/live/sessions/{session.id}"
    teacher = as_user(world.teacher_b)
    assert teacher.put(f"{base}/segment", json={"position": 2}).get_json()["position"] == 2
    assert teacher.put(f"{base}/chat-paused", json={"paused": True}).get_json()["paused"] is True
    pupil = as_user(world.pupil_a)
    paused = pupil.post(f"{base}/messages", json={"text": "hello"})
    assert paused.status_code == 409 and paused.get_json()["error"] == "chat_paused"
    assert pupil.post(f"{base}/reactions", json={"reaction": "party"}).status_code == 200
    assert pupil.post(f"{base}/hands/raise").get_json()["hand_up"] is True
    assert as_user(world.teacher_a).post(f"{base}/hands/lower", json={}).get_json()["lowered"] == 1
    note = teacher.post(f"{base}/teacher-messages", json={"text": "Ready?"})
    assert note.status_code == 201
    assert teacher.post(f"{base}/end").status_code == 200
    snapshot = pupil.get(f"{base}/snapshot").get_json()
    assert snapshot["session"]["phase"] == "ended" and snapshot["reactions"]["party"] == 1


def test_openapi_document_lists_the_live_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/v1/live/sessions/{session_id}/messages" in paths
    assert "/api/v1/links/{link_id}/live/sessions" in paths
    assert "post" in paths["/api/v1/live/sessions/{session_id}/queue/{item_id}/approve"]


def test_transcript_via_api_lists_messages_and_moments_in_order(world, as_user):
    session = make_session(world)
    services.send_message(world.teacher_a, session.id, "Good morning!")
    services.goto_segment(world.teacher_a, session.id, 1)
    item = services.send_message(world.pupil_b, session.id, "Hi from 5K")["item_id"]
    services.approve_message(world.teacher_b, session.id, item)
    lines = (
        as_user(world.teacher_b).get(f"/api/v1/live/sessions/{session.id}/transcript").get_json()
    )
    assert [(e["type"], e["text"]) for e in lines["entries"]] == [
        ("message", "Good morning!"),
        ("moment", "Agenda: Warm-up game"),
        ("message", "Hi from 5K"),
    ]
