"""CSRF on every unsafe route, session fixation, and a replayed cookie after sign-out."""

from __future__ import annotations

import re

import pytest

from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.space.models import ItemReaction, Post
from tests.conftest import sign_in_client
from tests.factories import PASSWORD, make_world
from tests.space.conftest import send_post

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & UNSAFE):
            url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
            routes.append((method, url))
    return sorted(set(routes))


def test_every_unsafe_route_refuses_a_missing_or_wrong_csrf_token(csrf_app):
    world = make_world()
    routes = _unsafe_routes(csrf_app)
    assert len(routes) > 50
    accepted = []
    for actor in (world.teacher_a, None):
        browser = sign_in_client(csrf_app, actor)
        for method, url in routes:
            missing = browser.open(url, method=method, data={"x": "1"})
            wrong = browser.open(
                url,
                method=method,
                data={"csrf_token": "not-the-token"},
                headers={"X-CSRFToken": "not-the-token"},
            )
            for response in (missing, wrong):
                if response.status_code != 400 or b"CSRF" not in response.data.upper():
                    accepted.append((actor and actor.actor_key, method, url, response.status_code))
    assert accepted == []


def test_sign_in_starts_a_fresh_session(csrf_app):
    """Session fixation: values planted before sign-in do not survive it."""
    world = make_world()
    browser = csrf_app.test_client()
    page = browser.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    with browser.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    response = browser.post(
        "/sign-in",
        data={"csrf_token": token, "email": world.teacher_a.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    with browser.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == world.teacher_a.get_id()


def test_a_cookie_replayed_after_sign_out_is_not_signed_in(app):
    world = make_world()
    browser = sign_in_client(app, world.teacher_a)
    assert browser.get("/queue").status_code == 200
    cookie = browser.get_cookie("session").value
    assert browser.post("/sign-out").status_code == 302
    db.session.expire_all()
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/queue")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/sign-in", "/card"])
def test_no_token_or_code_in_sign_in_urls(client, path):
    page = client.get(path).get_data(as_text=True)
    assert "?token=" not in page and "?code=" not in page


def test_every_form_of_a_page_carries_the_one_token_that_works(csrf_app):
    # A space renders a form per card (comment, react, withdraw...): each carries the
    # request's token, made once, and a form posted with it is accepted.
    world = make_world()
    moderation.approve(world.teacher_a, send_post(world.pupil_a, world.link, title="Pond").item_id)
    browser = sign_in_client(csrf_app, world.pupil_b)
    page = browser.get(f"/links/{world.link.id}/space").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert len(tokens) >= 2 and len(set(tokens)) == 1
    item = db.session.scalar(db.select(Post.item_id).where(Post.title == "Pond"))
    reacted = browser.post(
        f"/items/{item}/react", data={"csrf_token": tokens[0], "reaction": "clap"}
    )
    assert reacted.status_code in (200, 302), reacted.status_code
    given = db.session.scalars(
        db.select(ItemReaction.actor_key).where(ItemReaction.item_id == item)
    )
    assert given.all() == [world.pupil_b.actor_key]
