"""At most REQUESTS_AT_ONCE page requests run in a process at a time; the others wait their turn.

Under gevent a request gives way to the others every time it waits for PostgreSQL. When many
requests arrive together they all progress a little at a time and all finish near the end of
the burst. That is what happens when a teacher approves a post: every screen following the
space asks for its card at the same moment (static/js/space.js). With 60 screens on one
process (`python -m bench.card_burst --engine postgres --requests-at-once 0`, medians of ten
bursts) the first card answered after about 155 ms, the median after 350 and the last after
470. Two requests at a time, first come first served, answered after about 25, 170 and 300 ms:
two keep the CPU busy while one of them waits for the database. At saturation (wrk, 50
connections) the slowest answers came after about one second instead of two to six. On
SQLite a request hardly ever gives way, so the cap changes little there.

Left out of the count: Socket.IO (its WebSockets and long polls are held open for minutes),
the health and metrics endpoints (a probe must not queue behind pages), and static files.

A request waits for a place for at most PLACE_WAIT_SECONDS, then runs anyway. The cap orders a
burst of ordinary pages (the last of 60 cards waited about 0.3 s); it must not turn an
outage into a hang. While the database cannot be reached, each request may wait seconds for
a connection before it answers 503, and with a hard cap of two the others would queue behind
those waits.

A request holds its place while the app builds the answer, including reading an upload's
body. That is quick behind nginx, which receives the whole body before passing the request
on (deploy/nginx/), and slow straight from a tablet. So the cap is for a process behind the
proxy: deploy/start.sh sets it, and the default (0) leaves requests uncapped.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

# Paths that never wait for a place.
UNCOUNTED = ("/socket.io", "/healthz", "/readyz", "/metrics", "/static/")
# The longest a request waits for a place before it runs without one.
PLACE_WAIT_SECONDS = 1.0

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Places:
    """`count` places handed out first come, first served.

    A freed place goes straight to the request that has waited longest. A semaphore would let
    a request arriving just then take it first, and under a steady stream of arrivals the one
    that waited could wait until it gave up. The locks and events are made by the caller's
    threading module, so under gevent or eventlet (which patch it) waiting yields to the hub.
    """

    def __init__(self, count: int) -> None:
        self._lock = threading.Lock()
        self._free = count
        self._queue: deque[threading.Event] = deque()

    def take(self, timeout: float) -> bool:
        """Take a place, waiting at most `timeout` seconds; False if none came in time."""
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                return True
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ended
                return True
            self._queue.remove(turn)
            return False

    def give_back(self) -> None:
        """Free a place: to the longest waiting request, or back to the pool."""
        with self._lock:
            if self._queue:
                self._queue.popleft().set()
            else:
                self._free += 1


class RequestSlots:
    """WSGI middleware: run `wsgi_app` for at most `slots` counted requests at once, in the
    order they arrived; one that has waited `wait_seconds` for a place runs without one. The
    place is given back when the app returns its answer (before the body is sent), or raises."""

    def __init__(
        self, wsgi_app: WsgiApp, slots: int, wait_seconds: float = PLACE_WAIT_SECONDS
    ) -> None:
        if slots < 1:
            raise ValueError("RequestSlots needs at least one slot")
        self.wsgi_app = wsgi_app
        self.slots = slots
        self.wait_seconds = wait_seconds
        # The app is built after the async mode patched threading (exchange.serve patches
        # first; deploy/gunicorn.conf.py never preloads), so these places wait cooperatively.
        self.places = Places(slots)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith(UNCOUNTED):
            return self.wsgi_app(environ, start_response)
        placed = self.places.take(self.wait_seconds)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            if placed:
                self.places.give_back()
