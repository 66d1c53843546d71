"""What the accounts pages share: the signed-in user, refusals on forms, link URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user
from flask_wtf import FlaskForm

from exchange.accounts.forms import apply_error
from exchange.errors import DomainError


def actor() -> Any:
    """The signed-in user behind this request (Flask-Login's proxy resolved)."""
    return current_user._get_current_object()


def refused(form: FlaskForm, exc: DomainError) -> int:
    """Put a service's refusal on the form and return the status the page answers with."""
    apply_error(form, exc)
    return exc.status


def safe_next(target: str | None) -> str | None:
    """A path on this site to go back to after signing in; anything else (another host) is None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if urlsplit(target).netloc:
        return None
    return target


def public_url(path: str) -> str:
    """An absolute URL for a path: PUBLIC_ORIGIN when set (behind a proxy), else this request's."""
    origin = current_app.config.get("PUBLIC_ORIGIN") or request.host_url
    return origin.rstrip("/") + path
