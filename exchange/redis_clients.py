"""Redis clients whose pool waits its turn instead of failing.

Under gevent a process serves hundreds of sockets at once, and when a class's screens connect
or leave together every one of their greenlets asks Redis at the same moment. redis-py's
default pool then opens a connection per greenlet up to 100 and raises "Too many connections"
for the next one: presence logged it when 120 screens left a live session at once on two
processes (`python -m bench live`).

A blocking pool holds at most POOL_SIZE connections per client and makes the rest wait (gevent
patches its queue, so waiting yields to other greenlets); a wait longer than the client's
socket timeout is an error like any other Redis failure, which every caller already handles.

`shared()` is the one client per process for a URL and timeout: the health probe and the rate
limits (both 1 s) share one. Presence and the event counters keep theirs on the app and on
their store. `message_queue()` is Flask-SocketIO's Redis message queue with the same waiting
pool: every emit of a multi-process server is a publish, so a crowd's emits are a crowd too.
"""

from __future__ import annotations

from typing import Any

POOL_SIZE = 50  # connections per client and process; Redis allows 10,000 clients by default


QUEUE_WAIT_S = 5.0  # the message queue's wait for a connection and for connecting


def client(
    url: str, *, timeout: float, decode_responses: bool = False, subscriber: bool = False
) -> Any:
    """A Redis client for `url` with `timeout` seconds for connecting, each reply, and the wait
    for a free connection of its pool. A `subscriber` waits for replies without limit: its
    connection is idle until someone publishes."""
    import redis

    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=timeout,
        socket_timeout=None if subscriber else timeout,
        socket_connect_timeout=timeout,
        decode_responses=decode_responses,
    )
    return redis.Redis(connection_pool=pool)


def message_queue(url: str, channel: str) -> Any:
    """Flask-SocketIO's client manager for a Redis message queue (a redis:// or rediss:// URL)
    whose publishes wait for a free connection.

    python-socketio's RedisManager makes its client with redis-py's default pool, which raises
    "Too many connections" past 100 greenlets publishing at once; the manager then logs
    "Cannot publish to redis... retrying", throws its client away and retries once on a new
    one, and a second failure drops the emit ("giving up"): a fact nobody on any process
    receives until a reconnect catches up. Its subscriber keeps one connection of the pool,
    idle between messages, so replies have no time limit; the wait for a connection has.
    """
    import socketio

    class WaitingRedisManager(socketio.RedisManager):  # type: ignore[misc]
        def _redis_connect(self) -> None:
            self.redis = client(self.redis_url, timeout=QUEUE_WAIT_S, subscriber=True)
            self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            self.connected = True

    return WaitingRedisManager(url, channel=channel)


_SHARED: dict[tuple[str, float, bool], Any] = {}


def shared(url: str, *, timeout: float, decode_responses: bool = False) -> Any:
    """This process's client for `url` with these settings, made on first use."""
    key = (url, timeout, decode_responses)
    found = _SHARED.get(key)
    if found is None:
        found = _SHARED[key] = client(url, timeout=timeout, decode_responses=decode_responses)
    return found
