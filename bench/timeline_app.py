"""The app as gunicorn serves it, with clocks on an approval's way through the server.

Served by `python -m bench.approval_timeline` (`gunicorn ... bench.timeline_app:app`); never by
a deployment. Before the app is built it wraps, in this process only, the library and app
functions an approval passes through, and writes one JSON line per approval to the file named
by BENCH_TIMELINE_FILE: CLOCK_MONOTONIC nanoseconds, the clock the load generator stamps with.

  recv  simple-websocket reads the frame         C   Flask-SocketIO starts the handler
  A     python-socketio has decoded the event    t0  the approval rule starts
  B     its handler greenlet runs                e0  the commit is done, the emits start
  E     the acknowledgement is queued            e1  the emits are queued
  s0, s1  the first and last WebSocket send after E
  sql   each statement of the rule at the cursor  c0  COMMIT is sent
        ([start, end] pairs, between t0 and c0)
"""

from __future__ import annotations

import importlib
import json
import os
import time
from typing import Any

import flask_socketio
import simple_websocket.ws
import socketio.server
from sqlalchemy import event
from sqlalchemy.orm import Session

_FILE = os.environ.get("BENCH_TIMELINE_FILE")
_now = time.monotonic_ns
_state: dict[str, Any] = {"cur": {}, "sends": [], "recv": 0}


def _mark(name: str) -> None:
    current = _state["cur"]
    if "item" in current and name not in current:
        current[name] = _now()


def _flush() -> None:
    """Write the previous approval's clocks (its sends finished after its handler did)."""
    current = _state["cur"]
    if _FILE and current.get("item") is not None and _state["sends"]:
        current["s0"], current["s1"] = _state["sends"][0], _state["sends"][-1]
        current["sends"] = len(_state["sends"])
        with open(_FILE, "a") as out:
            out.write(json.dumps(current) + "\n")
    _state["cur"], _state["sends"] = {}, []


def _wrap(owner: Any, name: str, before: Any = None, after: Any = None) -> None:
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before is not None:
            before(*args)
        try:
            return original(*args, **kwargs)
        finally:
            if after is not None:
                after(*args)

    setattr(owner, name, wrapped)


def _on_frame(*_args: Any) -> None:
    _state["recv"] = _now()


def _on_event(_server: Any, _eio_sid: Any, _namespace: Any, _id: Any, data: Any) -> None:
    if data and data[0] == "approve_item" and isinstance(data[-1], dict):
        _flush()
        _state["cur"] = {"item": data[-1].get("item_id"), "recv": _state["recv"], "A": _now()}


def _is_approval(*args: Any) -> bool:
    return any(a == "approve_item" for a in args if isinstance(a, str)) or any(
        isinstance(a, list) and a and a[0] == "approve_item" for a in args
    )


def _on_send(*_args: Any) -> None:
    if "E" in _state["cur"]:
        _state["sends"].append(_now())


_wrap(simple_websocket.ws.Base, "_handle_events", before=_on_frame)
_wrap(socketio.server.Server, "_handle_event", before=_on_event)
_wrap(
    socketio.server.Server,
    "_handle_event_internal",
    before=lambda *a: _is_approval(*a) and _mark("B"),
    after=lambda *a: _is_approval(*a) and _mark("E"),
)
_wrap(flask_socketio.SocketIO, "_handle_event", before=lambda *a: _is_approval(*a) and _mark("C"))
_wrap(simple_websocket.ws.Base, "send", after=_on_send)
# Registered before the app's own after_commit listener (which emits), so it runs first.
event.listen(Session, "after_commit", lambda _session: _mark("e0"))

from exchange.wsgi import app  # noqa: E402  (after the wraps and the first listener)

services = importlib.import_module("exchange.moderation.services")  # once the app is built
_wrap(services, "approve", before=lambda *a: _mark("t0"))
event.listen(Session, "after_commit", lambda _session: _mark("e1"))  # after the app's emits


def _in_rule() -> bool:
    current = _state["cur"]
    return "t0" in current and "c0" not in current


def _statement_starts(*_args: Any) -> None:
    if _in_rule():
        _state["cur"].setdefault("sql", []).append([_now(), 0])


def _statement_ends(*_args: Any) -> None:
    if _in_rule() and _state["cur"].get("sql"):
        _state["cur"]["sql"][-1][1] = _now()


with app.app_context():
    _engine = importlib.import_module("exchange.extensions").db.engine
event.listen(_engine, "before_cursor_execute", _statement_starts)
event.listen(_engine, "after_cursor_execute", _statement_ends)
event.listen(_engine, "commit", lambda _conn: _mark("c0"))

__all__ = ["app"]
