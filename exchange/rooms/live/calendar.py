"""Calendar files (.ics) for live sessions, built with the icalendar library.

One VEVENT per session with a UID that never changes, so a teacher's calendar updates the same
entry: SEQUENCE goes up with every reschedule or cancellation, METHOD is REQUEST (CANCEL with
STATUS:CANCELLED once called off), and times carry TZID=Europe/London with its VTIMEZONE.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from exchange.rooms.live import timing
from exchange.rooms.live.models import LiveSession, SessionStatus

if TYPE_CHECKING:
    from icalendar import vCalAddress

PRODID = "-//Linking Exchange//Live sessions//EN"
# icalendar is imported where a file is built: a server process that never builds one (most
# never do) does not hold it in memory.


def _address(user: object) -> vCalAddress:
    """A teacher as an organiser or attendee."""
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{user.email}")  # type: ignore[attr-defined]
    address.params["cn"] = vText(user.display_name)  # type: ignore[attr-defined]
    return address


def session_calendar(session: LiveSession, page_url: str) -> bytes:
    """The calendar file of a session as it stands now."""
    from icalendar import Alarm, Calendar, Event, vText

    cancelled = session.status == SessionStatus.CANCELLED
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", session.calendar_uid)
    event.add("sequence", session.calendar_sequence)
    event.add("dtstamp", session.updated_at or session.created_at)
    event.add("created", session.created_at)
    event.add("last-modified", session.updated_at or session.created_at)
    event.add("dtstart", timing.in_london(session.starts_at))
    event.add("dtend", timing.in_london(session.ends_at))
    link = session.link
    event.add("summary", f"Live session: {session.title}")
    event.add("description", _description(session, page_url))
    event.add("location", page_url)
    event.add("url", page_url)
    if cancelled:
        status = "CANCELLED"
    elif session.status == SessionStatus.CONFIRMED:
        status = "CONFIRMED"
    else:
        status = "TENTATIVE"
    event.add("status", status)
    event.add("organizer", _address(session.proposed_by))
    for classroom in (link.class_a, link.class_b):
        for teacher in classroom.teachers:
            attendee = _address(teacher)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            attendee.params["partstat"] = vText(
                "ACCEPTED" if status == "CONFIRMED" else "NEEDS-ACTION"
            )
            event.add("attendee", attendee, encode=0)
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"The lobby for “{session.title}” opens in 15 minutes")
        alarm.add("trigger", -(timing.LOBBY_OPENS_BEFORE + timedelta(minutes=15)))
        event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _description(session: LiveSession, page_url: str) -> str:
    """The agenda and where to join, in words."""
    link = session.link
    lines = [
        f"{link.class_a.label} and {link.class_b.label} meet live.",
        "The lobby opens 15 minutes before the start.",
        "",
        "Agenda:",
    ]
    for segment in session.segments:
        minutes = f" ({segment.minutes} min)" if segment.minutes else ""
        lines.append(f"{segment.position + 1}. {segment.title}{minutes}")
    if session.status == SessionStatus.CANCELLED and session.cancel_reason:
        lines += ["", f"Cancelled: {session.cancel_reason}"]
    lines += ["", f"Join: {page_url}"]
    return "\n".join(lines)


def filename(session: LiveSession) -> str:
    """A download name like 'live-session-12.ics'."""
    return f"live-session-{session.id}.ics"
