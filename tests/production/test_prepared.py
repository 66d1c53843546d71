"""On PostgreSQL a request that only read ends its transaction with COMMIT, so psycopg keeps the
statements it prepared and PostgreSQL stops parsing and planning them at every page; anything
that wrote, failed or left changes pending is still rolled back and keeps nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from bench import common
from exchange.accounts.models import District
from exchange.extensions import db
from tests.factories import make_district, make_world


@pytest.fixture
def pg_app(pg_url: str) -> Iterator[Any]:
    """An app on the module's PostgreSQL database, with no app context left pushed (each
    request must end its own), emptied afterwards."""
    app = common.data_app(pg_url, create=False)
    yield app
    with app.app_context():
        from tests.conftest import empty_database

        empty_database()
        db.engine.dispose()


def _backend(app: Any) -> tuple[int, int]:
    """The pooled connection's backend pid and how many statements it has prepared (one
    thread asks in turn, so the pool hands back the connection the requests used)."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
        return int(pid), int(prepared)


def _districts(app: Any, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(District.name == name))


def test_pages_that_only_read_keep_their_prepared_statements(pg_app):
    with pg_app.app_context():
        world = make_world()
        cookie = common.cookie_header(pg_app, world.pupil_a)
        space = f"/links/{world.link.id}/space"
    client = pg_app.test_client(use_cookies=False)
    first = client.get(space, headers={"Cookie": cookie})
    assert first.status_code == 200 and "Class 5A" in first.get_data(as_text=True)
    pid, _ = _backend(pg_app)
    for _ in range(6):  # psycopg prepares a statement at its sixth run on a connection
        assert client.get(space, headers={"Cookie": cookie}).status_code == 200
    again, prepared = _backend(pg_app)
    assert again == pid
    # The page's statements (user, link, streams, columns, nav ...) are prepared and kept.
    assert prepared >= 5


@pytest.mark.parametrize(
    "change",
    ["pending object", "flushed object", "statement that writes", "failed statement"],
)
def test_a_context_that_wrote_or_failed_is_still_rolled_back(pg_app, change):
    with pg_app.test_request_context("/"):
        db.session.scalar(text("SELECT 1"))
        if change == "pending object":
            db.session.add(District(name="Kept?"))
        elif change == "flushed object":
            db.session.add(District(name="Kept?"))
            db.session.flush()
        elif change == "statement that writes":
            db.session.execute(insert(District).values(name="Kept?"))
        else:
            db.session.add(District(name="Kept?"))
            db.session.flush()
            with pytest.raises(Exception, match="division by zero"):
                db.session.execute(text("SELECT 1 / 0"))
    assert _districts(pg_app, "Kept?") == 0


def test_a_request_that_raised_is_rolled_back(pg_app):
    with pytest.raises(RuntimeError), pg_app.test_request_context("/"):
        make_district("Kept?")
        raise RuntimeError("the view failed")
    assert _districts(pg_app, "Kept?") == 0


def test_a_committed_write_then_reads_ends_quietly(pg_app, caplog):
    with pg_app.test_request_context("/"):
        make_district("Leeds")
        db.session.commit()
        assert db.session.scalar(select(District.name).where(District.name == "Leeds"))
    assert _districts(pg_app, "Leeds") == 1
    assert "could not be committed" not in caplog.text
