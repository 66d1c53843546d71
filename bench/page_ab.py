"""Pages served, this checkout against an earlier commit, asked in alternation.

`python -m bench.page_ab --base REV [--engine sqlite|postgres] [--rounds 3] [-n 300]`: builds
bench_http's year of data once (with this checkout's schema, so REV must have the same), then
each round starts one gunicorn process (as deployed) from a scratch worktree of REV and one from
this checkout, warms both, and asks each of page_cost's pages (the space, the queue, a post's
card, the pupil's own list) of the two processes in turn, one user, one request at a time,
swapping which goes first at every request. The machine's drift during a round falls on both
sides alike, which separate runs of `bench http` or `bench.page_cost` cannot promise: on a
shared machine the same code moves by more between runs than a change of a millisecond or two.
Prints each round's p50 and p90 per side and page, then the medians of the rounds' p50s.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench import bench_http, common, page_cost


def one_round(
    url: str, world: dict, sides: dict[str, Path], n: int, work: Path, warm: int = 60
) -> dict[str, dict[str, list[float]]]:
    """Each side's milliseconds per page, from fresh server processes asked in alternation."""
    servers = {
        side: common.AppServer(url, checkout=root, log_path=work / f"{side}.log", name=side)
        for side, root in sides.items()
    }
    for server in servers.values():
        server.start()
    try:
        times: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
        for page, (path, cookie) in page_cost.pages(world).items():
            for server in servers.values():
                for _ in range(warm):  # every pooled connection prepares the page's statements
                    common.page_ms(server.url + path, cookie)
            for side in sides:
                times[side][page] = []
            order = list(sides)
            for i in range(n):
                for side in order if i % 2 == 0 else order[::-1]:
                    times[side][page].append(common.page_ms(servers[side].url + path, cookie))
        return times
    finally:
        for server in servers.values():
            server.stop()


def main(argv: list[str] | None = None) -> None:
    """Alternate the two checkouts' servers and print each round and the medians."""
    parser = argparse.ArgumentParser(prog="python -m bench.page_ab")
    parser.add_argument("--base", required=True, help="the commit to compare with")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-n", type=int, default=300, help="requests per page and side a round")
    args = parser.parse_args(argv)
    p50s: dict[tuple[str, str], list[float]] = {}
    with common.workdir("bench-page-ab-") as work, common.worktree(args.base) as base_dir:
        url = common.database_url(args.engine, work, "pageab")
        world = bench_http.build(common.data_app(url), *bench_http.SCALES["year"])
        sides = {"base": base_dir, "this": common.ROOT}
        for round_no in range(args.rounds):
            times = one_round(url, world, sides, args.n, work)
            for side, pages in times.items():
                for page, values in pages.items():
                    values.sort()
                    p50 = statistics.median(values)
                    p50s.setdefault((side, page), []).append(p50)
                    print(
                        f"round {round_no + 1} {side} {page}: p50 {p50:.2f}, "
                        f"p90 {values[int(len(values) * 0.9)]:.2f} ms",
                        flush=True,
                    )
    print(f"{args.engine}, one process each, medians of {args.rounds} rounds' p50s:")
    for page in page_cost.pages(world):
        base, this = (statistics.median(p50s[(side, page)]) for side in ("base", "this"))
        print(f"  {page}: {args.base} {base:.2f} ms, this checkout {this:.2f} ms")


if __name__ == "__main__":
    main()
