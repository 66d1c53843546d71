"""In-process CPU cost of the pupil's space and the teacher's queue with a year of data.

`python -m bench.page_cost [--engine sqlite|postgres] [--profile space|queue|card|mine] [-n 30]`:
builds the year of bench_http on SQLite (or on the machine's PostgreSQL), renders each page (and
the two fragments a following screen fetches: a post's card, the pupil's own list) through the
Flask test client with a production-like config, and prints the median CPU milliseconds
(time.process_time, not wall time: the machine is shared), the median wall milliseconds, the
median instructions (bench/instructions.py: steady where CPU time is not), how many SQL
statements the page ran and the milliseconds spent inside them (at the cursor), and
its size. Wall minus CPU is what the page waited for (the database server, on PostgreSQL).
On PostgreSQL it also counts the instructions the database's backend process spent on a
request, and with --served the same for a gunicorn process serving the pages (as deployed).
It also prints the milliseconds spent rendering templates (the navigation's statements run
inside them). With --statements, each statement's median milliseconds at the cursor, and on
PostgreSQL the prepared statements of the page's connection with how many times the server
reused one generic plan or planned afresh. With --profile, a pyinstrument profile of that page
instead.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any, NamedTuple

from bench import bench_http, common
from bench.instructions import Instructions


def pages(world: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each page's path and the cookie it is asked with: the two pages, then two fragments a
    screen fetches while it follows the space (a post's card when the post reaches it, the
    pupil's own list when one of their items is decided)."""
    space, pupil = f"/links/{world['link_id']}/space", world["pupils"][0]
    return {
        "space": (space, pupil),
        "queue": ("/queue", world["teachers"][0]),
        "card": (f"/posts/{world['post_id']}/card", pupil),
        "mine": (f"{space}/mine", pupil),
    }


def cpu_ms(client: Any, path: str, cookie: str, n: int) -> tuple[float, float, int, float | None]:
    """Median CPU and wall milliseconds of `n` requests for `path`, the answer's size, and the
    median millions of instructions a request took (None where the CPU gives no counter)."""
    cpu, wall, counted, size = [], [], [], 0
    counter = Instructions.open()
    for _ in range(n):
        started, clock = time.process_time(), time.perf_counter()
        before = counter.read() if counter else 0
        answer = client.get(path, headers={"Cookie": cookie})
        if counter:
            counted.append((counter.read() - before) / 1e6)
        cpu.append((time.process_time() - started) * 1000)
        wall.append((time.perf_counter() - clock) * 1000)
        assert answer.status_code == 200, (answer.status_code, answer.location)
        size = len(answer.data)
    if counter:
        counter.close()
    instructions = statistics.median(counted) if counted else None
    return statistics.median(cpu), statistics.median(wall), size, instructions


class StatementCounter:
    """While entered: how many SQL statements `engine` ran and the milliseconds spent inside
    them (at the cursor: round trips and the database's work, not the ORM's). Reusable; each
    `with` starts again from zero."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0
        self.ms = 0.0
        self.each: list[tuple[str, float]] = []  # (statement, ms) in the order they ran
        self._started = 0.0

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        spent = (time.perf_counter() - self._started) * 1000
        self.ms += spent
        self.each.append((statement, spent))

    def __enter__(self) -> StatementCounter:
        from sqlalchemy import event

        self.count, self.ms, self.each = 0, 0.0, []
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


class SqlCost(NamedTuple):
    """What one request's SQL and rendering cost, medians over several requests."""

    count: int  # statements a request
    cursor_ms: float  # inside them all (at the cursor)
    render_ms: float  # rendering its template(s), the navigation's statements included
    each: list[tuple[str, float]]  # each statement, in order, with its median ms


def sql_cost(app: Any, client: Any, path: str, cookie: str, n: int = 5) -> SqlCost:
    """How many SQL statements one request for `path` runs, and the medians over `n` requests
    of the milliseconds spent inside them (at the cursor), inside each, and rendering."""
    from flask import before_render_template, template_rendered

    from exchange.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    rendering = {"started": 0.0, "ms": 0.0}

    def started(*_args: Any, **_kw: Any) -> None:
        rendering["started"] = time.perf_counter()

    def rendered(*_args: Any, **_kw: Any) -> None:
        rendering["ms"] += (time.perf_counter() - rendering["started"]) * 1000

    totals, renders, each = [], [], []
    with (
        before_render_template.connected_to(started, app),
        template_rendered.connected_to(rendered, app),
    ):
        for _ in range(n):
            rendering["ms"] = 0.0
            with counter:
                client.get(path, headers={"Cookie": cookie})
            totals.append(counter.ms)
            renders.append(rendering["ms"])
            each.append(counter.each)
    per_statement = [
        (statement, statistics.median(run[i][1] for run in each))
        for i, (statement, _ms) in enumerate(each[0])
    ]
    return SqlCost(
        counter.count, statistics.median(totals), statistics.median(renders), per_statement
    )


def prepared_plans(app: Any) -> list[tuple[int, int, str]]:
    """On PostgreSQL: the statements the page's connection holds prepared, with how many
    times the server used one generic plan and how many times it planned afresh for the
    values (`pg_prepared_statements`); empty on SQLite."""
    from sqlalchemy import text

    from exchange.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return []
        # One thread asks in turn, so the pool hands every request this same connection.
        rows = db.session.execute(
            text(
                "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements "
                "ORDER BY generic_plans + custom_plans DESC"
            )
        ).all()
        db.session.rollback()
    return [(int(g), int(c), " ".join(st.split())) for g, c, st in rows]


def main(argv: list[str] | None = None) -> None:
    """Build the data, then measure (or profile) each page."""
    parser = argparse.ArgumentParser(prog="python -m bench.page_cost")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", choices=["space", "queue", "card", "mine"])
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also print each statement of a page with its median milliseconds at the cursor "
        "and, on PostgreSQL, how often the server reused a generic plan or planned afresh",
    )
    parser.add_argument(
        "--served",
        action="store_true",
        help="PostgreSQL: also ask a gunicorn process (as deployed) and count its database "
        "backends' instructions per page",
    )
    args = parser.parse_args(argv)
    with common.workdir("bench-pagecost-") as work:
        _measure(args, work)


def server_instructions(app: Any, client: Any, path: str, cookie: str, n: int = 10) -> float | None:
    """On PostgreSQL: the median millions of instructions the database server's backend
    process spent on one request for `path` (its planning, executing and sending), or None
    (SQLite, whose work is in the page's own count, or no counter)."""
    from sqlalchemy import text

    from exchange.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        # One thread asks in turn, so the pool hands every request this same connection.
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
    counter = Instructions.open(pid=int(backend))
    if counter is None:
        return None
    samples = []
    try:
        for _ in range(n):
            before = counter.read()
            client.get(path, headers={"Cookie": cookie})
            samples.append((counter.read() - before) / 1e6)
    finally:
        counter.close()
    return statistics.median(samples)


def served(url: str, world: dict[str, Any], n: int = 30, warm: int = 60) -> None:
    """Each page from one gunicorn process (gevent, its own pool, as deployed), asked by one
    user in turn: the median millions of instructions all of the process's PostgreSQL
    backends spent on a request, and the median wall time. `warm` requests first, so every
    pooled connection has run the page's statements often enough to prepare them."""
    import psycopg

    with common.Cluster(url, processes=1) as cluster:

        def get(path: str, cookie: str) -> None:
            common.page_ms(cluster.url + path, cookie)

        with psycopg.connect(url, autocommit=True) as conn:
            for name, (path, cookie) in pages(world).items():
                for _ in range(warm):
                    get(path, cookie)
                pids = [
                    row[0]
                    for row in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    )
                ]
                counters = [c for c in (Instructions.open(pid=p) for p in pids) if c]
                spent, wall = [], []
                for _ in range(n):
                    before, clock = sum(c.read() for c in counters), time.perf_counter()
                    get(path, cookie)
                    wall.append((time.perf_counter() - clock) * 1000)
                    spent.append((sum(c.read() for c in counters) - before) / 1e6)
                for counter in counters:
                    counter.close()
                print(
                    f"postgres {name}, served: {statistics.median(spent):.1f} M instructions "
                    f"in PostgreSQL's {len(counters)} backends a request, "
                    f"{statistics.median(wall):.1f} ms wall (medians of {n}, one user)"
                )


def _measure(args: argparse.Namespace, work: Path) -> None:
    """Build a year of data in `work` and measure (or profile) each page."""
    url = common.database_url(args.engine, work, "pagecost")
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
            cpu, wall, size, instructions = cpu_ms(client, path, cookie, args.n)
            sql = sql_cost(app, client, path, cookie)
            counted = f", {instructions:.1f} M instructions" if instructions else ""
            server = server_instructions(app, client, path, cookie)
            if server is not None:
                counted += f" (and {server:.1f} M in PostgreSQL's backend)"
            print(
                f"{args.engine} {name}: {cpu:.1f} ms CPU, {wall:.1f} ms wall "
                f"(medians of {args.n}){counted}, {sql.count} statements taking "
                f"{sql.cursor_ms:.1f} ms at the cursor, {sql.render_ms:.1f} ms rendering, "
                f"{size / 1024:.0f} kB"
            )
            if args.statements:
                for statement, ms in sql.each:
                    print(f"  {ms:5.2f} ms  {' '.join(statement.split())[:110]}")
    if args.statements:
        for generic, custom, statement in prepared_plans(app):
            print(f"  prepared: {generic:3d} generic, {custom:3d} custom plans  {statement[:90]}")
    if args.served and args.engine == "postgres" and not args.profile:
        served(url, world, args.n)


if __name__ == "__main__":
    main()
