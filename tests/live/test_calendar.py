"""Calendar files: one stable UID per session, SEQUENCE moving on, London times with TZID."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from icalendar import Calendar

from exchange.rooms.live import services
from exchange.rooms.live.services import Plan
from exchange.rooms.live.timing import LONDON


def plan(start="13:30", end="14:30"):
    day = (datetime.now(LONDON) + timedelta(days=10)).date()
    return Plan("Meet the Kestrels", day, time.fromisoformat(start), time.fromisoformat(end),
                services.default_segments())  # fmt: skip


def download(as_user, actor, session):
    response = as_user(actor).get(f"/live/{session.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    return calendar, calendar.walk("VEVENT")[0]


def test_both_teachers_get_the_same_entry_updated_on_every_change(world, as_user):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    cal, event = download(as_user, world.teacher_a, session)
    assert str(cal["METHOD"]) == "REQUEST" and str(event["STATUS"]) == "TENTATIVE"
    uid = str(event["UID"])
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTSTART"].dt.astimezone(LONDON).strftime("%H:%M") == "13:30"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    assert "P4C enquiry" in str(event["DESCRIPTION"])
    attendees = {str(a) for a in event.get("ATTENDEE")}
    assert attendees == {"mailto:a@example.org", "mailto:b@example.org"}

    services.confirm(world.teacher_b, session.id)
    _cal, event = download(as_user, world.teacher_b, session)
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0

    services.reschedule(world.teacher_b, session.id, plan("15:00", "16:00"))
    _cal, event = download(as_user, world.teacher_a, session)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event["DTSTART"].dt.astimezone(LONDON).strftime("%H:%M") == "15:00"

    services.cancel(world.teacher_a, session.id, "Assembly moved")
    cal, event = download(as_user, world.teacher_b, session)
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert "Assembly moved" in str(event["DESCRIPTION"])


def test_the_api_serves_the_same_calendar(world, as_user):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    body = as_user(world.teacher_b).get(f"/api/v1/live/sessions/{session.id}/calendar.ics")
    assert body.status_code == 200 and b"BEGIN:VCALENDAR" in body.data
    assert session.calendar_uid.encode() in body.data
