"""A bare Flask-SocketIO broadcast server: the denominator of the events benchmark's ratio.

Flask + Flask-SocketIO (gevent, simple-websocket), no database, no sign-in, no app: a client
`subscribe`s to a room (acknowledged like the app's command) and `broadcast` re-emits its payload
as `fact` to that room. With --redis, processes share rooms through Flask-SocketIO's message queue.

For the load phase it also takes `react` as the app does (on python-socketio's own server, no
Flask context: counted in memory and acknowledged) and, about three times a second, emits the
totals to every room it has screens in when they changed: the least any server can do for that
traffic, so the app's CPU under load has a floor measured beside it. With several processes
only one emits the totals (`--no-counters` on the others), as only the app's leader does; they
are its own clicks, not the sum: the traffic, not the count, is what is measured.
`python -m bench.events_bare_server --port P [--redis URL --channel NAME] [--no-counters]`
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

TICK_SECONDS = 0.3  # as the app's event ticker (exchange/rooms/events/live.py)


def build(redis_url: str | None, channel: str, counters: bool = True) -> tuple[Flask, SocketIO]:
    """The app and its Socket.IO server."""
    app = Flask(__name__)
    socketio = SocketIO(
        app,
        async_mode="gevent",
        message_queue=redis_url,
        channel=channel,
        cors_allowed_origins=None,
        logger=False,
        engineio_logger=False,
    )
    totals: Counter[str] = Counter()
    rooms: set[str] = set()

    def ticker() -> None:
        """Every screen's room gets the totals when they changed, about three times a second."""
        emitted: dict[str, int] = {}
        while True:
            socketio.sleep(TICK_SECONDS)
            if totals != emitted:
                emitted = dict(totals)
                for room in list(rooms):
                    socketio.emit("counters", {"reactions": emitted}, to=room)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @socketio.on("subscribe")
    def subscribe(data: dict[str, Any]) -> dict[str, Any]:
        if counters and not rooms:
            socketio.start_background_task(ticker)
        rooms.add(data["stream"])
        join_room(data["stream"])
        return {"ok": True, "stream": data["stream"], "last_seq": 0, "events": []}

    @socketio.on("broadcast")
    def broadcast(data: dict[str, Any]) -> dict[str, Any]:
        emit("fact", data, to=data["stream"])
        return {"ok": True}

    def react(_sid: str, payload: Any = None) -> dict[str, Any]:
        """Count a click; registered on python-socketio's own server, as the app's is."""
        kind = payload.get("kind") if isinstance(payload, dict) else None
        if not isinstance(kind, str):
            return {"ok": False, "error": "invalid"}
        totals[kind] += 1
        return {"ok": True}

    socketio.server.on("react", react, namespace="/")
    return app, socketio


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--channel", default="bare")
    parser.add_argument("--no-counters", dest="counters", action="store_false")
    args = parser.parse_args()
    app, socketio = build(args.redis, args.channel, args.counters)
    socketio.run(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
