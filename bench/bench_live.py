"""Live sessions: a linking day of 2 teachers and 60 pupils; approval-to-delivery latency, CPU, RSS.

`python -m bench live [--quick] [--live-messages N] [--engines sqlite,postgres]`

Every participant is a real python-socketio client over WebSocket: the 60 pupils and the partner
class's teacher in a load-generator process (bench/swarm.py), the approving teacher in this
process. Pupils of class A write messages (through the live chat and its rate limit, so they
wait in their teacher's live queue); the teacher then approves them one by one, a few a second.
Latency runs from just before the teacher sends `live_approve` to the moment each of the 61 other
screens receives the approved message (`item_approved` on `live:<id>`): the approval transaction,
the commit, the emit after the commit and the fan-out, on one clock (CLOCK_MONOTONIC).

Configurations: one server process (gunicorn, one gevent worker, as deployed), and two processes
joined by Redis with the teacher connected to process 1 and every pupil to process 2, so each
delivery crosses Redis. The server's CPU (% of one core) and RSS are sampled from /proc during
the approvals. The load generator shares the machine's two cores with the servers.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import common

APPROVALS_PER_SECOND = (
    5.0  # a brisk teacher; keeps one approval's fan-out from queueing behind another
)
WARM_UP_MESSAGES = 3  # approved before measuring (see bench_exchange.WARM_UP_POSTS)


def add_args(group: argparse._ArgumentGroup) -> None:
    """Options of this benchmark."""
    group.add_argument("--live-messages", type=int, default=None,
                       help="messages approved per run (default 60, 12 with --quick)")  # fmt: skip
    group.add_argument("--live-pupils", type=int, default=30, help="pupils per class (default 30)")


def build(app: Any, pupils_per_class: int) -> dict[str, Any]:
    """A linked pair of classes and a session that is live now; ids and Cookie headers."""
    from bench import data
    from exchange.extensions import db
    from exchange.rooms.live.models import LiveSegment, LiveSession, SegmentKind, SessionStatus
    from exchange.types import utcnow

    with app.app_context():
        pair = data.make_linked_pair(pupils_per_class, 1)
        now = utcnow()
        session = LiveSession(
            link_id=pair.link.id,
            title="Benchmark linking day",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=3),
            status=SessionStatus.CONFIRMED,
            proposed_by_id=pair.teachers_a[0].id,
            proposed_by_class_id=pair.class_a.id,
            confirmed_by_id=pair.teachers_b[0].id,
            confirmed_at=now,
            calendar_uid=f"bench-live-{time.monotonic_ns()}@linking-exchange",
        )
        session.segments = [
            LiveSegment(position=0, kind=SegmentKind.WELCOME, title="Welcome"),
            LiveSegment(position=1, kind=SegmentKind.SHARING, title="Sharing work"),
        ]
        db.session.add(session)
        db.session.commit()
        return {
            "session_id": session.id,
            "class_a": pair.class_a.id,
            "teacher_a": common.cookie_header(app, pair.teachers_a[0]),
            "teacher_b": common.cookie_header(app, pair.teachers_b[0]),
            "pupils_a": [common.cookie_header(app, p) for p in pair.pupils_a],
            "pupils_b": [common.cookie_header(app, p) for p in pair.pupils_b],
        }


def measure_once(
    engine: str, processes: int, messages: int, pupils: int, work: Path
) -> dict[str, Any]:
    """One run on fresh servers and a fresh database; latency summary, deliveries, resources."""
    url = common.database_url(engine, work, f"live_{processes}p")
    world = build(common.data_app(url), pupils)
    session_id = world["session_id"]
    live = f"live:{session_id}"
    with common.Cluster(url, processes=processes, nginx=False, workdir=work / "cluster") as cluster:
        teacher_url, pupils_url = cluster.servers[0].url, cluster.servers[-1].url
        specs = [common.ClientSpec(c, streams=[live], listen=["item_approved"])
                 for c in world["pupils_a"] + world["pupils_b"]]  # fmt: skip
        specs.append(common.ClientSpec(world["teacher_b"], streams=[live, f"{live}:teachers"],
                                       listen=["item_approved"]))  # fmt: skip
        with common.Swarm(pupils_url, specs, workdir=work / "swarm") as swarm:
            teacher = common.connect_client(teacher_url, world["teacher_a"])
            try:
                for stream in (live, f"queue:{world['class_a']}"):
                    teacher.call("subscribe", {"stream": stream}, timeout=30)
                teacher.call("live_join", {"session_id": session_id}, timeout=30)
                for n in range(len(specs)):  # everyone in the room, counted present
                    swarm.emit(n, "live_join", {"session_id": session_id})
                items = []
                # Class A's pupils write, each within their rate limit.
                for n in range(messages + WARM_UP_MESSAGES):
                    answer = swarm.emit(n % pupils, "live_send_message", {
                        "session_id": session_id, "text": f"Hello partner class, message {n}",
                        "client_id": f"bench-{n:05d}"})  # fmt: skip
                    ack = (answer or {}).get("ack") or {}
                    if not ack.get("ok"):
                        raise RuntimeError(f"a pupil's message was refused: {ack}")
                    items.append(ack["item_id"])
                # The first approvals compile SQL and fill caches: made before measuring.
                warm_up, items = items[:WARM_UP_MESSAGES], items[WARM_UP_MESSAGES:]
                for item_id in warm_up:
                    teacher.call("live_approve", {"session_id": session_id, "item_id": item_id})
                swarm.wait_for(lambda c: c.get("events", 0) >= len(warm_up) * len(specs))
                time.sleep(1.0)  # let presence announcements settle before measuring
                # What the servers spend with everyone connected and nothing happening (pings,
                # the session sweeper, heartbeats), to tell the approvals' own cost apart.
                with cluster.measuring() as idle:
                    time.sleep(3.0)
                idle_pct = sum(
                    v["cpu_pct"] for k, v in idle.summary().items() if k.startswith("server")
                )
                sent: dict[int, int] = {}
                acks_ms = []
                load = os.getloadavg()[0]  # how busy the machine was (other work shares it)
                with cluster.measuring() as usage:
                    window = time.monotonic()
                    for item_id in items:
                        started = common.now_ns()
                        sent[item_id] = started
                        ack = teacher.call("live_approve",
                                           {"session_id": session_id, "item_id": item_id},
                                           timeout=30)  # fmt: skip
                        if not ack.get("ok"):
                            raise RuntimeError(f"approval refused: {ack}")
                        acks_ms.append((common.now_ns() - started) / 1e6)
                        time.sleep(max(0.0, 1 / APPROVALS_PER_SECOND - acks_ms[-1] / 1000))
                    expected = (len(warm_up) + len(items)) * len(specs)
                    swarm.wait_for(lambda c: c.get("events", 0) >= expected, timeout=30)
                    window = time.monotonic() - window
                resources = usage.summary()
            finally:
                teacher.disconnect()
            result = swarm.stop()
    latencies = result.latencies_ms("item_approved", sent_by_key=sent)
    received = result.received("item_approved")
    duplicates = sum(len(keys) - len(set(keys)) for keys in received.values())
    missing = sum(len(set(items) - set(received.get(c, []))) for c in range(len(specs)))
    servers = [v for k, v in resources.items() if k.startswith("server")]
    return {
        **common.summarize(latencies),
        "approve_ack_p50": common.percentile(acks_ms, 50),
        "delivered": len(latencies),
        "expected": len(items) * len(specs),
        "duplicates": duplicates,
        "missing": missing,
        "cpu_pct": max((s["cpu_pct"] for s in servers), default=float("nan")),
        "rss_mib": max((s["rss_peak_mib"] for s in servers), default=float("nan")),
        "load": round(max(load, os.getloadavg()[0]), 1),
        # CPU the servers spent per approval (its transaction and its fan-out), all processes
        # together, less what they spend idle: a figure a busy machine inflates far less.
        "cpu_ms_per_approval": cpu_ms(servers, idle_pct, window, len(items)),
        **result.incidents(),
    }


def cpu_ms(servers: list[dict[str, Any]], idle_pct: float, window: float, count: int) -> float:
    """Server CPU milliseconds per action: busy minus idle CPU over the window, per action."""
    busy = sum(s["cpu_pct"] for s in servers)
    return max(0.0, busy - idle_pct) / 100 * window * 1000 / max(count, 1)


def run(args: argparse.Namespace) -> None:
    """Measure on each engine, on one process and on two joined by Redis; write the report."""
    runs = common.runs_for(args, default=3)
    messages = args.live_messages or (12 if args.quick else 60)
    pupils = args.live_pupils
    setups = [1]
    if common.redis_available():
        setups.append(2)
    else:
        print("bench live: Redis is not answering; measuring one process only")
    # The same room size on a bare python-socketio broadcast, in the same run: what the machine
    # allows right now, whatever else is running on it.
    from bench.bench_baseline import measure as bare_broadcast

    bare = {p: bare_broadcast(2 * pupils + 1, p, messages, runs=runs) for p in setups}
    rows = []
    for engine in common.engines_for(args):
        for processes in setups:

            def once(i: int, engine: str = engine, processes: int = processes) -> dict[str, Any]:
                """One run in its own scratch directory."""
                with common.workdir("bench-live-") as work:
                    return measure_once(engine, processes, messages, pupils, work)

            s = common.repeat(runs, once)
            base = bare[processes]
            target = 15.0 if processes == 1 else 30.0
            where = (
                "1 process" if processes == 1 else "2 processes + Redis (teacher on 1, pupils on 2)"
            )
            rows.append([
                engine, where, f"{int(s['delivered'])}/{int(s['expected'])}",
                int(s["duplicates"]), int(s["missing"]),
                common.fmt_ms(s["p50"]), common.fmt_ms(s["p99"]), common.fmt_ms(s["max"]),
                f"{target:g}", "yes" if s["p99"] <= target else "**no**",
                f"{common.fmt_ms(base['p50'])} / {common.fmt_ms(base['p99'])}",
                f"{s['p99'] / base['p99']:.1f}",
                common.fmt_ms(s["approve_ack_p50"]), f"{s['cpu_pct']}", f"{s['rss_mib']}",
                f"{s['cpu_ms_per_approval']:.1f}", f"{s['load']:.1f}",
            ])  # fmt: skip
            print(f"bench live: {engine}, {where}: p50 {s['p50']:.2f} ms, p99 {s['p99']:.2f} ms")
    body = "\n".join([
        f"A live session with 2 teachers and {2 * pupils} pupils, every one a real Socket.IO "
        f"client (WebSocket). {messages} pupils' messages per run are approved one by one by their "
        f"teacher at {APPROVALS_PER_SECOND:g} a second; latency is from just before the teacher "
        f"sends `live_approve` to each of the {2 * pupils + 1} other screens receiving "
        "`item_approved` (approval transaction, commit, emit after commit, fan-out). "
        f"Medians of {runs} runs on fresh servers (gunicorn, one gevent worker per process).",
        "",
        common.markdown_table(
            ["engine", "servers", "delivered", "duplicates", "missing", "p50 ms", "p99 ms",
             "max ms", "target p99 ms", "met", "bare broadcast p50 / p99 ms", "p99 / bare p99",
             "approve ack p50 ms", "server CPU % (peak proc)",
             "server RSS MiB (peak)", "server CPU ms per approval", "machine load (1-min avg)"],
            rows,
        ),  # fmt: skip
        "",
        "Targets from the issue: p99 <= 15 ms on one process (a bare broadcast to 100 clients "
        "measured about 6 ms here) and <= 30 ms across two processes joined by Redis. The bare "
        "broadcast columns are bench_baseline's plain python-socketio server sending to the same "
        "number of clients in the same run (two processes: behind nginx, as that benchmark "
        "runs): no Flask, no database, no rule; the ratio is what the app adds. The load "
        "generator (61 clients) and the approving client run on the same two cores as the "
        "servers, so the figures include their competition for the CPU; the last column is the "
        "machine's load average during the run (2 cores: above 2, other work was queueing for "
        "the CPU too, and the latencies say more about that than about the app).",
    ])  # fmt: skip
    common.publish(args, "live", "Live sessions: approval to delivery", body)
