"""A test-only fault hook: crash the server process at a chosen point of the chat's path.

EXCHANGE_CRASH_AT=<point>[:<skip>] makes the process call os._exit the (skip+1)-th time it
reaches <point>, with no clean-up, as a power cut or an OOM kill would. The crash test
(tests/live/test_crash.py) uses it to prove that the database is the record: whatever the
moment of the crash, after a restart and the clients' reconnection the partner class shows
exactly the approved messages, once each, and nothing pending is lost.

Points, in the order a message meets them:
- before_store: a pupil's message passed every check but is not committed yet;
- after_store_before_ack: it is committed, the acknowledgement has not been sent;
- before_approval_commit: an approval is decided and its events recorded, not committed;
- after_commit_before_emit: the approval is committed, nothing was emitted yet;
- mid_broadcast: the approved message reached some sockets of the room but not others.

The hook is refused outside testing and development (exchange/config.py) and costs nothing
when unset: no listener is installed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from exchange import realtime
from exchange.config import ConfigError
from exchange.extensions import socketio

log = logging.getLogger(__name__)
POINTS = (
    "before_store",
    "after_store_before_ack",
    "before_approval_commit",
    "after_commit_before_emit",
    "mid_broadcast",
)
EXIT_CODE = 86
_active: dict[str, Any] = {}


def parse(value: str) -> tuple[str, int]:
    """`point[:skip]` into its parts; refuses unknown points."""
    point, _, skip = value.partition(":")
    if point not in POINTS:
        raise ConfigError(f"EXCHANGE_CRASH_AT must be one of {', '.join(POINTS)}, not {point!r}")
    if skip and not skip.isdigit():
        raise ConfigError("EXCHANGE_CRASH_AT takes a whole number after the colon")
    return point, int(skip or 0)


def install(app: Flask) -> None:
    """Arm the hook when the configuration asks for it (test and development only)."""
    value = app.config.get("EXCHANGE_CRASH_AT")
    if not value:
        _active.clear()
        return
    if app.config.get("ENV_NAME") not in ("testing", "development"):
        raise ConfigError("EXCHANGE_CRASH_AT is a test-only hook and is refused in production")
    point, skip = parse(str(value))
    _active.clear()
    _active.update(point=point, skip=skip, hits=0, broadcasts=set())
    if point == "before_approval_commit" and not event.contains(
        Session, "before_commit", _before_commit
    ):
        event.listen(Session, "before_commit", _before_commit)
    if point == "after_commit_before_emit" and not event.contains(
        Session, "after_commit", _after_commit
    ):
        # Inserted first, so it runs before realtime's listener emits the outbox.
        event.listen(Session, "after_commit", _after_commit, insert=True)
    if point == "mid_broadcast":
        _wrap_broadcast()
    log.warning("fault hook armed: crash at %s after %s passes", point, skip)


def crash_point(point: str) -> None:
    """Crash here if the hook is armed for this point and its skips are used up."""
    if _active.get("point") != point:
        return
    _active["hits"] += 1
    if _active["hits"] > _active["skip"]:
        _crash(point)


def _crash(point: str) -> None:
    """Leave at once: no commit, no emit, no clean-up."""
    sys.stderr.write(f"EXCHANGE_CRASH_AT: crashing at {point}\n")
    sys.stderr.flush()
    os._exit(EXIT_CODE)


def _approves_chat(session: Session) -> bool:
    """Does this transaction announce an approved chat message on a live stream?"""
    return any(
        m.get("kind") == "item_approved"
        and m.get("item_kind") == "chat"
        and str(m.get("stream", "")).startswith("live:")
        for m in session.info.get(realtime.OUTBOX, ())
    )


def _before_commit(session: Session) -> None:
    """Armed for before_approval_commit: crash as an approved chat message commits."""
    if _approves_chat(session):
        crash_point("before_approval_commit")


def _after_commit(session: Session) -> None:
    """Armed for after_commit_before_emit: crash once committed, before realtime emits."""
    if _approves_chat(session):
        crash_point("after_commit_before_emit")


def _wrap_broadcast() -> None:
    """Crash after an approved chat message went to the first socket of its room."""
    server = socketio.server
    original = server._send_eio_packet

    def send(eio_sid: str, eio_pkt: Any) -> None:
        """Send one packet; crash after the first socket got the target broadcast."""
        original(eio_sid, eio_pkt)
        data = eio_pkt.data if isinstance(eio_pkt.data, str) else ""
        if not data.startswith('2["item_approved"'):
            return
        try:
            message = json.loads(data[1:])[1]
        except (ValueError, IndexError):
            return
        if message.get("item_kind") != "chat" or not str(message.get("stream")).startswith("live:"):
            return
        key = (message.get("stream"), message.get("seq"))
        if key in _active["broadcasts"]:
            return
        _active["broadcasts"].add(key)
        _active["hits"] += 1
        if _active["hits"] > _active["skip"]:
            socketio.sleep(0.5)  # let that first socket's packet leave before dying
            _crash("mid_broadcast")

    server._send_eio_packet = send
