"""Small helpers the accounts services share: finding what a user may see, clean text, commits."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db

T = TypeVar("T")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


MAX_ID = 2**31 - 1  # PostgreSQL integer keys; a larger number names nothing


def get_row(model: type[T], ident: Any) -> T | None:
    """The row with this id, or None (also for ids no row can have: not ints, < 1, too big)."""
    if isinstance(ident, bool) or not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def find(model: type[T], ident: Any, what: str, allowed: Callable[[T], bool] | None = None) -> T:
    """The row with this id, or NotFound when it is missing or this user may not know of it."""
    row = get_row(model, ident)
    if row is None or (allowed is not None and not allowed(row)):
        raise NotFound(f"We could not find that {what}.")
    return row


def require(allowed: bool, message: str) -> None:
    """Refuse with Forbidden unless `allowed`."""
    if not allowed:
        raise Forbidden(message)


def clean_text(value: Any, label: str, max_length: int, *, field: str, min_length: int = 1) -> str:
    """Trimmed single-line text with a length check and a plain-words refusal."""
    text = " ".join(str(value or "").split())
    if len(text) < min_length:
        raise Invalid(f"Please give the {label}.", field=field)
    if len(text) > max_length:
        raise Invalid(f"The {label} can be at most {max_length} characters.", field=field)
    return text


def clean_email(value: Any, field: str = "email") -> str:
    """A lower-cased email address, or Invalid."""
    email = str(value or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise Invalid("Please give a valid email address, like name@school.org.uk.", field=field)
    return email


def parse_enum(enum_cls: type[T], value: Any, label: str, field: str) -> T:
    """An enum member from its value, or Invalid naming the choices."""
    try:
        return enum_cls(value)  # type: ignore[call-arg]
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum_cls)  # type: ignore[attr-defined]
        raise Invalid(f"The {label} must be one of: {choices}.", field=field) from None


def commit_or_conflict(message: str, field: str | None = None) -> None:
    """Commit; a unique constraint that another request won first becomes a Conflict."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message, field=field) from None
