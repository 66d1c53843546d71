"""The proof: nginx in front of three gunicorn processes on this machine's PostgreSQL and Redis,
a linking day's worth of real Socket.IO clients spread across them, and processes lost mid-session.

Approved items reach every client of the link exactly once, pending items reach the teachers'
queues, and neither a crashed process (SIGKILL) nor a stopped one (SIGTERM) loses anything:
their clients reconnect through nginx to the others and catch up from the database.

The day is a live session of the link: pupils of both classes send chat messages
(`live_send_message`), class A's teacher approves them (`live_approve`) from their queue, all
through nginx, each command handled by whichever process that client is connected to.
"""

from __future__ import annotations

import re
import signal
import time
from typing import Any

import pytest
import requests

from bench import common
from exchange import realtime
from exchange.extensions import db
from tests import factories

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]
PUPILS_PER_CLASS = 30
LISTEN = ["item_approved", "queue_item_added", "server_restart"]


def linking_day(app: Any) -> dict[str, Any]:
    """A link between two classes of 30 pupils with a teacher each, a live session going on
    now, and cookies for everyone."""
    from tests.live.conftest import make_session

    world = factories.make_world()
    pupils_a = [world.pupil_a, world.pupil_a2] + [
        factories.make_pupil(world.class_a) for _ in range(PUPILS_PER_CLASS - 2)
    ]
    pupils_b = [world.pupil_b] + [
        factories.make_pupil(world.class_b) for _ in range(PUPILS_PER_CLASS - 1)
    ]
    db.session.commit()
    session = make_session(world)
    live = realtime.live_stream(session.id)
    clients = []
    for n, pupil in enumerate(pupils_a + pupils_b):
        clients.append(
            common.ClientSpec(
                cookie=common.cookie_header(app, pupil),
                streams=[live],
                listen=LISTEN,
                # Every transport a browser may end up on: long-polling only (a proxy that
                # blocks WebSocket), polling upgraded to WebSocket, and WebSocket straight away.
                transports=[["polling"], ["polling", "websocket"], ["websocket"]][n % 3],
            )
        )
    for teacher, classroom in ((world.teacher_a, world.class_a), (world.teacher_b, world.class_b)):
        clients.append(
            common.ClientSpec(
                cookie=common.cookie_header(app, teacher),
                streams=[live, realtime.queue_stream(classroom.id)],
                listen=LISTEN,
            )
        )
    return {"world": world, "session_id": session.id, "clients": clients}


RETRYABLE = {
    "TimeoutError",
    "BadNamespaceError",
    "DisconnectedError",
    "rate_limited",
    "unavailable",
}


class LinkingDay:
    """Drives the session through the swarm's own sockets: pupils send, their teacher approves.

    A command whose socket is reconnecting (its process was just lost) is sent again, as the
    browser client does; a retried send carries the same message id, so it is stored once.
    """

    def __init__(self, swarm: common.Swarm, session_id: int) -> None:
        self.swarm = swarm
        self.session_id = session_id
        self.teacher_a = 2 * PUPILS_PER_CLASS
        self.approved: list[int] = []
        self.pending: list[int] = []
        self._sent = 0

    def command(self, client: int, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send a command from one client, retrying while its connection is being re-made."""
        deadline = time.monotonic() + 45
        while True:
            answer = self.swarm.emit(client, event, data, timeout=40)
            ack = (answer or {}).get("ack") or {}
            if ack.get("ok") or ack.get("error") not in RETRYABLE or time.monotonic() > deadline:
                return ack
            time.sleep(0.3)

    def send(self) -> int:
        """A class A or B pupil (a different one each time: chat is rate limited) sends."""
        pupil = self._sent % (2 * PUPILS_PER_CLASS)
        self._sent += 1
        data = {
            "session_id": self.session_id,
            "text": f"Hello partners, message {self._sent}",
            "client_id": f"proof-{self._sent:04d}",
        }
        ack = self.command(pupil, "live_send_message", data)
        assert ack.get("ok") and ack["state"] == "pending", ack
        return ack["item_id"]

    def approve(self, count: int) -> None:
        """`count` messages sent by pupils of class A, each approved by their teacher."""
        for _ in range(count):
            item = self.send_from_class_a()
            ack = self.command(
                self.teacher_a, "live_approve", {"session_id": self.session_id, "item_id": item}
            )
            # A retry after a lost acknowledgement finds the message already approved.
            assert ack.get("ok") or ack.get("error") == "conflict", ack
            self.approved.append(item)

    def submit(self, count: int) -> None:
        """`count` messages from class A left waiting in their teacher's queue."""
        for _ in range(count):
            self.pending.append(self.send_from_class_a())

    def send_from_class_a(self) -> int:
        """Only class A's teacher approves in this day, so class A's pupils write."""
        if self._sent % (2 * PUPILS_PER_CLASS) >= PUPILS_PER_CLASS:
            self._sent += PUPILS_PER_CLASS - self._sent % PUPILS_PER_CLASS
        return self.send()


def connections(server: common.AppServer) -> int:
    """Socket connections a process holds, from its own /metrics (loopback, operator)."""
    text = requests.get(server.url + "/metrics", timeout=5).text
    match = re.search(r"^exchange_socket_connections (\d+)$", text, re.M)
    return int(match.group(1)) if match else 0


def assert_everyone_has_everything(
    result: common.SwarmResult, day: LinkingDay, spec: dict[str, Any]
) -> None:
    """Each client applied every approved message exactly once, class A's teacher every pending
    one; nothing is missing and nothing was applied twice."""
    approved = result.received("item_approved")
    pending = result.received("queue_item_added")
    for index in range(len(spec["clients"])):
        got = approved.get(index, [])
        assert sorted(got) == sorted(day.approved), f"client {index}: {sorted(got)}"
    assert sorted(set(day.approved + day.pending)) == sorted(pending.get(day.teacher_a, []))
    assert pending.get(day.teacher_a + 1, []) == []  # class B's queue is another stream


def test_linking_day_through_nginx_survives_losing_processes(
    data_app, pg_url, machine_redis, nginx_installed, tmp_path
):
    spec = linking_day(data_app)
    total = len(spec["clients"])
    with common.Cluster(
        pg_url, processes=3, nginx=True, redis=machine_redis, workdir=tmp_path
    ) as cluster:
        home = requests.get(cluster.url + "/healthz", timeout=5)
        assert home.status_code == 200 and "exchange_sticky=" in home.headers["Set-Cookie"]
        for server in cluster.servers:
            health = requests.get(server.url + "/readyz", timeout=5).json()
            # gunicorn's worker patched the standard library before psycopg was imported.
            assert health["database"]["gevent_cooperative"] is True
            assert health["message_queue"]["status"] == "ok"
        swarm = common.Swarm(cluster.url, spec["clients"], workdir=tmp_path / "swarm")
        with swarm:
            day = LinkingDay(swarm, spec["session_id"])
            held = {s.name: connections(s) for s in cluster.servers}
            assert sum(held.values()) == total, held
            assert all(n > 0 for n in held.values()), f"nginx did not spread clients: {held}"

            day.approve(8)
            day.submit(3)
            swarm.wait_for(lambda n: n["events"] >= total * 8 + 11, timeout=30)

            # A process crashes in the middle of the session, while teachers keep approving.
            victim = max(cluster.servers, key=lambda s: held[s.name])
            victim.kill()
            day.approve(8)
            day.submit(3)
            counts = swarm.wait_for(
                lambda n: n["connected"] == total and n["events"] >= total * 16 + 22, timeout=45
            )
            assert counts["connected"] == total, f"clients did not all reconnect: {counts}"

            # Another is stopped as in a deployment: it tells its sockets to go elsewhere.
            survivors = [s for s in cluster.servers if s is not victim]
            leaving = max(survivors, key=connections)
            moved = connections(leaving)
            leaving.send_signal(signal.SIGTERM)
            day.approve(6)
            assert leaving.proc.wait(timeout=30) == 0, cluster.logs()
            counts = swarm.wait_for(
                lambda n: n["connected"] == total and n["events"] >= total * 22 + 28 + moved,
                timeout=45,
            )
            assert counts["connected"] == total, f"clients did not all reconnect: {counts}"
            result = swarm.stop()
        assert_everyone_has_everything(result, day, spec)
        # The notice reaches the stopped process's sockets before their transports close
        # (a long-polling client between two polls may already have moved on: it reconnects
        # all the same, which the counts above prove).
        restarts = result.received("server_restart", wire=True)
        told = sum(len(v) for v in restarts.values())
        assert moved * 0.8 <= told <= moved, (told, moved)
        incidents = result.incidents()
        assert incidents["errors"] == 0, [c for c in result.clients if c["errors"]][:3]
        assert incidents["reconnects"] >= held[victim.name] + moved
