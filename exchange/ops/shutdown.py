"""Graceful shutdown: on SIGTERM, stop taking work, tell sockets to reconnect elsewhere, finish.

The order matters behind nginx: first the process stops accepting connections (so a client's
reconnect is refused here and nginx sends it to another process), then every socket of this
process gets a `server_restart` fact and its transport is closed without a Socket.IO
"disconnect" (which browsers would take as "do not come back"), then in-flight HTTP requests
finish. Nothing is lost: the database is the record, and reconnecting clients catch up from
their last sequence number.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from flask import Flask

from exchange.extensions import socketio

log = logging.getLogger("exchange.ops.shutdown")
RESTART_EVENT = "server_restart"
# gunicorn's gevent worker looks at its `alive` flag once a second before closing its listener.
GUNICORN_LISTENER_CLOSE_S = 1.2


class _State:
    """Process-wide shutdown state (one server per process)."""

    installed = False
    draining = False


def is_draining() -> bool:
    """Has this process been asked to stop? Readiness fails from then on."""
    return _State.draining


def local_socket_count() -> int:
    """Engine.IO connections held by this process."""
    server = getattr(socketio, "server", None)
    eio = getattr(server, "eio", None)
    return len(getattr(eio, "sockets", {}) or {})


def notify_sockets(retry_after_ms: int = 500) -> int:
    """Tell this process's sockets that it is going away; returns how many were told.

    The fact goes only to this process's clients (ignore_queue), never through Redis to others.
    """
    server = getattr(socketio, "server", None)
    count = local_socket_count()
    if server is None or not count:
        return 0
    payload = {"kind": RESTART_EVENT, "reconnect": True, "retry_after_ms": retry_after_ms}
    try:
        server.emit(RESTART_EVENT, payload, namespace="/", ignore_queue=True)
    except Exception:  # a failed notice must not stop the shutdown
        log.exception("could not send %s", RESTART_EVENT)
    return count


def close_sockets() -> int:
    """Close the transport of every socket of this process; returns how many."""
    server = getattr(socketio, "server", None)
    if server is None:
        return 0
    sockets = list(getattr(server.eio, "sockets", {}).values())
    for sock in sockets:
        try:
            # abort=True: no Engine.IO CLOSE packet, so clients treat it as a dropped
            # connection and reconnect by themselves (through nginx, to another process).
            sock.close(wait=False, abort=True)
        except Exception:
            log.exception("could not close a socket")
    return len(sockets)


def notify_and_close_sockets(retry_after_ms: int = 500) -> int:
    """Tell the sockets, give the writers a moment to flush, then close them."""
    if not notify_sockets(retry_after_ms):
        return 0
    socketio.sleep(0.2)
    return close_sockets()


def drain(*, under_gunicorn: bool, grace_s: float) -> None:
    """Tell sockets, stop accepting, close sockets, let in-flight requests finish.

    The notice goes out first, while long-polling clients can still reach this process for
    it; the transports close only once the listener is closed, so that reconnects are refused
    here and nginx sends them to another process.
    """
    told = notify_sockets(retry_after_ms=int(GUNICORN_LISTENER_CLOSE_S * 1000))
    wsgi_server = getattr(socketio, "wsgi_server", None)
    if under_gunicorn:
        socketio.sleep(GUNICORN_LISTENER_CLOSE_S)
    else:
        socketio.sleep(0.2)
        if wsgi_server is not None:
            wsgi_server.close()  # gevent: stop accepting; handlers in flight go on
    closed = close_sockets()
    log.info(
        "shutdown",
        extra={"fields": {"event": "shutdown", "sockets_told": told, "sockets_moved": closed}},
    )
    if under_gunicorn:
        return  # gunicorn waits for in-flight requests (graceful_timeout) and exits
    if wsgi_server is not None:
        wsgi_server.stop(timeout=grace_s)  # waits for in-flight handlers; serve_forever returns
    else:  # eventlet's server has no stop(): exit once the sockets are gone
        socketio.sleep(min(grace_s, 2.0))
        os._exit(0)


def install(app: Flask) -> bool:
    """Install the SIGTERM handler once per process, chaining gunicorn's own if there is one.

    Only for real servers (gevent or eventlet, not tests), from the main thread.
    """
    if _State.installed or app.config.get("ASYNC_MODE") == "threading" or app.testing:
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    previous = signal.getsignal(signal.SIGTERM)
    under_gunicorn = callable(previous) and "gunicorn" in getattr(previous, "__module__", "")
    grace_s = float(app.config.get("SHUTDOWN_GRACE_SECONDS", 15))

    def on_sigterm(signum: int, frame: Any) -> None:
        """Begin the graceful shutdown; a second SIGTERM exits at once."""
        if _State.draining:
            # Sent twice (to the process group and again by gunicorn's master): once is enough;
            # without gunicorn, a second SIGTERM means "now".
            if not under_gunicorn:
                os._exit(0)
            return
        _State.draining = True
        log.info("shutdown requested", extra={"fields": {"event": "shutdown_requested"}})
        if under_gunicorn:
            previous(signum, frame)  # gunicorn: stop the accept loop, then wait for requests
        socketio.start_background_task(drain, under_gunicorn=under_gunicorn, grace_s=grace_s)

    signal.signal(signal.SIGTERM, on_sigterm)
    _State.installed = True
    return True
