"""Invitation links keep their token in the URL fragment (/join#token=...), like login cards:
the page's script posts it, so it never reaches a server log, a proxy or a Referer header. The
old form (/join/<token>) is refused with a clear message, without even looking the token up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.accounts import services
from exchange.accounts.models import Invitation, User
from exchange.extensions import db
from exchange.types import utcnow
from tests.factories import PASSWORD


def invite(world, email: str = "new@example.org") -> str:
    """A teacher invitation from the district's facilitator; returns its token."""
    _, token = services.invite_staff(
        world.facilitator, world.district.id, email, school_id=world.school_a.id
    )
    return token


def test_the_link_shown_to_the_facilitator_carries_the_token_only_in_the_fragment(as_user, world):
    facilitator = as_user(world.facilitator)
    page = facilitator.post(
        f"/districts/{world.district.id}/invitations",
        data={"email": "n@example.org", "school_id": world.school_a.id, "classroom_id": 0},
    ).get_data(as_text=True)
    assert "/join#token=" in page and "/join/" not in page
    answer = facilitator.post(
        f"/api/v1/districts/{world.district.id}/invitations",
        json={"email": "m@example.org", "school_id": world.school_a.id},
    )
    url = answer.get_json()["url"]
    path, _, token = url.partition("#token=")
    assert path.endswith("/join") and len(token) >= 22  # at least 128 random bits


def test_the_join_page_holds_no_token_and_is_never_cached(client, world):
    invite(world)
    page = client.get("/join")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert 'src="/static/js/join.js"' in html
    assert 'name="token" value=""' in html


def test_posting_the_token_shows_the_invitation_then_creates_the_account(client, world):
    token = invite(world)
    opened = client.post("/join", data={"step": "open", "token": token})
    assert opened.status_code == 200 and opened.headers["Cache-Control"] == "no-store"
    assert "Oakfield Primary" in opened.get_data(as_text=True)
    done = client.post(
        "/join",
        data={"token": token, "display_name": "Ms New", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert done.status_code == 302
    assert db.session.query(User).filter_by(email="new@example.org").one()


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        ("", 404, "This invitation link is not valid"),
        ("not-a-real-token", 404, "This invitation link is not valid"),
        ("x" * 5000, 404, "This invitation link is not valid"),
        ("used", 410, "already been used"),
        ("expired", 410, "has expired"),
    ],
    ids=["missing", "wrong", "oversize", "used", "expired"],
)
def test_bad_tokens_are_refused_and_create_nothing(client, world, token, status, message):
    if token in ("used", "expired"):
        real = invite(world)
        invitation = db.session.query(Invitation).one()
        if token == "used":
            invitation.used_at = utcnow()
        else:
            invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        token = real
    before = db.session.query(User).count()
    for data in ({"step": "open"}, {"display_name": "Ms X", "password": PASSWORD}):
        response = client.post("/join", data={**data, "token": token, "confirm": PASSWORD})
        assert response.status_code == status
        assert message in response.get_data(as_text=True)
    assert db.session.query(User).count() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_old_form_with_the_token_in_the_path_is_refused_clearly(client, world, method):
    token = invite(world)
    data = {"display_name": "Ms New", "password": PASSWORD, "confirm": PASSWORD}
    response = getattr(client, method)(f"/join/{token}", data=data)
    assert response.status_code == 410
    assert "old form that is no longer accepted" in response.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="new@example.org").first() is None
    assert db.session.query(Invitation).one().used_at is None


@pytest.mark.browser
def test_in_a_browser_the_token_never_leaves_the_page_in_a_url(pages, world, live_server):
    token = invite(world)
    seen: list[str] = []
    context = pages.context(None)
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.goto(f"/join#token={token}")
    page.wait_for_selector("input[name=display_name]")
    assert page.url.endswith("/join"), "the fragment is wiped from the address bar"
    page.fill("input[name=display_name]", "Ms New")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: not url.endswith("/join"))
    assert db.session.query(User).filter_by(email="new@example.org").one()
    assert not [url for url in seen if token in url], "no request URL carries the token"
    log = live_server.log_path.read_text() if live_server.log_path else ""
    assert token not in log, "the token reached the server's log"
