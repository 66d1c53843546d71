"""Baseline: a plain python-socketio broadcast, the denominator of every overhead ratio.

The same clients, transport, machine and proxy as the app's benchmarks, but a server that does
nothing except re-emit a payload to a room: whatever the app adds (sign-in, authorisation, the
database, the approval rule) shows up as the ratio app / baseline. Other benchmarks call
`measure()` in the same run, right beside their own measurement, so both see the same machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import common

ROOM = "bench:1"
# Deliveries per second the driver aims at: a linking day's chat is a few messages a second
# across a room (62 clients: 20 messages/s at most); a 1,000-screen celebration gets two a
# second. Bounding deliveries keeps large rooms from measuring only queueing.
MAX_DELIVERIES_PER_S = 2000


WARM_UP_MESSAGES = 3


@contextlib.contextmanager
def baseline_cluster(processes: int, workdir: Path, nginx: bool | None = None) -> Iterator[str]:
    """Start `processes` baseline servers (joined by Redis when several), optionally behind
    nginx with the deployed proxy rules; yields the URL clients use."""
    redis = common.redis_url() if processes > 1 else None
    channel = f"baseline-{os.getpid()}-{common.free_port()}"  # never mixed with another run
    servers = []
    proxy = None
    try:
        for i in range(processes):
            port = common.free_port()
            cmd = [sys.executable, "-m", "bench.baseline_server", "--port", str(port)]
            if redis:
                cmd += ["--redis", redis, "--channel", channel]
            server = common.ManagedProcess(
                cmd, log_path=workdir / f"baseline{i}.log", name=f"baseline{i}"
            )
            server.port = port  # type: ignore[attr-defined]
            servers.append(server.start())
        for server in servers:
            server.wait_http(f"http://127.0.0.1:{server.port}/healthz")  # type: ignore[attr-defined]
        url = f"http://127.0.0.1:{servers[0].port}"  # type: ignore[attr-defined]
        if nginx if nginx is not None else processes > 1:
            proxy = common.Nginx(
                [s.port for s in servers],  # type: ignore[attr-defined]
                workdir=workdir / "nginx-baseline",
            ).start()
            url = proxy.url
        yield url
    finally:
        if proxy:
            proxy.stop()
        for server in servers:
            server.stop()


def broadcast_latency(
    url: str,
    clients: int,
    messages: int,
    *,
    transports: list[str] | None = None,
    workdir: Path,
    room: str = ROOM,
) -> dict[str, Any]:
    """`clients` sockets in one room; a driver broadcasts `messages` stamped payloads at a
    bounded rate; returns delivery latency (ms), deliveries, duplicates and incidents."""
    specs = [common.ClientSpec(streams=[room], listen=["fact"]) for _ in range(clients)]
    interval = max(0.02, clients / MAX_DELIVERIES_PER_S)
    with common.Swarm(url, specs, transports=transports, workdir=workdir) as swarm:
        driver = common.connect_client(url)
        try:
            driver.call("subscribe", {"stream": room}, timeout=10)
            # Unstamped warm-up broadcasts first (not counted), as the app's benchmarks warm up.
            for i in range(WARM_UP_MESSAGES):
                driver.call("broadcast", {"stream": room, "id": -1 - i}, timeout=10)
                time.sleep(interval)
            for i in range(messages):
                driver.call(
                    "broadcast", {"stream": room, "id": i, "sent_ns": common.now_ns()}, timeout=10
                )
                time.sleep(interval)
        finally:
            driver.disconnect()
        total = clients * (messages + WARM_UP_MESSAGES)
        swarm.wait_for(lambda n: n.get("events", 0) >= total, timeout=30)
        result = swarm.stop()
    latencies = result.latencies_ms("fact")
    received = result.received("fact")
    duplicates = sum(len(keys) - len(set(keys)) for keys in received.values())
    summary = common.summarize(latencies)
    summary.update(
        expected=clients * messages,
        delivered=len(latencies),
        duplicates=duplicates,
        **result.incidents(),
    )
    return summary


def measure(
    clients: int,
    processes: int = 1,
    messages: int = 100,
    *,
    runs: int = 3,
    transports: list[str] | None = None,
    nginx: bool | None = None,
) -> dict[str, Any]:
    """The baseline's broadcast latency: medians over `runs` runs, each on fresh servers."""

    def once(_: int) -> dict[str, Any]:
        with (
            common.workdir("bench-baseline-") as work,
            baseline_cluster(processes, work, nginx=nginx) as url,
        ):
            return broadcast_latency(url, clients, messages, transports=transports, workdir=work)

    return common.repeat(runs, once)


def run(args: argparse.Namespace) -> None:
    """Measure the baseline at several room sizes, on one process and on two behind nginx."""
    runs = common.runs_for(args, default=3)
    sizes = [62] if args.quick else [62, 500, 1000]
    messages = 20 if args.quick else 100
    setups = [(1, False)]
    if common.redis_available() and common.nginx_binary():
        setups.append((2, True))
    rows = []
    for processes, through_nginx in setups:
        for clients in sizes:
            count = messages if clients < 500 else max(messages * 2 // 5, 10)
            s = measure(clients, processes, count, runs=runs, nginx=through_nginx)
            where = "1 process" if processes == 1 else f"{processes} processes + Redis, via nginx"
            rows.append(
                [
                    where,
                    clients,
                    f"{s['delivered']}/{s['expected']}",
                    common.fmt_ms(s["p50"]),
                    common.fmt_ms(s["p99"]),
                    common.fmt_ms(s["max"]),
                    s["duplicates"],
                    s["disconnects"],
                ]
            )
            print(f"baseline {where}, {clients} clients: p50 {s['p50']:.2f} p99 {s['p99']:.2f}")
    body = "\n".join(
        [
            "A plain python-socketio server (gevent, simple-websocket; RedisManager across "
            "processes) re-emitting a stamped payload to one room: no Flask, no database, no "
            "sign-in. Every app benchmark divides its own figures by these, measured in the same "
            "run. WebSocket clients (python-socketio AsyncClient) in separate load-generator "
            f"processes; {messages} messages per run ({max(messages * 2 // 5, 10)} from 500 "
            f"clients), at most {MAX_DELIVERIES_PER_S} deliveries/s; "
            f"median of {runs} runs.",
            "",
            common.markdown_table(
                ["setup", "clients", "delivered", "p50 ms", "p99 ms", "max ms", "dupes", "drops"],
                rows,
            ),
        ]
    )
    common.publish(args, "baseline", "Baseline: plain python-socketio broadcast", body)
