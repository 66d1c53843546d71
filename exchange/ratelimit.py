"""Rate limits for Socket.IO events (Flask-Limiter covers HTTP only): token buckets per key.

In memory by default; in Redis when REDIS_URL is set, so several server processes share one bucket.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app

from exchange import redis_clients
from exchange.errors import TooMany

_REDIS_BUCKET = """
local key, rate, burst, now = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', key, 'tokens', tokens, 'at', now)
redis.call('EXPIRE', key, math.ceil(burst / rate) + 1)
return allowed
"""


@dataclass(frozen=True)
class Limit:
    """`burst` events at once, refilled at `per_second`."""

    name: str
    per_second: float
    burst: int
    message: str = "You are sending too fast. Please wait a moment."


class _MemoryBuckets:
    """Token buckets in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, limit: Limit) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - at) * limit.per_second)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > 100_000:  # forget idle keys rather than grow without bound
                self._buckets.clear()
            return allowed


_memory = _MemoryBuckets()


def allow(limit: Limit, key: str) -> bool:
    """Take one token for `key`; False when the bucket is empty (fails open if Redis is down)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return _memory.take(f"{limit.name}:{key}", limit)
    try:
        client = redis_clients.shared(url, timeout=1)
        now = time.time()
        allowed = client.eval(  # type: ignore[attr-defined]
            _REDIS_BUCKET, 1, f"rl:{limit.name}:{key}", limit.per_second, limit.burst, now
        )
        return bool(allowed)
    except Exception:
        # Redis down: keep the room usable; the local bucket still bounds a flood per process.
        return _memory.take(f"{limit.name}:{key}", limit)


def check(limit: Limit, key: str) -> None:
    """Raise TooMany (acked as error "rate_limited") when `key` is over `limit`."""
    if not allow(limit, key):
        raise TooMany(limit.message)


def reset_memory() -> None:
    """Forget in-memory buckets (tests)."""
    _memory._buckets.clear()
