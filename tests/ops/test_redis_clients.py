"""The app's Redis clients wait for a free connection instead of failing a crowd.

A class's screens connecting or leaving together ask Redis from as many greenlets at once;
redis-py's default pool raised "Too many connections" past 100 of them, and a live-session
approval failed with a server error on two processes (`python -m bench live`).
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
