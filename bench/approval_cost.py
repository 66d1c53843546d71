"""In-process cost of one approval: CPU, wall time, statements, and what makes the slow ones slow.

`python -m bench.approval_cost [--engine sqlite|postgres] [-n 200] [--gc default|deployed]
[--checkpoint auto|off] [--profile]`: builds bench_exchange's linked pair with `n` pending posts
(each with a picture), signs the teacher in on a Flask-SocketIO test client and sends
`approve_item` for each, as the key press on the queue does. Prints the median CPU
milliseconds, the wall p50/p90/p99/max, the SQL statements of one approval, and the collector's
runs during the approvals (`--gc deployed`: exchange.serve.tune_gc, as a server runs).
`--checkpoint off` stops SQLite's automatic WAL checkpoints, to see what they add to the
slowest approvals. Then an approval's three facts published one at a time and together
(realtime.publish_all), with the commit, alternating in blocks. On PostgreSQL it also prints the
floor of a statement here: a bare `SELECT 1` round trip and a one-row commit through psycopg,
and seven round trips on a connection left idle for 0.2 s first.
`--profile`: a pyinstrument profile.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path
from typing import Any

from bench import bench_exchange, common
from bench.instructions import Instructions
from bench.page_cost import StatementCounter


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def postgres_floor(url: str, repeats: int = 300) -> tuple[float, float, float]:
    """Median milliseconds of a bare `SELECT 1` round trip and of a one-row commit, back to
    back, and of seven round trips on a connection idle for 0.2 s first (as a served approval
    finds it at a teacher's pace)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        # A logged table (a temporary one would skip the WAL flush a real commit waits for).
        connection.execute("CREATE TABLE IF NOT EXISTS floor_probe (x int)")
        connection.commit()
        trips, commits = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchall()
            trips.append((time.perf_counter() - started) * 1000)
            connection.execute("INSERT INTO floor_probe VALUES (1)")
            started = time.perf_counter()
            connection.commit()
            commits.append((time.perf_counter() - started) * 1000)
        after_idle = []
        for _ in range(40):
            time.sleep(0.2)
            started = time.perf_counter()
            for _ in range(7):
                connection.execute("SELECT 1").fetchall()
            after_idle.append((time.perf_counter() - started) * 1000)
        connection.execute("DROP TABLE floor_probe")
        connection.commit()
    return statistics.median(trips), statistics.median(commits), statistics.median(after_idle)


def main(argv: list[str] | None = None) -> None:
    """Build the data, then approve every post and report."""
    parser = argparse.ArgumentParser(prog="python -m bench.approval_cost")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--gc", choices=["default", "deployed"], default="deployed")
    parser.add_argument("--checkpoint", choices=["auto", "off"], default="auto")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with common.workdir("bench-approval-") as work:
        _measure(args, work)


def _measure(args: argparse.Namespace, work: Path) -> None:
    from sqlalchemy import event

    from exchange.extensions import db, socketio
    from exchange.serve import tune_gc

    url = common.database_url(args.engine, work, "approval")
    app = common.data_app(url)
    warm = 5
    world = bench_exchange.build(app, 5, args.n + warm)
    with app.app_context():
        engine = db.engine
        if args.checkpoint == "off" and args.engine == "sqlite":
            event.listen(
                engine,
                "connect",
                lambda conn, _record: conn.execute("PRAGMA wal_autocheckpoint=0"),
            )
            engine.dispose()
    web = app.test_client()
    name, value = world["teacher_a"].split("=", 1)
    web.set_cookie(name, value)
    teacher = socketio.test_client(app, flask_test_client=web)

    def approve(item_id: int) -> None:
        ack = teacher.emit(
            "approve_item", {"item_id": item_id, "photos_confirmed": True}, callback=True
        )
        assert ack.get("ok"), ack
        teacher.get_received()

    for item_id in world["items"][:warm]:
        approve(item_id)
    items = world["items"][warm:]
    if args.gc == "deployed":
        tune_gc()  # as a served process does after start-up
    if args.profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.0002) as profiler:
            for item_id in items:
                approve(item_id)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    collections: list[float] = []
    began = [0.0]

    def on_collect(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            collections.append((time.perf_counter() - began[0]) * 1000)

    counter = StatementCounter(engine)
    instructions = Instructions.open()
    cpu, wall, statements, counted = [], [], [], []
    gc.callbacks.append(on_collect)
    try:
        for item_id in items:
            with counter:
                started, clock = time.process_time(), time.perf_counter()
                before = instructions.read() if instructions else 0
                approve(item_id)
                if instructions:
                    counted.append((instructions.read() - before) / 1e6)
                wall.append((time.perf_counter() - clock) * 1000)
                cpu.append((time.process_time() - started) * 1000)
            statements.append(counter.count)
    finally:
        gc.callbacks.remove(on_collect)
        if instructions:
            instructions.close()
    wall.sort()
    millions = f" ({statistics.median(counted):.2f} M instructions)" if counted else ""
    print(
        f"{args.engine} approval ({len(items)}, gc {args.gc}, checkpoint {args.checkpoint}): "
        f"{statistics.median(cpu):.2f} ms CPU{millions}; wall p50 {_percentile(wall, 0.5):.2f}, "
        f"p90 {_percentile(wall, 0.9):.2f}, p99 {_percentile(wall, 0.99):.2f}, "
        f"max {wall[-1]:.2f} ms; {statistics.median(statements):.0f} statements; "
        f"{len(collections)} collections"
        + (f" (longest {max(collections):.2f} ms)" if collections else "")
    )
    (one_cpu, one_wall), (all_cpu, all_wall) = publish_cost(app)
    print(
        f"{args.engine} an approval's three facts and the commit: one at a time {one_cpu:.3f} ms "
        f"CPU, {one_wall:.3f} ms wall; together (realtime.publish_all) {all_cpu:.3f} ms CPU, "
        f"{all_wall:.3f} ms wall"
    )
    if args.engine == "postgres":
        trip, commit, idle_seven = postgres_floor(url)
        print(
            f"postgres floor: SELECT 1 round trip {trip:.3f} ms, one-row commit {commit:.3f} ms; "
            f"seven round trips after 0.2 s idle {idle_seven:.3f} ms"
        )


def publish_cost(app: Any, blocks: int = 20, each: int = 50) -> list[tuple[float, float]]:
    """Median CPU and wall milliseconds of publishing an approval's three facts (queue, link,
    author) and committing: one publish() at a time, then all at once with publish_all(). The
    two alternate in blocks of `each`, so the machine's drift falls on both alike."""
    from exchange import realtime
    from exchange.extensions import db
    from exchange.realtime import Fact

    facts = [
        Fact("queue:bench", "queue_item_removed", {"item_id": None}),
        Fact("link:bench", "item_approved", {"title": "A post", "text": "x" * 300}),
        Fact("pupil:bench", "item_status", {"state": "approved", "stage": None}),
    ]

    def one_at_a_time() -> None:
        for fact in facts:
            realtime.publish(fact.stream, fact.kind, fact.payload, fact.link_id)

    def together() -> None:
        realtime.publish_all(facts)

    samples: list[list[tuple[float, float]]] = [[], []]
    with app.app_context():
        for block in range(blocks):
            order = [0, 1] if block % 2 == 0 else [1, 0]
            for k in order:
                run = (one_at_a_time, together)[k]
                started, clock = time.process_time(), time.perf_counter()
                for _ in range(each):
                    run()
                    db.session.commit()
                samples[k].append(
                    (
                        (time.process_time() - started) / each * 1000,
                        (time.perf_counter() - clock) / each * 1000,
                    )
                )
    return [
        (statistics.median(c for c, _ in s), statistics.median(w for _, w in s)) for s in samples
    ]


if __name__ == "__main__":
    main()
