"""Signing in and out: staff by email and password, pupils by class code and credential or card."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from exchange import authz
from exchange.accounts import credentials, passwords, sessions, throttle
from exchange.accounts.lookup import clean_email, clean_text, commit_or_conflict, get_row
from exchange.accounts.models import Classroom, Pupil, Role, User
from exchange.errors import Conflict, Invalid, NotFound
from exchange.extensions import db

_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
WRONG_STAFF = "That email and password do not match an account."
DEVICE_LOCKED = "Too many wrong tries on this device: ask your teacher to unlock the class."


def valid_device_id(device_id: str | None) -> bool:
    """A device id the server could have made (random, URL-safe, 16-64 characters)."""
    return bool(device_id) and bool(_DEVICE_ID.match(device_id or ""))


def _require_device(device_id: str) -> str:
    """Every pupil sign-in comes from a device with an id (a cookie the server sets)."""
    if not valid_device_id(device_id):
        raise Invalid("This browser needs cookies turned on to sign in.", field="device_id")
    return device_id


def sign_in_staff(email: str, password: str) -> User:
    """Check a staff member's email and password; throttled per account, never per IP."""
    address = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is None:
        passwords.burn_time()
        raise Invalid(WRONG_STAFF)
    key = throttle.staff_key(user.id)
    throttle.check(key, throttle.STAFF, "Too many wrong passwords for this account.")
    if not passwords.verify_secret(user.password_hash, password or "") or not user.active:
        throttle.record_failure(key, throttle.STAFF)
        db.session.commit()
        raise Invalid(WRONG_STAFF)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_secret(password)
    throttle.clear(key)
    db.session.commit()
    return user


def find_class_by_code(class_code: str, device_id: str) -> Classroom:
    """The class with this code; a wrong code counts against the device."""
    device = throttle.device_key(_require_device(device_id))
    throttle.check(device, throttle.DEVICE, DEVICE_LOCKED)
    code = credentials.normalise_class_code(class_code)
    classroom = None
    if code and len(code) <= 12:
        classroom = db.session.scalar(select(Classroom).where(Classroom.code == code))
    if classroom is None:
        throttle.record_failure(device, throttle.DEVICE)
        db.session.commit()
        raise NotFound(
            f"There is no class with the code {code or '(empty)'}. "
            "Check the code with your teacher.",
            field="class_code",
        )
    return classroom


def pupils_for_sign_in(class_code: str, device_id: str) -> tuple[Classroom, list[Pupil]]:
    """The class and the names its pupils pick from on the sign-in screen."""
    classroom = find_class_by_code(class_code, device_id)
    return classroom, [p for p in classroom.pupils if p.active]


def sign_in_pupil(class_code: str, pupil_id: int, secret: str, device_id: str) -> Pupil:
    """Check a pupil's PIN or picture password, throttled per pupil, device and class code."""
    classroom = find_class_by_code(class_code, device_id)
    device = throttle.device_key(device_id)
    klass = throttle.class_key(classroom.id)
    throttle.check(
        klass, throttle.CLASS, "Too many wrong tries in this class: ask your teacher to unlock it."
    )
    pupil = get_row(Pupil, pupil_id)
    if pupil is None or pupil.classroom_id != classroom.id or not pupil.active:
        throttle.record_failure(device, throttle.DEVICE, note=klass)
        db.session.commit()
        raise NotFound(f"That name is not in {classroom.name}.", field="pupil_id")
    key = throttle.pupil_key(pupil.id)
    throttle.check(key, throttle.PUPIL, "Too many wrong tries: ask your teacher to unlock you.")
    try:
        attempt = credentials.canonical_secret(pupil.credential_kind, secret)
    except Invalid:
        attempt = None
    if attempt is None or not passwords.verify_secret(pupil.credential_hash, attempt):
        throttle.record_failure(key, throttle.PUPIL)
        throttle.record_failure(device, throttle.DEVICE, note=klass)
        throttle.record_failure(klass, throttle.CLASS)
        db.session.commit()
        what = "PIN" if pupil.credential_kind == "pin" else "pictures"
        raise Invalid(f"Those are not the right {what}. Try again.", field="secret")
    throttle.clear(key)
    db.session.commit()
    return pupil


def sign_in_with_card(token: str, device_id: str) -> Pupil:
    """Sign a pupil in with the token from their printed login card."""
    device = throttle.device_key(_require_device(device_id))
    throttle.check(device, throttle.DEVICE, DEVICE_LOCKED)
    pupil = None
    if token and len(token) < 200:
        digest = passwords.token_digest(token)
        pupil = db.session.scalar(select(Pupil).where(Pupil.card_token_hash == digest))
    if pupil is None or not pupil.active:
        throttle.record_failure(device, throttle.DEVICE)
        db.session.commit()
        raise NotFound(
            "This login card no longer works. Ask your teacher for a new one.", field="token"
        )
    return pupil


def sign_out(actor: Any) -> None:
    """Sign out everywhere: every session of this account stops working."""
    if authz.is_signed_in(actor):
        sessions.revoke_sessions(actor)
        db.session.commit()


def change_password(user: Any, current_password: str, new_password: str) -> User:
    """A staff member changes their password; their other sessions end."""
    if not authz.is_staff(user):
        raise NotFound("We could not find that account.")
    key = throttle.staff_key(user.id)
    throttle.check(key, throttle.STAFF, "Too many wrong passwords for this account.")
    if not passwords.verify_secret(user.password_hash, current_password or ""):
        throttle.record_failure(key, throttle.STAFF)
        db.session.commit()
        raise Invalid("Your current password is not right.", field="current_password")
    passwords.check_password_policy(new_password, email=user.email, name=user.display_name)
    if passwords.verify_secret(user.password_hash, new_password):
        raise Invalid("Choose a password different from the current one.", field="password")
    user.password_hash = passwords.hash_secret(new_password)
    sessions.revoke_sessions(user)
    db.session.commit()
    return user


def create_admin(email: str, password: str, display_name: str = "Administrator") -> User:
    """Create an installation admin (from the command line)."""
    address = clean_email(email)
    name = clean_text(display_name, "name", 120, field="display_name", min_length=2)
    passwords.check_password_policy(password, email=address, name=name)
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict(f"{address} already has an account.", field="email")
    user = User(
        role=Role.ADMIN,
        email=address,
        display_name=name,
        password_hash=passwords.hash_secret(password),
    )
    db.session.add(user)
    commit_or_conflict(f"{address} already has an account.", field="email")
    return user
