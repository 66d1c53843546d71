"""Logging: plain lines in development, JSON lines in production; one line per HTTP request.

What a line may hold is decided here: method, path (never the query string, which can carry
invitation or login-card tokens), route, status, duration, who (an opaque actor key), request id.
Never a body, a form field, a header value or a cookie: pupils' messages and credentials must
not reach the logs. Socket commands get their line from exchange/sockets.py (event, outcome,
duration, actor), under the same rule.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request

from exchange.ops import metrics

request_log = logging.getLogger("exchange.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per line with a UTC time; extra fields come from `extra={"fields": ...}`."""

    def __init__(self, node: str | None = None) -> None:
        super().__init__()
        self.node = node

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a JSON line."""
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.node:
            body["node"] = self.node
        body.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str)


def init_logging(app: Flask) -> None:
    """Configure the root logger once."""
    root = logging.getLogger()
    if getattr(root, "_exchange_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("LOG_JSON"):
        handler.setFormatter(JsonFormatter(app.config.get("NODE_NAME")))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root._exchange_configured = True  # type: ignore[attr-defined]


def _actor_key() -> str:
    """Who asked, if Flask-Login already loaded them (never loads a user just to log)."""
    user = g.get("_login_user")
    return getattr(user, "actor_key", None) or "anonymous"


def _start_timer() -> None:
    """Remember when the request started."""
    g._ops_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    """One line per request with its duration; counted in the metrics too."""
    started = g.pop("_ops_started", None)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    metrics.observe_request(request.method, response.status_code, seconds)
    if current_app.config.get("LOG_REQUESTS", True):
        rule = request.url_rule.rule if request.url_rule is not None else None
        request_log.info(
            "request",
            extra={
                "fields": {
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "route": rule,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    "actor": _actor_key(),
                    "remote": request.remote_addr,
                    "request_id": request.headers.get("X-Request-ID", "")[:64] or None,
                }
            },
        )
    return response


def init_request_logging(app: Flask) -> None:
    """Time and log every request."""
    app.before_request(_start_timer)
    app.after_request(_log_request)
