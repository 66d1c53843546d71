"""The calendar file (.ics) a teacher gets when their class accepts an event invitation."""

from __future__ import annotations

from datetime import timedelta

from exchange.rooms.events.models import CelebrationEvent, EventState

PRODID = "-//Linking Exchange//Celebration events//EN"


def event_calendar(event: CelebrationEvent, page_url: str, class_label: str | None) -> bytes:
    """One VEVENT with a stable UID, so re-downloading after a change updates the same entry."""
    from icalendar import Alarm, Calendar, Event  # here, not at start-up: see rooms/live/calendar

    cancelled = event.state == EventState.CANCELLED
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    entry = Event()
    entry.add("uid", f"celebration-event-{event.id}@linking-exchange")
    entry.add("dtstamp", event.created_at)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", f"Celebration: {event.title}")
    lines = [event.description] if event.description else []
    if class_label:
        lines.append(f"Your class: {class_label}.")
    lines.append(f"Open the class screen on the day: {page_url}")
    entry.add("description", "\n".join(lines))
    entry.add("url", page_url)
    entry.add("location", page_url)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"“{event.title}” starts in 15 minutes: open the class screen")
        alarm.add("trigger", -timedelta(minutes=15))
        entry.add_component(alarm)
    cal.add_component(entry)
    return cal.to_ical()
