"""A bare Flask-SocketIO broadcast server: the denominator of the events benchmark's ratio.

Flask + Flask-SocketIO (gevent, simple-websocket), no database, no sign-in, no app: a client
`subscribe`s to a room (acknowledged like the app's command) and `broadcast` re-emits its payload
as `fact` to that room. With --redis, processes share rooms through Flask-SocketIO's message queue.
`python -m bench.events_bare_server --port P [--redis URL --channel NAME]`
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402


def build(redis_url: str | None, channel: str) -> tuple[Flask, SocketIO]:
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

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @socketio.on("subscribe")
    def subscribe(data: dict[str, Any]) -> dict[str, Any]:
        join_room(data["stream"])
        return {"ok": True, "stream": data["stream"], "last_seq": 0, "events": []}

    @socketio.on("broadcast")
    def broadcast(data: dict[str, Any]) -> dict[str, Any]:
        emit("fact", data, to=data["stream"])
        return {"ok": True}

    return app, socketio


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--channel", default="bare")
    args = parser.parse_args()
    app, socketio = build(args.redis, args.channel)
    socketio.run(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
