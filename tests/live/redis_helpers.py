"""The machine's Redis for live tests: one database per test pass, flushed before and after.

CI runs the SQLite and PostgreSQL passes side by side on one Redis, and pytest-xdist workers share
it too, so each pass and worker gets its own database number (never one another pass flushes).
Under CI=true a missing Redis fails the test instead of skipping it."""

from __future__ import annotations

import os
import re

import pytest


def redis_db_number() -> int:
    """5 on SQLite, 6 when TEST_DATABASE_URL is set, plus two per pytest-xdist worker (gw1 ...)."""
    number = 6 if os.environ.get("TEST_DATABASE_URL") else 5
    worker = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    if worker:
        number += 2 * int(worker.group(1))
    if number > 15:  # Redis's default 16 databases
        raise RuntimeError(f"no free Redis test database for worker {worker.group(0)}")
    return number


REDIS_URL = os.environ.get("LIVE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db_number()}")


def redis_client():
    """A client on the test database, flushed; skips (or fails under CI) without Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        client.ping()
    except Exception as exc:  # not running here
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required under CI and is not answering at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    client.flushdb()
    return client
