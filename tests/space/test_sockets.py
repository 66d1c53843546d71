"""The space over Socket.IO (test client): who may follow what, what arrives, and the commands."""

from __future__ import annotations

import pytest
from flask import g

from exchange.moderation import services as moderation
from exchange.space import services
from tests.factories import ROLES
from tests.space.conftest import send_comment, send_post, upload


def events(sock, name=None):
    received = sock.get_received()
    return [r["args"][0] for r in received if name is None or r["name"] == name]


def emit(sock, event, payload):
    """Send a command as the socket's own user.

    The test app keeps one app context open, so Flask-Login's cached user (in `g`) would leak
    from one test socket to the next; a real server gives every event a fresh context.
    """
    g.pop("_login_user", None)
    return sock.emit(event, payload, callback=True)


def subscribe(sock, stream, after=None):
    return emit(sock, "subscribe", {"stream": stream, "after_seq": after})


@pytest.mark.parametrize("role", ROLES[:-1])
def test_sockets_join_only_the_space_streams_their_user_may_follow(world, socket_for, role):
    sock = socket_for(world.actor(role))
    may_follow = {
        f"link:{world.link.id}": role
        in {"admin", "facilitator", "teacher_a", "teacher_b", "pupil_a", "pupil_b"},
        f"queue:{world.class_a.id}": role == "teacher_a",
        f"queue:{world.class_b.id}": role == "teacher_b",
        f"pupil:{world.pupil_a.id}": role == "pupil_a",
        f"pupil:{world.pupil_b.id}": role == "pupil_b",
    }
    answers = {stream: subscribe(sock, stream)["ok"] for stream in may_follow}
    assert answers == may_follow


def test_approval_arrives_for_the_partner_class_and_withdrawal_removes_it(world, socket_for):
    partner = socket_for(world.pupil_b)
    teacher = socket_for(world.teacher_a)
    author = socket_for(world.pupil_a)
    outsider = socket_for(world.pupil_c)
    assert subscribe(partner, f"link:{world.link.id}")["ok"]
    assert subscribe(teacher, f"queue:{world.class_a.id}")["ok"]
    assert subscribe(author, f"pupil:{world.pupil_a.id}")["ok"]
    assert not subscribe(outsider, f"link:{world.link.id}")["ok"]

    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    assert events(partner) == []
    queued = events(teacher, "queue_item_added")
    assert queued[0]["item"]["id"] == post.item_id
    assert queued[0]["item"]["images"][0]["thumb_url"].startswith("/api/v1/images/")
    assert events(author, "item_status")[0]["state"] == "pending"

    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    arrived = events(partner, "item_approved")
    assert [(a["item_kind"], a["post_id"], a["title"]) for a in arrived] == [
        ("post", post.id, "My family")
    ]
    assert arrived[0]["images"][0]["full_url"] == f"/api/v1/images/{post.images[0].id}/full"
    assert events(teacher, "queue_item_removed")[0]["item_id"] == post.item_id

    services.withdraw_item(world.teacher_a, post.item_id, "By mistake")
    removed = events(partner, "item_removed")
    assert removed == [
        {
            "item_id": post.item_id,
            "item_kind": "post",
            "reason": "withdrawn",
            "stream": f"link:{world.link.id}",
            "seq": 2,
            "kind": "item_removed",
        }
    ]
    assert events(outsider) == []


def test_a_reconnecting_client_catches_up_in_order(world, socket_for):
    sock = socket_for(world.pupil_b)
    first = send_post(world.teacher_a, world.link, title="One")
    send_post(world.teacher_a, world.link, title="Two")
    services.set_reaction(world.pupil_a, first.item_id, "star", True)
    ack = subscribe(sock, f"link:{world.link.id}", after=1)
    assert [(e["seq"], e["kind"]) for e in ack["events"]] == [
        (2, "item_approved"),
        (3, "reaction_changed"),
    ]


def test_send_comment_command_goes_through_the_rule(world, socket_for):
    post = send_post(world.teacher_a, world.link, title="Our trip")
    sock = socket_for(world.pupil_b)
    teacher = socket_for(world.teacher_b)
    subscribe(teacher, f"queue:{world.class_b.id}")
    payload = {"post_id": post.id, "text": "Where did you go?", "client_id": "abc-1"}
    ack = emit(sock, "send_comment", payload)
    assert ack["ok"] and ack["comment"]["state"] == "pending"
    again = emit(sock, "send_comment", payload)
    assert again["comment"]["comment_id"] == ack["comment"]["comment_id"]
    assert len(events(teacher, "queue_item_added")) == 1


@pytest.mark.parametrize(
    ("case", "payload", "error"),
    [
        ("not an object", "hello", "invalid"),
        ("no post", {"text": "hi"}, "invalid"),
        ("empty text", {"post_id": 1, "text": "  "}, "invalid"),
        ("unknown post", {"post_id": 999, "text": "hi"}, "not_found"),
    ],
)
def test_bad_send_comment_is_refused(world, socket_for, case, payload, error):
    send_post(world.teacher_a, world.link, title="Our trip")
    ack = emit(socket_for(world.pupil_b), "send_comment", payload)
    assert ack["ok"] is False and ack["error"] == error and ack["message"]


def test_set_reaction_command_publishes_counts(world, socket_for):
    post = send_post(world.teacher_a, world.link, title="Our trip")
    watcher = socket_for(world.pupil_a)
    subscribe(watcher, f"link:{world.link.id}")
    ack = emit(
        socket_for(world.pupil_b), "set_reaction", {"item_id": post.item_id, "reaction": "wow"}
    )
    assert ack == {"ok": True, "item_id": post.item_id, "counts": {"wow": 1}, "mine": ["wow"]}
    assert events(watcher, "reaction_changed")[0]["counts"] == {"wow": 1}
    refused = emit(
        socket_for(world.pupil_b), "set_reaction", {"item_id": post.item_id, "reaction": "angry"}
    )
    assert refused["ok"] is False and refused["error"] == "invalid"
    hidden = emit(
        socket_for(world.pupil_c), "set_reaction", {"item_id": post.item_id, "reaction": "wow"}
    )
    assert hidden["error"] == "not_found"


def test_comment_approval_is_announced_with_its_post(world, socket_for):
    post = send_post(world.teacher_a, world.link, title="Our trip")
    comment = send_comment(world.pupil_b, post, "Fun!")
    watcher = socket_for(world.pupil_a)
    subscribe(watcher, f"link:{world.link.id}")
    moderation.approve(world.teacher_b, comment.item_id)
    arrived = events(watcher, "item_approved")[0]
    assert (arrived["item_kind"], arrived["post_id"], arrived["text"]) == (
        "comment",
        post.id,
        "Fun!",
    )
