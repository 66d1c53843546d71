"""HTTP rate limits on sign-in, uploads and posting answer with a clear message."""

from __future__ import annotations

from exchange import create_app
from exchange.limits import limited_endpoints
from tests.factories import make_world


def _limited_app(database_url, tmp_path, **limits):
    config = {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret",
        "ASYNC_MODE": "threading",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_DIR": str(tmp_path),
        **limits,
    }
    return create_app(config)


def test_sign_in_upload_and_posting_routes_all_carry_limits(app):
    limited = limited_endpoints(app)
    for endpoint in (
        "accounts.sign_in_staff",
        "accounts.pupil_secret",
        "api_accounts.sign_in_pupil",
        "api_accounts.sign_in_with_card",
        "api_space.create_post",
        "api_space.upload_images",
        "api_space.create_comment",
        "api_live.send_message",
    ):
        assert endpoint in limited


def test_too_many_sign_in_attempts_from_one_address_get_a_clear_answer(app, database_url, tmp_path):
    world = make_world()
    limited = _limited_app(database_url, tmp_path, RATELIMIT_SIGN_IN="3 per minute")
    browser = limited.test_client()
    answers = [
        browser.post("/api/v1/session/pupil/class", json={"class_code": world.class_a.code})
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "Too many requests" in answers[-1].json["message"]
    page = limited.test_client().post("/sign-in", data={"email": "x@example.org", "password": "y"})
    assert page.status_code != 429, "each address and route has its own budget"
    assert browser.get("/sign-in").status_code == 200, "reading the page is never limited"
