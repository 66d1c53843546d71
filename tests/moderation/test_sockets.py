"""Socket commands approve_item and return_item, and the queue events a teacher's page follows."""

from __future__ import annotations

from exchange.extensions import db
from exchange.moderation.models import ItemState, ModerationItem
from tests.moderation.conftest import send_note
from tests.sql import recorded


def received(sock, kind):
    return [m["args"][0] for m in sock.get_received() if m["name"] == kind]


def test_a_new_pending_item_reaches_the_teachers_queue_live(world, notes, sockets):
    sock = sockets(world.teacher_a)
    ack = sock.emit("subscribe", {"stream": f"queue:{world.class_a.id}"}, callback=True)
    assert ack["ok"] is True and ack["last_seq"] == 0
    item = send_note(world.pupil_a, world.link, world.class_a, text="call 07700 900123")
    added = received(sock, "queue_item_added")
    assert len(added) == 1 and added[0]["seq"] == 1
    entry = added[0]["item"]
    assert entry["id"] == item.id and entry["author"] == "Aisha K."
    assert entry["flags"][0]["kind"] == "phone"


def test_approve_item_command(world, notes, sockets):
    item = send_note(world.pupil_a, world.link, world.class_a)
    sock = sockets(world.teacher_a)
    sock.emit("subscribe", {"stream": f"queue:{world.class_a.id}", "after_seq": 1}, callback=True)
    ack = sock.emit("approve_item", {"item_id": item.id}, callback=True)
    assert ack == {"ok": True, "item_id": item.id, "state": "approved", "stage": None, "version": 1}
    assert [m["item_id"] for m in received(sock, "queue_item_removed")] == [item.id]
    again = sock.emit("approve_item", {"item_id": item.id}, callback=True)
    assert again["ok"] is False and again["error"] == "conflict"


def test_return_item_command(world, notes, sockets):
    item = send_note(world.pupil_a, world.link, world.class_a)
    pupil = sockets(world.pupil_a)
    pupil.emit("subscribe", {"stream": f"pupil:{world.pupil_a.id}", "after_seq": 1}, callback=True)
    sock = sockets(world.teacher_a)
    blank = sock.emit("return_item", {"item_id": item.id, "feedback": "  "}, callback=True)
    assert blank["ok"] is False and blank["error"] == "invalid" and blank["field"] == "feedback"
    ack = sock.emit("return_item", {"item_id": item.id, "feedback": "Say more"}, callback=True)
    assert ack["ok"] is True and ack["state"] == "returned"
    status = received(pupil, "item_status")
    assert status[-1]["feedback"] == "Say more" and status[-1]["state"] == "returned"


def test_photos_need_the_confirmation_over_sockets_too(world, notes, sockets):
    item = send_note(world.pupil_a, world.link, world.class_a, photos=True)
    sock = sockets(world.teacher_a)
    refused = sock.emit("approve_item", {"item_id": item.id}, callback=True)
    assert refused["ok"] is False and refused["field"] == "photos_confirmed"
    ack = sock.emit("approve_item", {"item_id": item.id, "photos_confirmed": True}, callback=True)
    assert ack["state"] == "approved"


def test_malformed_commands_are_refused_and_change_nothing(world, notes, sockets):
    item = send_note(world.pupil_a, world.link, world.class_a)
    sock = sockets(world.teacher_a)
    for payload in (
        None,
        "approve",
        {},
        {"item_id": "1"},
        {"item_id": 0},
        {"item_id": item.id, "photos_confirmed": "yes please"},
    ):
        ack = sock.emit("approve_item", payload, callback=True)
        assert ack["ok"] is False and ack["error"] == "invalid", payload
    long = sock.emit("return_item", {"item_id": item.id, "feedback": "x" * 501}, callback=True)
    assert long["error"] == "invalid"
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_only_the_deciding_teacher_can_decide_over_sockets(world, notes, sockets):
    item = send_note(world.pupil_a, world.link, world.class_a)
    for actor, error in (
        (world.pupil_a, "forbidden"),
        (world.pupil_b, "forbidden"),
        (world.teacher_b, "not_found"),
        (world.teacher_c, "not_found"),
        (world.facilitator, "not_found"),
        (world.admin, "not_found"),
    ):
        sock = sockets(actor)
        ack = sock.emit("approve_item", {"item_id": item.id}, callback=True)
        assert ack["ok"] is False and ack["error"] == error, actor
        ack = sock.emit("return_item", {"item_id": item.id, "feedback": "no"}, callback=True)
        assert ack["ok"] is False and ack["error"] == error, actor
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_a_run_of_approvals_reads_only_what_each_needs(world, notes, sockets):
    # The path from a teacher's key press to the partner class's screens: after the commit
    # nothing is read again for the ack, and the next key press (within the socket's one-second
    # user cache) does not load the teacher or their classes again.
    import re

    items = [send_note(world.pupil_a, world.link, world.class_a) for _ in range(2)]
    item_ids = [item.id for item in items]
    sock = sockets(world.teacher_a)
    # A served event has a database session of its own: nothing the test's session loaded
    # (the teacher, their classes) may stand in for what the socket's cache carries.
    db.session.close()
    assert sock.emit("approve_item", {"item_id": item_ids[0]}, callback=True)["ok"] is True
    db.session.close()
    with recorded() as statements:
        ack = sock.emit("approve_item", {"item_id": item_ids[1]}, callback=True)
    assert ack["state"] == "approved" and ack["item_id"] == item_ids[1]
    selects = [s for s in statements if s.startswith("SELECT")]
    assert not any(re.search(r'FROM "?user"?\s', s) for s in selects), selects
    assert not any("FROM classroom" in s and "JOIN" not in s for s in selects), selects
    assert len(statements) <= 6, statements
