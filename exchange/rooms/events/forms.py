"""Reading the events pages' HTML forms into the values services take."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from exchange.errors import Invalid
from exchange.rooms.events.services import SegmentPlan

LONDON = ZoneInfo("Europe/London")


def london_time(form: MultiDict, name: str, label: str) -> datetime:
    """A datetime-local field, read as UK time and returned in UTC-aware form."""
    raw = (form.get(name) or "").strip()
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"Please give the {label} as a date and time.", field=name) from None
    return local.replace(tzinfo=LONDON) if local.tzinfo is None else local


def int_or_none(value: Any) -> int | None:
    """A form's optional id."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def int_list(form: MultiDict, name: str) -> list[int]:
    """Checked ids."""
    return [int(v) for v in form.getlist(name) if str(v).isdigit()]


def segments(form: MultiDict) -> list[SegmentPlan]:
    """The run-of-show editor's rows (kind, title, minutes, link or class); empty rows skipped.

    Each row's link/class choice is `link:<id>` or `class:<id>` in one select.
    """
    kinds, titles = form.getlist("seg_kind"), form.getlist("seg_title")
    minutes, whose = form.getlist("seg_minutes"), form.getlist("seg_whose")
    plans = []
    for n, kind in enumerate(kinds):
        title = titles[n].strip() if n < len(titles) else ""
        if not title and not kind:
            continue
        mins = minutes[n] if n < len(minutes) else "5"
        choice = whose[n] if n < len(whose) else ""
        what, _, ident = choice.partition(":")
        plans.append(
            SegmentPlan(
                kind=kind,
                title=title,
                minutes=int(mins) if str(mins).isdigit() else 0,
                link_id=int(ident) if what == "link" and ident.isdigit() else None,
                classroom_id=int(ident) if what == "class" and ident.isdigit() else None,
            )
        )
    return plans
