"""Load generator for the events benchmark: many lean Socket.IO clients showing an event.

Started by bench/bench_events.py as `python -m bench.events_load SPEC.json`; answers one JSON
line per command read from stdin:
  {"cmd": "join"}            connect every client and join (join_event, or subscribe for the
                             baseline); answers first start and last join times (CLOCK_MONOTONIC)
  {"cmd": "react", "on": b}  every client sends one reaction a second (random phase), or stops
  {"cmd": "counts"}          deliveries, reaction acks and counter signals so far
  {"cmd": "stop"}            disconnect everyone, write records to the spec's result_path

Each screen speaks the Socket.IO protocol (engine.io 4, WebSocket only) directly over an aiohttp
WebSocket instead of through python-socketio's AsyncClient: with a thousand screens in two
processes on the server's own two cores, the client library's per-message work (a task per
event, two packet decoders) was a large part of the measured latency, for the bare baseline as
much as for the app. A delivery is stamped when its frame is read, before any JSON is parsed.
The spec's "client": "python-socketio" keeps the library client for comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import socketio

# Offer permessage-deflate as browsers do (Chromium asks for it on every WebSocket):
# BENCH_WS_DEFLATE=15 (window bits); 0, the default, offers nothing.
WS_DEFLATE = int(os.environ.get("BENCH_WS_DEFLATE", "0"))


def now_ns() -> int:
    """The clock every process on the machine shares."""
    return time.monotonic_ns()


class LeanClient:
    """The few parts of a Socket.IO client a screen needs: connect with a cookie, emit with an
    acknowledgement, answer pings, and hand events to handlers with their arrival time."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.handlers: dict[str, Callable[[Any, int], None]] = {}
        self.pending: dict[int, Callable[[Any], None] | asyncio.Future] = {}
        self.next_id = 0
        self.connected = False
        self._opened: asyncio.Future | None = None
        self._reader: asyncio.Task | None = None

    def on(self, event: str, handler: Callable[[Any, int], None]) -> None:
        """Call handler(data, recv_ns) for every `event`."""
        self.handlers[event] = handler

    async def connect(self, url: str, headers: dict[str, str], wait_timeout: float) -> None:
        """Open the WebSocket and the default namespace (refusals raise ConnectionError)."""
        ws_url = url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.session.ws_connect(
            ws_url,
            headers=headers,
            autoping=True,
            max_msg_size=0,
            timeout=wait_timeout,
            compress=WS_DEFLATE,
        )
        first = await asyncio.wait_for(self.ws.receive(), wait_timeout)
        if first.type != aiohttp.WSMsgType.TEXT or not first.data.startswith("0"):
            raise ConnectionError(f"no engine.io handshake: {first.data!r}")
        self._opened = asyncio.get_running_loop().create_future()
        self._reader = asyncio.ensure_future(self._read())
        await self.ws.send_str("40")
        await asyncio.wait_for(self._opened, wait_timeout)
        self.connected = True

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                recv = time.monotonic_ns()
                text = msg.data
                if text == "2":
                    await self.ws.send_str("3")
                elif text.startswith("42"):
                    event, data = json.loads(text[2:])[:2]
                    handler = self.handlers.get(event)
                    if handler is not None:
                        handler(data, recv)
                elif text.startswith("43"):
                    bracket = text.index("[")
                    waiter = self.pending.pop(int(text[2:bracket]), None)
                    args = json.loads(text[bracket:])
                    answer = args[0] if args else None
                    if isinstance(waiter, asyncio.Future):
                        if not waiter.done():
                            waiter.set_result(answer)
                    elif waiter is not None:
                        waiter(answer)
                elif text.startswith("40") and self._opened and not self._opened.done():
                    self._opened.set_result(True)
                elif text.startswith("44") and self._opened and not self._opened.done():
                    self._opened.set_exception(ConnectionError(f"refused: {text[2:]}"))
                elif text.startswith(("41", "1")):
                    break
        finally:
            self.connected = False
            if self._opened and not self._opened.done():
                self._opened.set_exception(ConnectionError("closed during connect"))

    async def emit(
        self, event: str, data: Any, callback: Callable[[Any], None] | None = None
    ) -> None:
        """Send an event (with an acknowledgement id when a callback is given)."""
        assert self.ws is not None
        if callback is None:
            await self.ws.send_str("42" + json.dumps([event, data]))
            return
        self.next_id += 1
        self.pending[self.next_id] = callback
        await self.ws.send_str(f"42{self.next_id}" + json.dumps([event, data]))

    async def call(self, event: str, data: Any, timeout: float) -> Any:
        """Send an event and wait for its acknowledgement."""
        assert self.ws is not None
        self.next_id += 1
        waiter = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = waiter
        await self.ws.send_str(f"42{self.next_id}" + json.dumps([event, data]))
        return await asyncio.wait_for(waiter, timeout)

    async def disconnect(self) -> None:
        """Leave the namespace and close the WebSocket."""
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.send_str("41")
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
        self.connected = False


class Screen:
    """One class screen."""

    def __init__(
        self,
        index: int,
        spec: dict[str, Any],
        mode: str,
        target: dict[str, Any],
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.index = index
        self.url = spec["url"]
        self.cookie = spec.get("cookie")
        self.mode = mode
        self.target = target
        self.records: list[tuple[int, int]] = []  # (key, recv_ns)
        self.counters = 0
        self.acks = {"ok": 0, "refused": 0, "error": 0}
        self.refusals: dict[str, int] = {}
        self.join_start = self.join_done = 0
        self.error: str | None = None
        self.reacting: asyncio.Task | None = None
        self.sio: LeanClient | socketio.AsyncClient
        if session is not None:
            self.sio = LeanClient(session)
            self.sio.on("stage_changed", self._stage_at)
            self.sio.on("fact", self._fact_at)
            self.sio.on("counters", self._counter_at)
        else:
            self.sio = socketio.AsyncClient(reconnection=False)
            self.sio.on("stage_changed", self._on_stage)
            self.sio.on("fact", self._on_fact)
            self.sio.on("counters", self._on_counters)

    def _stage_at(self, message: dict[str, Any], recv: int) -> None:
        self.records.append((message["stage"]["version"], recv))

    def _fact_at(self, message: dict[str, Any], recv: int) -> None:
        self.records.append((message["id"], recv))

    def _counter_at(self, message: dict[str, Any], recv: int) -> None:
        self.counters += 1

    async def _on_stage(self, message: dict[str, Any]) -> None:
        self.records.append((message["stage"]["version"], now_ns()))

    async def _on_fact(self, message: dict[str, Any]) -> None:
        self.records.append((message["id"], now_ns()))

    async def _on_counters(self, message: dict[str, Any]) -> None:
        self.counters += 1

    async def join(self) -> None:
        """Connect (signed in by cookie) and join the event's screen."""
        self.join_start = now_ns()
        try:
            headers = {"Cookie": self.cookie} if self.cookie else {}
            if isinstance(self.sio, LeanClient):
                await self.sio.connect(self.url, headers=headers, wait_timeout=60)
            else:
                await self.sio.connect(
                    self.url, headers=headers, transports=["websocket"], wait_timeout=60
                )
            if self.mode == "event":
                ack = await self.sio.call(
                    "join_event", {"event_id": self.target["event_id"]}, timeout=60
                )
            else:
                ack = await self.sio.call("subscribe", {"stream": self.target["room"]}, timeout=60)
            if not ack or not ack.get("ok"):
                self.error = f"join refused: {ack}"
            self.join_done = now_ns()
        except Exception as exc:  # counted and reported by the benchmark
            self.error = f"{type(exc).__name__}: {exc}"

    def _ack(self, answer: Any = None) -> None:
        if isinstance(answer, dict) and answer.get("ok"):
            self.acks["ok"] += 1
        elif isinstance(answer, dict):
            self.acks["refused"] += 1
            code = str(answer.get("error"))
            self.refusals[code] = self.refusals.get(code, 0) + 1
        else:
            self.acks["error"] += 1

    async def react_forever(self, rate: float) -> None:
        """One reaction every 1/rate seconds, starting at a random phase."""
        await asyncio.sleep(random.random() / rate)
        kinds = ["clap", "heart", "star", "party", "smile"]
        while True:
            with contextlib.suppress(Exception):
                await self.sio.emit("react", {"kind": random.choice(kinds)}, callback=self._ack)
            await asyncio.sleep(1.0 / rate)

    async def close(self) -> None:
        """Disconnect."""
        if self.reacting:
            self.reacting.cancel()
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


def write(line: dict[str, Any]) -> None:
    """One JSON answer."""
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def main(path: str) -> None:
    """Answer commands until stop."""
    with open(path) as fh:
        spec = json.load(fh)
    session = None
    if spec.get("client", "lean") == "lean":
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    screens = [
        Screen(int(i), c, spec["mode"], spec["target"], session) for i, c in spec["clients"].items()
    ]
    gate = asyncio.Semaphore(spec.get("concurrency", 100))
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            with contextlib.suppress(ValueError):
                loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(commands.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()

    async def gated(screen: Screen) -> None:
        async with gate:
            await screen.join()

    while True:
        command = await commands.get()
        if command is None or command.get("cmd") == "stop":
            break
        if command["cmd"] == "join":
            await asyncio.gather(*(gated(s) for s in screens))
            failed = [s for s in screens if s.error]
            write(
                {
                    "joined": len(screens) - len(failed),
                    "failed": len(failed),
                    "first_error": failed[0].error if failed else None,
                    "first_start_ns": min(s.join_start for s in screens),
                    "last_join_ns": max(s.join_done for s in screens),
                    "join_ms": [
                        round((s.join_done - s.join_start) / 1e6, 2) for s in screens if not s.error
                    ],
                }
            )
        elif command["cmd"] == "react":
            for screen in screens:
                if command.get("on") and screen.reacting is None:
                    screen.reacting = asyncio.ensure_future(
                        screen.react_forever(command.get("rate", 1.0))
                    )
                elif not command.get("on") and screen.reacting is not None:
                    screen.reacting.cancel()
                    screen.reacting = None
            write({"ok": True})
        elif command["cmd"] == "counts":
            refusals: dict[str, int] = {}
            for s in screens:
                for code, n in s.refusals.items():
                    refusals[code] = refusals.get(code, 0) + n
            write(
                {
                    "received": sum(len(s.records) for s in screens),
                    "counters": sum(s.counters for s in screens),
                    "acks_ok": sum(s.acks["ok"] for s in screens),
                    "acks_refused": sum(s.acks["refused"] for s in screens),
                    "acks_error": sum(s.acks["error"] for s in screens),
                    "refusals": refusals,
                    "connected": sum(1 for s in screens if s.sio.connected),
                }
            )
    await asyncio.gather(*(s.close() for s in screens))
    if session is not None:
        await session.close()
    with open(spec["result_path"], "w") as fh:
        json.dump({str(s.index): s.records for s in screens}, fh)
    write({"done": True})


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
