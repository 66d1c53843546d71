"""A small token-bucket limiter for socket events (a pupil's chat, reactions, hands).

Flask-Limiter guards HTTP routes; socket events need their own. Each bucket holds `burst`
tokens and refills one every `every` seconds; an event takes one token or is refused with
TooMany ("rate_limited") and a plain-words message. In memory by default; in Redis (one Lua
script, atomic across processes) when REDIS_URL or a redis:// SOCKETIO_MESSAGE_QUEUE is set.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from exchange.errors import TooMany
from exchange.rooms import presence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """A bucket size and refill interval, with the message a refused user reads."""

    name: str
    burst: int
    every: float  # seconds per token
    message: str


CHAT = Rule("chat", 5, 4.0, "You are sending messages very quickly. Please wait a moment.")
REACTION = Rule("reaction", 10, 0.5, "Lots of reactions! Please wait a moment.")
HAND = Rule("hand", 4, 5.0, "Please wait a moment before putting your hand up again.")
RULES = {rule.name: rule for rule in (CHAT, REACTION, HAND)}

_LUA = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 't'))
local stamp = tonumber(redis.call('HGET', KEYS[1], 's'))
local burst = tonumber(ARGV[1])
local every = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if tokens == nil then tokens = burst; stamp = now end
tokens = math.min(burst, tokens + math.max(0, now - stamp) / every)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) * every
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst * every) + 5)
return {allowed, tostring(wait)}
"""


class MemoryBuckets:
    """Buckets in this process's memory."""

    def __init__(self) -> None:
        """Empty buckets, guarded by a lock (gevent or threads)."""
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, key: str, burst: int, every: float) -> float:
        """Take a token; 0.0 when allowed, else the seconds until one is free."""
        now = time.monotonic()
        with self.lock:
            tokens, stamp = self.buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + max(0.0, now - stamp) / every)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) * every


class RedisBuckets:
    """Buckets in Redis, shared by every process."""

    def __init__(self, client: Any, prefix: str = "linking-exchange") -> None:
        """Buckets in `client`, under keys starting with `prefix`."""
        self.redis = client
        self.prefix = prefix
        self.script = client.register_script(_LUA)

    def take(self, key: str, burst: int, every: float) -> float:
        """Take a token atomically; 0.0 when allowed, else the seconds until one is free."""
        allowed, wait = self.script(
            keys=[f"{self.prefix}:ratelimit:{key}"], args=[burst, every, time.time()]
        )
        return 0.0 if int(allowed) == 1 else float(wait)


def _buckets(app: Flask) -> MemoryBuckets | RedisBuckets:
    """This app's buckets, created on first use."""
    buckets = app.extensions.get("exchange_live_buckets")
    if buckets is None:
        client = presence.redis_connection(app)
        buckets = RedisBuckets(client, presence.redis_prefix(app)) if client else MemoryBuckets()
        app.extensions["exchange_live_buckets"] = buckets
    return buckets


def _rule(rule: Rule) -> Rule:
    """The rule as configured (tests and installations may tune LIVE_RATE_<NAME>=(burst, every))."""
    tuned = current_app.config.get(f"LIVE_RATE_{rule.name.upper()}")
    if tuned:
        burst, every = tuned
        return Rule(rule.name, int(burst), float(every), rule.message)
    return rule


def check(rule: Rule, actor_key: str) -> None:
    """Take one token for `actor_key` from `rule`'s bucket, or refuse with TooMany."""
    rule = _rule(rule)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        wait = _buckets(app).take(f"{rule.name}:{actor_key}", rule.burst, rule.every)
    except Exception:  # Redis away for a moment: let the event through rather than fail it
        log.warning("rate limiter unavailable", exc_info=True)
        return
    if wait > 0:
        raise TooMany(rule.message, retry_after=math.ceil(wait))
