"""Revoking a session ends it everywhere, including open sockets, within a second."""

from __future__ import annotations

import time

import pytest

from exchange.accounts.sessions import revoke_sessions
from exchange.extensions import db
from tests.servers import running_server, socketio_client


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
