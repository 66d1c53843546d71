"""Time for live sessions: stored in UTC, planned and shown in Europe/London, and the phases
(scheduled, lobby, live, ended) a session passes through."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from exchange import types
from exchange.errors import Invalid

LONDON = ZoneInfo("Europe/London")
LOBBY_OPENS_BEFORE = timedelta(minutes=15)
SHORTEST = timedelta(minutes=10)
LONGEST = timedelta(hours=4)


class Phase(enum.StrEnum):
    """Where a session is in time, as every screen and every command sees it."""

    PROPOSED = "proposed"  # waiting for the other teacher
    EXPIRED = "expired"  # proposed, but never confirmed before its start
    CANCELLED = "cancelled"
    SCHEDULED = "scheduled"  # confirmed, lobby not open yet
    LOBBY = "lobby"  # open for joining 15 minutes before the start; nobody posts yet
    LIVE = "live"  # from the start to the end time, or until a teacher ends it
    ENDED = "ended"


PHASE_WORDS = {
    Phase.PROPOSED: "Waiting for confirmation",
    Phase.EXPIRED: "Never confirmed",
    Phase.CANCELLED: "Cancelled",
    Phase.SCHEDULED: "Scheduled",
    Phase.LOBBY: "Lobby open",
    Phase.LIVE: "Live now",
    Phase.ENDED: "Ended",
}


def now() -> datetime:
    """The current time in UTC (through exchange.types, so tests can freeze it)."""
    return types.utcnow()


def london_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in London on a day, as UTC; refuses times the clocks skip.

    When the clocks go back the hour from 01:00 repeats: the first (summer time) one is meant.
    """
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=LONDON)
    round_trip = local.astimezone(UTC).astimezone(LONDON)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid(
            f"{at.strftime('%H:%M')} does not exist on {day.strftime('%-d %B %Y')} in the UK "
            "(the clocks go forward). Please choose another time.",
            field="start_time",
        )
    return local.astimezone(UTC)


def in_london(moment: datetime) -> datetime:
    """A UTC moment as London wall-clock time."""
    return moment.astimezone(LONDON)


def london_label(moment: datetime, with_date: bool = True) -> str:
    """How a time is written on pages: 'Tuesday 3 March 2026, 14:00' (UK time)."""
    local = in_london(moment)
    clock = local.strftime("%H:%M")
    return f"{local.strftime('%A %-d %B %Y')}, {clock}" if with_date else clock


def zone_name(moment: datetime) -> str:
    """GMT or BST, for the time shown."""
    return in_london(moment).tzname() or "UK time"


def phase_of(
    status: str,
    starts_at: datetime,
    ends_at: datetime,
    ended_at: datetime | None,
    at: datetime | None = None,
) -> Phase:
    """The phase of a session at a moment (now by default)."""
    at = at or now()
    if status == "cancelled":
        return Phase.CANCELLED
    if status == "proposed":
        return Phase.PROPOSED if at < starts_at else Phase.EXPIRED
    if ended_at is not None and ended_at <= at:
        return Phase.ENDED
    if at < starts_at - LOBBY_OPENS_BEFORE:
        return Phase.SCHEDULED
    if at < starts_at:
        return Phase.LOBBY
    if at < ends_at:
        return Phase.LIVE
    return Phase.ENDED


def countdown_words(target: datetime, at: datetime | None = None) -> str:
    """'in 2 days, 3 hours', 'in 12 minutes', 'now' (the page's script keeps it ticking)."""
    left = target - (at or now())
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return "now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = max(1, rest // 60) if not (days or hours) else rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return "in " + ", ".join(parts[:2])
