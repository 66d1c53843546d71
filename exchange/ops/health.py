"""Health and readiness: the state of the database and of the message queue (Redis).

/healthz answers 200 while the process can answer at all (liveness) and says what is down;
/readyz answers 503 while the database or the message queue is down, or while the process is
shutting down, so a load balancer or orchestrator sends no new work its way.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from exchange import redis_clients
from exchange.extensions import db
from exchange.ops import shutdown

bp = Blueprint("ops", __name__)
PROBE_TIMEOUT_S = 1.0


def database_state() -> dict[str, Any]:
    """Can we run a query right now?"""
    started = time.perf_counter()
    engine = db.engine.dialect.name
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()  # end the probe's transaction at once
        state: dict[str, Any] = {"status": "ok", "engine": engine}
    except Exception as exc:  # report, never raise, from a health check
        db.session.rollback()
        state = {"status": "down", "engine": engine, "error": type(exc).__name__}
    state["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if engine == "postgresql":
        state["gevent_cooperative"] = psycopg_cooperates()
    return state


def psycopg_cooperates() -> bool | None:
    """Under gevent, does psycopg wait through gevent (imported after the patch)? None: n/a."""
    if current_app.config.get("ASYNC_MODE") != "gevent":
        return None
    import psycopg.waiting

    return psycopg.waiting.wait is not getattr(psycopg.waiting, "wait_c", None)


def message_queue_state() -> dict[str, Any]:
    """Is the Socket.IO message queue answering? 'off' when this is a single process."""
    url = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return {"status": "off", "note": "single process: fan-out stays in memory"}
    started = time.perf_counter()
    try:
        redis_clients.shared(url, timeout=PROBE_TIMEOUT_S).ping()
        state: dict[str, Any] = {"status": "ok"}
    except Exception as exc:
        state = {"status": "down", "error": type(exc).__name__}
    state["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def report() -> dict[str, Any]:
    """Everything /healthz and /readyz say."""
    parts = {"database": database_state(), "message_queue": message_queue_state()}
    down = [name for name, part in parts.items() if part["status"] == "down"]
    return {
        "status": "degraded" if down else "ok",
        "down": down,
        "draining": shutdown.is_draining(),
        "node": current_app.config.get("NODE_NAME"),
        **parts,
    }


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    """Liveness with details: 200 while the process answers, whatever is down."""
    return jsonify(report()), 200


@bp.get("/readyz")
def readyz():  # noqa: ANN201
    """Readiness: 503 while the database or message queue is down, or while shutting down."""
    body = report()
    ready = not body["down"] and not body["draining"]
    body["ready"] = ready
    return jsonify(body), 200 if ready else 503
