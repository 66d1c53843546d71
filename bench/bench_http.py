"""HTTP: the pupil's space and the teacher's queue with a term, a year and three years of data.

A link between two classes of 30 pupils with a year of work (2,000 posts, 10,000 comments and
replies, reactions; a few pending items in each teacher's queue) is written straight into the
database. Each page is then asked for by 50 signed-in users (cookies rotated over the class) on
SQLite and PostgreSQL, one process and two behind nginx: as people use it (an open loop, each
user opening a page every two seconds, 25 requests a second, and twice that; bench/openloop.py),
and as fast as 50 connections that never pause can ask (wrk's closed loop: the saturation
throughput).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from bench import common, data, openloop
from exchange.extensions import db

# Posts and comments of one link: a term is a third of a year; three years, three times.
SCALES = {
    "term": (700, 3_300),
    "year": (2_000, 10_000),
    "three years": (6_000, 30_000),
}
PENDING_PER_CLASS = 12
CONCURRENT_USERS = 50
# Fifty people each opening a page every two seconds, and a heavier moment at twice that.
SECONDS_BETWEEN_PAGES = 2
RATES = (CONCURRENT_USERS / SECONDS_BETWEEN_PAGES, 2 * CONCURRENT_USERS / SECONDS_BETWEEN_PAGES)
TARGET_P50_MS, TARGET_P99_MS = 20, 100


def build(app: Any, posts: int, comments: int, seed: int = 7) -> dict[str, Any]:
    """Write a linked pair and `posts`/`comments` of work spread over the year; returns the
    ids and cookies the load needs."""
    from exchange.moderation.models import AuditEntry, ItemKind, ItemState, ModerationItem
    from exchange.space.models import Comment, ItemReaction, Post
    from exchange.types import utcnow

    rng = random.Random(seed)
    with app.app_context():
        pair = data.make_linked_pair(30, 1)
        link = pair.link
        # Cookies and ids now, while the rows are fresh: nothing is lazy-loaded after the bulk
        # inserts (a long transaction another process's schema change could deadlock with).
        pupils = [common.cookie_header(app, p) for p in pair.pupils_a]
        teachers = [common.cookie_header(app, t) for t in pair.teachers_a]
        link_id = link.id
        start = utcnow() - timedelta(days=300)
        classes = [(pair.class_a, pair.pupils_a), (pair.class_b, pair.pupils_b)]
        district_id = link.district_id

        def items(kind: ItemKind, count: int, pending: int) -> list[tuple[int, int, Any]]:
            """Moderation items (approved, then `pending` waiting per class); (id, class, time)."""
            rows, meta = [], []
            for n in range(count):
                classroom, pupils = classes[n % 2]
                author = rng.choice(pupils)
                at = start + timedelta(minutes=int(n * 300 * 24 * 60 / max(count, 1)))
                waiting = n >= count - pending * 2
                rows.append(
                    {
                        "kind": kind,
                        "link_id": link.id,
                        "classroom_id": classroom.id,
                        "district_id": district_id,
                        "author_pupil_id": author.id,
                        "state": ItemState.PENDING if waiting else ItemState.APPROVED,
                        "stage": "own_teacher" if waiting else None,
                        "flags": [],
                        "version": 1,
                        "submitted_at": at,
                        "created_at": at,
                        "approved_at": None if waiting else at + timedelta(hours=2),
                        "decided_at": None if waiting else at + timedelta(hours=2),
                    }
                )
                meta.append((classroom.id, at, author.id))
            ids = list(
                db.session.scalars(insert(ModerationItem).returning(ModerationItem.id), rows)
            )
            return [(i, m[0], m[1]) for i, m in zip(ids, meta, strict=True)]

        post_items = items(ItemKind.POST, posts, PENDING_PER_CLASS)
        post_rows = [
            {
                "item_id": item_id,
                "link_id": link.id,
                "title": f"Our week {n}: what we found out",
                "body": "We went to the park and counted the trees. " * rng.randint(1, 8),
                "questions": ["who_am_i"] if n % 3 else ["where_do_we_live"],
                "phase": 1 + n * 3 // max(posts, 1),
                "picture_description": "",
                "created_at": at,
            }
            for n, (item_id, _class, at) in enumerate(post_items)
        ]
        post_ids = list(db.session.scalars(insert(Post).returning(Post.id), post_rows))
        comment_items = items(ItemKind.COMMENT, comments, PENDING_PER_CLASS // 2)
        comment_rows = [
            {
                "item_id": item_id,
                "post_id": post_ids[min(n * posts // max(comments, 1), posts - 1)],
                "parent_id": None,
                "link_id": link.id,
                "body": "I like this because it is like ours. " * rng.randint(1, 3),
                "created_at": at,
            }
            for n, (item_id, _class, at) in enumerate(comment_items)
        ]
        db.session.execute(insert(Comment), comment_rows)
        reactions = [
            {
                "item_id": item_id,
                "actor_key": f"pupil:{rng.choice(pair.pupils).id}",
                "reaction": rng.choice(["star", "clap", "heart", "wow", "thinking", "smile"]),
                "created_at": at,
            }
            for item_id, _class, at in post_items[: posts - PENDING_PER_CLASS * 2]
            for _ in range(2)
        ]
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        # Two random reactions may be the same one from the same pupil: keep the first.
        db.session.execute(dialect.insert(ItemReaction).on_conflict_do_nothing(), reactions)
        audit = [
            {
                "at": at,
                "actor_key": f"pupil:{pair.pupils[0].id}",
                "actor_name": "Pupil 1.",
                "action": "created",
                "item_id": item_id,
                "kind": "post",
                "link_id": link.id,
                "classroom_id": class_id,
                "district_id": district_id,
            }
            for item_id, class_id, at in post_items
        ]
        db.session.execute(insert(AuditEntry), audit)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # A school's database has statistics (autovacuum analyses after bulk changes);
            # a freshly loaded one has none, and its plans would say more about that.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        # The newest approved post (the waiting ones were written last): a card to fetch.
        shown = post_ids[posts - PENDING_PER_CLASS * 2 - 1]
        return {"link_id": link_id, "pupils": pupils, "teachers": teachers, "post_id": shown}


def check_pages(url: str, world: dict[str, Any]) -> dict[str, str]:
    """The two pages, as the load will ask for them; fail loudly if either is not a 200."""
    import requests

    pages = {
        "pupil's space": f"{url}/links/{world['link_id']}/space",
        "teacher's queue": f"{url}/queue",
    }
    for name, page in pages.items():
        cookie = world["pupils" if name == "pupil's space" else "teachers"][0]
        answer = requests.get(page, headers={"Cookie": cookie}, timeout=30, allow_redirects=False)
        if answer.status_code != 200:
            raise RuntimeError(f"{name} answered {answer.status_code} at {page}")
    return pages


def _unfinished(ports: set[int]) -> int:
    """Server-side sockets whose client has gone but whose answer is still being made
    (CLOSE_WAIT on the servers' ports, from /proc/net/tcp and tcp6)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "08" and int(fields[1].rsplit(":", 1)[1], 16) in ports:
                    count += 1
    return count


def wait_until_idle(cluster: common.Cluster, timeout_s: float = 180.0) -> float:
    """Wait until the servers stop working through requests wrk gave up on; returns the wait.

    wrk stops at the end of a run but the servers still answer every request it had sent (a
    gevent worker takes them all in): without this wait, the next run, or the next page's
    one-user run, queues behind that backlog (how the queue page once measured "n/a"). Idle
    means no such request left and the servers using almost no CPU for two seconds (on a
    busy machine a starved server can look idle for a moment).
    """
    started = time.monotonic()
    pids = list(cluster.processes().values())
    ports = {server.port for server in cluster.servers}
    tick_s = 1 / os.sysconf("SC_CLK_TCK")
    last = sum(common._tree_ticks_and_rss(pid)[0] for pid in pids)
    quiet = 0
    while time.monotonic() - started < timeout_s and quiet < 4:
        time.sleep(0.5)
        ticks = sum(common._tree_ticks_and_rss(pid)[0] for pid in pids)
        busy = (ticks - last) * tick_s / 0.5  # cores used over the last half second
        last = ticks
        quiet = quiet + 1 if busy < 0.05 and not _unfinished(ports) else 0
    return time.monotonic() - started


def measure(
    engine: str,
    processes: int,
    scale: str,
    *,
    runs: int,
    seconds: float,
    work: Path,
    rates: tuple[float, ...] = RATES,
    closed: bool = True,
) -> dict[str, dict[Any, Any]]:
    """Both pages on one setup: one user alone, then medians of `runs` open-loop runs at each
    of `rates` and (when `closed`) of `runs` closed-loop wrk runs."""
    posts, comments = SCALES[scale]
    url = common.database_url(engine, work, f"http_{scale.replace(' ', '_')}")
    app = common.data_app(url)
    world = build(app, posts, comments)
    with app.app_context():
        db.engine.dispose()
    out: dict[str, dict[Any, Any]] = {}
    with common.Cluster(
        url, processes=processes, workdir=work / f"{engine}-{processes}"
    ) as cluster:
        pages = check_pages(cluster.url, world)
        for name, page in pages.items():
            cookies = world["pupils" if name == "pupil's space" else "teachers"]
            # Warm up, and the page's own time with one user at a time (no queueing).
            wait_until_idle(cluster)
            alone = common.wrk(page, connections=1, threads=1, duration_s=seconds, cookies=cookies)

            def saturated(_i: int, p: str = page, c: list[str] = cookies) -> dict[str, Any]:
                """One closed-loop run, once the previous run's backlog is answered."""
                wait_until_idle(cluster)
                return common.wrk(p, connections=CONCURRENT_USERS, duration_s=seconds, cookies=c)

            with cluster.measuring() as usage:
                result = {}
                for rate in rates:

                    def opened(
                        _i: int, p: str = page, c: list[str] = cookies, r: float = rate
                    ) -> dict[str, Any]:
                        """One open-loop run at `r` requests a second."""
                        wait_until_idle(cluster)
                        return openloop.run(p, rate=r, duration_s=seconds, cookies=c)

                    result[rate] = common.repeat(runs, opened)
                if closed:
                    result["closed"] = common.repeat(runs, saturated)
            busiest = max(usage.summary().values(), key=lambda s: s["cpu_pct"] or 0)
            result["cpu_pct"] = busiest["cpu_pct"]
            result["rss_mib"] = max(s["rss_peak_mib"] for s in usage.summary().values())
            result["alone_p50"] = alone["p50"] if alone["requests"] else float("nan")
            result["alone_p99"] = alone["p99"] if alone["requests"] else float("nan")
            first = result[rates[0]]
            print(
                f"http {engine} x{processes} {scale} {name}: one user p50 "
                f"{result['alone_p50']:.1f}; {rates[0]:g} req/s p50 {first['p50']:.1f} "
                f"p99 {first['p99']:.1f}"
            )
            out[name] = result
    if engine == "postgres":
        common.drop_postgres_database(f"bench_http_{scale.replace(' ', '_')}")
    return out


def _latency(r: dict[str, Any], key: str) -> str:
    """A latency cell; wrk reports none when no request finished within its timeout."""
    return common.fmt_ms(r[key]) if r["requests"] else "none finished"


def _met(r: dict[str, Any]) -> bool:
    """Both targets, without errors."""
    return (
        r["requests"] > 0
        and r["p50"] <= TARGET_P50_MS
        and r["p99"] <= TARGET_P99_MS
        and r["errors"] == 0
    )


def _yes(ok: bool) -> str:
    """A table's verdict cell."""
    return "yes" if ok else "**no**"


def _row(setup: str, page: str, r: dict[Any, Any]) -> list[Any]:
    """One row of the year's table: one user, each open-loop rate, the closed loop."""
    low, high = RATES
    closed = r.get("closed")
    return [
        setup,
        page,
        common.fmt_ms(r["alone_p50"]),
        _latency(r[low], "p50"),
        _latency(r[low], "p99"),
        _yes(_met(r[low])),
        _latency(r[high], "p50"),
        _latency(r[high], "p99"),
        _yes(_met(r[high])),
        int(r[low]["errors"] + r[high]["errors"]),
        f"{closed['rps']:.1f}" if closed else "n/a",
        _latency(closed, "p50") if closed else "n/a",
        r["cpu_pct"],
        r["rss_mib"],
    ]


HEADERS = [
    "setup",
    "page",
    "one user: p50 ms",
    f"{RATES[0]:g} req/s: p50 ms",
    f"{RATES[0]:g} req/s: p99 ms",
    f"{RATES[0]:g} req/s: targets met",
    f"{RATES[1]:g} req/s: p50 ms",
    f"{RATES[1]:g} req/s: p99 ms",
    f"{RATES[1]:g} req/s: targets met",
    "errors (open loop)",
    "saturation req/s (wrk, 50 connections)",
    "wrk p50 ms",
    "CPU % (busiest process)",
    "RSS MiB (largest)",
]


def _reading(results: list[tuple[str, str, dict[Any, Any]]]) -> str:
    """What the table says about the targets, in words (written from the figures)."""
    low, high = RATES
    met_low = [f"{p} on {s}" for s, p, r in results if _met(r[low])]
    met_high = [f"{p} on {s}" for s, p, r in results if _met(r[high])]
    return (
        f"Targets (p50 <= {TARGET_P50_MS} ms and p99 <= {TARGET_P99_MS} ms, no errors) met by "
        f"{CONCURRENT_USERS} users at {low:g} requests a second: "
        f"{'; '.join(met_low) if met_low else 'none'}. At {high:g} a second: "
        f"{'; '.join(met_high) if met_high else 'none'}."
    )


def add_args(group: argparse._ArgumentGroup) -> None:
    """This benchmark's own options."""
    group.add_argument(
        "--http-no-growth",
        action="store_true",
        help="skip the table of how the pages grow with a term, a year and three years of data",
    )


def run(args: argparse.Namespace) -> None:
    """A year of data on every engine and setup, then one setup across data sizes."""
    if common.wrk_binary() is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does)")
    runs = common.runs_for(args, default=3)
    seconds = 3 if args.quick else 10
    engines = common.engines_for(args)
    setups = [1] if args.quick else [1, 2]
    rows, results = [], []
    load_before = os.getloadavg()
    with common.workdir("bench-http-") as work:
        for engine in engines:
            for processes in setups:
                where = f"{engine}, {processes} process" + ("es + nginx" if processes > 1 else "")
                for page, r in measure(
                    engine, processes, "year", runs=runs, seconds=seconds, work=work
                ).items():
                    rows.append(_row(where, page, r))
                    results.append((where, page, r))
        growth = []
        scales = [] if getattr(args, "http_no_growth", False) else ["term", "year"]
        if scales and not args.quick:
            scales = list(SCALES)
        engine = "postgres" if "postgres" in engines else engines[0]
        for scale in scales:
            for page, r in measure(
                engine,
                1,
                scale,
                runs=runs,
                seconds=seconds,
                work=work,
                rates=RATES[:1],
                closed=False,
            ).items():
                posts, comments = SCALES[scale]
                growth.append(
                    [
                        f"{scale} ({posts:,} posts, {comments:,} comments)",
                        page,
                        common.fmt_ms(r["alone_p50"]),
                        _latency(r[RATES[0]], "p50"),
                        _latency(r[RATES[0]], "p99"),
                    ]
                )
    load_after = os.getloadavg()
    low, high = RATES
    body = [
        f"{CONCURRENT_USERS} signed-in users (each request signed in as one of the class's 30 "
        f"pupils, or the class's teacher, in turn). **Open loop** (bench/openloop.py): requests "
        f"sent on a fixed timetable, {low:g} a second ({CONCURRENT_USERS} users each opening a "
        f"page every {SECONDS_BETWEEN_PAGES} s) and {high:g} a second, whether or not earlier "
        f"answers have arrived; each latency runs from the moment the request was due, so "
        f"waiting behind a slow server counts (no coordinated omission). **Closed loop**: wrk's "
        f"{CONCURRENT_USERS} connections that never pause, the saturation throughput. "
        f"{seconds} s per run, median of {runs} runs, after a run with one user at a time (its "
        f"p50 is the page's own time); gunicorn processes as deployed; the load generators, "
        f"the servers and nginx share the machine's cores. Data written straight into the "
        f"database: a link of two classes with {SCALES['year'][0]:,} posts, "
        f"{SCALES['year'][1]:,} comments, reactions, and {PENDING_PER_CLASS} pending posts "
        f"plus {PENDING_PER_CLASS // 2} pending comments per class in the teachers' queues. "
        f"Target: p50 <= {TARGET_P50_MS} ms and p99 <= {TARGET_P99_MS} ms. Load average "
        f"(1, 5, 15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}; after: "
        f"{' '.join(f'{x:.2f}' for x in load_after)}.",
        "",
        "### A year of data",
        "",
        common.markdown_table(HEADERS, rows),
        "",
        _reading(results),
    ]
    if growth:
        body += [
            "",
            f"### How the figures grow with data ({engine}, one process, {low:g} req/s)",
            "",
            common.markdown_table(["data", "page", "one user: p50 ms", "p50 ms", "p99 ms"], growth),
        ]
    common.publish(args, "http", "HTTP: the pupil's space and the teacher's queue", "\n".join(body))
