"""Presence across processes (in memory and in Redis) and the token-bucket rate limiter."""

from __future__ import annotations

import pytest

from exchange.errors import TooMany
from exchange.rooms import presence
from exchange.rooms.live import limits
from tests.live.redis_helpers import redis_client

ROOM = "live:77"


def member(key, role="pupil", class_id=1, name=None):
    return presence.Member(key=key, name=name or key, role=role, class_id=class_id,
                           class_label=f"Class {class_id}")  # fmt: skip


def test_memory_presence_counts_users_not_tabs():
    store = presence.MemoryStore()
    store.add(ROOM, "sid1", member("pupil:1"))
    store.add(ROOM, "sid2", member("pupil:1"))
    store.add(ROOM, "sid3", member("staff:9", role="teacher", class_id=2))
    assert len(store.sockets(ROOM)) == 3
    store.remove(ROOM, "sid1")
    store.remove(ROOM, "sid2")
    assert [m.key for m in store.sockets(ROOM)] == ["staff:9"]
    store.remove(ROOM, "sid3")
    assert store.rooms == {}


@pytest.fixture
def shared_redis():
    client = redis_client()
    yield client
    client.flushdb()
    client.close()


def test_redis_presence_is_shared_by_processes_and_forgets_a_dead_one(shared_redis):
    node_1 = presence.RedisStore(shared_redis)
    node_2 = presence.RedisStore(shared_redis)
    node_1.add(ROOM, "a", member("pupil:1"))
    node_2.add(ROOM, "b", member("pupil:2", class_id=2))
    node_2.add(ROOM, "c", member("staff:5", role="teacher", class_id=2))
    assert sorted(m.key for m in node_1.sockets(ROOM)) == ["pupil:1", "pupil:2", "staff:5"]
    node_2.remove(ROOM, "c")
    assert sorted(m.key for m in node_1.sockets(ROOM)) == ["pupil:1", "pupil:2"]
    # Process 2 crashes: its heartbeat key expires and its sockets drop out of every count.
    shared_redis.delete(node_2._node_key(node_2.node))
    assert [m.key for m in node_1.sockets(ROOM)] == ["pupil:1"]
    assert shared_redis.hlen(node_1._room_key(ROOM)) == 1  # swept, not just hidden
    assert shared_redis.ttl(node_1._node_key(node_1.node)) > 0


def test_presence_summary_is_per_class_and_names_stay_with_teachers(app):
    from flask import current_app

    with app.test_request_context():
        state = presence._state(current_app)
        state.store.add(ROOM, "s1", member("pupil:1"))
        state.store.add(ROOM, "s2", member("pupil:1"))
        state.store.add(ROOM, "s3", member("pupil:2"))
        state.store.add(ROOM, "s4", member("staff:3", role="teacher", class_id=2))
        people = presence.members(ROOM)
        assert [(p["key"], p["connections"]) for p in people] == [
            ("pupil:1", 2),
            ("pupil:2", 1),
            ("staff:3", 1),
        ]
        summary = presence.summary(ROOM, people)
        assert [(c["class_id"], c["pupils"], c["teachers"]) for c in summary] == [
            (1, 2, 0),
            (2, 0, 1),
        ]
        assert all("name" not in c for c in summary)


def test_memory_bucket_refills_over_time(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
    buckets = limits.MemoryBuckets()
    assert [buckets.take("k", 2, 4.0) for _ in range(3)] == [0.0, 0.0, 4.0]
    clock[0] += 2.0
    assert buckets.take("k", 2, 4.0) == pytest.approx(2.0)
    clock[0] += 2.0
    assert buckets.take("k", 2, 4.0) == 0.0
    assert buckets.take("other", 2, 4.0) == 0.0


def test_redis_bucket_is_shared_and_atomic(shared_redis, monkeypatch):
    clock = [5000.0]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])
    process_1 = limits.RedisBuckets(shared_redis)
    process_2 = limits.RedisBuckets(shared_redis)
    assert process_1.take("chat:pupil:1", 3, 4.0) == 0.0
    assert process_2.take("chat:pupil:1", 3, 4.0) == 0.0
    assert process_1.take("chat:pupil:1", 3, 4.0) == 0.0
    assert process_2.take("chat:pupil:1", 3, 4.0) == pytest.approx(4.0)
    clock[0] += 4.0
    assert process_1.take("chat:pupil:1", 3, 4.0) == 0.0
    assert shared_redis.ttl("linking-exchange:ratelimit:chat:pupil:1") > 0


def test_the_limiter_refuses_with_a_plain_message(app):
    app.config["LIVE_RATE_CHAT"] = (1, 60)
    with app.test_request_context():
        limits.check(limits.CHAT, "pupil:9")
        with pytest.raises(TooMany, match="very quickly") as refused:
            limits.check(limits.CHAT, "pupil:9")
    assert refused.value.code == "rate_limited" and refused.value.details["retry_after"] == 60
