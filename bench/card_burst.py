"""What a class's screens cost the server when a post reaches them: the card fetches' burst.

`python -m bench.card_burst [--engine sqlite|postgres] [--screens 60] [--bursts 10]
[--requests-at-once N] [--wrk]`: builds bench_http's year of data, serves it from one
gunicorn process (gevent, as deployed: two page requests at a time, exchange/slots.py;
`--requests-at-once 0` for no cap) and then,
`bursts` times, has `screens` pupils ask for the same post's card at the same moment, as every
screen following the space does when `item_approved` reaches it (static/js/space.js fetches
`/posts/<id>/card`: cards are rendered by the server, each as its viewer sees it). Prints the
median over the bursts of the first, the median and the last answer's time from the burst's
start, and one user's card alone for comparison.

With `--wrk`, also wrk's closed loop of 50 connections for 10 s on the pupil's space, after a
5 s warm-up, against the same server: how the cap shares a saturated process.

Socket delivery (`bench exchange`) ends when the event reaches a screen; the post shows on it
once this fetch answers, so for the last screens of a class the burst is most of the wait.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from typing import Any

from bench import bench_http, common


def burst(url: str, cookies: list[str]) -> list[float]:
    """Every cookie's holder asks for `url` at once; each answer's milliseconds from the start."""
    gate = threading.Barrier(len(cookies) + 1)
    done: list[float] = []
    lock = threading.Lock()
    started = [0.0]

    def ask(cookie: str) -> None:
        gate.wait()
        common.page_ms(url, cookie)
        with lock:
            done.append((time.perf_counter() - started[0]) * 1000)

    threads = [threading.Thread(target=ask, args=(c,)) for c in cookies]
    for thread in threads:
        thread.start()
    started[0] = time.perf_counter()
    gate.wait()
    for thread in threads:
        thread.join()
    return sorted(done)


def main(argv: list[str] | None = None) -> None:
    """Build, serve, then time the bursts."""
    parser = argparse.ArgumentParser(prog="python -m bench.card_burst")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--screens", type=int, default=60)
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument(
        "--requests-at-once",
        type=int,
        default=None,
        help="the servers' REQUESTS_AT_ONCE (default: as deployed, 2; 0: no cap)",
    )
    parser.add_argument("--wrk", action="store_true", help="also saturate the space with wrk")
    args = parser.parse_args(argv)
    with common.workdir("bench-cardburst-") as work:
        url = common.database_url(args.engine, work, "cardburst")
        posts, comments = bench_http.SCALES["year"]
        world: dict[str, Any] = bench_http.build(common.data_app(url), posts, comments)
        pupils = world["pupils"]
        cookies = [pupils[n % len(pupils)] for n in range(args.screens)]
        env = {}
        if args.requests_at_once is not None:
            env["REQUESTS_AT_ONCE"] = str(args.requests_at_once)
        with common.Cluster(
            url, processes=1, nginx=False, workdir=work / "cluster", env=env
        ) as cluster:
            card = f"{cluster.url}/posts/{world['post_id']}/card"
            for cookie in pupils:  # every pupil's first request (user load, caches) done
                common.page_ms(card, cookie)
            alone = statistics.median(
                common.page_ms(card, pupils[n % len(pupils)]) for n in range(30)
            )
            firsts, medians, lasts = [], [], []
            for _ in range(args.bursts):
                times = burst(card, cookies)
                firsts.append(times[0])
                medians.append(times[len(times) // 2])
                lasts.append(times[-1])
                time.sleep(0.5)
            if args.wrk:
                space = f"{cluster.url}/links/{world['link_id']}/space"
                common.wrk(space, connections=50, duration_s=5, cookies=pupils)
                saturated = common.wrk(space, connections=50, duration_s=10, cookies=pupils)
    at_once = "as deployed" if args.requests_at_once is None else args.requests_at_once
    print(
        f"{args.engine}, one process (requests at once: {at_once}): one pupil's card alone "
        f"{alone:.1f} ms; "
        f"{args.screens} screens at once (medians of {args.bursts} bursts): first answer "
        f"{statistics.median(firsts):.0f} ms, median {statistics.median(medians):.0f} ms, "
        f"last {statistics.median(lasts):.0f} ms"
    )
    if args.wrk:
        print(
            f"  wrk, 50 connections on the space: {saturated['rps']:.1f} req/s, p50 "
            f"{saturated['p50']:.0f}, p90 {saturated['p90']:.0f}, p99 {saturated['p99']:.0f}, "
            f"max {saturated['max']:.0f} ms, {saturated['errors']:.0f} errors"
        )


if __name__ == "__main__":
    main()
