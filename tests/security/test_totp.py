"""Two-step sign-in for staff (TOTP): set up, sign in with a code, replay and throttling,
a district that requires it, the admin's reset, the API, and who may do what."""

from __future__ import annotations

import time

import pyotp
import pytest

from exchange.accounts import totp
from exchange.accounts.models import LoginThrottle
from exchange.extensions import db
from tests.factories import PASSWORD, ROLES


def code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator app's code, now or a step later (a later step is a fresh code)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(user, steps_ahead: int = 0) -> str:
    """Turn two-step sign-in on for a user through the service; returns the secret."""
    secret = totp.new_secret()
    totp.enrol(user, secret, code(secret, steps_ahead))
    return secret


def password_step(client, user, next_url: str | None = None):
    """Post the staff sign-in form with the right password."""
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def signed_in(client) -> bool:
    """Is this browser signed in?"""
    return client.get("/api/v1/session").get_json()["signed_in"]


# ----- setting it up ------------------------------------------------------------------------


def test_staff_without_two_step_sign_in_with_their_password_alone(client, world):
    response = password_step(client, world.teacher_a)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


def test_setting_up_shows_a_qr_code_and_key_and_needs_a_right_code(app, world, as_user):
    browser = as_user(world.teacher_a)
    other_device = as_user(world.teacher_a)
    page = browser.get("/account/two-step/setup")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    assert "Cannot scan?" in html
    with browser.session_transaction() as sess:
        secret = sess["two_step_secret"]
    wrong = browser.post("/account/two-step/setup", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.get_data(as_text=True)
    db.session.refresh(world.teacher_a)
    assert world.teacher_a.totp_secret is None, "a wrong code turns nothing on"
    right = browser.post("/account/two-step/setup", data={"code": code(secret)})
    assert right.status_code == 302
    db.session.refresh(world.teacher_a)
    assert world.teacher_a.totp_secret == secret
    assert signed_in(browser), "this browser carries on"
    assert not signed_in(other_device), "other devices are signed out"
    assert "is <strong>on</strong>" in browser.get("/account/two-step").get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required"),
        ("12345", "Type the 6-digit code"),
        ("1234567", "Type the 6-digit code"),
        ("abcdef", "Type the 6-digit code"),
        ("１２３４５６", "Type the 6-digit code"),
        ("000000", "That code is not right"),
    ],
    ids=["empty", "five-digits", "seven-digits", "letters", "full-width-digits", "wrong"],
)
def test_bad_codes_are_refused_with_a_clear_message(client, world, typed, message):
    secret = enrol(world.teacher_a)
    password_step(client, world.teacher_a)
    response = client.post("/sign-in/code", data={"code": typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not signed_in(client)
    assert world.teacher_a.totp_secret == secret


# ----- signing in ---------------------------------------------------------------------------


def test_the_code_comes_after_the_password_and_only_then_is_one_signed_in(client, world):
    secret = enrol(world.teacher_a)
    response = password_step(client, world.teacher_a, next_url="/queue")
    assert response.headers["Location"] == "/sign-in/code"
    assert not signed_in(client), "a right password alone does not sign in"
    assert client.get("/queue").status_code in (302, 401)
    page = client.get("/sign-in/code")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    spaced = code(secret, 1)
    response = client.post("/sign-in/code", data={"code": f"{spaced[:3]} {spaced[3:]}"})
    assert response.status_code == 302 and response.headers["Location"] == "/queue"
    assert signed_in(client)


def test_a_code_is_accepted_once(app, world):
    secret = enrol(world.teacher_a)
    used = code(secret, 1)
    first, second = app.test_client(), app.test_client()
    password_step(first, world.teacher_a)
    assert first.post("/sign-in/code", data={"code": used}).status_code == 302
    password_step(second, world.teacher_a)
    replay = second.post("/sign-in/code", data={"code": used})
    assert replay.status_code == 422 and not signed_in(second)


def test_wrong_codes_slow_the_account_down_and_a_right_password_does_not_reset_that(app, world):
    secret = enrol(world.teacher_a)
    client = app.test_client()
    for _ in range(10):
        password_step(client, world.teacher_a)
        client.post("/sign-in/code", data={"code": "000000"})
    password_step(client, world.teacher_a)
    response = client.post("/sign-in/code", data={"code": code(secret, 1)})
    assert response.status_code == 429, "even the right code waits"
    assert "Please wait" in response.get_data(as_text=True)
    assert not signed_in(client)
    # Another account is not affected.
    assert password_step(app.test_client(), world.teacher_b).headers["Location"] == "/"


def test_the_code_page_needs_a_fresh_right_password(client, world):
    enrol(world.teacher_a)
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    password_step(client, world.teacher_a)
    with client.session_transaction() as sess:
        pending = dict(sess["two_step_pending"])
        pending["at"] -= 6 * 60
        sess["two_step_pending"] = pending
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_a_reset_between_password_and_code_sends_one_back_to_the_start(client, world):
    secret = enrol(world.teacher_a)
    password_step(client, world.teacher_a)
    totp.reset(world.admin, world.teacher_a.id)
    response = client.post("/sign-in/code", data={"code": code(secret, 1)})
    assert response.headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_a_planted_session_does_not_survive_the_two_steps(client, world):
    secret = enrol(world.teacher_a)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    password_step(client, world.teacher_a)
    with client.session_transaction() as sess:
        assert "planted" not in sess
    client.post("/sign-in/code", data={"code": code(secret, 1)})
    with client.session_transaction() as sess:
        assert "planted" not in sess and "two_step_pending" not in sess


# ----- a district that requires it ----------------------------------------------------------


def test_staff_of_a_district_that_requires_it_set_it_up_at_their_next_sign_in(client, world):
    totp.set_required(world.admin, world.district.id, True)
    response = password_step(client, world.teacher_a)
    assert response.headers["Location"] == "/sign-in/two-step-setup"
    assert not signed_in(client)
    page = client.get("/sign-in/two-step-setup")
    assert "Your district asks every member of staff" in page.get_data(as_text=True)
    with client.session_transaction() as sess:
        secret = sess["two_step_secret"]
    assert client.post("/sign-in/two-step-setup", data={"code": "000000"}).status_code == 422
    assert not signed_in(client)
    response = client.post("/sign-in/two-step-setup", data={"code": code(secret)})
    assert response.status_code == 302 and signed_in(client)
    assert world.teacher_a.totp_secret == secret


def test_other_districts_and_admins_are_not_asked(app, world):
    totp.set_required(world.admin, world.district.id, True)
    assert password_step(app.test_client(), world.other_facilitator).headers["Location"] == "/"
    assert password_step(app.test_client(), world.admin).headers["Location"] == "/"


def test_it_cannot_be_turned_off_where_the_district_requires_it(as_user, world):
    secret = enrol(world.teacher_a)
    totp.set_required(world.admin, world.district.id, True)
    browser = as_user(world.teacher_a)
    response = browser.post("/account/two-step/off", data={"code": code(secret, 1)})
    assert response.status_code == 409
    assert world.teacher_a.totp_secret == secret


def test_it_can_be_turned_off_with_a_current_code(as_user, world):
    secret = enrol(world.teacher_a)
    browser = as_user(world.teacher_a)
    assert browser.post("/account/two-step/off", data={"code": "000000"}).status_code == 422
    assert world.teacher_a.totp_secret == secret
    response = browser.post("/account/two-step/off", data={"code": code(secret, 1)})
    assert response.status_code == 302
    db.session.refresh(world.teacher_a)
    assert world.teacher_a.totp_secret is None
    assert signed_in(browser)


# ----- the admin ----------------------------------------------------------------------------


def test_an_admin_resets_a_lost_authenticator_and_the_user_is_signed_out(as_user, world):
    enrol(world.teacher_a)
    teacher = as_user(world.teacher_a)
    admin = as_user(world.admin)
    page = admin.get("/admin/two-step").get_data(as_text=True)
    assert world.teacher_a.email in page
    response = admin.post(f"/admin/two-step/staff/{world.teacher_a.id}/reset")
    assert response.status_code == 302
    db.session.refresh(world.teacher_a)
    assert world.teacher_a.totp_secret is None
    assert not signed_in(teacher)
    assert db.session.get(LoginThrottle, f"totp-used:{world.teacher_a.id}") is None
    again = admin.post(f"/admin/two-step/staff/{world.teacher_a.id}/reset")
    assert again.status_code == 409, "nothing to reset"
    assert admin.post("/admin/two-step/staff/999999/reset").status_code == 404


def test_an_admin_requires_it_for_a_district_and_makes_it_optional_again(as_user, world):
    admin = as_user(world.admin)
    admin.post(f"/admin/two-step/districts/{world.district.id}", data={"required": "on"})
    assert world.district.require_totp is True
    admin.post(f"/admin/two-step/districts/{world.district.id}", data={"required": "off"})
    db.session.refresh(world.district)
    assert world.district.require_totp is False
    assert (
        admin.post("/admin/two-step/districts/999999", data={"required": "on"}).status_code == 404
    )


ADMIN_ROUTES = [
    ("get", "/admin/two-step"),
    ("post", "/admin/two-step/districts/{district}"),
    ("post", "/admin/two-step/staff/{teacher}/reset"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_only_admins_reach_the_admin_controls(as_user, client, world, role, method, path):
    enrol(world.teacher_a)
    browser = client if role == "anonymous" else as_user(world.actor(role))
    url = path.format(district=world.district.id, teacher=world.teacher_a.id)
    response = getattr(browser, method)(url, data={"required": "on"})
    if role == "admin":
        assert response.status_code in (200, 302)
    elif role == "anonymous":
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    else:
        assert response.status_code == 403
    db.session.refresh(world.district)
    db.session.refresh(world.teacher_a)
    if role != "admin":
        assert world.district.require_totp is False
        assert world.teacher_a.totp_secret is not None


@pytest.mark.parametrize("role", ROLES)
def test_account_security_is_for_staff(as_user, client, world, role):
    browser = client if role == "anonymous" else as_user(world.actor(role))
    response = browser.get("/account/two-step")
    if role == "anonymous":
        assert response.status_code == 302
    elif role.startswith("pupil"):
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert "Two-step sign-in" in response.get_data(as_text=True)


# ----- the API ------------------------------------------------------------------------------


def test_the_api_asks_for_the_code_in_the_same_request(client, world):
    secret = enrol(world.teacher_a)
    body = {"email": world.teacher_a.email, "password": PASSWORD}
    missing = client.post("/api/v1/session/staff", json=body)
    assert missing.status_code == 422 and missing.get_json()["field"] == "code"
    assert not signed_in(client)
    wrong = client.post("/api/v1/session/staff", json={**body, "code": "000000"})
    assert wrong.status_code == 422
    right = client.post("/api/v1/session/staff", json={**body, "code": code(secret, 1)})
    assert right.status_code == 200 and right.get_json()["signed_in"]


def test_the_api_refuses_staff_who_must_set_it_up_first(client, world):
    totp.set_required(world.admin, world.district.id, True)
    body = {"email": world.teacher_a.email, "password": PASSWORD}
    response = client.post("/api/v1/session/staff", json=body)
    assert response.status_code == 403
    assert "Sign in in the browser once" in response.get_json()["message"]
    assert not signed_in(client)


def test_the_api_sets_it_up_turns_it_off_and_admins_control_it(as_user, world):
    browser = as_user(world.teacher_b)
    assert browser.get("/api/v1/account/two-step").get_json() == {
        "enrolled": False,
        "required": False,
    }
    assert browser.put("/api/v1/account/two-step", json={"code": "123456"}).status_code == 409
    setup = browser.post("/api/v1/account/two-step").get_json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert setup["qr_svg"].startswith("data:image/svg+xml;base64,")
    secret = setup["secret"].replace(" ", "")
    assert browser.put("/api/v1/account/two-step", json={"code": "000000"}).status_code == 422
    confirmed = browser.put("/api/v1/account/two-step", json={"code": code(secret)})
    assert confirmed.status_code == 200 and confirmed.get_json()["enrolled"] is True
    assert browser.post("/api/v1/account/two-step").status_code == 409
    off = browser.delete("/api/v1/account/two-step", json={"code": code(secret, 1)})
    assert off.status_code == 200 and off.get_json()["enrolled"] is False

    enrol(world.teacher_a)
    teacher = as_user(world.teacher_a)
    url = f"/api/v1/districts/{world.district.id}/two-step"
    assert teacher.put(url, json={"required": True}).status_code == 403
    assert teacher.delete(f"/api/v1/staff/{world.teacher_a.id}/two-step").status_code == 403
    admin = as_user(world.admin)
    assert admin.put(url, json={"required": True}).get_json()["require_totp"] is True
    reset = admin.delete(f"/api/v1/staff/{world.teacher_a.id}/two-step")
    assert reset.status_code == 200 and reset.get_json()["enrolled"] is False
    pupil = as_user(world.pupil_a)
    assert pupil.get("/api/v1/account/two-step").status_code == 404
