"""A load generator: many python-socketio AsyncClients in one process, driven over stdin/stdout.

Started by `bench.common.Swarm` as `python -m bench.swarm SPEC.json`. It prints one JSON line
per answer: `{"ready": true, ...}` once every client is connected and subscribed, then answers
commands read from stdin (`emit`, `counts`, `stop`); on `stop` it disconnects everyone and
writes what it recorded to the spec's result_path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from typing import Any

import aiohttp
import socketio


def now_ns() -> int:
    """The shared clock (see bench.common.now_ns)."""
    return time.monotonic_ns()


def find_stamp(obj: Any) -> int | None:
    """The send time carried by a payload (same rule as bench.common.find_stamp)."""
    from bench.common import find_stamp as find

    return find(obj)


def _field(payload: dict[str, Any], path: str) -> Any:
    """A field of a payload by dotted path (`item.id`), or None."""
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class SwarmClient:
    """One socket: connects, subscribes with catch-up, records the facts it listens to."""

    def __init__(
        self, index: int, spec: dict[str, Any], options: dict[str, Any], recorder: Recorder
    ) -> None:
        self.index = index
        self.cookie = spec.get("cookie")
        self.transports = spec.get("transports") or options["transports"]
        self.streams: list[str] = spec.get("streams", [])
        self.listen: list[str] = spec.get("listen", [])
        self.options = options
        self.recorder = recorder
        # Like static/js/realtime.js: a fact is applied once per (stream, seq); after a reconnect
        # the client asks for what follows the last contiguous sequence number it applied.
        self.seen: dict[str, set[int]] = {}
        self.applied: dict[str, int] = {}
        self.stats = {
            "client": index,
            "connects": 0,
            "disconnects": 0,
            "errors": 0,
            "connect_errors": 0,
            "connect_ms": None,
            "last_error": None,
        }
        self.http: aiohttp.ClientSession | None = None
        self.sio: socketio.AsyncClient | None = None
        self.subscribed = asyncio.Event()
        self.stopping = False

    def _advance(self, stream: str, seq: int) -> bool:
        """Mark (stream, seq) seen; True when it had been seen already (a duplicate)."""
        seen = self.seen.setdefault(stream, set())
        if seq in seen or seq <= self.applied.get(stream, -1):
            return True
        seen.add(seq)
        if stream in self.applied:
            while self.applied[stream] + 1 in seen:
                self.applied[stream] += 1
                seen.discard(self.applied[stream])
        return False

    def _remember(self, event: str, payload: Any, caught_up: bool) -> None:
        """Apply one fact; record it when it is one this client listens to."""
        stream = seq = key = None
        duplicate = False
        if isinstance(payload, dict):
            stream, seq = payload.get("stream"), payload.get("seq")
            if isinstance(stream, str) and isinstance(seq, int):
                duplicate = self._advance(stream, seq)
            key = next(
                (
                    v
                    for v in (_field(payload, f) for f in self.options["key_fields"])
                    if v is not None
                ),
                None,
            )
        if event in self.listen:
            self.recorder.add(
                [
                    self.index,
                    event,
                    stream,
                    seq,
                    key,
                    now_ns(),
                    find_stamp(payload),
                    caught_up,
                    duplicate,
                ]
            )

    async def _on_any(self, event: str, payload: Any = None) -> None:
        """Every fact the server sends (so sequence numbers advance for unlistened kinds too)."""
        self._remember(event, payload, caught_up=False)

    async def _subscribe(self) -> None:
        """(Re)join every stream, asking for what was missed since the last seen sequence."""
        assert self.sio is not None
        for stream in self.streams:
            data: dict[str, Any] = {"stream": stream}
            if stream in self.applied:
                data["after_seq"] = self.applied[stream]
            ack = await self.sio.call("subscribe", data, timeout=30)
            if not isinstance(ack, dict) or not ack.get("ok", False):
                self.stats["errors"] += 1
                self.stats["last_error"] = f"subscribe {stream}: {ack}"
                continue
            if stream not in self.applied:
                base = int(ack.get("last_seq") or 0)
                seen = self.seen.setdefault(stream, set())
                self.applied[stream] = base
                seen.difference_update({s for s in seen if s <= base})
                while self.applied[stream] + 1 in seen:
                    self.applied[stream] += 1
                    seen.discard(self.applied[stream])
            if ack.get("reset"):
                self.stats["resets"] = self.stats.get("resets", 0) + 1
            for missed in ack.get("events") or []:
                if isinstance(missed, dict) and isinstance(missed.get("kind"), str):
                    self._remember(missed["kind"], missed, caught_up=True)
        self.subscribed.set()

    async def connect(self) -> None:
        """Connect and subscribe; failures are counted, never raised."""
        jar = aiohttp.CookieJar(unsafe=True)  # keeps nginx's sticky cookie for 127.0.0.1
        self.http = aiohttp.ClientSession(cookie_jar=jar)
        self.sio = socketio.AsyncClient(
            reconnection=self.options["reconnection"],
            reconnection_delay=0.5,
            reconnection_delay_max=3,
            http_session=self.http,
        )
        self.sio.on("*", self._on_any)

        @self.sio.event
        async def connect() -> None:
            self.stats["connects"] += 1
            if self.stats["connects"] > 1:
                # A reconnect: catch up in the background (handlers must not block the reader).
                asyncio.ensure_future(self._resubscribe())

        @self.sio.event
        async def disconnect(reason: Any = None) -> None:
            if not self.stopping:
                self.stats["disconnects"] += 1

        @self.sio.event
        async def connect_error(data: Any = None) -> None:
            # A refused attempt while reconnecting (the process was just lost); the client
            # tries again. Whether it got back is what `connects` and the final state say.
            self.stats["connect_errors"] += 1
            self.stats["last_error"] = str(data)

        started = time.perf_counter()
        try:
            await self.sio.connect(
                self.options["url"],
                headers={"Cookie": self.cookie} if self.cookie else {},
                transports=self.transports,
                wait_timeout=30,
            )
            self.stats["connect_ms"] = round((time.perf_counter() - started) * 1000, 2)
            await self._subscribe()
        except Exception as exc:  # counted and reported, the run decides what it means
            self.stats["errors"] += 1
            self.stats["last_error"] = f"{type(exc).__name__}: {exc}"

    async def _resubscribe(self) -> None:
        try:
            await self._subscribe()
        except Exception as exc:
            self.stats["errors"] += 1
            self.stats["last_error"] = f"resubscribe: {type(exc).__name__}: {exc}"

    async def close(self) -> None:
        """Disconnect on purpose (not counted as an unexpected disconnect)."""
        self.stopping = True
        if self.sio is not None:
            with contextlib.suppress(Exception):
                await self.sio.disconnect()
        if self.http is not None:
            await self.http.close()


class Recorder:
    """Collects records from every client of this process."""

    def __init__(self) -> None:
        self.records: list[list[Any]] = []

    def add(self, record: list[Any]) -> None:
        """Keep one record."""
        self.records.append(record)


def write(line: dict[str, Any]) -> None:
    """One JSON answer on stdout."""
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def main(spec_path: str) -> None:
    """Connect everyone, answer commands until stop, then write the results."""
    with open(spec_path) as fh:
        spec = json.load(fh)
    options = {k: spec[k] for k in ("url", "transports", "key_fields", "reconnection")}
    recorder = Recorder()
    clients = {
        int(i): SwarmClient(int(i), c, options, recorder) for i, c in spec["clients"].items()
    }
    gate = asyncio.Semaphore(spec.get("connect_concurrency", 50))

    async def connect(client: SwarmClient) -> None:
        async with gate:
            await client.connect()

    await asyncio.gather(*(connect(c) for c in clients.values()))
    failed = [c for c in clients.values() if c.stats["connects"] == 0 or not c.subscribed.is_set()]
    write(
        {
            "ready": True,
            "clients": len(clients),
            "failed": len(failed),
            "first_error": failed[0].stats["last_error"] if failed else None,
        }
    )

    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            with contextlib.suppress(ValueError):
                loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(commands.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    acks: list[dict[str, Any]] = []

    async def emit(command: dict[str, Any]) -> None:
        client = clients[command["client"]]
        sent = now_ns()
        try:
            assert client.sio is not None
            ack = await client.sio.call(command["event"], command.get("data"), timeout=30)
        except Exception as exc:
            ack = {"ok": False, "error": type(exc).__name__}
        answer = {
            "tag": command.get("tag"),
            "client": command["client"],
            "sent_ns": sent,
            "ack_ns": now_ns(),
            "ack": ack,
        }
        acks.append(answer)
        if command.get("reply"):
            write(answer)

    while True:
        command = await commands.get()
        if command is None or command.get("cmd") == "stop":
            break
        if command["cmd"] == "emit":
            if command.get("reply"):
                await emit(command)
            else:
                asyncio.ensure_future(emit(command))
        elif command["cmd"] == "counts":
            write(
                {
                    "events": sum(1 for r in recorder.records if not r[-1]),
                    "connected": sum(1 for c in clients.values() if c.sio and c.sio.connected),
                    "disconnects": sum(c.stats["disconnects"] for c in clients.values()),
                }
            )

    await asyncio.gather(*(c.close() for c in clients.values()))
    with open(spec["result_path"], "w") as fh:
        json.dump(
            {
                "records": recorder.records,
                "clients": [c.stats for c in clients.values()],
                "acks": acks,
            },
            fh,
        )
    write({"done": True})


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
