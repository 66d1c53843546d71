"""Real Socket.IO clients and HTTP sessions against a real server, as teachers' and pupils'
screens: each records every event it receives so tests can check who saw what."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import requests
from flask import Flask

from tests.servers import ServerProcess, session_cookie, socketio_client


class Screen:
    """One user's screen: a socket that follows streams and an HTTP session for the API."""

    def __init__(self, server: ServerProcess, app: Flask, actor: Any, name: str) -> None:
        self.name = name
        self.server, self.app, self.actor = server, app, actor
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.last_seq: dict[str, int] = {}
        self.followed: list[str] = []
        self.sock = socketio_client(server, app, actor)
        self.sock.on("*", self._record)
        self.http = requests.Session()
        cookie = app.config.get("SESSION_COOKIE_NAME", "session")
        self.http.cookies.set(cookie, session_cookie(app, actor))
        self.csrf: str | None = None

    def _record(self, event: str, data: Any) -> None:
        with self.lock:
            if isinstance(data, dict) and "seq" in data and "stream" in data:
                if data["seq"] <= self.last_seq.get(data["stream"], 0):
                    return  # already seen (a catch-up can repeat what arrived live)
                self.last_seq[data["stream"]] = data["seq"]
            self.events.append((event, data if isinstance(data, dict) else {"data": data}))

    def reconnect(self) -> None:
        """A new socket for the same user (a laptop lid opened again); recording carries on."""
        if self.sock.connected:
            self.sock.disconnect()
        self.sock = socketio_client(self.server, self.app, self.actor)
        self.sock.on("*", self._record)

    def follow(self, stream: str, after: int | None = 0) -> dict[str, Any]:
        """Subscribe to a stream (from the start by default); missed events are recorded too."""
        ack = self.command("subscribe", {"stream": stream, "after_seq": after})
        if ack.get("ok") and stream not in self.followed:
            self.followed.append(stream)
        for event in ack.get("events", []) if ack.get("ok") else []:
            self._record(event["kind"], event)
        return ack

    def catch_up(self) -> None:
        """What realtime.js does when a socket drops: reconnect, and ask every followed stream
        for what came after the last number seen (the database is the record)."""
        self.reconnect()
        for stream in self.followed:
            self.follow(stream, after=self.last_seq.get(stream, 0))

    def command(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a socket command and return its acknowledgement.

        A browser tab writes its frames one after another on its one WebSocket; so does this
        (python-socketio's client is not safe for two threads writing at once). Only the
        sending is serialised: the server still handles the commands concurrently.
        """
        answered = threading.Event()
        acks: list[Any] = []

        def on_ack(*args: Any) -> None:
            acks.append(args[0] if args else None)
            answered.set()

        with self.send_lock:
            self.sock.emit(event, payload, callback=on_ack)
        if not answered.wait(timeout=30):
            raise AssertionError(f"{self.name}: no answer to {event}")
        return acks[0]

    def api(self, method: str, path: str, json: Any = None) -> requests.Response:
        """Call the JSON API with the CSRF token a page would give."""
        if self.csrf is None:
            page = self.http.get(self.server.url + "/enquiries", timeout=10)
            self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
            # The page stored the token in the session: keep the session cookie it sent back.
            name = self.app.config.get("SESSION_COOKIE_NAME", "session")
            renewed = page.cookies.get(name)
            if renewed:
                self.http.cookies.clear()
                self.http.cookies.set(name, renewed)
        return self.http.request(
            method,
            self.server.url + "/api/v1" + path,
            json=json,
            headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
            timeout=15,
        )

    def seen(self, kind: str | None = None, stream: str | None = None) -> list[dict[str, Any]]:
        """Events received so far (of a kind, on a stream)."""
        with self.lock:
            return [
                data
                for event, data in self.events
                if (kind is None or event == kind)
                and (stream is None or data.get("stream") == stream)
            ]

    def wait_for(self, kind: str, test: Any = None, timeout: float = 10.0) -> dict[str, Any]:
        """The first event of a kind passing `test`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for data in self.seen(kind):
                if test is None or test(data):
                    return data
            if not self.sock.connected:
                self.catch_up()
            time.sleep(0.02)
        raise AssertionError(f"{self.name} never received {kind}: {self.seen()[-5:]}")

    def text_seen(self) -> str:
        """Everything received, as text (to check private words never arrived)."""
        with self.lock:
            return repr(self.events)

    def close(self) -> None:
        """Disconnect the socket and close the HTTP session."""
        if self.sock.connected:
            self.sock.disconnect()
        self.http.close()


def close_all(screens: list[Screen]) -> None:
    """Close screens side by side: each socket's close waits up to websocket-client's 3 s for
    the server's closing frame, which one screen at a time added up."""
    threads = [threading.Thread(target=screen.close, daemon=True) for screen in screens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
