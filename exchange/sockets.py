"""Socket.IO core: refuse anonymous sockets, join streams after checking, and one way to
write a command handler (validate, authorise, call a service, acknowledge)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError

from exchange import authz, realtime
from exchange.accounts.models import Pupil, User
from exchange.accounts.sessions import ACCOUNT_CHANGE_HOOKS
from exchange.errors import DomainError, socket_error
from exchange.extensions import db, socketio

log = logging.getLogger("exchange.sockets")
Handler = Callable[..., dict[str, Any] | None]


class SubscribeSchema(Schema):
    """Join a stream, optionally catching up after the last sequence number seen."""

    stream = fields.String(required=True, validate=validate.Length(min=3, max=80))
    after_seq = fields.Integer(load_default=None, validate=validate.Range(min=0))


def socket_command(
    event: str, schema: type[Schema] | None = None, namespace: str = "/"
) -> Callable[[Handler], Handler]:
    """Register a client-to-server command: signed-in only, payload validated, errors acked.

    The handler receives the signed-in user and the validated payload and returns the ack body
    (``{"ok": True, ...}`` is added when it returns a dict without "ok").
    """

    def decorate(handler: Handler) -> Handler:
        # One instance per command: building a marshmallow schema copies its declared fields,
        # three times the cost of loading a payload with it; load() keeps no state between calls.
        loader = schema() if schema is not None else None

        @functools.wraps(handler)
        def wrapper(payload: Any = None) -> dict[str, Any]:
            started = time.perf_counter()
            outcome = "ok"
            _drop_routing_error()
            _fresh_user()
            # Read before the handler: after its commit the user is expired, and reading the
            # key for the log line would load the user again.
            actor_key = getattr(current_user, "actor_key", "anonymous")
            try:
                if not authz.is_signed_in(current_user):
                    outcome = "unauthenticated"
                    return {"ok": False, "error": "unauthenticated", "message": "Please sign in."}
                data: Any = payload
                if loader is not None:
                    if not isinstance(payload, dict):
                        outcome = "invalid"
                        return {
                            "ok": False,
                            "error": "invalid",
                            "message": "The message was not in the expected form.",
                        }
                    data = loader.load(payload)
                result = handler(current_user._get_current_object(), data) or {}
                result.setdefault("ok", True)
                return result
            except ValidationError as exc:
                db.session.rollback()
                outcome = "invalid"
                return {
                    "ok": False,
                    "error": "invalid",
                    "message": "The message was not in the expected form.",
                    "details": exc.messages,
                }
            except DomainError as exc:
                db.session.rollback()
                outcome = exc.code
                return exc.as_dict()
            except Exception as exc:
                db.session.rollback()
                outcome = "server_error"
                log.exception("socket handler %s failed", event)
                return socket_error(exc)
            finally:
                log.info(
                    "socket event",
                    extra={
                        "fields": {
                            "event": event,
                            "outcome": outcome,
                            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                            "actor": actor_key,
                        }
                    },
                )

        socketio.on_event(event, wrapper, namespace=namespace)
        return wrapper

    return decorate


# Sockets of this process and whose session they carry: sid -> (model, id, session version).
# A sweeper compares them with the database, so a revoked session (sign-out elsewhere, a disabled
# pupil, a password change) loses its open sockets within a second, on every process.
_LOCAL_SOCKETS: dict[str, tuple[str, int, int]] = {}
# Sockets registered since the sweeper's last tick: it checks them once (see SweepState).
_NEW_SOCKETS: set[str] = set()
# Areas clean up after a closing socket here (presence); one disconnect handler serves them all.
DISCONNECT_HOOKS: list[Callable[[str], None]] = []
_SWEEP_SECONDS = 0.5
# Every socket is compared with the database at least this often, whatever the counter says:
# a bound for a change made outside the app (SQL by hand) that moved no counter.
FULL_SWEEP_SECONDS = 60.0
_sweeper_started: set[int] = set()


def _drop_routing_error() -> None:
    """Forget the NotFound that Flask-SocketIO's request context keeps for every event.

    Each socket event runs in a request context built from the socket's handshake request
    (GET /socket.io/), which matches no Flask route: the context keeps a NotFound whose
    traceback holds the frame that holds the context, a cycle only the cyclic collector frees.
    With a thousand screens that was thousands of objects a second, and the collections that
    freed them stalled every broadcast. Nothing reads it: socket events are not dispatched.
    """
    if getattr(request, "routing_exception", None) is not None:
        request.routing_exception = None


# The user a socket's last load found: sid -> (loaded at, session's user id, detached user).
_USERS: dict[str, tuple[float, str, Any]] = {}
# Forgotten at once in the process that changed an account, and by every other process's
# sweeper within a tick (realtime.ACCOUNT_CHANGES); the age limit is for changes that move no
# counter (SQL by hand), like the full sweep.
USER_TTL_SECONDS = FULL_SWEEP_SECONDS
# Moved each time the users are forgotten: a load that a forgetting overtook is not kept.
_users_forgotten = [0]


def _forget_users() -> None:
    """Forget every socket's user: an account changed (here, or in another process)."""
    _USERS.clear()
    _users_forgotten[0] += 1


ACCOUNT_CHANGE_HOOKS.append(_forget_users)


def _fresh_user() -> None:
    """The signed-in user of this socket's event, loaded once until an account changes.

    Flask-Login would load the user from the database for every event (a screen's connect and
    join_event, every stage action): a socket reuses the user its last load found, attached to
    this event's database session without a query. Any change to an account (a session ended,
    a user, pupil or class changed) makes every process forget the users its sockets keep
    within half a second (this one at its commit, the others at their sweeper's next tick),
    and the sweeper disconnects sockets whose session ended; until 2026-11-23 a socket loaded
    its user again every second, a query in one event a second of every busy socket (the
    teacher's approvals: 2 ms at p90 on PostgreSQL, bench.approval_timeline). Keyed by socket
    and checked against the session's user id, so the Socket.IO test client (one app context
    shared by every socket) never mixes users.
    """
    g.pop("_login_user", None)
    sid = getattr(request, "sid", None)
    user_id = session.get("_user_id")
    now = time.monotonic()
    cached = _USERS.get(sid) if sid is not None else None
    if cached is not None and cached[1] == user_id and now - cached[0] < USER_TTL_SECONDS:
        try:
            g._login_user = db.session.merge(cached[2], load=False)
            return
        except InvalidRequestError:
            # The cached user has unsaved changes (another event of this socket is changing
            # it right now): load it from the database like any other event.
            g.pop("_login_user", None)
    forgotten = _users_forgotten[0]
    user = current_user._get_current_object()
    if sid is not None and user_id is not None and authz.is_signed_in(user):
        if authz.is_staff(user):
            # Cached with their classes: every staff command asks which classes they teach,
            # and the copies merged into later events carry them without a query. (Loaded
            # with the user by accounts.sessions.load_user, unless the session had the user.)
            user.classrooms  # noqa: B018
        if _users_forgotten[0] == forgotten:
            _USERS[sid] = (now, user_id, user)
        else:
            # An account changed while this load waited for the database (under gevent other
            # events and the sweeper run meanwhile): what it read may be older than the change.
            _USERS.pop(sid, None)
    elif sid is not None:
        _USERS.pop(sid, None)


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Refuse sockets without a signed-in session; put the user in their own room."""
    _drop_routing_error()
    _fresh_user()
    if not authz.is_signed_in(current_user):
        raise ConnectionRefusedError("unauthenticated")
    join_room(f"sid-user:{current_user.actor_key}")
    kind = "pupil" if authz.is_pupil(current_user) else "staff"
    _LOCAL_SOCKETS[current_sid()] = (kind, current_user.id, current_user.session_version)
    _NEW_SOCKETS.add(current_sid())
    _start_sweeper(current_app._get_current_object())  # type: ignore[attr-defined]
    return True


@socketio.on("disconnect")
def on_disconnect(*args: Any) -> None:
    """Forget the socket."""
    _LOCAL_SOCKETS.pop(current_sid(), None)
    _NEW_SOCKETS.discard(current_sid())
    _USERS.pop(current_sid(), None)
    for hook in DISCONNECT_HOOKS:
        hook(current_sid())


def revoked_sids(only: Iterable[str] | None = None) -> list[str]:
    """Local sockets (all, or those of `only`) whose user was disabled, deleted or whose
    session version moved on."""
    if only is None:
        snapshot = dict(_LOCAL_SOCKETS)
    else:
        snapshot = {sid: _LOCAL_SOCKETS[sid] for sid in only if sid in _LOCAL_SOCKETS}
    if not snapshot:
        return []
    current: dict[tuple[str, int], tuple[int, bool]] = {}
    for kind, model in (("staff", User), ("pupil", Pupil)):
        ids = {ident for (k, ident, _v) in snapshot.values() if k == kind}
        if ids:
            rows = db.session.execute(
                select(model.id, model.session_version, model.active).where(model.id.in_(ids))
            )
            current.update({(kind, r[0]): (r[1], r[2]) for r in rows})
    stale = []
    for sid, (kind, ident, version) in snapshot.items():
        now = current.get((kind, ident))
        if now is None or not now[1] or now[0] != version:
            stale.append(sid)
    return stale


def disconnect_revoked(only: Iterable[str] | None = None) -> int:
    """Disconnect every local socket (or of `only`) whose session was revoked; returns how many."""
    stale = revoked_sids(only)
    for sid in stale:
        _LOCAL_SOCKETS.pop(sid, None)
        _USERS.pop(sid, None)
        socketio.emit("session_revoked", {"message": "You have been signed out."}, to=sid)
        disconnect(sid=sid, namespace="/")
    return len(stale)


@dataclass
class SweepState:
    """What one process's sweeper has seen: the account-change counter, and when it last
    compared every socket."""

    seen: int | None = None
    full_at: float = 0.0


def sweep(state: SweepState, now: float | None = None) -> int:
    """One tick of the sweeper; returns how many sockets it disconnected.

    Every socket is compared with the database only when realtime.ACCOUNT_CHANGES moved (an
    account changed somewhere: accounts.sessions moves it in the same transaction; every
    ACCOUNT_CHANGE_HOOKS runs then, forgetting the users sockets keep and the navigation's
    kept entries) or FULL_SWEEP_SECONDS passed; otherwise the tick reads
    that one counter and checks just the sockets registered since the last tick: those whose
    user may have been loaded before a revocation that this process's counter has already
    seen. A quiet tick was a query over every connected user (PostgreSQL, 1,000 sockets: 9.5 ms
    twice a second, the event loop stalled meanwhile); it is now one primary-key read.
    """
    now = time.monotonic() if now is None else now
    fresh = set(_NEW_SOCKETS)
    seq = realtime.last_seq(realtime.ACCOUNT_CHANGES)
    moved = seq != state.seen
    if moved:
        for forget in ACCOUNT_CHANGE_HOOKS:  # the sockets' users, the navigation's entries
            forget()
    if moved or now - state.full_at >= FULL_SWEEP_SECONDS:
        gone = disconnect_revoked()
        state.seen, state.full_at = seq, now
    else:
        gone = disconnect_revoked(fresh) if fresh else 0
    _NEW_SOCKETS.difference_update(fresh)  # only once checked: a failed tick checks them again
    return gone


def _start_sweeper(app: Flask) -> None:
    if app.testing and not app.config.get("SOCKET_SWEEPER", False):
        return  # the test client runs handlers inline; tests call sweep() directly
    if id(app) in _sweeper_started:
        return
    _sweeper_started.add(id(app))

    def run() -> None:
        failing = False
        state = SweepState()
        while True:
            socketio.sleep(_SWEEP_SECONDS)
            try:
                with app.app_context():
                    sweep(state)
                    db.session.remove()
                if failing:
                    log.info("session sweeper recovered")
                failing = False
            except Exception:  # a database blip must not kill the sweeper; log once per outage
                if not failing:
                    log.exception("session sweeper failed; retrying quietly until it recovers")
                failing = True

    socketio.start_background_task(run)


@socket_command("subscribe", SubscribeSchema)
def subscribe(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Join a stream's room after checking the user may be there; return what was missed."""
    stream = data["stream"]
    if not authz.can_join_stream(actor, stream):
        return {"ok": False, "error": "forbidden", "message": "You cannot follow that."}
    join_room(stream)
    after = data.get("after_seq")
    last = realtime.last_seq(stream)
    if after is None:
        return {"stream": stream, "last_seq": last, "events": []}
    missed = realtime.events_after(stream, after)
    reset = len(missed) >= realtime.CATCH_UP_LIMIT
    return {
        "stream": stream,
        # Complete up to here: the highest number returned, or the counter read before the query.
        "last_seq": max([last, *(e.seq for e in missed)]) if not reset else last,
        "events": [] if reset else [e.as_message() for e in missed],
        "reset": reset,
    }


@socket_command("unsubscribe", SubscribeSchema)
def unsubscribe(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Leave a stream's room."""
    leave_room(data["stream"])
    return {"stream": data["stream"]}


def current_sid() -> str:
    """The Socket.IO session id of the socket being handled."""
    return request.sid  # type: ignore[attr-defined]
