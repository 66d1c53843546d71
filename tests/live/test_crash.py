"""The database is the record: crash a real server at each point of a chat message's path,
restart it, let the real clients reconnect, and the partner class shows exactly the approved
messages, once each, in order; nothing unapproved; every pending message still waits in its
teacher's queue; every retried send is stored once.

The server is armed with EXCHANGE_CRASH_AT=<point>:1 (exchange/rooms/live/faults.py): the first
message goes through untouched, the second one meets the crash.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.extensions import db
from exchange.moderation.models import ItemState, ModerationItem
from exchange.rooms.live import services
from exchange.rooms.live.faults import EXIT_CODE
from exchange.rooms.live.models import LiveMessage
from exchange.rooms.live.services.chat import approval_order
from tests.factories import make_pupil
from tests.live.client import LiveClient, close_all, wait_until
from tests.live.conftest import make_session
from tests.servers import ServerProcess, session_cookie

POINTS = [
    ("before_store", "send"),
    ("after_store_before_ack", "send"),
    ("before_approval_commit", "approve"),
    ("after_commit_before_emit", "approve"),
    ("mid_broadcast", "approve"),
]


def cookie_for(app, actor) -> str:
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={session_cookie(app, actor)}"


class InBackground:
    """Run a client's command in a thread (it retries across the crash) and keep its answer."""

    def __init__(self, fn: Any) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Any) -> None:
        try:
            self.result = fn()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def join(self, timeout: float = 90) -> Any:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the command never finished"
        if self.error:
            raise self.error
        return self.result


def database_truth(session_id: int) -> tuple[list[int], set[int]]:
    """Approved chat in approval order, and the pending messages, as the database records them."""
    db.session.remove()
    rows = db.session.execute(
        select(ModerationItem.id, ModerationItem.state)
        .join(LiveMessage, LiveMessage.item_id == ModerationItem.id)
        .where(LiveMessage.session_id == session_id)
    ).all()
    order = approval_order(session_id)
    approved = sorted((i for i, s in rows if s == ItemState.APPROVED), key=lambda i: order[i])
    pending = {i for i, s in rows if s == ItemState.PENDING}
    return approved, pending


@pytest.mark.server
@pytest.mark.parametrize(("point", "path"), POINTS)
def test_a_crash_at_any_point_loses_nothing_and_duplicates_nothing(
    app, world, database_url, tmp_path, point, path
):
    maya = make_pupil(world.class_b, "Maya T.")
    db.session.commit()
    session = make_session(world)
    teacher_id = world.teacher_a.id
    live = f"live:{session.id}"
    log = tmp_path / "server.log"
    server = ServerProcess(database_url, env={"EXCHANGE_CRASH_AT": f"{point}:1"}, log_path=log)
    server.start(timeout=90)  # a loaded machine can take a while to import the app
    clients: list[LiveClient] = []

    def screen(actor: Any, streams: list[str], name: str) -> LiveClient:
        client = LiveClient(server.url, cookie_for(app, actor), session.id, streams, name)
        clients.append(client.connect())
        return client

    try:
        # pupil_b joins the room first, so a broadcast reaches it before anyone else.
        partner = screen(world.pupil_b, [live], "pupil_b")
        partner_2 = screen(maya, [live], "maya")
        partner_teacher = screen(world.teacher_b, [live, f"{live}:teachers"], "teacher_b")
        pupil = screen(world.pupil_a, [live, f"pupil:{world.pupil_a.id}"], "pupil_a")
        teacher = screen(world.teacher_a, [live, f"queue:{world.class_a.id}"], "teacher_a")
        screens = [partner, partner_2, partner_teacher, pupil, teacher]

        def send(text: str, client_id: str) -> dict[str, Any]:
            return pupil.command("live_send_message", {"text": text, "client_id": client_id})

        def approve(item_id: int) -> dict[str, Any]:
            return teacher.command("live_approve", {"item_id": item_id})

        m1 = send("Hello Kestrels!", "crash-m1")
        assert m1["ok"] and approve(m1["item_id"])["ok"]
        assert wait_until(lambda: all(s.chat() == [m1["item_id"]] for s in screens))

        if path == "send":
            fate = InBackground(lambda: send("Do you like football?", "crash-m2"))
        else:
            m2 = send("Do you like football?", "crash-m2")
            m3 = send("What is your favourite food?", "crash-m3")
            assert m2["ok"] and m3["ok"]
            fate = InBackground(lambda: approve(m2["item_id"]))

        assert server.proc is not None
        assert server.proc.wait(timeout=30) == EXIT_CODE, "the server did not crash"
        assert f"crashing at {point}" in log.read_text()
        server.extra_env = {}
        server.start(timeout=90)  # same port: the clients reconnect by themselves
        answer = fate.join()

        if path == "send":
            assert answer["ok"] and answer["state"] == "pending", answer
            if point == "after_store_before_ack":
                assert answer["repeated"] is True  # stored before the crash, found again
            m2 = answer
        else:
            # Either this retry approved it (crash before the commit) or the first attempt had.
            assert answer["ok"] or answer["error"] == "conflict", answer

        # Life goes on after the restart.
        m4 = send("We are back!", "crash-m4")
        assert m4["ok"] and approve(m4["item_id"])["ok"]

        approved, pending = database_truth(session.id)
        if path == "send":
            assert approved == [m1["item_id"], m4["item_id"]]
            assert pending == {m2["item_id"]}
        else:
            assert approved == [m1["item_id"], m2["item_id"], m4["item_id"]]
            assert pending == {m3["item_id"]}

        # Every screen converges on exactly the approved set, in the same order, once each.
        assert wait_until(lambda: all(s.chat() == approved for s in screens), timeout=20), {
            s.name: s.chat() for s in screens
        }
        for s in screens:
            seqs = [x.seq for x in s.applied if x.stream == live]
            assert seqs == sorted(set(seqs)), f"{s.name} applied a fact twice or out of order"

        # Nothing pending was lost: it waits in the teacher's live queue (and on their screen).
        db.session.remove()
        teacher_a = db.session.get(User, teacher_id)
        queue = services.live_queue(teacher_a, services.get_session(session.id))
        assert {q["id"] for q in queue} == pending
        assert wait_until(lambda: teacher.queue() == pending), teacher.queue()

        # Every send, retried or not, is stored once.
        for client_id in ("crash-m1", "crash-m2", "crash-m4"):
            count = db.session.scalar(
                select(func.count())
                .select_from(LiveMessage)
                .where(LiveMessage.client_id == client_id)
            )
            assert count == 1, client_id

        if point == "after_commit_before_emit":
            assert all(s.delivered_live(m2["item_id"]).caught_up for s in screens)
        if point == "mid_broadcast":
            ways = {s.name: s.delivered_live(m2["item_id"]).caught_up for s in screens}
            assert ways["pupil_b"] is False, ways  # reached before the crash
            assert any(ways.values()), ways  # the others caught up after the restart
    finally:
        close_all(clients)
        server.stop()
