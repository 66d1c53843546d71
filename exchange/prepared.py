"""PostgreSQL: keep psycopg's prepared statements by ending a transaction that only read with
COMMIT rather than ROLLBACK.

psycopg prepares a statement on the server once it has run five times on a connection; after
that PostgreSQL neither parses nor plans it again. But psycopg forgets every prepared statement
at a ROLLBACK (it cannot know what the rollback undid), and a request that commits nothing ends
with one: the session is closed at the end of the request and its transaction rolled back. Every
page only reads, so it ended with a rollback, the next page's statements were counted from zero,
and nothing was ever prepared: the space's and the queue's statements were parsed and planned
at every request (`python -m bench.page_cost --engine postgres` counts the backend's work).

So when a request or socket event ends without an error, in a transaction that ran nothing
but SELECT statements and left nothing pending in the session, the transaction is committed.
For a transaction that wrote nothing, COMMIT and ROLLBACK leave the database the same. Anything
else (a write, a failed statement, an error, pending objects) still ends with the rollback.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from exchange.extensions import db

log = logging.getLogger(__name__)

# On the connection's info dict: whether its current transaction ran anything but a SELECT.
WROTE = "exchange.wrote"


def init_prepared_statements(app: Flask) -> None:
    """On PostgreSQL, end read-only transactions with COMMIT at the end of each app context
    (a request or a socket event). Registered after Flask-SQLAlchemy, so it runs before the
    session is removed."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(engine, "begin", _began):
        event.listen(engine, "begin", _began)
        event.listen(engine, "before_cursor_execute", _executing)
        event.listen(engine, "handle_error", _failed)
    app.teardown_appcontext(end_read_only_transaction)


def _began(conn: Connection) -> None:
    conn.info[WROTE] = False


def _executing(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


def _failed(context: Any) -> None:
    if context.connection is not None:
        context.connection.info[WROTE] = True


def end_read_only_transaction(exc: BaseException | None = None) -> None:
    """Commit the app context's transaction if it only read; otherwise leave it to be rolled
    back when the session is removed."""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session.registry()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE, True):
        return
    # Nothing to expire: the session is removed next.
    session.expire_on_commit = False
    try:
        session.commit()
    except SQLAlchemyError:  # the answer is made; removing the session rolls back
        log.warning("a read-only transaction could not be committed", exc_info=True)
    finally:
        session.expire_on_commit = True
