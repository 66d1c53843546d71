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
their store.
"""

from __future__ import annotations

from typing import Any

POOL_SIZE = 50  # connections per client and process; Redis allows 10,000 clients by default


def client(url: str, *, timeout: float, decode_responses: bool = False) -> Any:
    """A Redis client for `url` with `timeout` seconds for connecting, each reply, and the wait
    for a free connection of its pool."""
    import redis

    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        decode_responses=decode_responses,
    )
    return redis.Redis(connection_pool=pool)


_SHARED: dict[tuple[str, float, bool], Any] = {}


def shared(url: str, *, timeout: float, decode_responses: bool = False) -> Any:
    """This process's client for `url` with these settings, made on first use."""
    key = (url, timeout, decode_responses)
    found = _SHARED.get(key)
    if found is None:
        found = _SHARED[key] = client(url, timeout=timeout, decode_responses=decode_responses)
    return found
