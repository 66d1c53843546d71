"""Statement texts that stay the same from one request to the next, so PostgreSQL prepares
(and, for a row limit, plans) them once: `column IN (ids)` for lists of ids, and LIMITs.

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

from sqlalchemy import any_, bindparam, literal_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from exchange.extensions import db


def one_of(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column` is one of `ids` (an integer column; an empty list matches nothing)."""
    ids = list(ids)
    if db.engine.dialect.name != "postgresql":
        return column.in_(ids)
    return column == any_(bindparam(None, ids, type_=ARRAY(column.type)))


def row_limit(rows: int) -> ColumnElement[Any]:
    """A LIMIT written into the statement (`LIMIT 5`), not a parameter (`LIMIT $1`).

    PostgreSQL plans a prepared statement once (its generic plan) only when that plan does not
    look costlier than the plans made for each execution's values; with the row count as a
    parameter it always does, so a page's statement was planned afresh at every request, for
    longer than it ran. A page's limits are constants, so the text stays the same."""
    return literal_column(str(int(rows)))
