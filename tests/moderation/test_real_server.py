"""The queue's socket events and commands through a real server and a real Socket.IO client."""

from __future__ import annotations

import threading

import pytest

from exchange.extensions import db
from exchange.moderation.models import ItemState, ModerationItem
from exchange.space import services as space
from tests.factories import make_teacher
from tests.servers import running_server, socketio_client


class Inbox:
    """Collects one event kind from a real client, so a test can wait for it."""

    def __init__(self, client, kind):
        self.messages, self.arrived = [], threading.Event()

        @client.on(kind)
        def _receive(message):
            self.messages.append(message)
            self.arrived.set()

    def wait(self, timeout=10):
        assert self.arrived.wait(timeout), "nothing arrived"
        self.arrived.clear()
        return self.messages[-1]


@pytest.mark.server
def test_co_teacher_sees_an_item_leave_when_the_other_approves_it_by_socket(
    app, world, database_url
):
    co_teacher = make_teacher(world.class_a, display_name="Mr Co Teacher")
    pupil = world.pupil_a
    db.session.commit()
    post = space.create_post(pupil, world.link.id, space.PostDraft(title="Hi", text="Hello!"), [])
    with running_server(database_url, async_mode="gevent") as server:
        deciding = socketio_client(server, app, world.teacher_a)
        watching = socketio_client(server, app, co_teacher)
        author = socketio_client(server, app, pupil)
        try:
            stream = f"queue:{world.class_a.id}"
            caught_up = watching.call("subscribe", {"stream": stream, "after_seq": 0}, timeout=5)
            assert [e["kind"] for e in caught_up["events"]] == ["queue_item_added"]
            assert caught_up["events"][0]["item"]["id"] == post.item_id
            removed = Inbox(watching, "queue_item_removed")
            status = Inbox(author, "item_status")
            author.call("subscribe", {"stream": f"pupil:{pupil.id}"}, timeout=5)
            refused = deciding.call("approve_item", {"item_id": "x"}, timeout=5)
            assert refused["ok"] is False and refused["error"] == "invalid"
            ack = deciding.call("approve_item", {"item_id": post.item_id}, timeout=5)
            assert ack == {
                "ok": True,
                "item_id": post.item_id,
                "state": "approved",
                "stage": None,
                "version": 1,
            }
            assert removed.wait()["item_id"] == post.item_id
            assert status.wait()["state"] == "approved"
            again = deciding.call(
                "return_item", {"item_id": post.item_id, "feedback": "late"}, timeout=5
            )
            assert again["ok"] is False and again["error"] == "conflict"
        finally:
            for client in (deciding, watching, author):
                client.disconnect()
    db.session.expire_all()
    assert db.session.get(ModerationItem, post.item_id).state == ItemState.APPROVED
