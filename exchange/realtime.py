"""Streams and rooms: publish() stores an event with the change and emits it after the commit.

The database is the record; Socket.IO only signals. Every stream (one per link, per class queue,
per pupil, per live session, per celebration event ...) has its own gap-free sequence, and the
room a socket joins has the same name as the stream, so a client that reconnects with the last
sequence number it saw can be sent exactly what it missed, in order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
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


_STATEMENTS: dict[str, tuple[Any, Any]] = {}
_EVENT_COLUMNS = ("stream", "kind", "payload", "link_id", "item_id", "created_at")


def _statements(dialect: str) -> tuple[Any, Any]:
    """publish()'s statements for one dialect, built once: (counter upsert, event insert).

    On PostgreSQL the two are one statement (the upsert in a CTE feeds the insert), with the
    second element None.
    """
    statements = _STATEMENTS.get(dialect)
    if statements is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        counters = StreamCounter.__table__
        events = StreamEvent.__table__
        upsert = (
            insert(counters)
            .values(stream=bindparam("stream"), last_seq=1)
            .on_conflict_do_update(
                index_elements=[counters.c.stream],
                set_={"last_seq": counters.c.last_seq + 1},
            )
            .returning(counters.c.last_seq)
        )
        values = {name: bindparam(name, type_=events.c[name].type) for name in _EVENT_COLUMNS}
        if dialect == "postgresql":
            taken = upsert.cte("taken")
            row = select(*values.values(), taken.c.last_seq)
            both = (
                postgresql.insert(events)
                .from_select([*_EVENT_COLUMNS, "seq"], row)
                .returning(events.c.seq)
            )
            statements = (both, None)
        else:
            statements = (upsert, sqlite.insert(events).values(**values, seq=bindparam("seq")))
        _STATEMENTS[dialect] = statements
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

    The next sequence number comes from an upsert with RETURNING, atomic on both engines; on
    PostgreSQL it also locks the counter row until commit, so two writers on one stream are
    serialised and the sequence has no gaps. The event row is written at once, on the session's
    connection (same transaction, no autoflush, no ORM bookkeeping): on PostgreSQL in the same
    statement as the upsert.
    """
    item_id = payload.get("item_id") if item_ref else None
    row = {
        "stream": stream,
        "kind": kind,
        "payload": payload,
        "link_id": link_id,
        "item_id": item_id if isinstance(item_id, int) else None,
        "created_at": utcnow(),
    }
    connection = db.session.connection()
    first, second = _statements(connection.dialect.name)
    if second is None:
        seq = int(connection.execute(first, row).scalar_one())
    else:
        seq = int(connection.execute(first, {"stream": stream}).scalar_one())
        connection.execute(second, {**row, "seq": seq})
    message = {**payload, "stream": stream, "seq": seq, "kind": kind}
    db.session.info.setdefault(OUTBOX, []).append(message)
    return seq


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
