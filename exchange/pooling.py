"""A pooled connection is checked with a round trip only after it has sat idle.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` every time a connection leaves the pool: on
PostgreSQL one round trip more for every page and every socket event (an approval's rule made
eight where it needs seven), to find a connection that died while it waited. A connection that
was in use a moment ago almost never has. So a connection is pinged only when it comes back
after more than PING_AFTER_IDLE_SECONDS in the pool (a restarted database, a proxy or firewall
that drops idle connections); a ping that fails makes the pool open a fresh connection, as
pre-ping did.

What that gives up: when PostgreSQL restarts, a connection used within the last few seconds
is not pinged, and the first statement on it fails. That request answers 503 "briefly
unavailable" (exchange/ops/errors.py), as it would have while the database was down, and the
failure makes SQLAlchemy replace every connection the pool held before it: the next request
gets a fresh one.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from exchange.extensions import db

PING_AFTER_IDLE_SECONDS = 5.0
_IDLE_SINCE = "exchange.idle_since"
_clock = time.monotonic


def init_connection_checks(app: Flask) -> None:
    """Ping pooled connections that were idle for a while when they are checked out."""
    with app.app_context():
        engine = db.engine
    if not event.contains(engine.pool, "checkout", _check_out):
        event.listen(engine.pool, "checkin", _check_in)
        event.listen(engine.pool, "checkout", _check_out)


def _check_in(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = _clock()


def _check_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection back from a long wait; a failed ping means a fresh connection."""
    idle_since = record.info.pop(_IDLE_SINCE, None)
    if idle_since is None or _clock() - idle_since <= PING_AFTER_IDLE_SECONDS:
        return  # just connected, or in use a moment ago
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            with contextlib.suppress(Exception):  # a dead connection's cursor may not close
                cursor.close()
    except Exception as exc:  # any failure: this connection is not to be used
        raise DisconnectionError("the pooled connection did not answer a ping") from exc
