"""Page requests in turn, a few at a time (exchange/slots.py, REQUESTS_AT_ONCE)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exchange import create_app
from exchange.config import ConfigError, read_settings
from exchange.slots import Places, RequestSlots
from tests.live.client import wait_until


class HeldApp:
    """A WSGI app whose requests wait until the test lets them go; counts how many run."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[str] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.started.append(path)
        try:
            if path == "/boom":
                raise RuntimeError("the page failed")
            if not path.startswith(("/healthz", "/socket.io")):
                assert self.release.wait(5), "the test never released the requests"
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [path.encode()]
        finally:
            with self._lock:
                self.running -= 1


def call(app: Any, path: str) -> list[bytes]:
    return app({"PATH_INFO": path}, lambda status, headers: None)


def in_threads(app: Any, paths: list[str]) -> list[threading.Thread]:
    threads = [threading.Thread(target=call, args=(app, p)) for p in paths]
    for thread in threads:
        thread.start()
    return threads


def test_no_more_than_the_slots_run_at_once_and_every_request_is_answered():
    held = HeldApp()
    capped = RequestSlots(held, 2, wait_seconds=30)  # longer than the test: the cap holds
    threads = in_threads(capped, [f"/posts/{n}/card" for n in range(6)])
    assert wait_until(lambda: held.running == 2, timeout=5, interval=0.01)
    threading.Event().wait(0.1)  # give the others every chance to get in
    assert held.running == 2 and len(held.started) == 2
    held.release.set()
    for thread in threads:
        thread.join(5)
    assert held.most == 2 and len(held.started) == 6 and held.running == 0


def test_sockets_health_checks_and_static_files_never_wait_for_a_place():
    held = HeldApp()
    capped = RequestSlots(held, 1)
    threads = in_threads(capped, ["/links/1/space"])
    assert wait_until(lambda: held.running == 1, timeout=5, interval=0.01)
    # The one place is taken, and these still go straight through.
    assert call(capped, "/healthz") == [b"/healthz"]
    assert call(capped, "/socket.io/") == [b"/socket.io/"]
    held.release.set()
    assert call(capped, "/static/css/app.css") == [b"/static/css/app.css"]
    for thread in threads:
        thread.join(5)


def test_a_request_that_fails_gives_its_place_back():
    held = HeldApp()
    held.release.set()
    capped = RequestSlots(held, 1)
    with pytest.raises(RuntimeError, match="the page failed"):
        call(capped, "/boom")
    assert call(capped, "/queue") == [b"/queue"]  # would wait forever had the place been kept


def test_a_request_that_waited_too_long_for_a_place_runs_anyway():
    """An outage must not become a hang: requests stuck waiting for the database (or anything
    slow) hold their places, and the next one runs after waiting at most wait_seconds."""
    held = HeldApp()
    capped = RequestSlots(held, 1, wait_seconds=0.2)
    threads = in_threads(capped, ["/links/1/space"])
    assert wait_until(lambda: held.running == 1, timeout=5, interval=0.01)
    late = in_threads(capped, ["/queue"])
    # It ran beside the stuck one, without a place.
    assert wait_until(lambda: held.running == 2, timeout=5, interval=0.01)
    held.release.set()
    for thread in threads + late:
        thread.join(5)
    assert held.most == 2 and held.running == 0
    # The stuck request gave its place back, and the one that ran without one took none.
    assert capped.places.take(timeout=0)
    assert not capped.places.take(timeout=0)


def test_a_freed_place_goes_to_the_request_that_waited_longest():
    """First come, first served: the waiting requests get places in the order they came, and
    one arriving just as a place is freed does not take it from them."""
    places = Places(1)
    assert places.take(timeout=0)  # the place is in use
    order: list[str] = []

    def wait_then_note(name: str) -> None:
        assert places.take(timeout=5)
        order.append(name)

    first = threading.Thread(target=wait_then_note, args=("waited longest",))
    first.start()
    assert wait_until(lambda: len(places._queue) == 1, timeout=5, interval=0.01)
    second = threading.Thread(target=wait_then_note, args=("came next",))
    second.start()
    assert wait_until(lambda: len(places._queue) == 2, timeout=5, interval=0.01)
    places.give_back()
    assert places.take(timeout=0) is False  # the newcomer finds the place handed over
    first.join(5)
    assert order == ["waited longest"]
    places.give_back()  # the first one is done
    second.join(5)
    assert order == ["waited longest", "came next"]


def test_a_place_handed_over_as_the_wait_ends_is_not_lost():
    places = Places(1)
    assert places.take(timeout=0)
    assert places.take(timeout=0.05) is False  # gave up: out of the queue
    assert not places._queue
    places.give_back()  # nobody waits: the place is free again
    assert places.take(timeout=0) and not places.take(timeout=0)


def test_a_cap_of_no_places_is_refused():
    with pytest.raises(ValueError, match="at least one slot"):
        RequestSlots(HeldApp(), 0)


@pytest.mark.parametrize("value", ["-1", "two", "1.5", " 2x"])
def test_a_bad_requests_at_once_is_refused_by_name(value):
    with pytest.raises(ConfigError, match="REQUESTS_AT_ONCE must be a whole number"):
        read_settings({"REQUESTS_AT_ONCE": value})


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 0), ("", 0), ("0", 0), ("2", 2), (" 3 ", 3)]
)
def test_requests_at_once_is_read_from_the_environment(value, expected):
    environ = {} if value is None else {"REQUESTS_AT_ONCE": value}
    assert read_settings(environ).requests_at_once == expected


def test_the_app_serves_pages_through_the_cap_when_it_is_set(database_url, tmp_path):
    from tests.conftest import _config

    config = _config(database_url, tmp_path / "uploads")
    uncapped = create_app(config)
    assert not isinstance(uncapped.wsgi_app, RequestSlots)
    capped = create_app({**config, "REQUESTS_AT_ONCE": 2})
    assert isinstance(capped.wsgi_app, RequestSlots) and capped.wsgi_app.slots == 2
    answer = capped.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.json["database"]["status"] == "ok"
    assert capped.test_client().get("/").status_code in (200, 302)
