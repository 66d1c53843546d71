"""Named init helpers for the extensions, called by the app factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from exchange import redis_clients
from exchange.config import ROOT
from exchange.extensions import api, csrf, csrf_token, db, limiter, login_manager, socketio
from exchange.pooling import init_connection_checks
from exchange.prepared import init_prepared_statements
from exchange.slots import RequestSlots

SOCKET_BUFFER_BYTES = 64 * 1024


def init_extensions(app: Flask) -> None:
    """Bind every extension to the app, with the async mode always set explicitly."""
    os.makedirs(app.instance_path, exist_ok=True)
    import exchange.models  # noqa: F401 - the whole schema, for migrations and create_all

    db.init_app(app)
    init_connection_checks(app)
    init_prepared_statements(app)
    if app.config.get("MIGRATIONS", True):
        # `flask db ...` (Flask-Migrate, with alembic and mako: 12 MiB). A server process is
        # made with MIGRATIONS=False (exchange/wsgi.py, exchange/serve.py): it never migrates.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    app.jinja_env.globals["csrf_token"] = csrf_token  # read from g after the first call
    limiter.init_app(app)
    api.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    init_socketio(app)

    from exchange.accounts import sessions

    login_manager.user_loader(sessions.load_user)


def init_socketio(app: Flask) -> None:
    """Bind Flask-SocketIO to the app (also used by tests to re-bind a shared app)."""
    origin = app.config.get("PUBLIC_ORIGIN")
    # Flask-SocketIO keeps the options of an earlier init_app, including the Redis client
    # manager it made then: without this, an app bound without a queue after one bound with a
    # queue would still publish through the old Redis channel.
    for stale in ("client_manager", "message_queue", "channel"):
        socketio.server_options.pop(stale, None)
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    # The Redis pub/sub channel: one per installation, so two sharing a Redis never mix.
    channel = app.config.get("SOCKETIO_CHANNEL") or "linking-exchange"
    if queue and queue.startswith(("redis://", "rediss://")):
        # Publishes wait for a free Redis connection instead of dropping an emit.
        queue_options: dict[str, Any] = {
            "client_manager": redis_clients.message_queue(queue, channel)
        }
    else:
        queue_options = {"message_queue": queue, "channel": channel}
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        **queue_options,
        # None means "same origin as the page" in python-engineio; never "*".
        cors_allowed_origins=[origin] if origin else None,
        max_http_buffer_size=SOCKET_BUFFER_BYTES,
        ping_interval=app.config.get("SOCKETIO_PING_INTERVAL", 20),
        ping_timeout=app.config.get("SOCKETIO_PING_TIMEOUT", 20),
        logger=False,
        engineio_logger=False,
    )
    app.wsgi_app = NoWebSocketCompression(app.wsgi_app)  # type: ignore[method-assign]
    if app.config.get("REQUESTS_AT_ONCE"):
        # Pages in turn, a few at a time, behind the proxy (exchange/slots.py).
        app.wsgi_app = RequestSlots(app.wsgi_app, app.config["REQUESTS_AT_ONCE"])  # type: ignore[method-assign]


class NoWebSocketCompression:
    """WSGI middleware: WebSockets are never compressed (permessage-deflate is not agreed).

    Browsers ask for permessage-deflate on every WebSocket and simple-websocket (under gevent
    and gunicorn) agrees, so each message was compressed again for every screen, and every
    socket kept its own zlib state. Our messages are small JSON; with 1,000 class screens
    asking for it as Chromium does (`BENCH_WS_DEFLATE=15 python -m bench events`), the server
    held 357 MiB instead of 253 with every screen connected, 475 MiB under load, and a stage
    change's p99 doubled. Removing the request's offer makes the handshake agree to none.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.wsgi_app(environ, start_response)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys like PostgreSQL, and let several processes share the file.

    With WAL, synchronous=NORMAL syncs at checkpoints rather than on every commit: a commit
    stays atomic and consistent, and only the last transactions before a power loss (not a
    process crash) can be lost. A full sync per commit blocked the whole gevent process for
    milliseconds on every stage change.
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
