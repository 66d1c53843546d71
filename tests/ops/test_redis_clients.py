"""The app's Redis clients wait for a free connection instead of failing a crowd.

A class's screens connecting or leaving together ask Redis from as many greenlets at once;
redis-py's default pool raised "Too many connections" past 100 of them (presence, when 120
screens left a live session at once on two processes in `python -m bench live`).
"""

from __future__ import annotations

import threading

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
