"""The baseline: a plain python-socketio server (gevent, simple-websocket) doing the same broadcast.

No Flask, no database, no sign-in: clients `subscribe` to a room (acknowledged like the app's
command), and a `broadcast` command re-emits its payload as a `fact` to that room. With --redis,
several processes share rooms through python-socketio's RedisManager, as the app does.
`python -m bench.baseline_server --port 5100 [--redis redis://127.0.0.1:6379/0]`
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
from typing import Any  # noqa: E402

import socketio  # noqa: E402
from gevent import pywsgi  # noqa: E402


def build(redis_url: str | None, channel: str = "baseline") -> tuple[socketio.Server, Any]:
    """The Socket.IO server and its WSGI app (with /healthz for the harness)."""
    manager = socketio.RedisManager(redis_url, channel=channel) if redis_url else None
    sio = socketio.Server(
        async_mode="gevent",
        client_manager=manager,
        ping_interval=20,
        ping_timeout=20,
        cors_allowed_origins=None,
    )

    @sio.on("subscribe")
    def subscribe(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Join the named room, answering like the app's subscribe."""
        sio.enter_room(sid, data["stream"])
        return {"ok": True, "stream": data["stream"], "last_seq": 0, "events": []}

    @sio.on("broadcast")
    def broadcast(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Re-emit the payload to everyone in the room."""
        sio.emit("fact", data, to=data["stream"])
        return {"ok": True}

    def health(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']

    return sio, socketio.WSGIApp(sio, health)


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--channel", default="baseline")
    args = parser.parse_args()
    _, app = build(args.redis, args.channel)
    pywsgi.WSGIServer(("127.0.0.1", args.port), app, log=None).serve_forever()


if __name__ == "__main__":
    main()
