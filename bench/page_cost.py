"""In-process CPU cost of the pupil's space and the teacher's queue with a year of data.

`python -m bench.page_cost [--profile space|queue] [-n 30]`: builds the year of bench_http on
SQLite, renders each page through the Flask test client with a production-like config, and
prints the median CPU milliseconds (time.process_time, not wall time: the machine is shared)
and the page's size. With --profile, a pyinstrument profile of that page instead.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench import bench_http, common


def pages(world: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each page's path and the cookie it is asked with."""
    return {
        "space": (f"/links/{world['link_id']}/space", world["pupils"][0]),
        "queue": ("/queue", world["teachers"][0]),
    }


def cpu_ms(client: Any, path: str, cookie: str, n: int) -> tuple[float, int]:
    """Median CPU milliseconds of `n` requests for `path`, and the answer's size in bytes."""
    samples, size = [], 0
    for _ in range(n):
        started = time.process_time()
        answer = client.get(path, headers={"Cookie": cookie})
        samples.append((time.process_time() - started) * 1000)
        assert answer.status_code == 200, (answer.status_code, answer.location)
        size = len(answer.data)
    return statistics.median(samples), size


def main(argv: list[str] | None = None) -> None:
    """Build the data, then measure (or profile) each page."""
    parser = argparse.ArgumentParser(prog="python -m bench.page_cost")
    parser.add_argument("--profile", choices=["space", "queue"])
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args(argv)
    with common.workdir("bench-pagecost-") as work:
        _measure(args, work)


def _measure(args: argparse.Namespace, work: Path) -> None:
    """Build a year of data in `work` and measure (or profile) each page."""
    url = common.database_url("sqlite", work, "pagecost")
    app = common.data_app(url)
    posts, comments = bench_http.SCALES["year"]
    world = bench_http.build(app, posts, comments)
    app.config.update(TEMPLATES_AUTO_RELOAD=False, DEBUG=False)
    app.jinja_env.auto_reload = False
    client = app.test_client(use_cookies=False)
    for name, (path, cookie) in pages(world).items():
        if args.profile and name != args.profile:
            continue
        cpu_ms(client, path, cookie, 3)  # warm: templates compiled, caches filled
        if args.profile:
            from pyinstrument import Profiler

            with Profiler(interval=0.0005) as profiler:
                for _ in range(args.n):
                    client.get(path, headers={"Cookie": cookie})
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        else:
            ms, size = cpu_ms(client, path, cookie, args.n)
            print(f"{name}: {ms:.1f} ms CPU (median of {args.n}), {size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
