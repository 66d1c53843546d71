"""Planning live sessions: propose, confirm, reschedule, cancel, with London times stored as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from exchange import realtime
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.realtime import StreamEvent
from exchange.rooms.live import services
from exchange.rooms.live.models import LiveSession, SessionStatus
from exchange.rooms.live.services import Plan, SegmentPlan
from exchange.rooms.live.timing import LONDON
from tests.factories import make_classroom, make_link, make_school, make_teacher
from tests.live.conftest import make_session


def future_day(days: int = 7) -> date:
    """A day safely in the future."""
    return (datetime.now(LONDON) + timedelta(days=days)).date()


def plan(day: date | None = None, start: str = "13:30", end: str = "14:30", **kw) -> Plan:
    """A plan with the default agenda."""
    return Plan(
        title=kw.pop("title", "Our linking day"),
        day=day or future_day(),
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        segments=kw.pop("segments", services.default_segments()),
    )


def staff_events(user, kind="live_session_changed"):
    stream = realtime.staff_stream(user.id)
    return [
        e.payload
        for e in db.session.scalars(
            select(StreamEvent)
            .where(StreamEvent.stream == stream, StreamEvent.kind == kind)
            .order_by(StreamEvent.seq)
        )
    ]


def test_teacher_proposes_and_partner_teacher_confirms(world):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    assert session.status == SessionStatus.PROPOSED
    assert [s.title for s in session.segments][0] == "Welcome and hellos"
    told = staff_events(world.teacher_b)
    assert told[-1]["change"] == "proposed" and told[-1]["needs_confirmation"] is True
    assert staff_events(world.teacher_a) == []  # the proposer is not told about their own act
    # Pupils do not see a proposal; both teachers do.
    assert services.sessions_for(world.pupil_a) == []
    assert services.sessions_for(world.teacher_b) == [session]
    assert services.awaiting_confirmation(world.teacher_b) == [session]
    assert services.awaiting_confirmation(world.teacher_a) == []

    services.confirm(world.teacher_b, session.id)
    assert (
        session.status == SessionStatus.CONFIRMED and session.confirmed_by_id == world.teacher_b.id
    )
    assert staff_events(world.teacher_a)[-1]["change"] == "confirmed"
    assert services.sessions_for(world.pupil_a) == [session]
    assert services.sessions_for(world.pupil_b) == [session]
    assert services.sessions_for(world.pupil_c) == []
    assert services.sessions_for(world.facilitator) == [session]
    assert services.sessions_for(world.other_facilitator) == []


def test_proposer_cannot_confirm_their_own_proposal(world):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    with pytest.raises(Forbidden, match="partner class's teacher confirms"):
        services.confirm(world.teacher_a, session.id)
    assert db.session.get(LiveSession, session.id).status == SessionStatus.PROPOSED


@pytest.mark.parametrize("actor", ["teacher_c", "pupil_a", "pupil_c", "facilitator"])
def test_only_the_partner_teacher_confirms(world, actor):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    with pytest.raises((Forbidden, NotFound)):
        services.confirm(getattr(world, actor), session.id)
    assert db.session.get(LiveSession, session.id).status == SessionStatus.PROPOSED


def test_summer_time_is_planned_in_london_and_stored_in_utc(world):
    year = datetime.now(UTC).year + 1
    summer = services.schedule(
        world.teacher_a, world.link.id, plan(date(year, 6, 10), "14:00", "15:00")
    )
    assert summer.starts_at == datetime(year, 6, 10, 13, 0, tzinfo=UTC)  # BST is UTC+1
    winter = services.schedule(
        world.teacher_a, world.link.id, plan(date(year, 12, 2), "14:00", "15:00")
    )
    assert winter.starts_at == datetime(year, 12, 2, 14, 0, tzinfo=UTC)  # GMT
    view = services.session_view(world.teacher_a, summer)
    assert view["when"].endswith("14:00") and view["zone"] == "BST"
    assert services.session_view(world.teacher_a, winter)["zone"] == "GMT"


def test_a_time_the_clocks_skip_is_refused(world):
    year = datetime.now(UTC).year + 1
    last_sunday_of_march = max(
        date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6
    )
    with pytest.raises(Invalid, match="clocks go forward"):
        services.schedule(
            world.teacher_a, world.link.id, plan(last_sunday_of_march, "01:30", "02:45")
        )
    assert db.session.scalars(select(LiveSession)).all() == []


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"title": "Hi"}, Invalid, "3 to 120 characters"),
        ({"title": "x" * 121}, Invalid, "3 to 120 characters"),
        ({"start": "14:00", "end": "13:00"}, Invalid, "end after it starts"),
        ({"start": "14:00", "end": "14:05"}, Invalid, "at least 10 minutes"),
        ({"start": "09:00", "end": "13:30"}, Invalid, "at most 4 hours"),
        ({"day": "past"}, Invalid, "in the future"),
        ({"segments": []}, Invalid, "at least one agenda segment"),
        ({"segments": [SegmentPlan("disco", "Party")]}, Invalid, "choose a kind"),
        ({"segments": [SegmentPlan("game", "g" * 81)]}, Invalid, "at most 80"),
        ({"segments": [SegmentPlan("game", "Tag", 0)]}, Invalid, "minutes must be 1 to 240"),
        ({"segments": [SegmentPlan("game", "Tag")] * 13}, Invalid, "at most 12"),
    ],
)
def test_bad_plans_are_refused_and_change_nothing(world, change, error, message):
    kw = dict(change)
    if kw.get("day") == "past":
        kw["day"] = future_day(-2)
    with pytest.raises(error, match=message):
        services.schedule(world.teacher_a, world.link.id, plan(**kw))
    assert db.session.scalars(select(LiveSession)).all() == []
    assert staff_events(world.teacher_b) == []


def test_blank_segment_titles_take_their_kinds_name(world):
    session = services.schedule(
        world.teacher_a,
        world.link.id,
        plan(segments=[SegmentPlan("p4c", ""), SegmentPlan("goodbye")]),
    )
    assert [s.title for s in session.segments] == ["P4C enquiry", "Goodbye"]


def test_two_sessions_of_a_link_cannot_overlap(world):
    services.schedule(world.teacher_a, world.link.id, plan(start="13:30", end="14:30"))
    with pytest.raises(Conflict, match="already planned then"):
        services.schedule(world.teacher_b, world.link.id, plan(start="14:00", end="15:00"))
    services.schedule(world.teacher_b, world.link.id, plan(start="14:30", end="15:00"))


@pytest.mark.parametrize("actor", ["teacher_c", "pupil_a", "facilitator", "admin"])
def test_only_the_links_teachers_propose_sessions(world, actor):
    with pytest.raises((Forbidden, NotFound)):
        services.schedule(getattr(world, actor), world.link.id, plan())
    assert db.session.scalars(select(LiveSession)).all() == []


def test_no_session_on_an_inactive_link(world):
    school = make_school(world.district)
    other_class = make_classroom(school)
    proposed_link = make_link(world.class_a, other_class, active=False, academic_year="2027-28")
    make_teacher(other_class)
    db.session.commit()
    with pytest.raises(Conflict, match="not active"):
        services.schedule(world.teacher_a, proposed_link.id, plan())


def test_rescheduling_asks_the_other_teacher_again_and_moves_the_calendar_on(world):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    services.confirm(world.teacher_b, session.id)
    assert session.calendar_sequence == 0
    uid = session.calendar_uid
    services.reschedule(world.teacher_b, session.id, plan(start="10:00", end="11:00"))
    assert session.status == SessionStatus.PROPOSED
    assert session.calendar_uid == uid and session.calendar_sequence == 1
    assert session.proposed_by_class_id == world.class_b.id  # now teacher A confirms
    told = staff_events(world.teacher_a)[-1]
    assert told["change"] == "rescheduled" and told["needs_confirmation"] is True
    assert services.sessions_for(world.pupil_a) == []  # not planned until agreed again
    services.confirm(world.teacher_a, session.id)
    assert session.status == SessionStatus.CONFIRMED


def test_changing_only_the_agenda_keeps_the_confirmation(world):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    services.confirm(world.teacher_b, session.id)
    services.reschedule(
        world.teacher_a,
        session.id,
        plan(title="Our linking day: games", segments=[SegmentPlan("game", "Bingo", 20)]),
    )
    assert session.status == SessionStatus.CONFIRMED and session.calendar_sequence == 1
    assert [s.title for s in session.segments] == ["Bingo"]
    assert staff_events(world.teacher_b)[-1]["change"] == "updated"


def test_cancelling_tells_the_other_teacher_and_cancels_the_calendar_entry(world):
    session = services.schedule(world.teacher_a, world.link.id, plan())
    services.confirm(world.teacher_b, session.id)
    services.cancel(world.teacher_b, session.id, "School trip that day")
    assert session.status == SessionStatus.CANCELLED and session.calendar_sequence == 1
    told = staff_events(world.teacher_a)[-1]
    assert told["change"] == "cancelled" and told["note"] == "School trip that day"
    with pytest.raises(Conflict, match="already over"):
        services.cancel(world.teacher_a, session.id)
    with pytest.raises(Conflict):
        services.confirm(world.teacher_a, session.id)


def test_a_live_session_is_ended_not_cancelled(world):
    session = make_session(world)
    with pytest.raises(Conflict, match="end it from the session page"):
        services.cancel(world.teacher_a, session.id)
    with pytest.raises(Conflict, match="until its lobby opens"):
        services.reschedule(world.teacher_a, session.id, plan())


def test_an_expired_proposal_must_be_rescheduled_before_confirming(world):
    session = make_session(world, starts_in=timedelta(minutes=-1), status=SessionStatus.PROPOSED)
    with pytest.raises(Conflict, match="has passed"):
        services.confirm(world.teacher_b, session.id)
    services.reschedule(world.teacher_a, session.id, plan())
    services.confirm(world.teacher_b, session.id)
    assert session.status == SessionStatus.CONFIRMED


def test_past_sessions_are_listed_apart(world):
    past = make_session(world, starts_in=timedelta(days=-2))
    upcoming = make_session(world, starts_in=timedelta(days=2))
    assert services.sessions_for(world.teacher_a) == [upcoming]
    assert services.sessions_for(world.teacher_a, past=True) == [past]
    assert services.sessions_for(world.pupil_b, classroom_id=world.class_b.id) == [upcoming]
