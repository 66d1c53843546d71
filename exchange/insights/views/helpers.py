"""What the insights pages share: the signed-in user, running a form's action, filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, flash, redirect
from flask_login import current_user

from exchange.errors import DomainError, Forbidden, NotFound
from exchange.insights import dates
from exchange.insights.views import bp


def me() -> Any:
    """The signed-in user behind this request (Flask-Login's proxy resolved)."""
    return current_user._get_current_object()


def run(action: Callable[[], Any], success: str, back: str) -> Response:
    """Run a service from a form; say what happened (or why not) on the page it came from.

    Someone who may not act at all gets the refusal page with its status (403, 404) instead.
    """
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(success, "success")
    return redirect(back, code=303)


@bp.app_template_filter("insights_date")
def insights_date(at: datetime | None, empty: str = "—") -> str:
    """'3 March 2027' in London time, or a dash."""
    return dates.short_date(at) if at else empty


@bp.app_template_filter("insights_when")
def insights_when(at: datetime | None) -> str:
    """'Wed 3 March 2027, 14:30' in London time."""
    if at is None:
        return "—"
    local = at.astimezone(dates.LONDON)
    return f"{local:%a} {local.day} {local:%B %Y, %H:%M}"


@bp.app_template_filter("insights_percent")
def insights_percent(share: float | None) -> str:
    """A share as a whole percentage, or a dash."""
    return "—" if share is None else f"{round(share * 100)}%"
