"""`column IN (ids)` for lists of ids that change from one request to the next.

SQLAlchemy writes `IN (...)` with one parameter per value, so every length of list is a
different statement. On PostgreSQL that costs twice: psycopg converts a statement of more than
50 parameters afresh at every execution, and prepares a statement only once its exact text has
run five times on a connection, so a list whose length varies (the comments of a page of posts,
the items a page shows) is parsed and planned by the server at nearly every request.
`column = ANY(%(ids)s::INTEGER[])` is one parameter and one text whatever the number of ids.
SQLite has no arrays and prepares nothing between requests: there it stays `IN`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from exchange.extensions import db


def one_of(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column` is one of `ids` (an integer column; an empty list matches nothing)."""
    ids = list(ids)
    if db.engine.dialect.name != "postgresql":
        return column.in_(ids)
    return column == any_(bindparam(None, ids, type_=ARRAY(column.type)))
