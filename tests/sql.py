"""The SQL a block of a test runs, for tests that pin how many statements a path costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from exchange.extensions import db


@contextmanager
def recorded() -> Iterator[list[str]]:
    """The SQL statements run inside the block, whitespace folded to single spaces."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
