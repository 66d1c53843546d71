"""Pooled connections are pinged only after sitting idle; a dead one is replaced, not used."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import text

from exchange import pooling
from exchange.extensions import db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pool's idea of now, moved by the test."""
    now = [100.0]
    monkeypatch.setattr(pooling, "_clock", lambda: now[0])
    return now


class Connection:
    """A DBAPI connection that counts what it is asked and can be made to fail."""

    def __init__(self, dead: bool = False) -> None:
        self.dead = dead
        self.asked: list[str] = []

    def cursor(self) -> Any:
        connection = self

        class Cursor:
            def execute(self, statement: str) -> None:
                connection.asked.append(statement)
                if connection.dead:
                    raise sqlite3.OperationalError("server closed the connection unexpectedly")

            def close(self) -> None:
                if connection.dead:
                    raise sqlite3.ProgrammingError("cannot close a dead cursor")

        return Cursor()


class Record:
    def __init__(self) -> None:
        self.info: dict[str, Any] = {}


def test_a_connection_in_use_a_moment_ago_is_not_pinged(clock):
    connection, record = Connection(), Record()
    pooling._check_in(connection, record)
    clock[0] += pooling.PING_AFTER_IDLE_SECONDS
    pooling._check_out(connection, record, None)
    assert connection.asked == []


def test_a_new_connection_is_not_pinged(clock):
    connection = Connection()
    pooling._check_out(connection, Record(), None)
    assert connection.asked == []


def test_a_connection_back_from_a_long_wait_is_pinged_once(clock):
    connection, record = Connection(), Record()
    pooling._check_in(connection, record)
    clock[0] += pooling.PING_AFTER_IDLE_SECONDS + 0.1
    pooling._check_out(connection, record, None)
    pooling._check_out(connection, record, None)  # still out: not idle again
    assert connection.asked == ["SELECT 1"]


def test_a_dead_connection_after_a_long_wait_is_given_up(clock):
    connection, record = Connection(dead=True), Record()
    pooling._check_in(connection, record)
    clock[0] += 60
    with pytest.raises(pooling.DisconnectionError, match="did not answer a ping"):
        pooling._check_out(connection, record, None)


def test_the_pool_replaces_a_connection_that_died_while_idle(app, clock):
    """Through the real pool (SQLite): the dead connection is dropped and a fresh one used."""
    engine = db.engine
    with engine.connect() as first:
        raw = first.connection.dbapi_connection
        first.execute(text("SELECT 1"))
    raw.close()  # it dies in the pool
    clock[0] += 60
    with engine.connect() as second:
        assert second.execute(text("SELECT 2")).scalar() == 2
        assert second.connection.dbapi_connection is not raw
