"""What the moderation pages share: who is asking, where to go back to, quick phrases."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import request
from flask_login import current_user, login_required

from exchange import authz
from exchange.errors import Forbidden

# Quick phrases for returning work: the common reasons, kind and specific, in a pupil's words.
QUICK_PHRASES = [
    "Lovely! Please take out your street name.",
    "Please take out your surname.",
    "Please take out anything that says where you live.",
    "Please don't share usernames, phone numbers or email addresses.",
    "Please take out your friend's name and ask them first.",
    "Great start! Can you say a bit more?",
    "Please check your spelling and send it again.",
    "Please make this kinder before we share it.",
]


def actor() -> Any:
    """The signed-in user behind this request (Flask-Login's proxy resolved)."""
    return current_user._get_current_object()


def staff_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page for staff: anonymous visitors sign in first, pupils are refused."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not authz.is_staff(actor()):
            raise Forbidden("This page is for teachers and facilitators.")
        return view(*args, **kwargs)

    return login_required(wrapper)


def back_to(default: str) -> str:
    """The local page a form asked to return to (`next`), else `default`; never another site."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default
