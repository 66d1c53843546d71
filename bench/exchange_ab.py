"""Approval to delivery, this checkout against an earlier commit, in alternating runs.

`python -m bench.exchange_ab --base REV [--engine sqlite|postgres] [--rounds 6] [--processes 1]
[--scenario exchange|live]`: checks REV out into a scratch git worktree and runs one
measurement from each checkout in turn, on fresh servers and a fresh database: bench_exchange's
(40 approvals to 60 screens following the shared space) or, with `--scenario live`,
bench_live's (60 chat messages approved to a linking-day room of 60 pupils and 2 teachers),
swapping which goes first every round, so the shared machine's drift falls on both alike. Prints
every run and the medians of each side's p50, p99 and max. A change to the approval's path has
to show here, across many runs, before a single `bench exchange` table can be read as its effect:
one run's p99 is set by its slowest one or two approvals.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import common

# Run inside one checkout: its bench, its app, its servers (ROOT is where bench/ lives).
_ONCE = """
import json, sys
from bench import bench_exchange, bench_live, common
with common.workdir("bench-exchange-ab-") as work:
    if sys.argv[3] == "live":
        s = bench_live.measure_once(sys.argv[1], int(sys.argv[2]), 60, 30, work)
    else:
        s = bench_exchange.measure_once(sys.argv[1], int(sys.argv[2]), 60, 40, work)
print("RESULT " + json.dumps({k: s[k] for k in ("p50", "p99", "max", "missing", "duplicates")}))
"""


def once(checkout: Path, engine: str, processes: int, scenario: str = "exchange") -> dict[str, Any]:
    """One measurement from `checkout`'s code, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", _ONCE, engine, str(processes), scenario],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the run from {checkout} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def main(argv: list[str] | None = None) -> None:
    """Alternate the two checkouts and print each run and the medians."""
    parser = argparse.ArgumentParser(prog="python -m bench.exchange_ab")
    parser.add_argument("--base", required=True, help="the commit to compare with")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--scenario", choices=["exchange", "live"], default="exchange")
    args = parser.parse_args(argv)
    results: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    with common.worktree(args.base) as base_dir:
        sides = {"base": base_dir, "this": common.ROOT}
        for round_no in range(args.rounds):
            order = ["base", "this"] if round_no % 2 == 0 else ["this", "base"]
            for side in order:
                s = once(sides[side], args.engine, args.processes, args.scenario)
                results[side].append(s)
                print(
                    f"round {round_no + 1} {side}: p50 {s['p50']:.1f} p99 {s['p99']:.1f} "
                    f"max {s['max']:.1f} ms, {s['missing']} missing, {s['duplicates']} duplicates",
                    flush=True,
                )
    print(
        f"{args.scenario}, {args.engine}, {args.processes} process(es), "
        f"medians of {args.rounds} runs each:"
    )
    for side in ("base", "this"):
        runs = results[side]
        label = args.base if side == "base" else "this checkout"
        print(
            f"  {label}: p50 {statistics.median(r['p50'] for r in runs):.1f}, "
            f"p99 {statistics.median(r['p99'] for r in runs):.1f} "
            f"({min(r['p99'] for r in runs):.1f}-{max(r['p99'] for r in runs):.1f}), "
            f"max {statistics.median(r['max'] for r in runs):.1f} ms"
        )


if __name__ == "__main__":
    main()
