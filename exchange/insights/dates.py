"""Dates as the figures use them: UK academic years, London time, whole days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
DAY = timedelta(days=1)


def academic_year(now: datetime) -> str:
    """The UK academic year a moment falls in ("2026-27" runs from 1 September 2026)."""
    local = now.astimezone(LONDON)
    start = local.year if local.month >= 9 else local.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def short_date(at: datetime) -> str:
    """A date as people say it in the UK: '3 March 2027'."""
    local = at.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days from one moment to another."""
    return int((later - earlier) / DAY)
