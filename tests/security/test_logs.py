"""No post text, chat, credentials, class codes or card tokens in any log line.

Canary secrets are planted in every kind of input, a real server (JSON logs) handles them, and
every log line is searched.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import requests

from exchange.accounts import passwords
from exchange.accounts.roster import issue_cards
from exchange.extensions import db
from exchange.rooms.live.models import LiveSegment, LiveSession, SegmentKind, SessionStatus
from exchange.types import utcnow
from tests.servers import running_server

pytestmark = pytest.mark.server

CANARIES = {
    "password": "Canary-Pass-7f3e91",
    "post": "CANARYPOSTTEXT4412",
    "title": "CANARYTITLE8831",
    "chat": "CANARYCHAT5519",
    "class_code": "QZX9KW",
    "pin": "8317",
}


def _json_session(server) -> requests.Session:
    browser = requests.Session()
    browser.headers["Accept"] = "application/json"
    token = browser.get(server.url + "/api/v1/session", timeout=10).json()["csrf_token"]
    browser.headers["X-CSRFToken"] = token
    return browser


def _refresh_csrf(server, browser: requests.Session) -> None:
    token = browser.get(server.url + "/api/v1/session", timeout=10).json()["csrf_token"]
    browser.headers["X-CSRFToken"] = token


def test_no_secret_or_pupil_text_reaches_any_log_line(app, world, database_url, tmp_path):
    world.teacher_a.password_hash = passwords.hash_secret(CANARIES["password"])
    world.class_a.code = CANARIES["class_code"]
    world.pupil_a.credential_hash = passwords.hash_secret(CANARIES["pin"])
    now = utcnow()
    session = LiveSession(
        link=world.link,
        title="Linking day",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=55),
        status=SessionStatus.CONFIRMED,
        proposed_by_id=world.teacher_a.id,
        proposed_by_class_id=world.class_a.id,
        confirmed_by_id=world.teacher_b.id,
        confirmed_at=now,
        calendar_uid="canary-session@linking-exchange",
    )
    session.segments.append(LiveSegment(position=0, kind=SegmentKind.WELCOME, title="Welcome"))
    db.session.add(session)
    db.session.commit()
    card_token = issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a2.id])[0].token
    log_path = tmp_path / "server.log"
    with running_server(
        database_url,
        env={"LOG_JSON": "1", "UPLOAD_DIR": app.config["UPLOAD_DIR"]},
        log_path=log_path,
    ) as server:
        teacher = _json_session(server)
        signed_in = teacher.post(
            server.url + "/api/v1/session/staff",
            json={"email": world.teacher_a.email, "password": CANARIES["password"]},
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.text
        _refresh_csrf(server, teacher)
        wrong = _json_session(server).post(
            server.url + "/api/v1/session/staff",
            json={"email": world.teacher_a.email, "password": CANARIES["password"] + "x"},
            timeout=10,
        )
        assert wrong.status_code in (401, 403, 422)
        posted = teacher.post(
            server.url + f"/api/v1/links/{world.link.id}/posts",
            data={"title": CANARIES["title"], "text": CANARIES["post"]},
            timeout=10,
        )
        assert posted.status_code in (200, 201), posted.text

        pupil = _json_session(server)
        found = pupil.post(
            server.url + "/api/v1/session/pupil/class",
            json={"class_code": CANARIES["class_code"]},
            timeout=10,
        )
        assert found.status_code == 200, found.text
        pupil_in = pupil.post(
            server.url + "/api/v1/session/pupil",
            json={
                "class_code": CANARIES["class_code"],
                "pupil_id": world.pupil_a.id,
                "secret": CANARIES["pin"],
            },
            timeout=10,
        )
        assert pupil_in.status_code == 200, pupil_in.text
        _refresh_csrf(server, pupil)
        chat = pupil.post(
            server.url + f"/api/v1/live/sessions/{session.id}/messages",
            json={"text": CANARIES["chat"], "client_id": "canary-client-1"},
            timeout=10,
        )
        assert chat.status_code in (200, 201), chat.text

        tablet = _json_session(server)
        carded = tablet.post(
            server.url + "/api/v1/session/card", json={"token": card_token}, timeout=10
        )
        assert carded.status_code == 200, carded.text
        # the same secrets in a query string must not be logged either
        requests.get(
            server.url + f"/sign-in?code={CANARIES['class_code']}&token={card_token}", timeout=10
        )
    lines = log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(records) >= 8, "every request is logged as a JSON line"
    assert all("time" in r and r["time"].endswith("+00:00") for r in records)
    secrets = {**CANARIES, "card_token": card_token}
    # A 4-digit PIN also appears inside times and durations: look for it standing alone.
    patterns = {
        name: re.compile(
            rf"(?<![\d.]){re.escape(value)}(?![\d.])" if name == "pin" else re.escape(value)
        )
        for name, value in secrets.items()
    }
    leaks = {
        name: [line for line in lines if pattern.search(line)] for name, pattern in patterns.items()
    }
    assert {name: found for name, found in leaks.items() if found} == {}
