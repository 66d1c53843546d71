"""Live chat under the approval rule, through real Socket.IO test clients."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from exchange.accounts.models import ApprovalPolicy
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemState, ModerationItem
from exchange.rooms.live import services
from exchange.rooms.live.models import LiveMessage
from tests.live.conftest import acked, make_session, received


def join(sock, session, *streams):
    """Subscribe a socket to streams and join the room."""
    for stream in streams:
        assert acked(sock, "subscribe", {"stream": stream})["ok"], stream
    ack = acked(sock, "live_join", {"session_id": session.id})
    assert ack["ok"], ack
    received(sock)  # start clean
    return ack


def send(sock, session, text, client_id=None):
    payload = {"session_id": session.id, "text": text}
    if client_id:
        payload["client_id"] = client_id
    return acked(sock, "live_send_message", payload)


def test_pupils_message_waits_for_their_own_teacher_then_reaches_both_classes(world, live_socket):
    session = make_session(world)
    live = f"live:{session.id}"
    pupil = live_socket(world.pupil_a)
    teacher = live_socket(world.teacher_a)
    partner_teacher = live_socket(world.teacher_b)
    partner = live_socket(world.pupil_b)
    join(pupil, session, live, f"pupil:{world.pupil_a.id}")
    join(teacher, session, live, f"queue:{world.class_a.id}")
    join(partner_teacher, session, live, f"queue:{world.class_b.id}")
    join(partner, session, live)

    ack = send(pupil, session, "Hello Kestrels! What games do you like?", "msg-0001")
    assert ack == {"ok": True, "item_id": ack["item_id"], "client_id": "msg-0001",
                   "state": "pending", "stage": "own_teacher",
                   "text": "Hello Kestrels! What games do you like?"}  # fmt: skip
    queued = received(teacher, "queue_item_added")
    assert [q["item"]["id"] for q in queued] == [ack["item_id"]]
    assert queued[0]["item"]["session_id"] == session.id
    assert received(partner_teacher, "queue_item_added") == []
    assert received(partner) == []  # nothing reaches the partner class before approval
    assert services.approved_messages(world.pupil_b, session) == []

    refused = acked(
        partner_teacher, "live_approve", {"session_id": session.id, "item_id": ack["item_id"]}
    )
    assert refused["ok"] is False and refused["error"] == "not_found"

    ok = acked(teacher, "live_approve", {"session_id": session.id, "item_id": ack["item_id"]})
    assert ok == {"ok": True, "item_id": ack["item_id"], "state": "approved", "stage": None}
    shown = received(partner, "item_approved")
    assert [(m["text"], m["author"], m["by_teacher"]) for m in shown] == [
        ("Hello Kestrels! What games do you like?", "Aisha K.", False)
    ]
    assert received(pupil, "item_approved")[0]["item_id"] == ack["item_id"]
    assert [m["item_id"] for m in services.approved_messages(world.pupil_b, session)] == [
        ack["item_id"]
    ]


def test_teachers_messages_go_straight_through(world, live_socket):
    session = make_session(world)
    teacher = live_socket(world.teacher_b)
    partner = live_socket(world.pupil_a)
    join(teacher, session, f"live:{session.id}")
    join(partner, session, f"live:{session.id}")
    ack = send(teacher, session, "Welcome, everyone!")
    assert ack["ok"] and ack["state"] == "approved"
    assert [m["text"] for m in received(partner, "item_approved")] == ["Welcome, everyone!"]


def test_messages_show_in_the_order_they_were_approved_for_everyone(world, live_socket):
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    join(pupil, session)
    first = send(pupil, session, "First written")["item_id"]
    second = send(pupil, session, "Second written")["item_id"]
    services.approve_message(world.teacher_a, session.id, second)
    services.send_message(world.teacher_b, session.id, "Teacher in between")
    services.approve_message(world.teacher_a, session.id, first)
    for viewer in (world.pupil_a, world.pupil_b, world.teacher_a, world.teacher_b):
        texts = [m["text"] for m in services.approved_messages(viewer, session)]
        assert texts == ["Second written", "Teacher in between", "First written"]
    seqs = [m["seq"] for m in services.approved_messages(world.pupil_b, session)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_a_retried_send_is_stored_once(world, live_socket):
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    join(pupil, session)
    first = send(pupil, session, "Are you there?", "retry-abc1")
    again = send(pupil, session, "Are you there?", "retry-abc1")
    assert again["ok"] and again["repeated"] is True and again["item_id"] == first["item_id"]
    count = db.session.scalar(
        select(func.count()).select_from(LiveMessage).where(LiveMessage.client_id == "retry-abc1")
    )
    assert count == 1
    assert len(rule.queue(world.teacher_a)) == 1


def test_a_message_id_cannot_be_reused_in_another_session(world, live_socket):
    session = make_session(world)
    other = make_session(world, title="Second meeting", starts_in=timedelta(minutes=-1))
    pupil = live_socket(world.pupil_a)
    assert send(pupil, session, "Hi", "shared-id-1")["ok"]
    reused = send(pupil, other, "Hi again", "shared-id-1")
    assert reused["ok"] is False and reused["error"] == "conflict"
    assert "another session" in reused["message"]


def test_returned_message_goes_back_to_the_pupil_with_feedback(world, live_socket):
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    teacher = live_socket(world.teacher_a)
    partner = live_socket(world.pupil_b)
    join(pupil, session, f"pupil:{world.pupil_a.id}", f"live:{session.id}")
    join(teacher, session, f"queue:{world.class_a.id}")
    join(partner, session, f"live:{session.id}")
    item_id = send(pupil, session, "My address is 12 Elm Road")["item_id"]
    queued = received(teacher, "queue_item_added")[0]["item"]
    assert [f["kind"] for f in queued["flags"]] == ["address"]  # flagged to the teacher
    ack = acked(teacher, "live_return",
                {"session_id": session.id, "item_id": item_id,
                 "feedback": "Lovely, but no addresses please"})  # fmt: skip
    assert ack["ok"] and ack["state"] == "returned"
    status = received(pupil, "item_status")[-1]
    assert status["state"] == "returned" and status["feedback"] == "Lovely, but no addresses please"
    mine = services.own_messages(world.pupil_a, session)
    assert [(m["text"], m["state"], m["feedback"]) for m in mine] == [
        ("My address is 12 Elm Road", "returned", "Lovely, but no addresses please")
    ]
    assert received(partner, "item_approved") == []
    assert services.own_messages(world.pupil_a2, session) == []  # classmates do not see it
    empty = acked(
        teacher, "live_return", {"session_id": session.id, "item_id": item_id, "feedback": " "}
    )
    assert empty["ok"] is False


def test_on_a_dual_approval_link_the_partner_teacher_approves_too(app):
    from tests.factories import make_world

    world = make_world(policy=ApprovalPolicy.DUAL)
    session = make_session(world)
    item_id = services.send_message(world.pupil_a, session.id, "Hi from 5A")["item_id"]
    services.approve_message(world.teacher_a, session.id, item_id)
    assert services.approved_messages(world.pupil_b, session) == []
    queue = services.live_queue(world.teacher_b, session)
    assert [q["id"] for q in queue] == [item_id] and queue[0]["stage"] == "partner_teacher"
    services.approve_message(world.teacher_b, session.id, item_id)
    assert [m["text"] for m in services.approved_messages(world.pupil_b, session)] == ["Hi from 5A"]


def test_deciding_a_message_of_another_session_is_refused_and_changes_nothing(world, live_socket):
    session = make_session(world)
    other = make_session(world, title="Another day", starts_in=timedelta(minutes=-2))
    elsewhere = services.send_message(world.pupil_a, other.id, "Elsewhere")["item_id"]
    teacher = live_socket(world.teacher_a)
    for event, extra in (("live_approve", {}), ("live_return", {"feedback": "Kinder, please"})):
        ack = acked(teacher, event, {"session_id": session.id, "item_id": elsewhere, **extra})
        assert ack["ok"] is False and ack["error"] == "not_found", ack
        assert ack["message"] == "That message is not in this session."
    db.session.expire_all()
    assert db.session.get(ModerationItem, elsewhere).state == ItemState.PENDING


def test_who_may_not_decide_learns_nothing_about_the_message(world, live_socket):
    """A teacher of another link is told the session does not exist for them, whether the
    message is in it or not; a pupil of the link is told only teachers decide. Nothing
    changes."""
    session = make_session(world)
    item_id = services.send_message(world.pupil_a, session.id, "Hello")["item_id"]
    outsider = live_socket(world.teacher_c)
    answers = [
        acked(outsider, "live_approve", {"session_id": session.id, "item_id": asked})
        for asked in (item_id, 424242)
    ]
    assert answers[0] == answers[1], answers
    assert answers[0]["error"] == "not_found"
    assert answers[0]["message"] == "There is no live session like that for your class."
    pupil = live_socket(world.pupil_a2)
    refused = acked(pupil, "live_approve", {"session_id": session.id, "item_id": item_id})
    assert refused["error"] == "forbidden", refused
    db.session.expire_all()
    assert db.session.get(ModerationItem, item_id).state == ItemState.PENDING


def test_a_live_approval_reads_the_session_with_the_message(world, live_socket):
    """The session, its link and the message with what the rule reads come in one query: on
    PostgreSQL one round trip fewer between the key press and the screens."""
    from tests.sql import recorded

    session = make_session(world)
    item_id = services.send_message(world.pupil_a, session.id, "Hello")["item_id"]
    teacher = live_socket(world.teacher_a)
    asked = {"session_id": session.id, "item_id": item_id}
    db.session.expunge_all()  # as a served event finds it: nothing loaded yet
    with recorded() as statements:
        ack = acked(teacher, "live_approve", asked)
    assert ack["ok"], ack
    selects = [s for s in statements if s.startswith("SELECT")]
    assert not any(s.startswith("SELECT live_session.") for s in selects), selects
    assert len([s for s in selects if "FROM live_message" in s]) == 1, selects


def test_live_queue_lists_only_this_sessions_messages_for_this_teacher(world):
    session = make_session(world)
    other = make_session(world, title="Another day", starts_in=timedelta(minutes=-2))
    here = services.send_message(world.pupil_a, session.id, "Here")["item_id"]
    services.send_message(world.pupil_a2, other.id, "Elsewhere")
    services.send_message(world.pupil_b, session.id, "Partner pupil")
    assert [q["id"] for q in services.live_queue(world.teacher_a, session)] == [here]
    assert [q["text"] for q in services.live_queue(world.teacher_b, session)] == ["Partner pupil"]


def test_a_withdrawn_message_leaves_every_screen(world, live_socket):
    session = make_session(world)
    partner = live_socket(world.pupil_b)
    join(partner, session, f"live:{session.id}")
    item_id = services.send_message(world.pupil_a, session.id, "Oops")["item_id"]
    services.approve_message(world.teacher_a, session.id, item_id)
    rule.withdraw(world.teacher_a, item_id, "sent by mistake")
    kinds = [p["kind"] for p in received(partner) if p and p.get("stream") == f"live:{session.id}"]
    assert kinds[-2:] == ["item_approved", "item_removed"]
    assert services.approved_messages(world.pupil_b, session) == []
    assert db.session.get(ModerationItem, item_id).state == ItemState.WITHDRAWN


def test_two_copies_of_one_send_arriving_at_once_are_stored_once(world, monkeypatch):
    from exchange.rooms.live.services import chat

    session = make_session(world)
    for author in (world.pupil_a, world.teacher_a):
        client_id = f"race-{author.id:04d}-x"
        first = services.send_message(author, session.id, "Hi", client_id)
        real = chat._earlier
        calls = []

        def racing(actor, cid, real=real, calls=calls):
            calls.append(cid)  # the first look misses the copy another process is storing
            return None if len(calls) == 1 else real(actor, cid)

        monkeypatch.setattr(chat, "_earlier", racing)
        again = services.send_message(author, session.id, "Hi", client_id)
        monkeypatch.setattr(chat, "_earlier", real)
        assert again["item_id"] == first["item_id"] and again["repeated"] is True
        count = db.session.scalar(
            select(func.count()).select_from(LiveMessage).where(LiveMessage.client_id == client_id)
        )
        assert count == 1
