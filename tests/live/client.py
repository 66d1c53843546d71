"""A real python-socketio client that follows streams the way static/js/realtime.js does.

It remembers the last sequence number of each stream, drops what it has seen, buffers what
comes early and asks again on a gap; on every (re)connection it re-subscribes after the last
number it saw and re-joins the live room. Commands carry a client message id and are retried
after a lost acknowledgement, as the page does. Used by the crash and multi-process tests.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import socketio


@dataclass
class Seen:
    """One fact as the client applied it."""

    stream: str
    seq: int
    kind: str
    message: dict[str, Any]
    caught_up: bool
    at: float = field(default_factory=time.monotonic)


class LiveClient:
    """One signed-in screen of a live session."""

    def __init__(
        self, url: str, cookie: str, session_id: int, streams: list[str], name: str
    ) -> None:
        self.url = url
        self.cookie = cookie
        self.session_id = session_id
        self.streams = list(streams)
        self.name = name
        self.last: dict[str, int | None] = dict.fromkeys(self.streams)
        self.early: dict[str, dict[int, dict[str, Any]]] = {s: {} for s in self.streams}
        self.applied: list[Seen] = []
        self.signals: list[dict[str, Any]] = []
        self.joins: list[dict[str, Any]] = []
        self.connects = 0
        self.lock = threading.RLock()
        self.ready = threading.Event()
        self.sio = socketio.Client(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1.0,
            randomization_factor=0.2,
        )
        self.sio.on("connect", self._on_connect)
        self.sio.on("*", self._on_event)

    # ---- connection ----

    def connect(self) -> LiveClient:
        """Connect and wait until every stream is followed and the room joined."""
        self.sio.connect(
            self.url, headers={"Cookie": self.cookie}, transports=["websocket"], wait_timeout=10
        )
        if not self.ready.wait(15):
            raise TimeoutError(f"{self.name} did not finish subscribing")
        return self

    def close(self) -> None:
        """Disconnect for good."""
        self.sio.reconnection = False
        with contextlib.suppress(Exception):  # already gone with its server
            self.sio.disconnect()

    def _on_connect(self) -> None:
        self.connects += 1
        self.ready.clear()
        # Handlers run on the reader thread: calling the server from here would wait forever.
        self.sio.start_background_task(self._resubscribe_all)

    def _resubscribe_all(self) -> None:
        try:
            for stream in self.streams:
                self._resubscribe(stream)
            ack = self.sio.call("live_join", {"session_id": self.session_id}, timeout=10)
            with self.lock:
                self.joins.append(ack)
                self.ready.set()
                for stream in self.streams:
                    self._drain(stream)  # what arrived while catching up
        except Exception:  # the server went away again: the next connect starts over
            pass

    def _resubscribe(self, stream: str) -> None:
        with self.lock:
            after = self.last[stream]
        ack = self.sio.call("subscribe", {"stream": stream, "after_seq": after}, timeout=10)
        if not ack or not ack.get("ok"):
            raise RuntimeError(f"{self.name} could not follow {stream}: {ack}")
        with self.lock:
            if self.last[stream] is None:
                self.last[stream] = ack["last_seq"]
            for message in ack["events"]:
                self._accept(stream, message, caught_up=True)
            if ack["last_seq"] > (self.last[stream] or 0):
                self.last[stream] = ack["last_seq"]  # numbers it skipped were deleted
            self._drain(stream)

    # ---- receiving ----

    def _on_event(self, event: str, message: Any = None) -> None:
        if not isinstance(message, dict) or message.get("stream") not in self.last:
            return
        stream = message["stream"]
        if "seq" not in message:
            with self.lock:
                self.signals.append(message)
            return
        gap = False
        with self.lock:
            last = self.last[stream]
            seq = message["seq"]
            if last is None or not self.ready.is_set():
                self.early[stream][seq] = message
                return
            if seq <= last:
                return  # seen already
            if seq > last + 1:
                self.early[stream][seq] = message
                gap = True
            else:
                self._accept(stream, message, caught_up=False)
                self._drain(stream)
        if gap:
            self.sio.start_background_task(self._resubscribe, stream)

    def _accept(self, stream: str, message: dict[str, Any], caught_up: bool) -> None:
        last = self.last[stream]
        if last is not None and message["seq"] <= last:
            return
        self.last[stream] = message["seq"]
        self.applied.append(Seen(stream, message["seq"], message["kind"], message, caught_up))

    def _drain(self, stream: str) -> None:
        early = self.early[stream]
        for seq in [s for s in early if s <= (self.last[stream] or 0)]:
            early.pop(seq)
        while (self.last[stream] or 0) + 1 in early:
            self._accept(stream, early.pop((self.last[stream] or 0) + 1), caught_up=False)

    # ---- what the screen shows ----

    def chat(self) -> list[int]:
        """The approved chat on this screen, in its order (item ids)."""
        shown: list[int] = []
        with self.lock:
            for seen in self.applied:
                if not seen.stream.startswith("live:") or seen.stream.endswith(":teachers"):
                    continue
                item = seen.message.get("item_id")
                if seen.kind == "item_approved" and seen.message.get("item_kind") == "chat":
                    shown.append(item)
                elif seen.kind == "item_removed" and item in shown:
                    shown.remove(item)
        return shown

    def queue(self) -> set[int]:
        """The live queue on a teacher's screen: what its queue stream added and removed."""
        waiting: set[int] = set()
        with self.lock:
            for seen in self.applied:
                if not seen.stream.startswith("queue:"):
                    continue
                if seen.kind == "queue_item_added" and seen.message["item"]["kind"] == "chat":
                    waiting.add(seen.message["item"]["id"])
                elif seen.kind == "queue_item_removed":
                    waiting.discard(seen.message["item_id"])
        return waiting

    def delivered_live(self, item_id: int) -> Seen | None:
        """How this screen first got an approved message (live, or by catching up)."""
        with self.lock:
            for seen in self.applied:
                if seen.kind == "item_approved" and seen.message.get("item_id") == item_id:
                    return seen
        return None

    # ---- commands, retried after a lost acknowledgement ----

    def command(self, event: str, payload: dict[str, Any], attempts: int = 6) -> dict[str, Any]:
        """Send a command; after a timeout or a dropped connection, wait and send it again."""
        last_error: Exception | None = None
        for _ in range(attempts):
            if not self.wait_ready(20):
                continue
            try:
                return self.sio.call(event, {"session_id": self.session_id, **payload}, timeout=4)
            except Exception as exc:  # timeout or disconnected mid-call: try again
                last_error = exc
                time.sleep(0.3)
        raise TimeoutError(f"{self.name}: {event} never acknowledged ({last_error})")

    def wait_ready(self, timeout: float) -> bool:
        """Wait until connected, subscribed and in the room."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sio.connected and self.ready.is_set():
                return True
            time.sleep(0.05)
        return False


def close_all(clients: list[LiveClient]) -> None:
    """Close clients side by side. A client whose server died mid-test (the crash tests) waits
    up to websocket-client's 3 s for a closing frame that never comes; one at a time, those
    waits added up to most of a crash test."""
    threads = [threading.Thread(target=client.close, daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)


def wait_until(predicate: Any, timeout: float = 15.0, interval: float = 0.1) -> bool:
    """Poll until `predicate()` is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
