"""The production path on this machine: its PostgreSQL and Redis, nginx, gunicorn processes.

Under CI=true these tests must run: a missing service or binary fails them instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bench import common
from exchange.extensions import db

CI = os.environ.get("CI") == "true"


def need(available: bool, what: str) -> None:
    """Skip without `what` on a developer machine; fail under CI, where it must be there."""
    if available:
        return
    if CI:
        pytest.fail(f"{what} is required under CI=true (the production proof must run)")
    pytest.skip(f"{what} is not available here")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL for this module, schema created, dropped
    afterwards."""
    need(common.postgres_available(), "the machine's PostgreSQL (127.0.0.1:5432)")
    name = f"prod_{uuid.uuid4().hex[:10]}"
    url = common.postgres_database(name)
    app = common.data_app(url)
    with app.app_context():
        db.engine.dispose()
    yield url
    common.drop_postgres_database(name)


@pytest.fixture(scope="module")
def machine_redis() -> str:
    """The machine's Redis (each cluster uses a pub/sub channel of its own)."""
    need(common.redis_available(), "the machine's Redis (127.0.0.1:6379)")
    return common.redis_url()


@pytest.fixture(scope="module")
def nginx_installed() -> None:
    """nginx must be installed (make system-deps installs it)."""
    need(common.nginx_binary() is not None, "nginx (apt-get install nginx)")


@pytest.fixture
def data_app(pg_url: str) -> Iterator[Any]:
    """An app on the module's database for building data, emptied afterwards."""
    app = common.data_app(pg_url, create=False)
    with app.app_context():
        yield app
        from tests.conftest import empty_database

        empty_database()
        db.engine.dispose()
