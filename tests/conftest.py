"""Fixtures: an app per test on a clean database, clients signed in as any role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import engineio
import pytest
from flask import Flask
from flask.testing import FlaskClient

from exchange import create_app
from exchange.extensions import db, socketio
from tests import factories

# The browser harness's fixtures, defined once for the whole run: Playwright's sync API allows
# one instance per thread, so every directory's browser tests share one Chromium.
from tests.browser.support import browser, live_server, pages  # noqa: F401

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


# The longest test files (`--durations`), started first: pytest-xdist hands out whole files in
# the order they were collected, and a long file collected last (the state machine sits under
# tests/security) kept one worker busy for minutes after the other had finished.
SLOW_FILES_FIRST = (
    "tests/security/test_state_machine.py",
    "tests/test_authz_matrix_all.py",
    "tests/production/test_faults.py",
    "tests/production/test_deploy.py",
    "tests/live/test_crash.py",
    "tests/browser/test_linking_day.py",
    "tests/accounts/test_make_run.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest files first; give every test one second try.

    Browser and server tests wait on a shared, noisy machine (two cores, two test workers,
    Chromium); a timing slip there is not a product fault, so their second try comes after a
    pause. Every other test gets a second try too: a whole CI run once failed on one test that
    read PostgreSQL rows without an ORDER BY (fixed), and one such slip should cost a rerun, not
    the run. A rerun shows as `R` in the progress line and in the summary (`-rR`), so a test that
    needs one is seen and fixed, not hidden."""
    rank = {path: n for n, path in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("server"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
        else:
            item.add_marker(pytest.mark.flaky(reruns=1))


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(TEST_DATABASE_URL, worker) if worker else TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _worker_database(url: str, worker: str) -> str:
    """A pytest-xdist worker's own PostgreSQL database beside TEST_DATABASE_URL's (`test_gw0`
    ...), made afresh; commits do not wait for the disk (a test database needs no durability)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    with psycopg.connect(
        base.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit TO off").format(sql.Identifier(name))
        )
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database per test run; tables are created once and emptied after each test."""
    url = _database_url(tmp_path_factory)
    app = create_app(_config(url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


def _config(url: str, upload_dir: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret",
        "ASYNC_MODE": "threading",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SOCKETIO_MESSAGE_QUEUE": None,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_DIR": str(upload_dir),
        "SERVER_NAME": None,
        # Every page reads its navigation: tests change data behind a user's back and look at
        # once (tests/test_nav_cache.py turns the reuse on).
        "NAV_CACHE_SECONDS": 0,
    }


def empty_database() -> None:
    """Delete every row, children first, so the next test starts clean."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        # Like TRUNCATE (the lock waits for any transaction still writing), but DELETE and a
        # sequence reset in one round trip: several times faster than TRUNCATE, which replaces
        # every table's files, for the few rows a test writes.
        tables = list(reversed(db.metadata.sorted_tables))
        names = ", ".join(f'"{t.name}"' for t in tables)
        lock = f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"
        deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in tables)
        reset = "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"{lock}; {deletes}; {reset}")
        return
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


# Per-app caches that must not outlive a test when the app is shared (ids are reused once the
# database is emptied).
APP_CACHES = (
    "events_access",
    "events_live",
    "events_views",
    "events_snapshots",
    "exchange_presence",
    "exchange_live_buckets",
    "exchange_nav",
    "space_storage",
)


@pytest.fixture(scope="session")
def shared_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the whole run: building one costs about half a second (routes and the OpenAPI
    document), which across ~2,000 tests would be most of the suite's time."""
    return create_app(_config(database_url, tmp_path_factory.mktemp("uploads")))


def bind_socketio(app: Flask) -> None:
    """Bind Socket.IO to `app` unless it already is.

    Any app built since (a module's own app, a test's Redis emitter) re-bound Socket.IO, making
    a new server. Binding wraps wsgi_app in Socket.IO's middleware, so unwrap first and the
    layers never stack.
    """
    from exchange.setup import NoWebSocketCompression, init_socketio

    if socketio.server is not None and socketio.server is app.extensions.get("_test_sio"):
        return
    while isinstance(app.wsgi_app, (engineio.WSGIApp, NoWebSocketCompression)):
        app.wsgi_app = app.wsgi_app.wsgi_app
    init_socketio(app)
    app.extensions["_test_sio"] = socketio.server


@pytest.fixture
def app(shared_app: Flask, tmp_path: Any) -> Iterator[Flask]:
    """The app in testing mode (threading async mode, CSRF and rate limits off).

    Shared between tests, but each test gets its own app context, upload folder, configuration
    (changes are undone) and empty per-app caches, and Socket.IO is bound to it again if another
    test's app took it over.
    """
    from exchange.moderation import registry

    saved = dict(shared_app.config)
    channels = dict(registry._CHANNELS)
    hooks = {key: list(funcs) for key, funcs in shared_app.before_request_funcs.items()}
    shared_app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    bind_socketio(shared_app)
    try:
        with shared_app.app_context():
            yield shared_app
            empty_database()
    finally:
        shared_app.config.clear()
        shared_app.config.update(saved)
        # Hooks a test added (e.g. "forget the cached user") do not outlive it.
        shared_app.before_request_funcs.clear()
        shared_app.before_request_funcs.update(hooks)
        # A test channel registered for one test (tests/moderation's notes) does not replace
        # the real one for later tests.
        registry._CHANNELS.clear()
        registry._CHANNELS.update(channels)
        for key in APP_CACHES:
            shared_app.extensions.pop(key, None)


@pytest.fixture
def csrf_app(database_url: str, tmp_path: Any) -> Iterator[Flask]:
    """The app with CSRF protection on, as in production."""
    config = _config(database_url, tmp_path / "uploads")
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    with app.app_context():
        yield app
        empty_database()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous browser."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    """The Flask CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def world(app: Flask) -> factories.World:
    """The standard cast: a link between classes A and B, class C, another district."""
    return factories.make_world()


def sign_in_client(app: Flask, actor: Any) -> FlaskClient:
    """A new test client (a browser without a screen) signed in as `actor` (None: anonymous)."""
    web = app.test_client()
    if actor is not None:
        with web.session_transaction() as sess:
            sess["_user_id"] = actor.get_id()
            sess["_fresh"] = True
    return web


@pytest.fixture
def as_user(app: Flask):  # noqa: ANN201
    """`as_user(actor)` gives a test client signed in as that account."""
    return lambda actor: sign_in_client(app, actor)


@pytest.fixture
def socket_for(app: Flask):  # noqa: ANN201
    """`socket_for(actor)` gives a Socket.IO test client sharing that account's session."""
    made: list[Any] = []

    def connect(actor: Any) -> Any:
        web = sign_in_client(app, actor)
        sock = socketio.test_client(app, flask_test_client=web)
        made.append(sock)
        return sock

    yield connect
    for sock in made:
        if sock.is_connected():
            sock.disconnect()
