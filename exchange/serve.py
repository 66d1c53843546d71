"""Serve the app with Flask-SocketIO's server in the configured async mode (`make serve`)."""

from __future__ import annotations

import argparse
import gc
import os

# Generation 0 is collected after this many allocations (default 700): with a thousand sockets
# a collection every few hundred allocations ran in the middle of broadcasts.
GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc() -> None:
    """After start-up: move every object that exists (the app, its modules, the mappers) out of
    the collector's reach and collect less often, so a full collection never walks them in
    the middle of a broadcast (measured by `python -m bench events`, variants serve, serve-gc).

    The ORM's mappers are configured first: otherwise the first query (the first socket's
    sign-in) pays for it, and the objects it makes would stay in the collector's reach."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def tune_gevent() -> None:
    """Greenlets stop recording who spawned them (a ten-frame stack and the spawner's locals
    for every greenlet): python-socketio spawns one per incoming event, a thousand a second
    when every screen reacts, and nothing here reads those records."""
    from gevent import config

    config.track_greenlet_tree = False


def gevent_handler() -> type:
    """gevent's WSGI handler, closing the connection when a WebSocket ends.

    simple-websocket talks over a duplicate of the request's socket, so when a WebSocket closes
    gevent's server still holds the original open and waits for another request on it. A
    client that closes (python-socketio's websocket-client, a test, a load generator) then
    waits its full close timeout (3 s) for the connection to end; browsers are spared only
    because they do not wait. gunicorn (as deployed) and eventlet already close it.
    """
    from gevent import pywsgi

    class ClosingHandler(pywsgi.WSGIHandler):
        def handle_one_response(self) -> None:
            super().handle_one_response()
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                self.close_connection = True

    return ClosingHandler


def main() -> None:
    """Patch the standard library for the async mode first, then build and serve the app."""
    parser = argparse.ArgumentParser(description="Serve Linking Exchange")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    mode = os.environ.get("ASYNC_MODE", "gevent")
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        tune_gevent()
    elif mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()

    from exchange import create_app
    from exchange.extensions import socketio

    app = create_app({"MIGRATIONS": False})  # a server never runs `flask db`
    tune_gc()
    print(f"Linking Exchange on http://{args.host}:{args.port} ({mode})", flush=True)
    options = {"handler_class": gevent_handler()} if mode == "gevent" else {}
    socketio.run(
        app,
        host=args.host,
        port=args.port,
        allow_unsafe_werkzeug=mode == "threading",
        **options,
    )


if __name__ == "__main__":
    main()
