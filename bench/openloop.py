"""An open-loop HTTP load: requests sent on a fixed timetable, latency from the planned time.

wrk's connections are a closed loop (each waits for its answer before asking again), so a slow
server slows the load down and hides its own queue ("coordinated omission"). People do not wait
for each other: fifty pupils each opening a page every two seconds make 25 requests a second
whether or not the server keeps up. Here request n is due at start + n / rate, is sent then
(on an idle keep-alive connection, or a new one), and its latency runs from when it was due to
when its answer had fully arrived: time spent behind a slow server, or behind the generator
itself, counts.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from typing import Any


def _percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of a sorted list (NaN when empty)."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _load(
    url: str, rate: float, duration_s: float, cookies: Sequence[str], timeout_s: float
) -> dict[str, Any]:
    """Send `rate` requests a second for `duration_s` seconds; wait for every answer."""
    import aiohttp

    total = int(rate * duration_s)
    latencies: list[float] = []
    late: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def one(session: aiohttp.ClientSession, n: int, due: float) -> None:
        """Request n, sent when due, measured from when it was due."""
        nonlocal errors
        late.append(time.perf_counter() - due)
        headers = {"Cookie": cookies[n % len(cookies)]} if cookies else {}
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as answer:
                await answer.read()
                if answer.status != 200:
                    errors += 1
        except (TimeoutError, aiohttp.ClientError, OSError):
            errors += 1
        # A request that failed or timed out still took this long for its user.
        latencies.append((time.perf_counter() - due) * 1000)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter() + 0.05
        tasks = []
        for n in range(total):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, n, due)))
        sent_s = time.perf_counter() - start
        await asyncio.gather(*tasks)
    ordered = sorted(latencies)
    return {
        "requests": total,
        "rate": rate,
        "sent_rps": total / sent_s if sent_s > 0 else float("nan"),
        "p50": _percentile(ordered, 0.50),
        "p90": _percentile(ordered, 0.90),
        "p99": _percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else float("nan"),
        "mean": statistics.fmean(ordered) if ordered else float("nan"),
        "errors": errors,
        "send_lag_p99": _percentile(sorted(late), 0.99) * 1000,
    }


def run(
    url: str,
    *,
    rate: float,
    duration_s: float = 10,
    cookies: Sequence[str] = (),
    timeout_s: float = 30,
) -> dict[str, Any]:
    """An open-loop run at `rate` requests a second: latency percentiles in ms (from each
    request's planned time), errors (non-200 answers, failures and timeouts), and the
    generator's own lateness (`send_lag_p99`, ms: large means the figures blame the server for
    the generator's delay)."""
    return asyncio.run(_load(url, rate, duration_s, cookies, timeout_s))
