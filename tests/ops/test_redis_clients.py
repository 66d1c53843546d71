"""The app's Redis clients wait for a free connection instead of failing a crowd.

A class's screens connecting or leaving together ask Redis from as many greenlets at once;
redis-py's default pool raised "Too many connections" past 100 of them (presence, when 120
screens left a live session at once on two processes in `python -m bench live`).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from exchange import redis_clients
from tests.live.redis_helpers import REDIS_URL, redis_client


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    redis_client()  # skips without Redis (fails under CI)
    monkeypatch.setattr(redis_clients, "POOL_SIZE", 2)


def test_a_crowd_larger_than_the_pool_waits_its_turn_and_every_call_succeeds(small_pool):
    client = redis_clients.client(REDIS_URL, timeout=3)
    answers, errors = [], []

    def ask(n: int) -> None:
        try:
            # Blocks about 50 ms on the server: the calls overlap and outnumber the pool.
            answers.append(client.blpop([f"crowd:nothing:{n}"], timeout=0.05))
        except Exception as exc:  # noqa: BLE001 - counted and reported below
            errors.append(repr(exc))

    crowd = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for t in crowd:
        t.start()
    for t in crowd:
        t.join(10)
    assert errors == []
    assert answers == [None] * 12
    assert len(client.connection_pool._connections) <= 2


def test_a_wait_longer_than_the_timeout_is_a_clear_redis_error_not_a_hang(small_pool):
    import redis

    client = redis_clients.client(REDIS_URL, timeout=0.2)
    held = [client.connection_pool.get_connection() for _ in range(2)]
    try:
        with pytest.raises(redis.ConnectionError, match="No connection available"):
            client.ping()
    finally:
        for connection in held:
            client.connection_pool.release(connection)
    assert client.ping() is True


def test_the_same_settings_share_one_client_and_other_settings_get_their_own():
    url = "redis://127.0.0.1:6379/15"
    first = redis_clients.shared(url, timeout=1)
    assert redis_clients.shared(url, timeout=1) is first
    assert redis_clients.shared(url, timeout=2) is not first
    assert redis_clients.shared(url, timeout=1, decode_responses=True) is not first


def _waits_its_turn(client) -> bool:  # noqa: ANN001
    import redis

    pool = client.connection_pool
    return isinstance(pool, redis.BlockingConnectionPool) and (
        pool.max_connections == redis_clients.POOL_SIZE
    )


def test_every_redis_client_of_the_app_waits_its_turn(app):
    """Presence, the event counters, rate limits and the health probe: no client of the app is
    made with redis-py's failing default pool."""
    from exchange import ratelimit
    from exchange.ops import health
    from exchange.rooms import presence
    from exchange.rooms.events.live import RedisStore

    redis_client()  # skips without Redis (fails under CI)
    app.config.update(REDIS_URL=REDIS_URL, SOCKETIO_MESSAGE_QUEUE=REDIS_URL)
    try:
        assert _waits_its_turn(presence.redis_connection(app))
    finally:
        app.extensions.pop("exchange_rooms_redis", None)
    assert _waits_its_turn(RedisStore(REDIS_URL).redis)
    redis_clients._SHARED.clear()
    assert ratelimit.allow(ratelimit.Limit("pool-test", per_second=1, burst=1), "someone")
    assert health.message_queue_state()["status"] == "ok"
    used = dict(redis_clients._SHARED)
    # Both wait at most a second, so they share one client.
    assert health.PROBE_TIMEOUT_S == 1
    assert set(used) == {(REDIS_URL, 1.0, False)}
    assert all(_waits_its_turn(c) for c in used.values())


def test_the_message_queue_waits_its_turn_and_a_crowd_of_emits_all_arrive(small_pool, caplog):
    """Every emit of a multi-process server is a publish. Past its pool, python-socketio's own
    manager logs "Cannot publish to redis... retrying", throws its client away and retries once
    on a new one (a second failure drops the emit); this one waits and keeps its client."""
    channel = f"crowd-test-{threading.get_ident()}"
    manager = redis_clients.message_queue(REDIS_URL, channel)
    manager._redis_connect()
    first_client = manager.redis
    assert _waits_its_turn(manager.redis)
    assert manager.redis.connection_pool.connection_kwargs["socket_timeout"] is None
    assert manager.redis.connection_pool.timeout == redis_clients.QUEUE_WAIT_S == 5
    listener = redis_client().pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
    try:
        failures: list[str] = []
        held = manager.redis.connection_pool.get_connection()  # one of two is busy
        releaser = threading.Timer(0.2, manager.redis.connection_pool.release, args=(held,))
        releaser.start()

        def emit(n: int) -> None:
            if manager._publish({"method": "emit", "n": n}) is None:
                failures.append(f"emit {n} was given up")

        crowd = [threading.Thread(target=emit, args=(n,)) for n in range(12)]
        for t in crowd:
            t.start()
        for t in crowd:
            t.join(10)
        releaser.join()
        assert failures == []
        assert "Cannot publish" not in caplog.text
        assert manager.redis is first_client
        received = set()
        deadline = time.monotonic() + 5
        while len(received) < 12 and time.monotonic() < deadline:
            message = listener.get_message(timeout=0.5)
            if message is not None:
                received.add(json.loads(message["data"])["n"])
        assert received == set(range(12))
    finally:
        listener.close()


def test_a_multi_process_app_publishes_through_the_waiting_queue(app, database_url, tmp_path):
    from exchange import create_app
    from exchange.extensions import socketio
    from exchange.setup import init_socketio
    from tests.conftest import _config

    redis_client()  # skips without Redis (fails under CI)
    config = _config(database_url, tmp_path / "uploads")
    config.update(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL="pool-test-channel")
    create_app(config)
    try:
        manager = socketio.server.manager
        assert type(manager).__name__ == "WaitingRedisManager"
        assert manager.channel == "pool-test-channel"
    finally:
        init_socketio(app)
    assert type(socketio.server.manager).__name__ != "WaitingRedisManager"
