"""What one page reads once: the signed-in user, the queue count, the streams' sequence numbers;
and a figure remembered within a request is never older than the request's own writes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from exchange import memo
from exchange.extensions import db, login_manager
from tests.moderation.conftest import send_note
from tests.sql import recorded


@pytest.fixture
def user_loads(monkeypatch) -> list[str]:
    """Each time Flask-Login's user loader runs, the session cookie's user id."""
    loads: list[str] = []
    real = login_manager._user_callback

    def counted(user_id: str):  # noqa: ANN202
        loads.append(user_id)
        return real(user_id)

    monkeypatch.setattr(login_manager, "_user_callback", counted)
    return loads


def test_the_queue_page_loads_the_teacher_and_counts_the_queue_once(
    world, notes, as_user, user_loads
):
    for words in ("We like football", "Our class pet is a snail"):
        send_note(world.pupil_a, world.link, world.class_a, text=words)
    browser = as_user(world.teacher_a)
    user_loads.clear()
    # A served request has a database session of its own: nothing this test loaded (the
    # teacher, their classes) may stand in for what the request reads.
    db.session.close()
    with recorded() as statements:
        html = browser.get("/queue").get_data(as_text=True)
    # The page's total and the navigation's badge agree, from one count.
    assert "data-queue-total>2</span> <span data-queue-total-words>items wait" in html
    assert re.search(r'<a href="/queue"[^>]*>Queue <span class="badge" data-count="queue">', html)
    counts = [s for s in statements if s.startswith("SELECT count(*)") and "moderation_item" in s]
    assert len(counts) == 1, counts
    assert len(user_loads) == 1, user_loads
    # The teacher comes with their classes in one query: none reads the classes on its own.
    users = [s for s in statements if re.search(r'FROM "?user"?\s', s)]
    assert len(users) == 1 and "class_teacher" in users[0], statements
    assert not any(re.search(r"FROM classroom, class_teacher", s) for s in statements)
    counters = [s for s in statements if "FROM stream_counter" in s]
    assert len(counters) == 1, counters


def test_a_pupils_space_page_loads_the_pupil_once(world, as_user, user_loads):
    browser = as_user(world.pupil_a)
    user_loads.clear()
    with recorded() as statements:
        response = browser.get(f"/links/{world.link.id}/space")
    assert response.status_code == 200
    assert len(user_loads) == 1, user_loads
    assert len([s for s in statements if "FROM stream_counter" in s]) == 1


def test_each_request_counts_afresh(world, notes, as_user):
    send_note(world.pupil_a, world.link, world.class_a, text="We like football")
    browser = as_user(world.teacher_a)
    assert "data-queue-total>1</span>" in browser.get("/queue").get_data(as_text=True)
    send_note(world.pupil_a2, world.link, world.class_a, text="Our class pet is a snail")
    assert "data-queue-total>2</span>" in browser.get("/queue").get_data(as_text=True)


def test_a_remembered_figure_is_forgotten_when_the_request_writes(app, world):
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with app.test_request_context("/queue"):
        assert memo.per_request("figure", compute) == 1
        assert memo.per_request("figure", compute) == 1  # remembered
        world.pupil_a.display_name = "Aisha B."
        db.session.flush()  # the request wrote: what it remembered may be out of date
        assert memo.per_request("figure", compute) == 2
        db.session.commit()
        assert memo.per_request("figure", compute) == 3
        db.session.execute(text("SELECT 1"))  # a transaction begins ...
        assert memo.per_request("figure", compute) == 3
        db.session.rollback()  # ... and is rolled back: forget, to be safe
        assert memo.per_request("figure", compute) == 4


def test_socket_events_of_one_connection_never_share_a_remembered_figure(app):
    # Flask-SocketIO gives every event of a connection a new request object over one environ.
    environ = app.test_request_context("/socket.io/").request.environ
    seen = []
    for _event in range(2):
        with app.request_context(environ):
            seen.append(memo.per_request("figure", lambda: object()))
    assert seen[0] is not seen[1]


def test_outside_a_request_nothing_is_remembered(app):
    made = [memo.per_request("figure", lambda: object()) for _ in range(2)]
    assert made[0] is not made[1]


def test_sequence_numbers_of_several_streams_come_in_the_order_asked(app, world):
    from exchange import realtime

    quiet, busy = realtime.queue_stream(world.class_c.id), realtime.link_stream(world.link.id)
    for _ in range(2):
        realtime.publish(busy, "note", {"n": 1})
    db.session.commit()
    assert realtime.last_seqs([quiet, busy]) == {quiet: 0, busy: 2}
    assert list(realtime.last_seqs([busy, quiet])) == [busy, quiet]
    assert realtime.last_seqs([busy]) == {busy: 2}
    assert realtime.last_seqs([]) == {}
