"""Prometheus metrics for operators: requests, socket events, connections, rooms, facts, queues.

Each process counts what it serves (scrape every process on its own port, then sum); the
moderation figures are read from the database at scrape time and are the same on every
process (take their max, not their sum). Written by hand in the text exposition format so that
nothing extra is needed and the counters stay cheap under gevent.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from flask import Flask, Response, abort, current_app, request
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from exchange.extensions import db, socketio

log = logging.getLogger("exchange.ops.metrics")
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
APPROVAL_ACTIONS = ("approve", "approved")
Labels = tuple[tuple[str, str], ...]
INF = 'le="+Inf"'


class Registry:
    """Counters and histograms of one process, safe to update from threads and greenlets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self.histograms: dict[str, dict[Labels, list[float]]] = defaultdict(dict)
        self.help: dict[str, tuple[str, str]] = {}
        self.started = time.time()

    def describe(self, name: str, kind: str, text: str) -> None:
        """Declare a metric's type and help line."""
        self.help[name] = (kind, text)

    def inc(self, name: str, labels: dict[str, str] | None = None, value: float = 1.0) -> None:
        """Add to a counter."""
        key = tuple(sorted((labels or {}).items()))
        with self._lock:
            self.counters[name][key] += value

    def observe(self, name: str, seconds: float, labels: dict[str, str] | None = None) -> None:
        """Record one duration in a histogram (cumulative buckets, sum and count)."""
        key = tuple(sorted((labels or {}).items()))
        with self._lock:
            row = self.histograms[name].get(key)
            if row is None:
                row = self.histograms[name][key] = [0.0] * (len(DURATION_BUCKETS) + 2)
            for i, bound in enumerate(DURATION_BUCKETS):
                if seconds <= bound:
                    row[i] += 1
            row[-2] += seconds
            row[-1] += 1

    def reset(self) -> None:
        """Forget every value (tests)."""
        with self._lock:
            self.counters.clear()
            self.histograms.clear()


REGISTRY = Registry()
REGISTRY.describe("exchange_http_requests_total", "counter", "HTTP requests served, by status")
REGISTRY.describe("exchange_http_request_duration_seconds", "histogram", "HTTP request time")
REGISTRY.describe("exchange_socket_events_total", "counter", "Socket.IO commands, by outcome")
REGISTRY.describe("exchange_socket_event_duration_seconds", "histogram", "Socket.IO command time")
REGISTRY.describe("exchange_facts_published_total", "counter", "Facts emitted after commit")


def _escape(value: str) -> str:
    """A label value in the exposition format."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(key: Iterable[tuple[str, str]], extra: str = "") -> str:
    """`{a="1",b="2"}` (or nothing)."""
    parts = [f'{k}="{_escape(str(v))}"' for k, v in key]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _stream_kind(stream: str) -> str:
    """`link:12` -> link, `live:3:teachers` -> live_teachers (no ids in labels)."""
    parts = stream.split(":")
    return "_".join(p for p in parts if not p.isdigit()) or "other"


# --------------------------------------------------------------------------- observers


def _count_published(session: Session) -> None:
    """Count the facts a commit is about to emit (runs before realtime's emitter)."""
    from exchange.realtime import OUTBOX

    for message in session.info.get(OUTBOX) or ():
        REGISTRY.inc(
            "exchange_facts_published_total",
            {"stream": _stream_kind(str(message.get("stream", ""))), "kind": str(message["kind"])},
        )


class SocketEventObserver(logging.Handler):
    """Turns the one log line per socket command (exchange/sockets.py) into metrics."""

    def emit(self, record: logging.LogRecord) -> None:
        """Count a socket command and its duration."""
        fields = getattr(record, "fields", None)
        if not fields or record.getMessage() != "socket event":
            return
        labels = {"event": str(fields.get("event")), "outcome": str(fields.get("outcome"))}
        REGISTRY.inc("exchange_socket_events_total", labels)
        duration = fields.get("duration_ms")
        if isinstance(duration, int | float):
            REGISTRY.observe(
                "exchange_socket_event_duration_seconds",
                duration / 1000,
                {"event": labels["event"]},
            )


def observe_request(method: str, status: int, seconds: float) -> None:
    """Count one HTTP request (called by the request logger)."""
    REGISTRY.inc("exchange_http_requests_total", {"method": method, "status": f"{status // 100}xx"})
    REGISTRY.observe("exchange_http_request_duration_seconds", seconds)


# --------------------------------------------------------------------------- gauges


def socket_gauges() -> list[str]:
    """Connections and rooms held by this process, read from the Socket.IO server."""
    server = getattr(socketio, "server", None)
    lines = [
        "# HELP exchange_socket_connections Socket.IO connections held by this process",
        "# TYPE exchange_socket_connections gauge",
    ]
    eio_sockets = getattr(getattr(server, "eio", None), "sockets", {}) or {}
    lines.append(f"exchange_socket_connections {len(eio_sockets)}")
    rooms: dict[str, int] = defaultdict(int)
    members: dict[str, int] = defaultdict(int)
    manager = getattr(server, "manager", None)
    for room, sids in dict(getattr(manager, "rooms", {}).get("/", {})).items():
        # Each socket has a private room named after its sid, and one per signed-in user.
        if room is None or room in eio_sockets or not isinstance(room, str):
            continue
        if room.startswith("sid-user:") or ":" not in room:
            continue
        kind = _stream_kind(room)
        rooms[kind] += 1
        members[kind] += len(sids)
    lines += [
        "# HELP exchange_socket_rooms Rooms with members in this process, by kind",
        "# TYPE exchange_socket_rooms gauge",
    ]
    lines += [f'exchange_socket_rooms{{kind="{k}"}} {v}' for k, v in sorted(rooms.items())]
    lines += [
        "# HELP exchange_socket_room_members Sockets in rooms of this process, by room kind",
        "# TYPE exchange_socket_room_members gauge",
    ]
    lines += [f'exchange_socket_room_members{{kind="{k}"}} {v}' for k, v in sorted(members.items())]
    return lines


def moderation_gauges() -> list[str]:
    """Pending items, the age of the oldest, and approvals so far (from the database)."""
    from exchange.moderation.models import AuditEntry, ItemState, ModerationItem

    lines: list[str] = []
    by_state = db.session.execute(
        select(ModerationItem.state, func.count()).group_by(ModerationItem.state)
    ).all()
    lines += [
        "# HELP exchange_moderation_items Moderation items by state (installation)",
        "# TYPE exchange_moderation_items gauge",
    ]
    counts = {state.value: 0 for state in ItemState}
    counts.update({getattr(s, "value", str(s)): n for s, n in by_state})
    lines += [f'exchange_moderation_items{{state="{s}"}} {n}' for s, n in sorted(counts.items())]
    oldest = db.session.scalar(
        select(func.min(ModerationItem.submitted_at)).where(
            ModerationItem.state == ItemState.PENDING
        )
    )
    age = 0.0
    if oldest is not None:
        from exchange.types import utcnow

        age = max((utcnow() - oldest).total_seconds(), 0.0)
    lines += [
        "# HELP exchange_moderation_pending_oldest_age_seconds Age of the oldest pending item",
        "# TYPE exchange_moderation_pending_oldest_age_seconds gauge",
        f"exchange_moderation_pending_oldest_age_seconds {age:.3f}",
    ]
    approvals = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action.in_(APPROVAL_ACTIONS))
    )
    lines += [
        "# HELP exchange_moderation_approvals_total Approval decisions recorded (installation)",
        "# TYPE exchange_moderation_approvals_total counter",
        f"exchange_moderation_approvals_total {approvals or 0}",
    ]
    return lines


GaugeSource = Callable[[], list[str]]
GAUGE_SOURCES: list[GaugeSource] = [socket_gauges, moderation_gauges]


def register_gauges(source: GaugeSource) -> GaugeSource:
    """Let an area add its own gauge lines (e.g. live sessions in progress)."""
    GAUGE_SOURCES.append(source)
    return source


# --------------------------------------------------------------------------- exposition


def render(registry: Registry = REGISTRY) -> str:
    """Every metric of this process in the Prometheus text format."""
    node = current_app.config.get("NODE_NAME") or "local"
    lines = [
        "# HELP exchange_process_start_time_seconds When this process started (Unix time)",
        "# TYPE exchange_process_start_time_seconds gauge",
        f'exchange_process_start_time_seconds{{node="{_escape(node)}"}} {registry.started:.0f}',
    ]
    with registry._lock:
        counters = {n: dict(v) for n, v in registry.counters.items()}
        histograms = {n: {k: list(r) for k, r in v.items()} for n, v in registry.histograms.items()}
    for name, values in sorted(counters.items()):
        kind, text = registry.help.get(name, ("counter", name))
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        lines += [f"{name}{_labels(k)} {v:g}" for k, v in sorted(values.items())]
    for name, values in sorted(histograms.items()):
        kind, text = registry.help.get(name, ("histogram", name))
        lines += [f"# HELP {name} {text}", f"# TYPE {name} histogram"]
        for key, row in sorted(values.items()):
            for bound, count in zip(DURATION_BUCKETS, row, strict=False):
                le = 'le="' + str(bound) + '"'
                lines.append(f"{name}_bucket{_labels(key, le)} {count:g}")
            lines.append(f"{name}_bucket{_labels(key, INF)} {row[-1]:g}")
            lines.append(f"{name}_sum{_labels(key)} {row[-2]:.6f}")
            lines.append(f"{name}_count{_labels(key)} {row[-1]:g}")
    for source in GAUGE_SOURCES:
        try:
            lines += source()
        except Exception:  # one broken source must not hide the others
            db.session.rollback()
            log.exception("metrics source %s failed", getattr(source, "__name__", source))
    return "\n".join(lines) + "\n"


def operator_allowed() -> bool:
    """Operators only: a bearer METRICS_TOKEN, or (without one) a direct loopback request."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if request.headers.get("X-Forwarded-For"):
        return False  # came through the proxy: not a local operator
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics_view() -> Response:
    """GET /metrics: the exposition, for operators only (404 for everyone else)."""
    if not operator_allowed():
        abort(404)
    return Response(render(), mimetype="text/plain; version=0.0.4; charset=utf-8")


_installed = threading.Event()


def init_metrics(app: Flask) -> None:
    """Attach the observers once per process and add the /metrics route."""
    app.add_url_rule("/metrics", "ops_metrics", metrics_view, methods=["GET"])
    if _installed.is_set():
        return
    _installed.set()
    # insert=True: count before realtime's own after_commit listener takes the outbox.
    event.listen(Session, "after_commit", _count_published, insert=True)
    logging.getLogger("exchange.sockets").addHandler(SocketEventObserver())
