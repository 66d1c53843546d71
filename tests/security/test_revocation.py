"""Revoking a session ends it everywhere, including open sockets, within a second."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update

# areas before sockets: importing exchange.sockets first would meet its import cycle with the
# moderation area, which the app avoids by loading the areas first.
from exchange import areas, realtime, sockets  # noqa: F401
from exchange.accounts import directory
from exchange.accounts.models import Pupil
from exchange.accounts.sessions import revoke_sessions
from exchange.extensions import db
from exchange.privacy import retention
from tests.servers import running_server, socketio_client
from tests.sql import recorded


def _wait_disconnected(client, seconds: float) -> float:
    started = time.monotonic()
    while client.connected and time.monotonic() - started < seconds:
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.mark.server
@pytest.mark.parametrize("how", ["revoked", "disabled"])
def test_revoked_or_disabled_pupil_loses_open_sockets_in_a_second(app, world, database_url, how):
    with running_server(database_url) as server:
        pupil_socket = socketio_client(server, app, world.pupil_a)
        teacher_socket = socketio_client(server, app, world.teacher_a)
        try:
            assert pupil_socket.call("subscribe", {"stream": f"link:{world.link.id}"})["ok"]
            if how == "revoked":
                revoke_sessions(world.pupil_a)
            else:
                world.pupil_a.active = False
            db.session.commit()
            assert _wait_disconnected(pupil_socket, 3) < 1.5
            assert not pupil_socket.connected
            assert teacher_socket.connected, "other users keep their sockets"
        finally:
            for sock in (pupil_socket, teacher_socket):
                if sock.connected:
                    sock.disconnect()


def test_a_revoked_cookie_no_longer_signs_in(app, world, as_user):
    browser = as_user(world.teacher_a)
    assert browser.get("/healthz").status_code == 200
    revoke_sessions(world.teacher_a)
    db.session.commit()
    from exchange.accounts.sessions import load_user

    assert load_user(f"staff:{world.teacher_a.id}:1") is None
    assert load_user(world.teacher_a.get_id()) is not None


def _age_session(browser, started_ago: int, seen_ago: int) -> None:
    import time

    with browser.session_transaction() as sess:
        now = int(time.time())
        sess["_started"], sess["_seen"] = now - started_ago, now - seen_ago


@pytest.mark.parametrize(
    ("who", "started_ago", "seen_ago", "expired"),
    [
        ("pupil_a", 60, 29 * 60, False),
        ("pupil_a", 60, 31 * 60, True),
        ("pupil_a", 6 * 3600 + 1, 10, True),
        ("teacher_a", 60, 31 * 60, False),
        ("teacher_a", 60, 2 * 3600 + 1, True),
        ("teacher_a", 12 * 3600 + 1, 10, True),
    ],
)
def test_idle_and_absolute_timeouts_are_shorter_for_pupils(
    world, as_user, who, started_ago, seen_ago, expired
):
    browser = as_user(getattr(world, who))
    _age_session(browser, started_ago, seen_ago)
    response = browser.get("/")
    if expired:
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        api = browser.get("/api/v1/session").json
        assert api["signed_in"] is False
    else:
        assert response.status_code in (200, 302)
        assert "/sign-in" not in response.headers.get("Location", "")


def test_an_expired_api_session_says_so(world, as_user):
    browser = as_user(world.teacher_a)
    _age_session(browser, 60, 3 * 3600)
    response = browser.get("/queue", headers={"Accept": "application/json"})
    assert response.status_code in (302, 401)
    answer = as_user(world.teacher_a)
    _age_session(answer, 60, 3 * 3600)
    api = answer.get(f"/api/v1/links/{world.link.id}/space")
    assert api.status_code == 401 and api.json["error"] == "session_expired"


# ----- the sweeper's tick (exchange.sockets.sweep), in process ----------------------------------


def _revocations() -> int:
    return realtime.last_seq(realtime.ACCOUNT_CHANGES)


def test_a_quiet_tick_reads_one_counter_not_every_connected_user(world, socket_for):
    open_sockets = [socket_for(p) for p in (world.pupil_a, world.pupil_a2, world.pupil_b)]
    open_sockets.append(socket_for(world.teacher_a))
    state = sockets.SweepState()
    assert sockets.sweep(state) == 0  # the first tick compares every socket
    with recorded() as statements:
        assert sockets.sweep(state) == 0
    assert len(statements) == 1 and "stream_counter" in statements[0]
    assert all(s.is_connected() for s in open_sockets)


def _end_session(world, how: str) -> None:
    if how == "revoked":
        revoke_sessions(world.pupil_a)
        db.session.commit()
    elif how == "disabled":
        world.pupil_a.active = False
        db.session.commit()
    elif how == "deleted":
        retention.delete_pupil_everywhere(world.pupil_a)  # Core deletes; it commits
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["revoked", "disabled", "deleted"])
def test_every_way_a_session_ends_moves_the_counter_and_closes_its_sockets_at_the_next_tick(
    world, socket_for, how
):
    pupil_socket, other = socket_for(world.pupil_a), socket_for(world.pupil_b)
    state = sockets.SweepState()
    sockets.sweep(state)
    before = _revocations()
    _end_session(world, how)
    assert _revocations() == before + 1
    assert sockets.sweep(state) == 1
    assert not pupil_socket.is_connected()
    assert other.is_connected(), "other users keep their sockets"


def test_a_teacher_signed_out_everywhere_loses_their_sockets_at_the_next_tick(world, socket_for):
    teacher_socket, pupil_socket = socket_for(world.teacher_a), socket_for(world.pupil_a)
    state = sockets.SweepState()
    sockets.sweep(state)
    revoke_sessions(world.teacher_a)
    db.session.commit()
    assert sockets.sweep(state) == 1
    assert not teacher_socket.is_connected() and pupil_socket.is_connected()


def test_a_change_to_an_account_moves_the_counter_once_a_transaction(world):
    before = _revocations()
    world.pupil_a.display_name = "Aisha Khan"
    world.teacher_a.display_name = "Ms Khan"
    db.session.commit()
    assert _revocations() == before + 1
    world.class_a.name = "Year 5 Oak"
    db.session.commit()
    assert _revocations() == before + 2


@pytest.mark.parametrize("change", ["a teacher added to a class", "a safeguarding lead named"])
def test_a_change_to_what_a_teacher_may_do_makes_every_socket_forget_its_user(
    world, socket_for, change
):
    # What a socket keeps of a teacher decides what they may do: their classes, their role.
    sock = socket_for(world.teacher_a)
    _follow(sock, world)
    assert sockets._USERS
    before = _revocations()
    if change == "a teacher added to a class":
        world.class_c.teachers.append(world.teacher_a)
        db.session.commit()
    else:
        directory.set_dsl(world.facilitator, world.teacher_a.id, True)  # it commits
    assert _revocations() == before + 1
    assert not sockets._USERS


def test_a_change_to_anything_else_moves_no_counter(world):
    before = _revocations()
    world.school_a.name = "Riverside Primary"
    world.link.status = world.link.status  # set to the same value: not a change
    world.pupil_a.display_name = world.pupil_a.display_name
    db.session.commit()
    assert _revocations() == before


def _user_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if 'FROM "user"' in s or "FROM user" in s or "FROM pupil" in s]


def _follow(sock, world) -> None:
    assert sock.emit("subscribe", {"stream": f"link:{world.link.id}"}, callback=True)["ok"]


# (The test client shares the test's database session, whose commits expire what it loaded:
# what a socket keeps is read from sockets._USERS, not from the statements after a commit.)
def test_a_socket_keeps_its_user_until_an_account_changes_here(world, socket_for):
    sock = socket_for(world.teacher_a)
    with recorded() as statements:
        _follow(sock, world)
        _follow(sock, world)
    assert _user_statements(statements) == [], "the user its connect loaded is reused"
    assert sockets._USERS, "kept"
    world.teacher_b.display_name = "Mr Okafor"  # any account: the cache is not per user
    db.session.commit()
    assert not sockets._USERS, "forgotten at the commit that changed an account"


def test_a_socket_forgets_its_user_when_another_process_changed_an_account(world, socket_for):
    sock = socket_for(world.pupil_a)
    state = sockets.SweepState()
    sockets.sweep(state)  # its first look forgets every user: the next event loads it
    _follow(sock, world)
    kept = dict(sockets._USERS)
    assert kept
    # Another process's change: the counter moves, this process's commit hook does not run.
    realtime.bump_counter(db.session.connection(), realtime.ACCOUNT_CHANGES)
    db.session.commit()
    assert kept == sockets._USERS, "not before this process's sweeper has looked"
    sockets.sweep(state)
    assert not sockets._USERS


def test_a_user_loaded_while_an_account_changed_is_not_kept(app, world, socket_for):
    sock = socket_for(world.teacher_a)
    load = app.login_manager._user_callback

    def load_overtaken_by_a_change(user_id):  # noqa: ANN001, ANN202
        user = load(user_id)
        sockets._forget_users()  # the sweeper ran while the load waited for the database
        return user

    sockets._forget_users()
    app.login_manager._user_callback = load_overtaken_by_a_change
    try:
        _follow(sock, world)
    finally:
        app.login_manager._user_callback = load
    assert not sockets._USERS, "what it read may be older than the change"
    _follow(sock, world)
    assert sockets._USERS, "the next load, not overtaken, is kept"


def test_a_socket_registered_after_its_revocation_was_counted_is_checked_at_the_next_tick(
    world, socket_for
):
    # The race the new-socket check closes: the socket's user was loaded (old session version)
    # before a revocation that the sweeper had already counted when the socket registered.
    state = sockets.SweepState()
    sockets.sweep(state)
    late = socket_for(world.pupil_a)
    revoke_sessions(world.pupil_a)
    db.session.commit()
    state.seen = _revocations()  # as if a tick ran between the revocation and the registration
    assert sockets.sweep(state) == 1
    assert not late.is_connected()


def test_a_change_made_outside_the_app_is_still_found_by_the_sweep_once_a_minute(world, socket_for):
    pupil_socket = socket_for(world.pupil_a)
    state = sockets.SweepState()
    sockets.sweep(state, now=1000.0)
    # SQL by hand (no ORM, no counter): found by the full comparison, not by the quiet ticks.
    db.session.execute(update(Pupil).where(Pupil.id == world.pupil_a.id).values(active=False))
    db.session.commit()
    assert sockets.sweep(state, now=1000.5) == 0
    assert pupil_socket.is_connected()
    assert sockets.sweep(state, now=1000.0 + sockets.FULL_SWEEP_SECONDS) == 1
    assert not pupil_socket.is_connected()
