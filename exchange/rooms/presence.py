"""Presence: who is connected to a room, per class and per user, across server processes.

Generic for every kind of room (live sessions, celebration events): a socket handler calls
`join(room, member_for(user))` once it has checked the user may be there, and `leave(room)`;
a closing socket leaves every room by itself (a disconnect hook). Areas register
`on_change("live", announce)` to tell the room when its membership changed (debounced, so sixty
pupils arriving together cause a handful of announcements, not sixty).

Without Redis the record is this process's memory. With REDIS_URL (or a redis://
SOCKETIO_MESSAGE_QUEUE) every process writes its sockets into one Redis hash per room, tagged
with its node id; each node refreshes a heartbeat key with a short expiry, so the sockets of a
process that crashed drop out of every count within PRESENCE_NODE_TTL seconds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask, current_app

from exchange import redis_clients
from exchange import sockets as core_sockets
from exchange.extensions import socketio

log = logging.getLogger(__name__)
NODE_TTL = 30  # seconds a node's sockets survive it without a heartbeat
HEARTBEAT = 10
ROOM_TTL = 12 * 3600  # a room hash nobody joined for this long is dropped by Redis itself
DEFAULT_DEBOUNCE = 0.25


@dataclass(frozen=True)
class Member:
    """One connected user as a room shows them (no more than the room may know)."""

    key: str  # the actor key: "pupil:12", "staff:3"
    name: str
    role: str  # "pupil", "teacher", "facilitator", "admin"
    class_id: int | None = None
    class_label: str = ""


def member_for(actor: Any, class_id: int | None, class_label: str = "") -> Member:
    """The presence record of a signed-in user, in the class through which they are there."""
    role = "pupil" if getattr(actor, "is_pupil", False) else str(actor.role.value)
    return Member(
        key=actor.actor_key,
        name=actor.display_name,
        role=role,
        class_id=class_id,
        class_label=class_label,
    )


class MemoryStore:
    """Presence in this process only (the embedded default)."""

    def __init__(self) -> None:
        """No rooms yet."""
        self.rooms: dict[str, dict[str, Member]] = {}
        self.lock = threading.Lock()

    def add(self, room: str, sid: str, member: Member) -> None:
        """Record a socket in a room."""
        with self.lock:
            self.rooms.setdefault(room, {})[sid] = member

    def remove(self, room: str, sid: str) -> None:
        """Forget a socket in a room."""
        with self.lock:
            sockets = self.rooms.get(room)
            if sockets is not None:
                sockets.pop(sid, None)
                if not sockets:
                    self.rooms.pop(room, None)

    def sockets(self, room: str) -> list[Member]:
        """Every socket's member record in a room."""
        with self.lock:
            return list(self.rooms.get(room, {}).values())


class RedisStore:
    """Presence shared by every process through Redis hashes, with per-node heartbeats."""

    def __init__(self, client: Any, prefix: str = "linking-exchange") -> None:
        """A store for this process (a fresh node id) on a shared Redis."""
        self.redis = client
        self.prefix = prefix
        self.node = uuid.uuid4().hex[:12]
        self._beating = False
        self._lock = threading.Lock()

    def _room_key(self, room: str) -> str:
        """The hash of one room."""
        return f"{self.prefix}:presence:room:{room}"

    def _node_key(self, node: str) -> str:
        """The heartbeat key of one process."""
        return f"{self.prefix}:presence:node:{node}"

    def _ensure_heartbeat(self) -> None:
        """Start this node's heartbeat the first time it records a socket."""
        with self._lock:
            if self._beating:
                return
            self._beating = True
        self.redis.set(self._node_key(self.node), "1", ex=NODE_TTL)

        def beat() -> None:
            """Refresh this process's heartbeat for as long as it lives."""
            while True:
                socketio.sleep(HEARTBEAT)
                try:
                    self.redis.set(self._node_key(self.node), "1", ex=NODE_TTL)
                except Exception:  # Redis away for a moment: the next beat tries again
                    log.warning("presence heartbeat failed", exc_info=True)

        socketio.start_background_task(beat)

    def add(self, room: str, sid: str, member: Member) -> None:
        """Record a socket of this node in a room."""
        self._ensure_heartbeat()
        pipe = self.redis.pipeline()
        pipe.hset(self._room_key(room), f"{self.node}/{sid}", json.dumps(asdict(member)))
        pipe.expire(self._room_key(room), ROOM_TTL)
        pipe.execute()

    def remove(self, room: str, sid: str) -> None:
        """Forget a socket of this node in a room."""
        self.redis.hdel(self._room_key(room), f"{self.node}/{sid}")

    def sockets(self, room: str) -> list[Member]:
        """Every live node's sockets in a room; entries of dead nodes are swept on the way."""
        entries = self.redis.hgetall(self._room_key(room))
        if not entries:
            return []
        decoded = {(k.decode() if isinstance(k, bytes) else k): v for k, v in entries.items()}
        nodes = sorted({field.split("/", 1)[0] for field in decoded})
        alive_flags = self.redis.mget([self._node_key(n) for n in nodes])
        alive = {n for n, flag in zip(nodes, alive_flags, strict=True) if flag is not None}
        dead = [field for field in decoded if field.split("/", 1)[0] not in alive]
        if dead:
            self.redis.hdel(self._room_key(room), *dead)
        return [
            Member(**json.loads(value))
            for field, value in decoded.items()
            if field.split("/", 1)[0] in alive
        ]


class Presence:
    """The presence of one app: its store, which rooms each local socket is in, and debouncing."""

    def __init__(self, store: MemoryStore | RedisStore, debounce: float) -> None:
        """A store, a debounce interval, and the local sockets."""
        self.store = store
        self.debounce = debounce
        self.local: dict[str, set[str]] = {}  # sid -> rooms (sockets live in one process)
        self.pending: set[str] = set()
        self.lock = threading.Lock()


_LISTENERS: dict[str, Callable[[str], None]] = {}


def on_change(prefix: str, listener: Callable[[str], None]) -> Callable[[str], None]:
    """Call `listener(room)` after the membership of rooms named `prefix:...` changed."""
    _LISTENERS[prefix] = listener
    return listener


def redis_url(app: Flask) -> str | None:
    """The Redis that rooms share state through, if one is configured."""
    for key in ("REDIS_URL", "SOCKETIO_MESSAGE_QUEUE"):
        url = app.config.get(key)
        if isinstance(url, str) and url.startswith(("redis://", "rediss://", "unix://")):
            return url
    return None


def redis_prefix(app: Flask) -> str:
    """Keys in Redis carry the installation's Socket.IO channel name, so two installations (or
    two benchmark runs) sharing one Redis never count each other's sockets."""
    return str(app.config.get("SOCKETIO_CHANNEL") or "linking-exchange")


def redis_connection(app: Flask) -> Any | None:
    """One shared Redis client per app for the rooms' state (presence, rate limits)."""
    url = redis_url(app)
    if url is None:
        return None
    client = app.extensions.get("exchange_rooms_redis")
    if client is None:
        client = redis_clients.client(url, timeout=3)
        app.extensions["exchange_rooms_redis"] = client
    return client


def _state(app: Flask | None = None) -> Presence:
    """This app's presence state, created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get("exchange_presence")
    if state is None:
        client = redis_connection(app)
        store: MemoryStore | RedisStore = (
            RedisStore(client, redis_prefix(app)) if client else MemoryStore()
        )
        debounce = float(app.config.get("PRESENCE_DEBOUNCE", DEFAULT_DEBOUNCE))
        state = Presence(store, debounce)
        app.extensions["exchange_presence"] = state
    return state


def join(room: str, member: Member, sid: str | None = None) -> None:
    """Count the current socket (or `sid`) in a room; the caller has checked it may be there."""
    state = _state()
    sid = sid or core_sockets.current_sid()
    try:
        state.store.add(room, sid, member)
    except Exception:
        log.warning("presence: could not record %s in %s", member.key, room, exc_info=True)
        return
    with state.lock:
        state.local.setdefault(sid, set()).add(room)
    _changed(room)


def leave(room: str, sid: str | None = None) -> None:
    """Stop counting the current socket (or `sid`) in a room."""
    state = _state()
    sid = sid or core_sockets.current_sid()
    with state.lock:
        rooms = state.local.get(sid)
        if not rooms or room not in rooms:
            return
        rooms.discard(room)
        if not rooms:
            state.local.pop(sid, None)
    try:
        state.store.remove(room, sid)
    except Exception:
        log.warning("presence: could not remove %s from %s", sid, room, exc_info=True)
    _changed(room)


def leave_all(sid: str) -> None:
    """A socket closed: it leaves every room it was counted in."""
    state = _state()
    with state.lock:
        rooms = state.local.pop(sid, set())
    for room in rooms:
        try:
            state.store.remove(room, sid)
        except Exception:
            log.warning("presence: could not remove %s from %s", sid, room, exc_info=True)
        _changed(room)


def rooms_of(sid: str) -> set[str]:
    """The rooms a local socket is counted in."""
    return set(_state().local.get(sid, set()))


def members(room: str) -> list[dict[str, Any]]:
    """Who is in a room: one entry per user, with how many sockets they have open."""
    try:
        sockets = _state().store.sockets(room)
    except Exception:
        log.warning("presence: could not read %s", room, exc_info=True)
        return []
    seen: dict[str, dict[str, Any]] = {}
    for member in sockets:
        entry = seen.get(member.key)
        if entry is None:
            seen[member.key] = {**asdict(member), "connections": 1}
        else:
            entry["connections"] += 1
    return sorted(seen.values(), key=lambda m: (m["class_id"] or 0, m["role"], m["name"]))


def summary(room: str, people: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Per class: how many pupils and teachers are connected (no names)."""
    classes: dict[int | None, dict[str, Any]] = {}
    for member in members(room) if people is None else people:
        entry = classes.setdefault(
            member["class_id"],
            {
                "class_id": member["class_id"],
                "class_label": member["class_label"],
                "pupils": 0,
                "teachers": 0,
                "others": 0,
            },  # fmt: skip
        )
        bucket = {"pupil": "pupils", "teacher": "teachers"}.get(member["role"], "others")
        entry[bucket] += 1
    return sorted(classes.values(), key=lambda c: c["class_id"] or 0)


def _changed(room: str) -> None:
    """Tell the room's listener, now or after the debounce interval (once per burst)."""
    listener = _LISTENERS.get(room.split(":", 1)[0])
    if listener is None:
        return
    state = _state()
    if state.debounce <= 0:
        _notify(listener, room)
        return
    with state.lock:
        if room in state.pending:
            return
        state.pending.add(room)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def later() -> None:
        """Announce once for the whole burst."""
        socketio.sleep(state.debounce)
        with state.lock:
            state.pending.discard(room)
        with app.app_context():
            _notify(listener, room)

    socketio.start_background_task(later)


def _notify(listener: Callable[[str], None], room: str) -> None:
    """Run a listener; a failing announcement must never break a connection."""
    try:
        listener(room)
    except Exception:
        log.exception("presence listener failed for %s", room)


def _on_disconnect(sid: str) -> None:
    """The disconnect hook: forget the socket everywhere."""
    if _state().local.get(sid):
        leave_all(sid)


def wait_settled(timeout: float = 2.0) -> None:
    """Wait until debounced announcements have gone out (tests and benchmarks)."""
    state = _state()
    deadline = time.monotonic() + timeout
    while state.pending and time.monotonic() < deadline:
        socketio.sleep(0.02)


core_sockets.DISCONNECT_HOOKS.append(_on_disconnect)
