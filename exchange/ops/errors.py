"""When the database or Redis is briefly unavailable: a clear 503 at once, never a hang."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_socketio import ConnectionRefusedError as SocketRefused
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from exchange.errors import wants_json
from exchange.extensions import db, login_manager, socketio

log = logging.getLogger("exchange.ops")
UNAVAILABLE = "The service is briefly unavailable. Please try again in a moment."
RETRY_AFTER_S = "5"
PLAIN_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Please try again'
    "</title></head><body><main><h1>Please try again in a moment</h1><p>"
    f"{UNAVAILABLE}</p></main></body></html>"
)


def _unavailable(kind: str, exc: Exception):  # noqa: ANN202
    """A 503 that says to try again (the pool reconnects by itself when the service is back)."""
    with contextlib.suppress(Exception):
        db.session.rollback()
    # Without the database the signed-in user cannot be loaded: answer as anonymous, or every
    # later hook that asks for current_user would fail again and turn this into a 500.
    g._login_user = login_manager.anonymous_user()
    log.warning(
        "dependency unavailable",
        extra={"fields": {"dependency": kind, "error": type(exc).__name__}},
    )
    headers = {"Retry-After": RETRY_AFTER_S}
    if wants_json():
        return jsonify({"ok": False, "error": "unavailable", "message": UNAVAILABLE}), 503, headers
    try:
        # The usual page, unless drawing it needs the database too (the signed-in menu does).
        return render_template("error.html", status=503, message=UNAVAILABLE), 503, headers
    except Exception:
        with contextlib.suppress(Exception):
            db.session.rollback()
        return Response(PLAIN_PAGE, 503, headers, mimetype="text/html")


def _is_unavailable(exc: BaseException) -> bool:
    """Is this a database or Redis that cannot be reached right now?"""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or _is_connection_problem(exc)
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeout
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeout)


def socket_handler_failed(exc: BaseException) -> dict[str, Any]:
    """Any socket handler that raises still gets an answer (an ack), never silence.

    Without this, an exception escaping a handler (the database down while the signed-in user
    is loaded, say) leaves the client waiting for an acknowledgement that never comes.
    """
    with contextlib.suppress(Exception):
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()
    event = (getattr(request, "event", None) or {}).get("message", "?")
    unavailable = _is_unavailable(exc)
    if unavailable:
        log.warning(
            "dependency unavailable",
            extra={"fields": {"socket_event": event, "error": type(exc).__name__}},
        )
    else:
        log.error("socket handler %s failed", event, exc_info=exc)
    if event == "connect":
        raise SocketRefused("unavailable" if unavailable else "server_error")
    if unavailable:
        return {"ok": False, "error": "unavailable", "message": UNAVAILABLE}
    return {"ok": False, "error": "server_error", "message": "Something went wrong on the server."}


socketio.on_error_default(socket_handler_failed)


def init_errors(app: Flask) -> None:
    """Turn connection failures into 503 answers."""

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):  # noqa: ANN202
        """Lost or refused database connections are 503; other database errors stay 500s."""
        if _is_unavailable(exc):
            return _unavailable("database", exc)
        raise exc

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(exc: PoolTimeout):  # noqa: ANN202
        """Every pooled connection busy for longer than pool_timeout."""
        return _unavailable("database", exc)

    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeout
    except ImportError:  # pragma: no cover - redis is a dependency
        return

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeout)
    def redis_error(exc: Exception):  # noqa: ANN202
        """Redis down (rate limits fall back to memory, so this is rare)."""
        return _unavailable("redis", exc)


def _is_connection_problem(exc: DBAPIError) -> bool:
    """Does this error mean the database could not be reached (rather than a bad query)?"""
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return any(
        words in text
        for words in (
            "connection",
            "connect",
            "server closed",
            "terminating",
            "shutting down",
            "database is locked",
            "could not receive",
            "timeout",
        )
    )
