"""Every events page and API route, for every role; forms refuse bad input with a message."""

from __future__ import annotations

import pytest

from exchange.extensions import db
from exchange.rooms.events import services, stage
from exchange.rooms.events.models import EventInvitation, InvitationStatus
from tests.factories import ROLES

VIEWERS = {"admin", "facilitator", "teacher_a", "teacher_b", "pupil_a", "pupil_b"}


def expected(role, allowed, refused_viewer=403):
    """200 for the allowed, a refusal for other viewers, 404 for outsiders, sign-in for anon."""
    if role == "anonymous":
        return 302
    if role in allowed:
        return 200
    return refused_viewer if role in VIEWERS else 404


PAGES = [
    ("/events/{id}", VIEWERS, 403),
    ("/events/{id}/showcase", VIEWERS, 403),
    ("/events/{id}/screen", VIEWERS, 403),
    ("/events/{id}/console", {"facilitator"}, 403),
]


@pytest.mark.parametrize("path, allowed, refused", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_event_pages_for_every_role(world, event, as_user, role, path, allowed, refused):
    response = as_user(world.actor(role)).get(path.format(id=event.id))
    assert response.status_code == expected(role, allowed, refused)


@pytest.mark.parametrize("role", ROLES)
def test_events_list_and_new_page_for_every_role(world, event, as_user, role):
    browser = as_user(world.actor(role))
    listing = browser.get("/events")
    assert listing.status_code == (302 if role == "anonymous" else 200)
    if role in VIEWERS:
        assert event.title in listing.get_data(as_text=True)
    elif role != "anonymous":
        assert event.title not in listing.get_data(as_text=True)
    new = browser.get("/events/new")
    planners = {"admin", "facilitator", "other_facilitator"}
    assert new.status_code == (302 if role == "anonymous" else 200 if role in planners else 403)


@pytest.mark.parametrize("role", ROLES)
def test_souvenir_page_for_every_role(world, live_event, as_user, role):
    stage.act(world.facilitator, live_event.id, "end")
    response = as_user(world.actor(role)).get(f"/events/{live_event.id}/souvenir")
    assert response.status_code == expected(role, VIEWERS)
    if response.status_code == 200:
        assert "Celebration souvenir" in response.get_data(as_text=True)


def test_souvenir_waits_for_the_end(world, event, as_user):
    response = as_user(world.teacher_a).get(f"/events/{event.id}/souvenir")
    assert response.status_code == 409
    assert "once the event has ended" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_calendar_file_only_after_accepting(world, event, as_user, role):
    services.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
    response = as_user(world.actor(role)).get(f"/events/{event.id}/calendar.ics")
    allowed = {"teacher_a", "facilitator", "admin"}
    refused = 403 if role.startswith("pupil") else 409
    assert response.status_code == expected(role, allowed, refused)
    if response.status_code == 200:
        body = response.get_data(as_text=True)
        assert response.mimetype == "text/calendar"
        assert "BEGIN:VEVENT" in body and "Summer celebration" in body


def test_teacher_accepts_from_the_page_and_gets_the_calendar_link(world, event, as_user):
    browser = as_user(world.teacher_a)
    response = browser.post(
        f"/events/{event.id}/answer",
        data={"classroom_id": world.class_a.id, "accept": "yes"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Accepted" in page and "calendar.ics" in page
    invitation = db.session.query(EventInvitation).filter_by(classroom_id=world.class_a.id).one()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_form_refusals_are_explained_and_change_nothing(world, event, as_user):
    browser = as_user(world.teacher_a)
    response = browser.post(
        f"/events/{event.id}/invite", data={"class_ids": world.class_c.id}, follow_redirects=True
    )
    assert "Only the event&#39;s facilitator can change its plan." in response.get_data(
        as_text=True
    )
    assert len(event.invitations) == 2
    response = as_user(world.pupil_c).post(
        f"/events/{event.id}/shoutouts", data={"text": "hi"}, follow_redirects=True
    )
    assert response.status_code == 404


def test_facilitator_creates_an_event_from_the_form(world, as_user):
    browser = as_user(world.facilitator)
    response = browser.post(
        "/events/new",
        data={
            "title": "June party",
            "starts_at": "2031-06-20T13:30",
            "ends_at": "2031-06-20T15:00",
        },
    )
    assert response.status_code == 303
    created = services.events_for(world.facilitator)[0]
    assert created.title == "June party"
    assert created.starts_at.hour == 12  # 13:30 in London summer time is 12:30 UTC
    bad = browser.post("/events/new", data={"title": "", "starts_at": "x", "ends_at": "y"})
    assert bad.status_code == 422 and "date and time" in bad.get_data(as_text=True)


API = [
    ("get", "/api/v1/events/{id}", None, VIEWERS, 403),
    ("get", "/api/v1/events/{id}/stage", None, VIEWERS, 403),
    ("get", "/api/v1/events/{id}/showcase", None, VIEWERS, 403),
    ("get", "/api/v1/events/{id}/shoutouts", None, VIEWERS, 403),
    ("post", "/api/v1/events/{id}/stage", {"action": "start"}, {"facilitator"}, 403),
    ("put", "/api/v1/events/{id}/helper", {"teacher_id": None}, {"facilitator", "admin"}, 403),
    (
        "get",
        "/api/v1/events/{id}/staff-messages",
        None,
        {"facilitator", "admin", "teacher_a", "teacher_b"},
        403,
    ),
]


@pytest.mark.parametrize("method, path, body, allowed, refused", API, ids=[a[1] for a in API])
@pytest.mark.parametrize("role", ROLES)
def test_api_routes_for_every_role(
    world, event, as_user, role, method, path, body, allowed, refused
):
    browser = as_user(world.actor(role))
    kwargs = {"json": body} if body is not None else {}
    response = getattr(browser, method)(path.format(id=event.id), **kwargs)
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == expected(role, allowed, refused)
    if response.status_code != 200:
        assert response.get_json()["ok"] is False and response.get_json()["message"]


def test_api_plans_an_event_end_to_end(world, as_user):
    browser = as_user(world.facilitator)
    created = browser.post(
        "/api/v1/events",
        json={
            "title": "API event",
            "starts_at": "2031-06-20T12:00:00+00:00",
            "ends_at": "2031-06-20T13:00:00+00:00",
        },
    )
    assert created.status_code == 201
    event_id = created.get_json()["data"]["id"]
    invited = browser.post(
        f"/api/v1/events/{event_id}/invitations", json={"link_ids": [world.link.id]}
    )
    assert invited.status_code == 201
    assert len(invited.get_json()["data"]["invitations"]) == 2
    bad = browser.post("/api/v1/events", json={"title": "x", "starts_at": "soon"})
    assert bad.status_code == 422 and bad.get_json()["ok"] is False
    teacher = as_user(world.teacher_a)
    shout = teacher.post(f"/api/v1/events/{event_id}/shoutouts", json={"text": "Hello!"})
    assert shout.status_code == 201
    assert shout.get_json()["data"]["state"] == "pending"  # waits for the facilitator
