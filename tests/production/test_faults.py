"""Redis or PostgreSQL stopped for a moment: the app answers at once with a clear error, never
hangs, and recovers by itself when the service is back.

Each test starts a throwaway server of its own on another port and stops that one; the machine's
shared services are never touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bench import common
from exchange import pooling, realtime
from exchange.extensions import db
from exchange.ops import errors as ops_errors
from tests import factories
from tests.production.conftest import need
from tests.production.throwaway import (
    ThrowawayPostgres,
    ThrowawayRedis,
    postgres_binaries,
    redis_binary,
)

pytestmark = [pytest.mark.server]
QUICK_S = 3.0  # "at once": well under any browser's or proxy's patience


def timed_get(url: str, cookie: str | None = None) -> tuple[requests.Response, float]:
    """GET with a signed-in cookie; the answer and how long it took."""
    started = time.monotonic()
    headers = {"Cookie": cookie, "Accept": "text/html"} if cookie else {}
    response = requests.get(url, headers=headers, timeout=15, allow_redirects=False)
    return response, time.monotonic() - started


def eventually(check: Any, timeout: float, what: str) -> Any:
    """Poll `check()` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (requests.RequestException, OSError):
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s")


class Listener:
    """A real Socket.IO client that follows one stream and keeps the facts it receives."""

    def __init__(self, url: str, cookie: str, stream: str) -> None:
        self.facts: list[dict[str, Any]] = []
        self.client = common.connect_client(url, cookie)
        self.client.on("item_approved", self.facts.append)
        ack = self.client.call("subscribe", {"stream": stream}, timeout=10)
        assert ack["ok"] is True, ack

    def item_ids(self) -> set[int]:
        """The references of the facts received."""
        return {f["ref"] for f in self.facts}


@pytest.fixture
def redis_server() -> Iterator[ThrowawayRedis]:
    """A Redis of this test's own."""
    need(redis_binary() is not None, "redis-server")
    server = ThrowawayRedis().start()
    yield server
    server.remove()


@pytest.fixture
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of this test's own."""
    need(postgres_binaries(), "PostgreSQL server binaries (initdb, postgres)")
    server = ThrowawayPostgres().start()
    yield server
    server.remove()


@pytest.mark.redis
@pytest.mark.postgres
def test_redis_outage_is_reported_and_fan_out_recovers(data_app, pg_url, redis_server, tmp_path):
    world = factories.make_world()
    teacher = common.cookie_header(data_app, world.teacher_a)
    pupil = common.cookie_header(data_app, world.pupil_b)
    stream = realtime.link_stream(world.link.id)
    cluster = common.Cluster(
        pg_url, processes=2, nginx=False, redis=redis_server.url, workdir=tmp_path
    )
    with cluster:
        emitter = cluster.emitter_app()
        listeners = [Listener(s.url, pupil, stream) for s in cluster.servers]
        sent: list[int] = []

        def approve(item: int) -> None:
            with emitter.app_context():
                realtime.publish(stream, "item_approved", {"ref": item}, link_id=world.link.id)
                db.session.commit()
            sent.append(item)

        try:
            approve(1)
            eventually(lambda: all(1 in x.item_ids() for x in listeners), 10, "fan-out")

            redis_server.stop()
            for server in cluster.servers:
                ready, took = timed_get(server.url + "/readyz")
                assert ready.status_code == 503 and took < QUICK_S
                body = ready.json()
                assert body["message_queue"]["status"] == "down" and body["down"] == [
                    "message_queue"
                ]
                health, _ = timed_get(server.url + "/healthz")
                assert health.status_code == 200 and health.json()["status"] == "degraded"
                # Pages that need only the database go on working (rate limits count in memory).
                page, took = timed_get(server.url + "/", teacher)
                assert page.status_code == 200 and took < QUICK_S
            ack = listeners[0].client.call("subscribe", {"stream": stream}, timeout=QUICK_S)
            assert ack["ok"] is True

            redis_server.start()
            for server in cluster.servers:
                eventually(
                    lambda s=server: requests.get(s.url + "/readyz", timeout=2).status_code == 200,
                    15,
                    f"{server.name} ready again",
                )
            # The servers' Redis listeners reconnect by themselves (with back-off): facts
            # committed from now on reach both processes' clients again.
            item = iter(range(2, 1000))

            def delivered_everywhere() -> bool:
                latest = next(item)
                approve(latest)
                time.sleep(0.3)
                return all(latest in x.item_ids() for x in listeners)

            eventually(delivered_everywhere, 40, "fan-out through the restarted Redis")
        finally:
            # Side by side: each disconnect waits up to 3 s for the server's closing frame.
            closing = [threading.Thread(target=x.client.disconnect) for x in listeners]
            for thread in closing:
                thread.start()
            for thread in closing:
                thread.join(timeout=15)


@pytest.mark.postgres
def test_postgres_outage_answers_503_at_once_and_recovers(postgres_server, tmp_path):
    app = common.data_app(postgres_server.url)
    with app.app_context():
        world = factories.make_world()
        teacher = common.cookie_header(app, world.teacher_a)
        stream = realtime.link_stream(world.link.id)
        db.engine.dispose()
    with common.AppServer(postgres_server.url, log_path=tmp_path / "server.log") as server:
        page, _ = timed_get(server.url + "/", teacher)
        assert page.status_code == 200
        client = common.connect_client(server.url, teacher)
        try:
            postgres_server.stop()
            page, took = timed_get(server.url + "/", teacher)
            assert page.status_code == 503 and took < QUICK_S
            assert "briefly unavailable" in page.text
            assert page.headers["Retry-After"]
            api, took = timed_get(server.url + "/readyz")
            assert api.status_code == 503 and took < QUICK_S
            assert api.json()["database"]["status"] == "down"
            started = time.monotonic()
            ack = client.call("subscribe", {"stream": stream}, timeout=10)
            assert ack["ok"] is False and time.monotonic() - started < QUICK_S

            postgres_server.start()
            eventually(
                lambda: requests.get(server.url + "/readyz", timeout=2).status_code == 200,
                20,
                "ready again",
            )
            page, _ = timed_get(server.url + "/", teacher)
            assert page.status_code == 200
            assert client.call("subscribe", {"stream": stream}, timeout=10)["ok"] is True
        finally:
            client.disconnect()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
def test_after_a_restart_an_idle_connection_is_replaced_unseen(postgres_server, monkeypatch):
    """exchange/pooling.py: a pooled connection that sat idle is pinged and, dead, replaced;
    one in use a moment ago is not pinged, so its first statement fails (a 503 in a request)
    and the pool replaces every connection it held."""
    app = common.data_app(postgres_server.url, create=False)
    now = [1000.0]
    monkeypatch.setattr(pooling, "_clock", lambda: now[0])
    with app.app_context():
        try:
            assert db.session.execute(text("SELECT 1")).scalar() == 1
            db.session.remove()  # back in the pool
            postgres_server.stop()
            postgres_server.start()
            now[0] += pooling.PING_AFTER_IDLE_SECONDS + 1
            assert db.session.execute(text("SELECT 2")).scalar() == 2, "replaced unseen"
            db.session.remove()

            postgres_server.stop()
            postgres_server.start()
            now[0] += 1  # in use a moment ago: not pinged
            with pytest.raises(OperationalError) as failed:
                db.session.execute(text("SELECT 3"))
            assert ops_errors._is_unavailable(failed.value), "a request answers it with 503"
            db.session.remove()
            assert db.session.execute(text("SELECT 4")).scalar() == 4, "the next one works"
            db.session.remove()
        finally:
            db.engine.dispose()
