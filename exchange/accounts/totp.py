"""Two-step sign-in for staff: a time-based code (TOTP, RFC 6238) from an authenticator app.

Optional for every staff account; an admin can require it for a district, and then the
district's facilitators and teachers set it up at their next sign-in. A code is accepted once
(a code seen over a shoulder cannot be replayed), wrong codes count against the account's
sign-in throttle like wrong passwords, and an admin can reset a lost authenticator.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

import pyotp
from sqlalchemy import select

from exchange import authz
from exchange.accounts import credentials, sessions, throttle
from exchange.accounts.models import District, LoginThrottle, Role, User
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db

ISSUER = "Linking Exchange"
DIGITS = 6
PERIOD = 30
# One step either side: a phone clock a little out, or a code typed as it changes.
WINDOW = 1
WRONG_CODE = "That code is not right. Check the time on your phone and try the newest code."
CODE_LOCKED = "Too many wrong codes for this account."


# ----- who needs what -----------------------------------------------------------------------


def enrolled(user: Any) -> bool:
    """Has this staff member set up two-step sign-in?"""
    return authz.is_staff(user) and bool(user.totp_secret)


def required(user: Any) -> bool:
    """Does the user's district require two-step sign-in? (Admins belong to no district.)"""
    if not authz.is_staff(user) or user.district_id is None:
        return False
    district = db.session.get(District, user.district_id)
    return bool(district and district.require_totp)


def next_step(user: User) -> str | None:
    """What a staff member must do after a right password: "code", "enrol", or nothing."""
    if enrolled(user):
        return "code"
    if required(user):
        return "enrol"
    return None


# ----- secrets and codes --------------------------------------------------------------------


def new_secret() -> str:
    """A fresh 160-bit base32 secret (pyotp draws it from `secrets`)."""
    return pyotp.random_base32(length=32)


def setup_view(user: User, secret: str) -> dict[str, str]:
    """What an authenticator app needs: the otpauth URI, as a QR code (SVG) and as a key."""
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"otpauth_uri": uri, "qr_svg": credentials.qr_data_uri(uri), "secret": spaced}


def _clean_code(code: Any) -> str | None:
    """Six digits, with the spaces some apps show taken out; anything else is None."""
    if not isinstance(code, str):
        return None
    digits = "".join(code.split())
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code this is (within the window), or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    step = int(now // PERIOD)
    found = None
    for offset in range(-WINDOW, WINDOW + 1):
        expected = totp.generate_otp(step + offset)
        if hmac.compare_digest(expected, code):
            found = step + offset
    return found


def _throttle_key(user_id: int) -> str:
    """Wrong codes count apart from wrong passwords: a right password must not clear them."""
    return f"totp:{user_id}"


def _used_key(user_id: int) -> str:
    """Where the last accepted time step of an account is kept (for replay refusal)."""
    return f"totp-used:{user_id}"


def _last_used_step(user_id: int) -> int:
    row = db.session.get(LoginThrottle, _used_key(user_id))
    return int(row.note) if row is not None and row.note.isdigit() else -1


def _remember_step(user_id: int, step: int) -> None:
    row = db.session.get(LoginThrottle, _used_key(user_id))
    if row is None:
        row = LoginThrottle(key=_used_key(user_id), failures=0)
        db.session.add(row)
    row.note = str(step)


def _check(user: User, secret: str, code: Any, now: float | None = None) -> None:
    """Accept a code once, or count a failure against the account (throttled like passwords).

    Raises Invalid (field "code") for a wrong or reused code, TooMany when locked.
    """
    key = _throttle_key(user.id)
    throttle.check(key, throttle.STAFF, CODE_LOCKED)
    cleaned = _clean_code(code)
    step = _matching_step(secret, cleaned, now or time.time()) if cleaned else None
    if step is None or step <= _last_used_step(user.id):
        throttle.record_failure(key, throttle.STAFF)
        db.session.commit()
        if cleaned is None:
            raise Invalid("Type the 6-digit code from your authenticator app.", field="code")
        raise Invalid(WRONG_CODE, field="code")
    _remember_step(user.id, step)
    throttle.clear(key)


def verify_code(user: User, code: Any, now: float | None = None) -> User:
    """The second step of signing in: the code from the user's authenticator app."""
    if not enrolled(user):
        raise Conflict("Two-step sign-in is not set up for this account.")
    _check(user, user.totp_secret, code, now)
    db.session.commit()
    return user


def enrol(user: User, secret: str, code: Any, now: float | None = None) -> User:
    """Turn two-step sign-in on with the secret shown to the user and a code proving their app
    has it. The user's other sessions end (caller starts a fresh one here)."""
    if not authz.is_staff(user):
        raise NotFound("Two-step sign-in is for staff accounts.")
    if not isinstance(secret, str) or len(secret) != 32:
        raise Invalid("Start setting up two-step sign-in again.", field="code")
    _check(user, secret, code, now)
    user.totp_secret = secret
    sessions.revoke_sessions(user)
    db.session.commit()
    return user


def disable(user: User, code: Any, now: float | None = None) -> User:
    """Turn two-step sign-in off (with a current code), unless the district requires it."""
    if not enrolled(user):
        raise Conflict("Two-step sign-in is not on for this account.")
    if required(user):
        raise Conflict("Your district requires two-step sign-in, so it stays on.")
    _check(user, user.totp_secret, code, now)
    user.totp_secret = None
    sessions.revoke_sessions(user)
    db.session.commit()
    return user


def second_step_for_api(user: User, code: Any) -> None:
    """The API's sign-in: password and code in one request (nothing to keep in between)."""
    step = next_step(user)
    if step == "enrol":
        raise Forbidden(
            "Your district requires two-step sign-in. Sign in in the browser once to set it up."
        )
    if step == "code":
        verify_code(user, code)


# ----- what admins do -----------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not authz.is_staff(actor) or actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator can do this.")


def reset(actor: Any, user_id: int) -> User:
    """An admin clears a staff member's lost authenticator; they set it up again (if their
    district requires it, at their next sign-in). Their sessions end."""
    _require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("That staff account does not exist.")
    if not user.totp_secret:
        raise Conflict(f"{user.display_name} has no two-step sign-in to reset.")
    user.totp_secret = None
    sessions.revoke_sessions(user)
    used = db.session.get(LoginThrottle, _used_key(user.id))
    if used is not None:
        db.session.delete(used)
    db.session.commit()
    return user


def set_required(actor: Any, district_id: int, on: bool) -> District:
    """An admin requires (or stops requiring) two-step sign-in for a district's staff."""
    _require_admin(actor)
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    district.require_totp = bool(on)
    db.session.commit()
    return district


def overview(actor: Any) -> dict[str, Any]:
    """For the admin page: every district's setting and the staff who have it on."""
    _require_admin(actor)
    districts = list(db.session.scalars(select(District).order_by(District.name)))
    staff = list(
        db.session.scalars(
            select(User).where(User.totp_secret.is_not(None)).order_by(User.display_name)
        )
    )
    return {"districts": districts, "enrolled": staff}
