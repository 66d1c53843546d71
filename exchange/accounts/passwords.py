"""Hashing and checking secrets: staff passwords, pupils' PINs and picture passwords (argon2)."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from exchange.errors import Invalid

MIN_LENGTH = 8
# Long enough for any passphrase; the cap only stops someone making us hash megabytes.
MAX_LENGTH = 1024

_DEFAULT = PasswordHasher()
# The test suite hashes thousands of secrets; cheap parameters keep it fast. Never in production:
# only Flask's TESTING flag (never read from the environment) selects them.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# A fixed hash to verify against when the account does not exist, so both paths cost the same.
_DUMMY_PASSWORD = "no account has this password"  # noqa: S105 - used only to equalise timing


def hasher() -> PasswordHasher:
    """The argon2 hasher in use (argon2id with the library's recommended parameters)."""
    if has_app_context() and current_app.config.get("TESTING"):
        return _CHEAP
    return _DEFAULT


def hash_secret(secret: str) -> str:
    """Hash a password, PIN or picture sequence; the whole string counts, nothing is truncated."""
    return hasher().hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True when `secret` matches `stored_hash`; a missing or corrupt hash never matches."""
    if not stored_hash:
        burn_time()
        return False
    try:
        return hasher().verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when a hash was made with older parameters and should be replaced at sign-in."""
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def burn_time() -> None:
    """Spend the time of one verification (used when there is no account to check)."""
    verify_secret(_dummy_hash(), "not the dummy password")


def _dummy_hash() -> str:
    """A hash with the current parameters, made once per hasher."""
    return _dummy_for(hasher() is _CHEAP)


@functools.cache
def _dummy_for(cheap: bool) -> str:
    """The dummy hash for the cheap or the default parameters."""
    return (_CHEAP if cheap else _DEFAULT).hash(_DUMMY_PASSWORD)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, normalised."""
    text = resources.files("exchange.accounts").joinpath("data/common_passwords.txt").read_text()
    lines = (line.strip() for line in text.splitlines())
    return frozenset(_normalise(line) for line in lines if line and not line.startswith("#"))


def _normalise(password: str) -> str:
    """Lower case without spaces, so "Pass Word1" counts as "password1"."""
    return "".join(password.lower().split())


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse a staff password that is short, common or made of the account's own details."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"Use at least {MIN_LENGTH} characters for your password.", field="password")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"Use at most {MAX_LENGTH} characters for your password.", field="password")
    plain = _normalise(password)
    if plain in common_passwords() or len(set(plain)) <= 2:
        raise Invalid(
            "That password is too common and easy to guess. Try a few unrelated words.",
            field="password",
        )
    own = {_normalise(email), _normalise(email.partition("@")[0]), _normalise(name)}
    if plain in own - {""}:
        raise Invalid("Your password must not be your name or email address.", field="password")


def token_digest(token: str) -> str:
    """The stored form of a long random token (invitation, login card): SHA-256, hex.

    Tokens carry at least 128 random bits, so a fast hash is enough: nobody can guess them,
    and the database alone never lets anyone use one.
    """
    return hashlib.sha256(token.encode()).hexdigest()
