"""What one server process holds before it serves anyone: memory, modules and start-up CPU.

`python -m bench.start_cost [-n 3]`: imports `exchange.wsgi` (the app as gunicorn builds it,
MIGRATIONS=False) in fresh interpreters and prints the median resident memory (RSS from
/proc), the number of modules loaded and the CPU seconds, with whether the tools a server
should not hold (alembic, icalendar, qrcode, Pillow, pillow-heif) were loaded. `--cli` builds the
app as `flask db` does (Flask-Migrate included), for the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("alembic", "icalendar", "qrcode", "PIL", "pillow_heif")

PROBE = """
import json, os, sys, time
started = time.process_time()
if {cli}:
    from exchange import create_app
    app = create_app()
else:
    import exchange.wsgi
pages = int(open(f"/proc/{{os.getpid()}}/statm").read().split()[1])
print(json.dumps({{
    "rss_mib": pages * os.sysconf("SC_PAGE_SIZE") / 2**20,
    "modules": len(sys.modules),
    "cpu_s": time.process_time() - started,
    "heavy": sorted(m for m in {heavy!r} if m in sys.modules),
}}))
"""


def measure(cli: bool, database: Path) -> dict:
    """One fresh interpreter's figures."""
    env = {
        **os.environ,
        "EXCHANGE_ENV": "testing",
        "ASYNC_MODE": "threading",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(cli=cli, heavy=HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.start_cost")
    parser.add_argument("-n", type=int, default=3, help="fresh interpreters per setup")
    parser.add_argument("--cli", action="store_true", help="also the app as `flask db` builds it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-start-") as work:
        database = Path(work) / "start.sqlite3"
        for cli in [False, True] if args.cli else [False]:
            runs = [measure(cli, database) for _ in range(args.n)]
            print(
                f"{'flask db' if cli else 'server'}: "
                f"{statistics.median(r['rss_mib'] for r in runs):.1f} MiB RSS, "
                f"{statistics.median(r['modules'] for r in runs):.0f} modules, "
                f"{statistics.median(r['cpu_s'] for r in runs):.2f} s CPU "
                f"(medians of {args.n}); loaded: {', '.join(runs[-1]['heavy']) or 'none of'} "
                f"{'' if runs[-1]['heavy'] else ', '.join(HEAVY)}"
            )


if __name__ == "__main__":
    main()
