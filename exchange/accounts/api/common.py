"""What the accounts API modules share: documented refusals and the signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from exchange import authz
from exchange.accounts.schemas import RefusalSchema

REFUSALS = {
    401: "Not signed in.",
    403: "Signed in, but not allowed to do this.",
    404: "No such thing, or not one this user may see.",
    409: "Not in a state that allows this (already done, duplicate).",
    410: "No longer usable (an expired or used invitation).",
    422: "The input is wrong; nothing was changed.",
    429: "Too many wrong tries: wait, or ask a teacher to unlock.",
}


def refusals(*codes: int) -> Callable[[Any], Any]:
    """Document the refusals an endpoint may answer with (all share RefusalSchema)."""
    from exchange.accounts.api import blp

    def decorate(func: Any) -> Any:
        """Add one alt_response per status."""
        for code in codes:
            func = blp.alt_response(code, schema=RefusalSchema, description=REFUSALS[code])(func)
        return func

    return decorate


def session_body() -> dict[str, Any]:
    """The session answer: who is signed in on this browser and a CSRF token."""
    # Signing in or out starts a fresh session: drop a token cached on `g` for the old one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    user = actor()
    signed_in = authz.is_signed_in(user)
    return {
        "signed_in": signed_in,
        "user": user if signed_in else None,
        "csrf_token": generate_csrf(),
    }


def actor() -> Any:
    """The signed-in user (the Flask-Login proxy resolved)."""
    return current_user._get_current_object()
