"""Soak: many Socket.IO clients held through nginx and two processes, and how figures grow.

Pupils of many linked pairs connect through nginx (sticky sessions) to two gunicorn processes
joined by Redis, on PostgreSQL, and subscribe to their link's stream. Facts are committed at a
steady rate on every link (through the message queue, as approvals are) while the clients are
held; the run counts connection errors and unexpected disconnects and measures delivery. A
second table holds 100, 500, 1,000 and 2,000 clients for a minute each.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench import common, data
from exchange import realtime
from exchange.extensions import db

PUPILS_PER_CLASS = 30
FACTS_PER_S = 2.0  # across all links: a busy school day's approvals, not a stress test
SOAK_CLIENTS = 1000
TARGET_DISCONNECT_RATE = 0.001


def add_args(group: argparse._ArgumentGroup) -> None:
    """--soak-minutes and --soak-clients."""
    group.add_argument("--soak-minutes", type=float, default=10.0, help="hold time (default 10)")
    group.add_argument("--soak-clients", type=int, default=SOAK_CLIENTS, help="clients held")


def hold(engine: str, clients: int, seconds: float, work: Any) -> dict[str, Any]:
    """Connect `clients` pupils through nginx to two processes, publish facts while holding
    them for `seconds`, and return incidents, delivery, latency and resources."""
    url = common.database_url(engine, work, f"soak_{clients}")
    app = common.data_app(url)
    pairs_needed = max(1, -(-clients // (2 * PUPILS_PER_CLASS)))
    with app.app_context():
        pairs = data.make_linked_pairs(pairs_needed, pupils_per_class=PUPILS_PER_CLASS)
        specs = []
        for pair in pairs:
            stream = realtime.link_stream(pair.link.id)
            for pupil in pair.pupils:
                specs.append(
                    common.ClientSpec(
                        cookie=common.cookie_header(app, pupil), streams=[stream], listen=["note"]
                    )
                )
        links = [(p.link.id, realtime.link_stream(p.link.id)) for p in pairs]
        db.engine.dispose()
    specs = specs[:clients]
    audience = {stream: 0 for _, stream in links}
    for spec in specs:
        audience[spec.streams[0]] += 1
    expected = 0
    published = 0
    with common.Cluster(url, processes=2, nginx=True, workdir=work / f"soak-{clients}") as cluster:
        emitter = cluster.emitter_app()
        started = time.monotonic()
        swarm = common.Swarm(
            cluster.url, specs, workdir=work / f"swarm-{clients}", connect_concurrency=40
        )
        with swarm, cluster.measuring(interval=2.0) as usage:
            connect_s = time.monotonic() - started
            deadline = time.monotonic() + seconds
            with emitter.app_context():
                while time.monotonic() < deadline:
                    link_id, stream = links[published % len(links)]
                    payload = {"id": published, "sent_ns": common.now_ns()}
                    realtime.publish(stream, "note", payload, link_id=link_id)
                    db.session.commit()
                    expected += audience[stream]
                    published += 1
                    time.sleep(1 / FACTS_PER_S)
                db.engine.dispose()
            swarm.wait_for(lambda n: n["events"] >= expected, timeout=30)
            result = swarm.stop()
        resources = usage.summary()
    if engine == "postgres":
        common.drop_postgres_database(f"bench_soak_{clients}")
    incidents = result.incidents()
    latencies = result.latencies_ms("note")
    summary = common.summarize(latencies)
    summary.update(incidents)
    summary.update(
        expected=expected,
        delivered=len(latencies),
        caught_up=sum(1 for r in result.records if r[7] and not r[8]),
        seconds=seconds,
        connect_s=connect_s,
        disconnect_rate=incidents["disconnects"] / max(incidents["clients"], 1),
        server_cpu=max((v["cpu_pct"] for k, v in resources.items() if k != "nginx"), default=0),
        server_rss=max(
            (v["rss_peak_mib"] for k, v in resources.items() if k != "nginx"), default=0
        ),
        nginx_rss=resources.get("nginx", {}).get("rss_peak_mib", 0),
    )
    print(
        f"soak {engine} {clients} clients {seconds:.0f}s: disconnects {incidents['disconnects']} "
        f"errors {incidents['errors']} delivered {summary['delivered']}/{expected} "
        f"p50 {summary['p50']:.1f} p99 {summary['p99']:.1f}"
    )
    return summary


def run(args: argparse.Namespace) -> None:
    """The long hold, then the growth table."""
    engines = common.engines_for(args)
    engine = "postgres" if "postgres" in engines else engines[0]
    if not common.redis_available() or common.nginx_binary() is None:
        raise RuntimeError("the soak needs the machine's Redis and nginx")
    minutes = 0.5 if args.quick else args.soak_minutes
    clients = 100 if args.quick else args.soak_clients
    sizes = [100, 200] if args.quick else [100, 500, 1000, 2000]
    growth_s = 15 if args.quick else 60
    with common.workdir("bench-soak-") as work:
        soak = hold(engine, clients, minutes * 60, work)
        growth = [hold(engine, n, growth_s, work) for n in sizes]
    ok = (
        soak["errors"] + soak["connect_errors"] == 0
        and soak["connected"] == soak["clients"]
        and soak["disconnect_rate"] < TARGET_DISCONNECT_RATE
    )
    soak_table = common.markdown_table(
        [
            "clients",
            "held",
            "connected",
            "connect errors",
            "unexpected disconnects",
            "facts delivered",
            "p50 ms",
            "p99 ms",
            "max ms",
            "server CPU % (busiest)",
            "server RSS MiB (largest)",
            "nginx RSS MiB",
            "target met",
        ],
        [
            [
                soak["clients"],
                f"{minutes:g} min",
                soak["connected"],
                soak["errors"] + soak["connect_errors"],
                f"{soak['disconnects']} ({soak['disconnect_rate']:.2%})",
                f"{soak['delivered']}/{soak['expected']}",
                common.fmt_ms(soak["p50"]),
                common.fmt_ms(soak["p99"]),
                common.fmt_ms(soak["max"]),
                soak["server_cpu"],
                soak["server_rss"],
                soak["nginx_rss"],
                "yes" if ok else "**no**",
            ]
        ],
    )
    growth_table = common.markdown_table(
        [
            "clients",
            "connect all (s)",
            "errors",
            "disconnects",
            "delivered",
            "p50 ms",
            "p99 ms",
            "server CPU % (busiest)",
            "server RSS MiB (largest)",
        ],
        [
            [
                g["clients"],
                f"{g['connect_s']:.1f}",
                g["errors"] + g["connect_errors"],
                g["disconnects"],
                f"{g['delivered']}/{g['expected']}",
                common.fmt_ms(g["p50"]),
                common.fmt_ms(g["p99"]),
                g["server_cpu"],
                g["server_rss"],
            ]
            for g in growth
        ],
    )
    body = "\n".join(
        [
            f"Pupils of linked pairs (30 per class) connect with python-socketio AsyncClients "
            f"over WebSocket through nginx (the deployed proxy rules, sticky cookie) to two "
            f"gunicorn processes (one gevent worker each) joined by Redis, on {engine}; each "
            f"subscribes to its link's stream. Facts are committed at {FACTS_PER_S:g}/s spread "
            f"over the links (published after commit through the message queue, as approvals "
            f"are) and the delivery latency is measured on every client. The load generators, "
            f"nginx, Redis, PostgreSQL and both processes share the machine's two cores. Target: "
            f"1,000 clients for 10 minutes, no errors, fewer than "
            f"{TARGET_DISCONNECT_RATE:.1%} unexpected disconnects.",
            "",
            soak_table,
            "",
            f"### How the figures grow with clients (each held {growth_s} s)",
            "",
            growth_table,
        ]
    )
    common.publish(args, "soak", "Soak: clients held through nginx and two processes", body)
