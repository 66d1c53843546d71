"""What the socket sweeper costs a process, by how many sockets it holds.

`python -m bench.sweep_cost [--engine sqlite|postgres] [-n 30]`: registers 60, 500, 1,000 and
2,000 sockets of distinct signed-in pupils (and a teacher per thirty) in this process's table of
local sockets, as connecting screens would, and times, in an app context like the sweeper's:

- the full comparison of every socket with the database (`sockets.disconnect_revoked()`), which
  every tick ran until the account-change counter, and which a tick still runs when the counter
  moved or once a minute;
- a quiet tick (`sockets.sweep()` with the counter unchanged): one primary-key read.

The sweeper runs every half second in every server process and holds the event loop while its
Python runs, so its time is both CPU and a stall of every socket's deliveries. Prints the
median and the slowest of `-n` ticks for each.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench import common, data

SOCKETS = (60, 500, 1000, 2000)


def _timed(app: Any, tick: Any, repeats: int) -> tuple[float, float]:
    """(median, slowest) milliseconds of `tick()` in a fresh app context, session removed."""
    from exchange.extensions import db

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with app.app_context():
            tick()
            db.session.remove()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def measure(engine: str, repeats: int) -> list[dict[str, Any]]:
    """One row per socket count: the full comparison's and a quiet tick's milliseconds."""
    with common.workdir("bench-sweep-") as work:
        app = common.data_app(common.database_url(engine, Path(work), "sweep"))
        from exchange import areas, sockets  # noqa: F401  (areas first, as the app loads them)
        from exchange.accounts.models import Pupil, User
        from exchange.extensions import db

        with app.app_context():
            data.make_linked_pairs(max(SOCKETS) // 60 + 1)
            db.session.commit()
            pupils = list(db.session.execute(db.select(Pupil.id, Pupil.session_version)))
            staff = list(db.session.execute(db.select(User.id, User.session_version)))
        rows = []
        try:
            for count in SOCKETS:
                sockets._LOCAL_SOCKETS.clear()
                for i, (ident, version) in enumerate(pupils[:count]):
                    sockets._LOCAL_SOCKETS[f"pupil-{i}"] = ("pupil", ident, version)
                for i, (ident, version) in enumerate(staff[: max(2, count // 30)]):
                    sockets._LOCAL_SOCKETS[f"staff-{i}"] = ("staff", ident, version)
                state = sockets.SweepState()
                with app.app_context():
                    sockets.sweep(state)  # the first tick compares everyone; then all is quiet
                full = _timed(app, sockets.disconnect_revoked, repeats)
                quiet = _timed(app, lambda state=state: sockets.sweep(state), repeats)
                rows.append({"sockets": len(sockets._LOCAL_SOCKETS), "full": full, "quiet": quiet})
        finally:
            sockets._LOCAL_SOCKETS.clear()
            sockets._NEW_SOCKETS.clear()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if engine == "postgres":
                common.drop_postgres_database("bench_sweep")
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the sweeper's cost for each socket count."""
    parser = argparse.ArgumentParser(prog="python -m bench.sweep_cost")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("-n", type=int, default=30, help="ticks timed for each figure")
    args = parser.parse_args(argv)
    print(f"{args.engine}: milliseconds a sweeper tick holds the process (median / slowest)")
    for row in measure(args.engine, args.n):
        full, quiet = row["full"], row["quiet"]
        print(
            f"{row['sockets']:>5} sockets: every socket compared {full[0]:6.2f} / {full[1]:6.2f}"
            f"   quiet tick {quiet[0]:5.2f} / {quiet[1]:5.2f}"
        )


if __name__ == "__main__":
    main()
