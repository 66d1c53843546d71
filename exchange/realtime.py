"""Streams and rooms: publish() stores an event with the change and emits it after the commit.

The database is the record; Socket.IO only signals. Every stream (one per link, per class queue,
per pupil, per live session, per celebration event ...) has its own gap-free sequence, and the
room a socket joins has the same name as the stream, so a client that reconnects with the last
sequence number it saw can be sent exactly what it missed, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    event,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from exchange.extensions import db, socketio
from exchange.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)
OUTBOX = "realtime_outbox"
CATCH_UP_LIMIT = 500


# Room (and stream) names, built only from ids the server trusts.
def link_stream(link_id: int) -> str:
    """Everything both classes of a link may see: approved items, withdrawals, board steps."""
    return f"link:{link_id}"


def queue_stream(classroom_id: int) -> str:
    """The moderation queue of a class, seen by that class's teachers."""
    return f"queue:{classroom_id}"


def pupil_stream(pupil_id: int) -> str:
    """One pupil's own items: pending, returned with feedback, approved."""
    return f"pupil:{pupil_id}"


def staff_stream(user_id: int) -> str:
    """One staff member's notifications."""
    return f"staff:{user_id}"


def district_stream(district_id: int) -> str:
    """A district's facilitators: reports, link confirmations."""
    return f"district:{district_id}"


# Not a stream: a counter moved by every change to an account (accounts.sessions: a session
# ended, a user changed or deleted, a class's teachers), read by each process's socket sweeper.
# No socket can join it (authz knows no "accounts" streams).
ACCOUNT_CHANGES = "accounts:changed"


def live_stream(session_id: int) -> str:
    """A live session's shared screen: approved chat, stage, agenda, presence."""
    return f"live:{session_id}"


def live_teachers_stream(session_id: int) -> str:
    """The private channel between a live session's teachers."""
    return f"live:{session_id}:teachers"


def event_stream(event_id: int) -> str:
    """A celebration event's shared stage."""
    return f"event:{event_id}"


def event_staff_stream(event_id: int) -> str:
    """A celebration event's backchannel between teachers and the facilitator."""
    return f"event:{event_id}:staff"


class StreamCounter(db.Model):  # type: ignore[name-defined]
    """The last sequence number given out on a stream."""

    stream: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class StreamEvent(db.Model):  # type: ignore[name-defined]
    """One fact on a stream, stored in the transaction of the change it announces."""

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("link.id"), index=True)
    # The moderation item an event is about, so deleting the item (a pupil's data, retention)
    # also deletes every stored event that carried its content.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("stream", "seq"),)

    def as_message(self) -> dict[str, Any]:
        """What a client receives: the payload with its stream, sequence and kind."""
        return {**self.payload, "stream": self.stream, "seq": self.seq, "kind": self.kind}


class Fact(NamedTuple):
    """A fact to publish: what happened, on which stream. `item_ref=False` for facts about an
    item that is being deleted (the stored event outlives it)."""

    stream: str
    kind: str
    payload: dict[str, Any]
    link_id: int | None = None
    item_ref: bool = True


_EVENT_COLUMNS = ("stream", "kind", "payload", "link_id", "item_id", "created_at")
# (dialect, how many facts) -> publish's statements: (counter upsert, event insert), the
# second None on PostgreSQL, where the upsert in a CTE feeds the insert in one statement.
_STATEMENTS: dict[tuple[str, int], tuple[Any, Any]] = {}
# PostgreSQL types the VALUES of a CTE from what it is given: the parameters say theirs.
_PG_CASTS = {
    "stream": "VARCHAR",
    "kind": "VARCHAR",
    "payload": "JSON",
    "link_id": "INTEGER",
    "item_id": "INTEGER",
    "created_at": "TIMESTAMP WITH TIME ZONE",
}


def _statements(dialect: str, n: int) -> tuple[Any, Any]:
    """The statements that publish `n` facts on `n` different streams, built once.

    The counter upsert takes the next number of every stream at once (RETURNING stream and
    number); the events are inserted with them. Parameters are numbered by fact: stream_0,
    kind_0 ... stream_1 ... Written as text: SQLAlchemy does not cache the compiled form of a
    multi-row INSERT, and built with its constructs (compiled at every call) an approval cost
    more CPU than with three single facts (`python -m bench.approval_cost`).
    """
    statements = _STATEMENTS.get((dialect, n))
    if statements is not None:
        return statements
    types = {"payload": JSON(), "created_at": UTCDateTime()}
    params = [
        bindparam(f"{name}_{i}", type_=types[name])
        for i in range(n)
        for name in _EVENT_COLUMNS
        if name in types
    ]
    streams = ", ".join(f"(:stream_{i}, 1)" for i in range(n))
    # The text holds only this module's column names and numbered placeholders; every value
    # is a bound parameter.
    upsert = (
        f"INSERT INTO stream_counter (stream, last_seq) VALUES {streams} "  # noqa: S608
        "ON CONFLICT (stream) DO UPDATE SET last_seq = stream_counter.last_seq + 1 "
        "RETURNING stream, last_seq"
    )
    columns = ", ".join(_EVENT_COLUMNS)
    if dialect == "postgresql":
        values = ", ".join(
            "(" + ", ".join(f"CAST(:{c}_{i} AS {_PG_CASTS[c]})" for c in _EVENT_COLUMNS) + ")"
            for i in range(n)
        )
        both = text(
            f"WITH taken AS ({upsert}) "  # noqa: S608
            f"INSERT INTO stream_event ({columns}, seq) "
            f"SELECT {', '.join(f'v.{c}' for c in _EVENT_COLUMNS)}, taken.last_seq "
            f"FROM (VALUES {values}) AS v ({columns}) JOIN taken ON taken.stream = v.stream "
            "RETURNING stream_event.stream, stream_event.seq"
        ).bindparams(*params)
        statements = (both, None)
    else:
        values = ", ".join(
            "(" + ", ".join(f":{c}_{i}" for c in (*_EVENT_COLUMNS, "seq")) + ")" for i in range(n)
        )
        statements = (
            text(upsert),
            text(f"INSERT INTO stream_event ({columns}, seq) VALUES {values}").bindparams(  # noqa: S608
                *params
            ),
        )
    _STATEMENTS[(dialect, n)] = statements
    return statements


def publish(
    stream: str,
    kind: str,
    payload: dict[str, Any],
    link_id: int | None = None,
    *,
    item_ref: bool = True,
) -> int:
    """Record a fact on a stream in the current transaction; it is emitted after the commit.

    Returns the sequence number. Nothing leaves the server if the transaction rolls back.
    `item_ref=False` for facts about an item that is being deleted (the event outlives it).
    """
    return publish_all([Fact(stream, kind, payload, link_id, item_ref)])[0]


def publish_all(facts: Sequence[Fact]) -> list[int]:
    """Record facts in the current transaction, in order; they are emitted after the commit,
    in the same order. Returns their sequence numbers.

    Facts on different streams are written together, one statement on PostgreSQL and two on
    SQLite whatever their number (an approval announces three); a stream named twice is
    written a fact at a time. The next number comes from an upsert with RETURNING, atomic on
    both engines; on PostgreSQL it also locks the counter row until commit, so two writers on
    one stream are serialised and the sequence has no gaps. The events are written at once, on
    the session's connection (same transaction, no autoflush, no ORM bookkeeping).
    """
    if not facts:
        return []
    connection = db.session.connection()
    created_at = utcnow()
    rows = []
    for fact in facts:
        item_id = fact.payload.get("item_id") if fact.item_ref else None
        rows.append(
            {
                "stream": fact.stream,
                "kind": fact.kind,
                "payload": fact.payload,
                "link_id": fact.link_id,
                "item_id": item_id if isinstance(item_id, int) else None,
                "created_at": created_at,
            }
        )
    streams = [row["stream"] for row in rows]
    if len(set(streams)) == len(streams):
        seqs = _write(connection, rows)
    else:
        seqs = [seq for row in rows for seq in _write(connection, [row])]
    outbox = db.session.info.setdefault(OUTBOX, [])
    for fact, seq in zip(facts, seqs, strict=True):
        outbox.append({**fact.payload, "stream": fact.stream, "seq": seq, "kind": fact.kind})
    return seqs


def _write(connection: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Write facts on different streams; their sequence numbers, in the order given."""
    first, second = _statements(connection.dialect.name, len(rows))
    params = {f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()}
    taken = {stream: seq for stream, seq in connection.execute(first, params)}
    if second is not None:
        for i, row in enumerate(rows):
            params[f"seq_{i}"] = taken[row["stream"]]
        connection.execute(second, params)
    return [int(taken[row["stream"]]) for row in rows]


_BUMP = text(
    "INSERT INTO stream_counter (stream, last_seq) VALUES (:stream, 1) "
    "ON CONFLICT (stream) DO UPDATE SET last_seq = stream_counter.last_seq + 1"
)


def bump_counter(connection: Any, name: str) -> None:
    """Move a counter on in the caller's transaction, with no event stored or emitted: for
    counters that processes poll (ACCOUNT_CHANGES) rather than streams that sockets join."""
    connection.execute(_BUMP, {"stream": name})


def signal(room: str, kind: str, payload: dict[str, Any]) -> None:
    """Emit an ephemeral signal that is not stored (presence, live counters)."""
    socketio.emit(kind, {**payload, "stream": room, "kind": kind}, to=room)


def events_after(stream: str, after_seq: int, limit: int = CATCH_UP_LIMIT) -> list[StreamEvent]:
    """The stored events of a stream after a sequence number, in order."""
    stmt = (
        select(StreamEvent)
        .where(StreamEvent.stream == stream, StreamEvent.seq > after_seq)
        .order_by(StreamEvent.seq)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def last_seq(stream: str) -> int:
    """The newest sequence number of a stream (0 when nothing was published)."""
    counter = db.session.get(StreamCounter, stream)
    return counter.last_seq if counter else 0


def last_seqs(streams: list[str]) -> dict[str, int]:
    """The newest sequence number of each stream, in one query (0 where nothing was published);
    in the order given."""
    if len(streams) < 2:
        return {name: last_seq(name) for name in streams}
    rows = db.session.execute(
        select(StreamCounter.stream, StreamCounter.last_seq).where(
            StreamCounter.stream.in_(streams)
        )
    )
    found = {stream: seq for stream, seq in rows}
    return {name: int(found.get(name, 0)) for name in streams}


@event.listens_for(Session, "after_commit")
def _emit_outbox(session: Session) -> None:
    """Commit, then publish: emit what the committed transaction recorded."""
    messages = session.info.pop(OUTBOX, None)
    for message in messages or ():
        try:
            socketio.emit(message["kind"], message, to=message["stream"])
        except Exception:  # a lost signal is recovered by catch-up; never fail the request
            log.exception("emit failed for %s #%s", message["stream"], message["seq"])


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction: Any) -> None:
    """A rolled-back change announces nothing."""
    session.info.pop(OUTBOX, None)
