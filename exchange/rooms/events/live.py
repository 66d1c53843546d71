"""The live side of an event that is not stored fact by fact: connected screens (the roll
call), reaction and applause counters, flood limits.

Clicks are counted in memory and, a few times a second, one `counters` signal carries the
totals to every screen: a thousand screens clapping make four messages a second per screen,
not a thousand. With several server processes the counts and screen numbers meet in Redis and
one process (holding a short lease) emits for everyone.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from exchange import realtime, redis_clients
from exchange.accounts.models import Classroom, School
from exchange.extensions import db, socketio

log = logging.getLogger(__name__)

REACTIONS = {"clap": "👏", "heart": "❤️", "star": "⭐", "party": "🎉", "smile": "😊"}
TICK_SECONDS = 0.3  # counters reach screens at most about three times a second
ROLL_CALL_SECONDS = 1.0  # the roll call at most once a second
REFRESH_SECONDS = 0.5  # re-read live state changed by another process
SWEEP_SECONDS = 5.0  # a safety net: the disconnect hook forgets closing sockets at once
FLOOD_RATE = 5.0  # reactions per second per screen ...
FLOOD_BURST = 5.0  # ... with a burst of at most this many
MAX_COUNT = 10  # clicks one message may carry (the page batches bursts)
NODE_STALE_SECONDS = 5.0
IDLE_STOP_SECONDS = 30.0
HUB_KEY = "events_live"  # where an app keeps its hub (app.extensions)
LABELS_SECONDS = 30.0  # invited classes' names for the console's roll call


@dataclass
class Screen:
    """One connected socket following an event."""

    event_id: int
    class_id: int | None
    tokens: float = FLOOD_BURST
    last_at: float = field(default_factory=time.monotonic)


@dataclass
class LiveEvent:
    """What this process knows about one event's live state."""

    event_id: int
    state: str = "scheduled"
    applause_open: bool = False
    window_id: int | None = None
    refreshed_at: float = 0.0
    pending: Counter = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    emitted_counts: dict[str, Any] | None = None
    emitted_roll: dict[str, Any] | None = None
    emitted_detail: dict[str, Any] | None = None
    roll_summary: dict[str, Any] = field(default_factory=dict)
    screens_changed: bool = True
    screens_pushed_at: float = 0.0
    labels: dict[int, str] = field(default_factory=dict)
    labels_at: float = 0.0


class MemoryStore:
    """One process: counts and screens live here."""

    def __init__(self) -> None:
        self.counts: dict[int, Counter] = {}
        self.screens: dict[int, dict[str, tuple[float, dict[int, int]]]] = {}

    def add_and_total(self, event_id: int, deltas: Counter) -> dict[str, int]:
        """Add this tick's clicks; return the event's totals."""
        counts = self.counts.setdefault(event_id, Counter())
        counts.update(deltas)
        return dict(counts)

    def push_screens(self, event_id: int, node: str, per_class: dict[int, int]) -> None:
        """Record how many screens this process holds per class."""
        self.screens.setdefault(event_id, {})[node] = (time.time(), per_class)

    def screens_by_class(self, event_id: int) -> dict[int, int]:
        """Screens per class across processes."""
        return _sum_nodes(self.screens.get(event_id, {}))

    def is_leader(self, event_id: int, node: str) -> bool:
        """One process: always the one that emits."""
        return True

    def forget(self, event_id: int) -> None:
        """Drop an event's counts (after it ended and was saved)."""
        self.counts.pop(event_id, None)
        self.screens.pop(event_id, None)


class RedisStore:
    """Several processes: counts in a Redis hash, screens per process, a lease for the emitter."""

    def __init__(self, url: str) -> None:
        self.redis = redis_clients.client(url, timeout=2, decode_responses=True)

    def _key(self, event_id: int, what: str) -> str:
        return f"exchange:event:{event_id}:{what}"

    def add_and_total(self, event_id: int, deltas: Counter) -> dict[str, int]:
        """HINCRBY this tick's clicks and read the totals in one round trip."""
        key = self._key(event_id, "counts")
        pipe = self.redis.pipeline(transaction=False)
        for name, amount in deltas.items():
            pipe.hincrby(key, name, amount)
        pipe.expire(key, 7 * 24 * 3600)
        pipe.hgetall(key)
        totals = pipe.execute()[-1]
        return {k: int(v) for k, v in totals.items()}

    def push_screens(self, event_id: int, node: str, per_class: dict[int, int]) -> None:
        """Store this process's screens per class with a time, so dead processes age out."""
        value = json.dumps([time.time(), per_class])
        key = self._key(event_id, "screens")
        self.redis.hset(key, node, value)
        self.redis.expire(key, 24 * 3600)

    def screens_by_class(self, event_id: int) -> dict[int, int]:
        """Screens per class across live processes."""
        nodes = {}
        for node, raw in self.redis.hgetall(self._key(event_id, "screens")).items():
            at, per_class = json.loads(raw)
            nodes[node] = (at, {int(k): int(v) for k, v in per_class.items()})
        return _sum_nodes(nodes)

    def is_leader(self, event_id: int, node: str) -> bool:
        """Take or keep a two-second lease on emitting this event's counters."""
        key = self._key(event_id, "leader")
        if self.redis.set(key, node, nx=True, px=2000):
            return True
        if self.redis.get(key) == node:
            self.redis.pexpire(key, 2000)
            return True
        return False

    def forget(self, event_id: int) -> None:
        """Counts stay (other processes may still read them) and expire on their own."""


def _sum_nodes(nodes: dict[str, tuple[float, dict[int, int]]]) -> dict[int, int]:
    cutoff = time.time() - NODE_STALE_SECONDS
    total: Counter = Counter()
    for at, per_class in nodes.values():
        if at >= cutoff:
            total.update(per_class)
    return {k: v for k, v in total.items() if v > 0}


def applause_key(window_id: int | None) -> str:
    """The counter of one round of applause."""
    return f"a:{window_id or 0}"


class Hub:
    """This process's screens and counters, and the background task that emits them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        url = app.config.get("REDIS_URL") if app.config.get("SOCKETIO_MESSAGE_QUEUE") else None
        self.store: MemoryStore | RedisStore = RedisStore(url) if url else MemoryStore()
        self.node = uuid.uuid4().hex[:12]
        self.screens: dict[str, Screen] = {}
        self.events: dict[int, LiveEvent] = {}
        self.lock = threading.Lock()
        self.running = False
        self.swept_at = 0.0
        self.idle_since: float | None = None

    # ----- screens ----------------------------------------------------------------------------

    def live_event(self, event_id: int) -> LiveEvent:
        """The live state of an event in this process (read from the database when new)."""
        live = self.events.get(event_id)
        if live is None:
            live = self.events[event_id] = LiveEvent(event_id)
            self.refresh(live)
        return live

    def add_screen(self, sid: str, event_id: int, class_id: int | None) -> LiveEvent:
        """A socket joined an event's screen (a class screen when class_id is set)."""
        live = self.live_event(event_id)
        with self.lock:
            old = self.screens.get(sid)
            if old is not None and old.event_id != event_id:
                self._drop(sid)
            self.screens[sid] = Screen(event_id, class_id)
            live.screens_changed = True
        self.ensure_running()
        return live

    def remove_screen(self, sid: str) -> None:
        """A socket left (or disconnected)."""
        with self.lock:
            self._drop(sid)

    def _drop(self, sid: str) -> None:
        screen = self.screens.pop(sid, None)
        if screen is not None and screen.event_id in self.events:
            self.events[screen.event_id].screens_changed = True

    def local_screens(self, event_id: int) -> dict[int, int]:
        """This process's class screens per class."""
        per_class: Counter = Counter()
        for screen in self.screens.values():
            if screen.event_id == event_id and screen.class_id is not None:
                per_class[screen.class_id] += 1
        return dict(per_class)

    # ----- clicks -----------------------------------------------------------------------------

    def react(self, sid: str, payload: Any) -> dict[str, Any]:
        """Count a reaction or applause from a screen, or say plainly why it was not counted.

        Costs no query and sends nothing to other screens: the next tick carries the totals.
        """
        screen = self.screens.get(sid)
        if screen is None:
            return not_joined()
        if not isinstance(payload, dict):
            return _refusal("invalid", "The message was not in the expected form.")
        kind, count = payload.get("kind"), payload.get("count", 1)
        if kind != "applause" and kind not in REACTIONS:
            return _refusal("invalid", "That is not one of the reactions.")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            return _refusal("invalid", f"A reaction counts between 1 and {MAX_COUNT} clicks.")
        live = self.events.get(screen.event_id)
        if live is None or live.state != "live":
            state = live.state if live else "scheduled"
            message = "The event is paused." if state == "paused" else "The event is not live."
            return _refusal("conflict", message)
        if kind == "applause" and not live.applause_open:
            return _refusal("conflict", "Applause is closed right now.")
        now = time.monotonic()
        screen.tokens = min(FLOOD_BURST, screen.tokens + (now - screen.last_at) * FLOOD_RATE)
        screen.last_at = now
        if screen.tokens < 1.0:
            return _refusal("rate_limited", "Too many reactions at once: that one was not counted.")
        screen.tokens -= 1.0
        key = applause_key(live.window_id) if kind == "applause" else f"r:{kind}"
        with self.lock:
            live.pending[key] += count
        return {"ok": True}

    def totals(self, event_id: int) -> dict[str, int]:
        """Flush this process's pending clicks and return the event's totals."""
        live = self.live_event(event_id)
        with self.lock:
            deltas, live.pending = live.pending, Counter()
        live.totals = self.store.add_and_total(event_id, deltas)
        return live.totals

    # ----- live state -------------------------------------------------------------------------

    def set_state(
        self, event_id: int, state: str, applause_open: bool, window_id: int | None
    ) -> None:
        """A stage action in this process changed the live state: apply it at once."""
        live = self.live_event(event_id)
        live.state, live.applause_open, live.window_id = state, applause_open, window_id
        live.refreshed_at = time.monotonic()
        live.emitted_counts = None  # the next tick tells screens (applause open or closed)

    def refresh(self, live: LiveEvent) -> None:
        """Re-read state changed by any process (one small query)."""
        from exchange.rooms.events.models import ApplauseWindow, CelebrationEvent, EventInvitation

        row = db.session.execute(
            select(CelebrationEvent.state, CelebrationEvent.applause_open).where(
                CelebrationEvent.id == live.event_id
            )
        ).first()
        live.refreshed_at = time.monotonic()
        if row is None:
            live.state = "gone"
            return
        applause_open = bool(row.applause_open)
        if applause_open != live.applause_open or (applause_open and live.window_id is None):
            live.window_id = db.session.scalar(
                select(ApplauseWindow.id)
                .where(ApplauseWindow.event_id == live.event_id, ApplauseWindow.closed_at.is_(None))
                .order_by(ApplauseWindow.id.desc())
            )
            live.emitted_counts = None
        live.state, live.applause_open = row.state.value, applause_open
        if not live.labels or time.monotonic() - live.labels_at > LABELS_SECONDS:
            rows = db.session.execute(
                select(Classroom.id, Classroom.name, School.name)
                .join(School, School.id == Classroom.school_id)
                .join(EventInvitation, EventInvitation.classroom_id == Classroom.id)
                .where(EventInvitation.event_id == live.event_id)
            ).all()
            # The same words as Classroom.label, in one query for a thousand classes.
            live.labels = {cid: f"{name}, {school}" for cid, name, school in rows}
            live.labels_at = time.monotonic()

    # ----- the ticker -------------------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start the background task that emits counters and the roll call."""
        with self.lock:
            if self.running:
                return
            self.running = True
        socketio.start_background_task(self._run)

    def _run(self) -> None:
        try:
            while True:
                socketio.sleep(TICK_SECONDS)
                with self.app.app_context():
                    try:
                        self.tick()
                    except Exception:  # a failed tick must not stop the counters for good
                        log.exception("event ticker failed")
                    finally:
                        db.session.remove()
                if self._idle():
                    break
        finally:
            self.running = False

    def _idle(self) -> bool:
        if self.screens:
            self.idle_since = None
            return False
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        return now - self.idle_since > IDLE_STOP_SECONDS

    def tick(self, force: bool = False) -> None:
        """One round: sweep closed sockets, refresh state, flush counts, emit what changed
        (`force`: the roll call too, even if it was sent less than a second ago)."""
        now = time.monotonic()
        if now - self.swept_at >= SWEEP_SECONDS:
            self.swept_at = now
            self.sweep()
        active = {s.event_id for s in self.screens.values()}
        active.update(e for e, live in self.events.items() if live.pending)
        for event_id in active:
            live = self.live_event(event_id)
            if now - live.refreshed_at >= REFRESH_SECONDS:
                self.refresh(live)
            self.emit_counters(live)
            self.emit_roll_call(live, now, force)

    def sweep(self) -> None:
        """Forget screens whose socket is gone without the disconnect hook having run."""
        manager = socketio.server.manager
        gone = [sid for sid in list(self.screens) if not manager.is_connected(sid, "/")]
        with self.lock:
            for sid in gone:
                self._drop(sid)

    def counters_view(self, live: LiveEvent) -> dict[str, Any]:
        """The counters as screens show them."""
        totals = live.totals
        return {
            "event_id": live.event_id,
            "reactions": {k: totals.get(f"r:{k}", 0) for k in REACTIONS},
            "applause": totals.get(applause_key(live.window_id), 0) if live.window_id else 0,
            "applause_open": live.applause_open,
        }

    def emit_counters(self, live: LiveEvent) -> None:
        """Flush clicks; the leading process emits the totals when they changed."""
        self.totals(live.event_id)
        if not self.store.is_leader(live.event_id, self.node):
            return
        view = self.counters_view(live)
        if view != live.emitted_counts:
            live.emitted_counts = view
            realtime.signal(realtime.event_stream(live.event_id), "counters", view)

    def roll_call_view(self, live: LiveEvent) -> dict[str, Any]:
        """Which classes are in, and how many screens each (for the console)."""
        screens = self.store.screens_by_class(live.event_id)
        classes = [
            {"class_id": cid, "label": label, "screens": screens.get(cid, 0)}
            for cid, label in sorted(live.labels.items(), key=lambda kv: kv[1])
        ]
        return {
            "event_id": live.event_id,
            "classes": classes,
            "classes_in": sum(1 for c in classes if c["screens"]),
            "screens": sum(screens.values()),
        }

    def roll_call_summary(self, live: LiveEvent) -> dict[str, Any]:
        """How many classes and screens are in (what class screens show), as of the last tick.

        Class screens get the two numbers only: a thousand screens each receiving a thousand
        classes' names every second would cost more than the whole stage.
        """
        return live.roll_summary or {"event_id": live.event_id, "classes_in": 0, "screens": 0}

    def emit_roll_call(self, live: LiveEvent, now: float, force: bool = False) -> None:
        """Share this process's screens; the leader emits the summary to every screen and the
        per-class detail to the console, each at most once a second and only when changed."""
        if now - live.screens_pushed_at < ROLL_CALL_SECONDS and not force:
            return  # told less than a second ago: a later tick will carry any change
        live.screens_changed = False
        live.screens_pushed_at = now
        self.store.push_screens(live.event_id, self.node, self.local_screens(live.event_id))
        if not self.store.is_leader(live.event_id, self.node):
            return
        detail = self.roll_call_view(live)
        summary = {k: detail[k] for k in ("event_id", "classes_in", "screens")}
        live.roll_summary = summary
        if summary != live.emitted_roll:
            live.emitted_roll = summary
            realtime.signal(realtime.event_stream(live.event_id), "roll_call", summary)
        if detail != live.emitted_detail:
            live.emitted_detail = detail
            realtime.signal(event_console_room(live.event_id), "roll_call_detail", detail)


def event_console_room(event_id: int) -> str:
    """The console's room: the per-class roll call."""
    return f"{realtime.event_stream(event_id)}:console"


def _refusal(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message}


def not_joined() -> dict[str, Any]:
    """The answer to a click from a socket that has not joined an event's screen."""
    return _refusal("forbidden", "Join the event before reacting.")


def existing_hub(app: Flask | None) -> Hub | None:
    """An app's hub if one was made (outside any Flask context: the reaction hot path)."""
    return app.extensions.get(HUB_KEY) if app is not None else None


def hub() -> Hub:
    """This app's hub (one per app, so tests with a fresh app get a fresh hub)."""
    found = current_app.extensions.get(HUB_KEY)
    if found is None:
        found = current_app.extensions[HUB_KEY] = Hub(current_app._get_current_object())
    return found
