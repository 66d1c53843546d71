"""Template filters the accounts pages (and every other area) use: times shown in Europe/London."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

LONDON = ZoneInfo("Europe/London")


def london(value: datetime | None, fmt: str | None = None) -> str:
    """A stored UTC time as UK local time: '24 Nov 2026, 14:05' (or `fmt`)."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    if fmt:
        return local.strftime(fmt)
    return f"{local.day} {local:%b %Y, %H:%M}"


def init_filters(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(london, "london")
