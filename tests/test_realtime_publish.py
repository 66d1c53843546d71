"""realtime.publish_all: several facts in one go keep every stream's gap-free order.

An approval announces three facts (out of the queue, to the classes, to the author); they are
written together (one statement on PostgreSQL, two on SQLite) and must read back, and reach the
screens, exactly as if published one at a time.
"""

from __future__ import annotations

from exchange import realtime
from exchange.extensions import db
from exchange.realtime import Fact
from tests.sql import recorded


def test_facts_on_different_streams_are_numbered_on_each_stream_in_one_or_two_statements(app):
    realtime.publish("s:a", "warm", {"n": 0})  # s:a has a counter already; s:b and s:c do not
    facts = [
        Fact("s:a", "first", {"n": 1}),
        Fact("s:b", "second", {"n": 2}, link_id=None),
        Fact("s:c", "third", {"n": 3, "nested": {"list": [1, 2]}}),
    ]
    with recorded() as statements:
        seqs = realtime.publish_all(facts)
    assert seqs == [2, 1, 1]
    assert len(statements) == (1 if db.engine.dialect.name == "postgresql" else 2)
    db.session.commit()
    assert [e.as_message() for e in realtime.events_after("s:a", 0)] == [
        {"n": 0, "stream": "s:a", "seq": 1, "kind": "warm"},
        {"n": 1, "stream": "s:a", "seq": 2, "kind": "first"},
    ]
    assert realtime.events_after("s:b", 0)[0].as_message() == {
        "n": 2,
        "stream": "s:b",
        "seq": 1,
        "kind": "second",
    }
    assert realtime.events_after("s:c", 0)[0].payload == {"n": 3, "nested": {"list": [1, 2]}}
    assert realtime.last_seqs(["s:a", "s:b", "s:c"]) == {"s:a": 2, "s:b": 1, "s:c": 1}


def test_a_stream_named_twice_gets_consecutive_numbers_in_the_order_given(app):
    facts = [Fact("s:x", "one", {}), Fact("s:y", "two", {}), Fact("s:x", "three", {})]
    assert realtime.publish_all(facts) == [1, 1, 2]
    db.session.commit()
    assert [(e.seq, e.kind) for e in realtime.events_after("s:x", 0)] == [(1, "one"), (2, "three")]


def test_facts_are_emitted_after_the_commit_in_the_order_given(app, monkeypatch):
    sent: list[tuple[str, int, str]] = []
    monkeypatch.setattr(
        realtime.socketio, "emit", lambda kind, m, to: sent.append((to, m["seq"], kind))
    )
    realtime.publish_all([Fact("s:q", "removed", {}), Fact("s:l", "approved", {})])
    realtime.publish_all([Fact("s:p", "status", {})])
    assert sent == []  # nothing leaves before the commit
    db.session.commit()
    assert sent == [("s:q", 1, "removed"), ("s:l", 1, "approved"), ("s:p", 1, "status")]


def test_a_rolled_back_batch_leaves_no_event_no_number_and_sends_nothing(app, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(realtime.socketio, "emit", lambda kind, m, to: sent.append(kind))
    realtime.publish("s:r", "kept", {})
    db.session.commit()
    realtime.publish_all([Fact("s:r", "lost", {}), Fact("s:t", "lost", {})])
    db.session.rollback()
    assert realtime.last_seqs(["s:r", "s:t"]) == {"s:r": 1, "s:t": 0}
    assert [e.kind for e in realtime.events_after("s:r", 0)] == ["kept"]
    assert sent == ["kept"]


def test_an_empty_batch_writes_nothing(app):
    with recorded() as statements:
        assert realtime.publish_all([]) == []
    assert statements == []
