"""Where an approval's milliseconds go, from the teacher's key press to the last screen.

`python -m bench.approval_timeline [--engine sqlite|postgres] [--runs 3] [--pin]
[--slowest N]`: runs bench_exchange's one measurement (40 approvals to 60 screens, one
gunicorn process) with the server built by bench.timeline_app, which stamps each approval at
each step on the server with the clock the teacher's client and the load generator stamp
with, and prints for each step the median and p90 over every approval of every run:

  the teacher's client to the frame read, Socket.IO decoding and dispatch, Flask-SocketIO's
  request context with the user and the payload's validation, the rule and its commit, the
  emits (a packet queued for every socket), what runs after them before anything is sent (log
  line, context teardown, acknowledgement), to the first WebSocket send, the sends, and the load
  generator's last receipt after the last send. The rule and its commit are also split into
  the rule's statements at the cursor, the Python between them, and the COMMIT.

`--slowest N` also prints those steps for each of the N approvals whose last screen received
latest: the tail that sets a run's p99.

`--pin` keeps the server on core 0 and this process, the teacher's client and the load
generator on the others, so that the load generator's wake-ups do not preempt the server in the
middle of its sends.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

from bench import bench_exchange, common

# (label, from, to): consecutive, so the medians of the parts roughly add up.
STEPS = (
    ("teacher's client to the frame read", "sent", "recv"),
    ("Socket.IO decode and dispatch", "recv", "C"),
    ("request context, user, validation", "C", "t0"),
    ("the rule and its commit", "t0", "e0"),
    ("emits queued for every socket", "e0", "e1"),
    ("log line, teardown, acknowledgement", "e1", "E"),
    ("to the first WebSocket send done", "E", "s0"),
    ("the server's sends", "s0", "s1"),
    ("load generator: last receipt after last send", "s1", "last"),
)
TOTALS = (
    ("key press to the first screen", "sent", "first"),
    ("key press to the median screen", "sent", "median"),
    ("key press to the last screen", "sent", "last"),
)


def run_once(engine: str, pin: bool, work: Path) -> list[dict[str, int]]:
    """One measurement; each approval's clocks joined with its screens' receipts."""
    clocks = work / "timeline.jsonl"
    details: dict[str, Any] = {}
    options: dict[str, Any] = {
        "wsgi_app": "bench.timeline_app:app",
        "env": {"BENCH_TIMELINE_FILE": str(clocks)},
    }
    if pin:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            raise SystemExit("--pin needs two cores")
        options["cpus"] = {cores[0]}
        os.sched_setaffinity(0, set(cores[1:]))  # the swarm, started later, inherits it
    try:
        summary = bench_exchange.measure_once(
            engine, 1, 60, 40, work, cluster_options=options, details=details
        )
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    receipts: dict[int, list[int]] = {}
    for _client, kind, _stream, _seq, key, recv_ns, _sent, caught_up, dup in details[
        "swarm"
    ].records:
        if kind == "item_approved" and not caught_up and not dup:
            receipts.setdefault(key, []).append(recv_ns)
    rows = []
    for line in clocks.read_text().splitlines():
        row = json.loads(line)
        got = sorted(receipts.get(row["item"], []))
        if row["item"] not in details["sent"] or not got:
            continue  # a warm-up approval (not timed by the client)
        row.update(sent=details["sent"][row["item"]], first=got[0], last=got[-1])
        row["median"] = got[len(got) // 2]
        rows.append(row)
    print(
        f"run: {len(rows)} approvals, p50 {summary['p50']:.1f} ms, p99 {summary['p99']:.1f} ms",
        flush=True,
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run, then print each step's median and p90."""
    parser = argparse.ArgumentParser(prog="python -m bench.approval_timeline")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pin", action="store_true", help="server on a core of its own")
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        help="also print each step of the N approvals whose last screen was latest (the tail)",
    )
    args = parser.parse_args(argv)
    rows: list[dict[str, int]] = []
    for _ in range(args.runs):
        with common.workdir("bench-timeline-") as work:
            rows += run_once(args.engine, args.pin, work)
    where = "pinned" if args.pin else "unpinned"
    print(f"\n{args.engine}, one process, {where}: {len(rows)} approvals, ms (median / p90)")
    for label, start, end in (*STEPS, *TOTALS):
        spans = [(r[end] - r[start]) / 1e6 for r in rows if start in r and end in r]
        if spans:
            p90 = common.percentile(spans, 90)
            print(f"  {label:<46} {statistics.median(spans):6.2f} / {p90:6.2f}")
        if start == "t0":
            parts = [p for p in (rule_parts(r) for r in rows) if p]
            for name, key in RULE_PARTS if parts else ():
                values = [p[key] for p in parts]
                print(
                    f"  {name:<46} {statistics.median(values):6.2f} / "
                    f"{common.percentile(values, 90):6.2f}"
                )
    if args.slowest:
        print_slowest(rows, args.slowest)


def rule_parts(row: dict[str, Any]) -> dict[str, float] | None:
    """The rule and its commit split in three, ms: its statements at the cursor (round trips
    and the database's work), the Python between them, and the COMMIT."""
    if not all(k in row for k in ("t0", "c0", "e0")):
        return None
    statements = sum(end - start for start, end in row.get("sql", []) if end) / 1e6
    return {
        "statements": statements,
        "python": (row["c0"] - row["t0"]) / 1e6 - statements,
        "commit": (row["e0"] - row["c0"]) / 1e6,
    }


RULE_PARTS = (
    ("  of which: statements at the cursor", "statements"),
    ("  of which: Python between them", "python"),
    ("  of which: COMMIT", "commit"),
)


def print_slowest(rows: list[dict[str, int]], n: int) -> None:
    """Each step of the `n` approvals whose last screen received latest, slowest first: what
    the tail is made of, where the medians only say what an approval usually costs."""
    slowest = sorted(rows, key=lambda r: r["last"] - r["sent"], reverse=True)[:n]
    print(f"\nthe {len(slowest)} slowest approvals (key press to the last screen), ms:")
    for label, start, end in (*STEPS, TOTALS[-1]):
        spans = [
            f"{(r[end] - r[start]) / 1e6:6.2f}" if start in r and end in r else "     -"
            for r in slowest
        ]
        print(f"  {label:<46} {' '.join(spans)}")
        if start == "t0":
            parts = [rule_parts(r) for r in slowest]
            for name, key in RULE_PARTS:
                cells = [f"{p[key]:6.2f}" if p else "     -" for p in parts]
                print(f"  {name:<46} {' '.join(cells)}")


if __name__ == "__main__":
    main()
