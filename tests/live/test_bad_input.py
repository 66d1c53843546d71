"""Bad input to the live chat: each case gets an error acknowledgement with a reason, nothing is
stored, and both the sender's connection and everyone else's carry on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.rooms.live import services
from exchange.rooms.live.models import LiveMessage, SessionStatus
from exchange.types import utcnow
from tests.factories import make_classroom, make_link, make_pupil, make_school, make_teacher
from tests.live.conftest import acked, make_session, received


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(LiveMessage)) or 0


def still_works(sock, session) -> None:
    """The same socket can still send a good message afterwards."""
    ack = acked(sock, "live_join", {"session_id": session.id})
    assert ack["ok"] is True, ack


@pytest.mark.parametrize(
    ("payload", "error", "reason"),
    [
        ({"text": "x" * 281}, "invalid", "at most 280 characters (this one has 281)"),
        ({"text": ""}, "invalid", "write something"),
        ({"text": "   \n  "}, "invalid", "write something"),
        ({"text": 12345}, "invalid", "not in the expected form"),
        ({"text": None}, "invalid", "not in the expected form"),
        ({}, "invalid", "not in the expected form"),
        ({"text": "hi", "client_id": "no spaces allowed!"}, "invalid", "not in the expected form"),
        ({"text": "hi", "colour": "red"}, "invalid", "not in the expected form"),
        ({"text": "hi", "session_id": "seven"}, "invalid", "not in the expected form"),
        ({"text": "hi", "session_id": -1}, "invalid", "not in the expected form"),
        ({"text": "hi", "session_id": 999999}, "not_found", "no live session like that"),
    ],
)
def test_bad_messages_get_a_reason_and_store_nothing(world, live_socket, payload, error, reason):
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    ack = acked(pupil, "live_send_message", {"session_id": session.id, **payload})
    assert ack["ok"] is False and ack["error"] == error
    assert reason in ack["message"]
    assert stored() == 0
    still_works(pupil, session)


@pytest.mark.parametrize("payload", ["just a string", 42, ["session_id", 1], None])
def test_payloads_that_are_not_objects_are_refused(world, live_socket, payload):
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    ack = acked(pupil, "live_send_message", payload)
    assert ack == {
        "ok": False,
        "error": "invalid",
        "message": "The message was not in the expected form.",
    }
    still_works(pupil, session)


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ({"starts_in": timedelta(hours=2)}, "has not started yet"),
        ({"starts_in": timedelta(minutes=10)}, "has not started yet"),  # the lobby is open
        ({"starts_in": timedelta(hours=-3)}, "has ended"),
        ({"status": SessionStatus.CANCELLED}, "not taking place"),
    ],
)
def test_nobody_posts_outside_the_live_window(world, live_socket, when, reason):
    session = make_session(world, **when)
    for actor in (world.pupil_a, world.teacher_a):
        sock = live_socket(actor)
        ack = acked(sock, "live_send_message", {"session_id": session.id, "text": "Hello?"})
        assert ack["ok"] is False and ack["error"] == "not_live", ack
        assert reason in ack["message"]
        react = acked(sock, "live_react", {"session_id": session.id, "reaction": "clap"})
        assert react["error"] == "not_live"
    assert stored() == 0


def test_a_session_a_teacher_ended_takes_no_more_messages(world, live_socket):
    session = make_session(world)
    services.end_session(world.teacher_b, session.id)
    pupil = live_socket(world.pupil_a)
    ack = acked(pupil, "live_send_message", {"session_id": session.id, "text": "Wait!"})
    assert ack["error"] == "not_live" and "has ended" in ack["message"]
    assert stored() == 0


def test_another_links_session_is_not_found(world, live_socket):
    school = make_school(world.district)
    other_class = make_classroom(school)
    make_teacher(other_class)
    make_pupil(other_class, "Ravi S.")
    other_link = make_link(world.class_c, other_class)
    db.session.commit()
    theirs = make_session(world, link=other_link)
    for actor in (world.pupil_a, world.teacher_a, world.pupil_b):
        sock = live_socket(actor)
        ack = acked(sock, "live_send_message", {"session_id": theirs.id, "text": "Hi"})
        assert ack["ok"] is False and ack["error"] == "not_found"
        assert "no live session like that" in ack["message"]
        assert acked(sock, "live_join", {"session_id": theirs.id})["error"] == "not_found"
    assert stored() == 0


def test_sending_faster_than_the_rate_limit_is_refused_politely(world, live_socket):
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    classmate = live_socket(world.pupil_a2)
    acks = [
        acked(pupil, "live_send_message", {"session_id": session.id, "text": f"Message {n}"})
        for n in range(6)
    ]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]
    assert acks[-1]["error"] == "rate_limited" and "very quickly" in acks[-1]["message"]
    assert acks[-1]["details"]["retry_after"] >= 1
    assert stored() == 5
    # Another pupil's bucket is their own; a retry of a stored message is not counted.
    assert acked(classmate, "live_send_message", {"session_id": session.id, "text": "Me too"})["ok"]
    first_id = acks[0]["item_id"]
    items = db.session.scalars(select(ModerationItem).where(ModerationItem.id == first_id)).all()
    assert len(items) == 1


def test_paused_chat_refuses_pupils_but_not_teachers(world, live_socket):
    session = make_session(world)
    teacher = live_socket(world.teacher_b)
    pupil = live_socket(world.pupil_a)
    assert acked(teacher, "live_pause_chat", {"session_id": session.id, "paused": True})["ok"]
    ack = acked(pupil, "live_send_message", {"session_id": session.id, "text": "Hello"})
    assert ack["error"] == "chat_paused" and "paused" in ack["message"]
    assert acked(teacher, "live_send_message", {"session_id": session.id, "text": "One moment"})[
        "ok"
    ]
    assert acked(teacher, "live_pause_chat", {"session_id": session.id, "paused": False})["ok"]
    assert acked(pupil, "live_send_message", {"session_id": session.id, "text": "Hello"})["ok"]


def test_a_bad_command_does_not_disturb_anyone_else(world, live_socket):
    session = make_session(world)
    partner = live_socket(world.pupil_b)
    assert acked(partner, "subscribe", {"stream": f"live:{session.id}"})["ok"]
    troublemaker = live_socket(world.pupil_a)
    for payload in ("garbage", {"session_id": "x"}, {"session_id": session.id, "text": "y" * 5000}):
        assert acked(troublemaker, "live_send_message", payload)["ok"] is False
    troublemaker.emit("no_such_event", {"anything": True})
    assert troublemaker.is_connected() and partner.is_connected()
    services.send_message(world.teacher_a, session.id, "Still here")
    assert [m["text"] for m in received(partner, "item_approved")] == ["Still here"]


@pytest.mark.parametrize(
    ("event", "payload", "error"),
    [
        ("live_approve", {"item_id": "one"}, "invalid"),
        ("live_return", {"item_id": 1}, "invalid"),  # no feedback
        ("live_react", {"reaction": "poo"}, "invalid"),
        ("live_react", {"reaction": "x" * 200}, "invalid"),
        ("live_goto_segment", {"position": 99}, "invalid"),
        ("live_goto_segment", {"position": 7}, "invalid"),
        ("live_pause_chat", {"paused": "maybe"}, "invalid"),
        ("live_show_on_stage", {"item_id": 424242}, "not_found"),
        ("live_lower_hand", {"pupil_id": "all"}, "invalid"),
        ("live_send_teacher_message", {"text": ""}, "invalid"),
    ],
)
def test_malformed_commands_are_refused_with_a_reason(world, live_socket, event, payload, error):
    session = make_session(world)
    teacher = live_socket(world.teacher_a)
    ack = acked(teacher, event, {"session_id": session.id, **payload})
    assert ack["ok"] is False and ack["error"] == error, ack
    assert ack["message"]
    still_works(teacher, session)


def test_unauthenticated_sockets_are_refused(app, world):
    from exchange.extensions import socketio

    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()


def test_expiry_of_the_window_is_checked_at_send_time(world, live_socket, monkeypatch):
    session = make_session(world, starts_in=timedelta(minutes=-59))
    pupil = live_socket(world.pupil_a)
    assert acked(pupil, "live_send_message", {"session_id": session.id, "text": "Just in"})["ok"]
    later = utcnow() + timedelta(minutes=2)
    monkeypatch.setattr("exchange.types.utcnow", lambda: later)
    ack = acked(pupil, "live_send_message", {"session_id": session.id, "text": "Too late"})
    assert ack["error"] == "not_live"
