"""Linking health figures, each checked against a value worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange.accounts.models import LinkStatus
from exchange.errors import Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.insights import dates, health, services, thresholds
from exchange.moderation.models import ItemKind, ItemState, ReportStatus, Stage
from exchange.rooms.events.models import (
    CelebrationEvent,
    EventInvitation,
    EventState,
    InvitationStatus,
)
from tests import factories
from tests.insights.conftest import (
    NOW,
    days_ago,
    make_enquiry,
    make_item,
    make_items,
    make_report,
    make_session,
)


def started(link, days: float) -> None:
    """Make a link look confirmed by both teachers that many days before NOW."""
    link.confirmed_a_at = link.confirmed_b_at = days_ago(days)
    db.session.flush()


def figures_for(world, link=None):
    """The figures of one link at NOW."""
    return health.link_figures(link or world.link, NOW)


def test_exchanges_are_counted_per_class_as_sent_and_responded(world):
    make_items(world.link, world.class_a, 3, kind=ItemKind.POST)
    make_items(world.link, world.class_a, 2, kind=ItemKind.COMMENT)
    make_items(world.link, world.class_b, 1, kind=ItemKind.QUESTION)
    make_items(world.link, world.class_b, 4, kind=ItemKind.CONTRIBUTION)
    f = figures_for(world)
    a, b = f.classes
    assert (a.tally.sent, a.tally.responded, a.tally.total) == (3, 2, 5)
    assert (b.tally.sent, b.tally.responded, b.tally.total) == (1, 4, 5)
    assert f.exchanges == 10
    assert a.share == pytest.approx(0.5) and b.share == pytest.approx(0.5)


def test_only_items_that_reached_the_partner_class_are_exchanges(world):
    make_item(world.link, world.class_a, state=ItemState.PENDING)
    make_item(world.link, world.class_a, state=ItemState.RETURNED)
    make_item(world.link, world.class_a, kind=ItemKind.CHAT)  # live chat: not an exchange
    make_item(world.link, world.class_a, state=ItemState.WITHDRAWN, approved=days_ago(5))
    make_item(world.link, world.class_a, state=ItemState.HIDDEN, approved=days_ago(4))
    make_item(world.link, world.class_b)
    other = factories.make_link(world.class_c, factories.make_classroom(world.school_b))
    make_item(other, world.class_c)  # another link's
    f = figures_for(world)
    assert f.exchanges == 3  # withdrawn and hidden items did reach the partner class first
    assert f.classes[0].tally.total == 2 and f.classes[1].tally.total == 1


def test_last_exchange_is_the_latest_approval_of_either_class(world):
    make_item(world.link, world.class_a, approved=days_ago(10))
    make_item(world.link, world.class_b, approved=days_ago(3))
    make_item(world.link, world.class_a, approved=days_ago(7))
    assert figures_for(world).last_exchange_at == days_ago(3)


def test_a_link_is_quiet_after_more_than_the_quiet_threshold(world):
    started(world.link, 100)
    make_item(world.link, world.class_a, approved=days_ago(thresholds.QUIET_DAYS))
    assert not figures_for(world).flagged("quiet")  # exactly 21 days: not yet


def test_quiet_flag_gives_the_days_and_the_last_date(world):
    started(world.link, 100)
    make_item(world.link, world.class_a, approved=days_ago(34))
    f = figures_for(world)
    assert f.flagged("quiet")
    [flag] = [x for x in f.flags if x.kind == "quiet"]
    assert flag.reason == "Nothing exchanged for 34 days (last on 4 February 2027)."
    assert flag.label == "Gone quiet"


def test_a_recent_meeting_keeps_a_link_from_being_quiet(world):
    started(world.link, 100)
    make_item(world.link, world.class_a, approved=days_ago(40))
    event = CelebrationEvent(
        district_id=world.district.id,
        title="Spring celebration",
        starts_at=days_ago(5),
        ends_at=days_ago(5) + timedelta(hours=2),
        host_id=world.facilitator.id,
        created_by_id=world.facilitator.id,
        state=EventState.ENDED,
    )
    db.session.add(event)
    db.session.flush()
    for cls in (world.class_a, world.class_b):
        db.session.add(
            EventInvitation(
                event_id=event.id, classroom_id=cls.id, status=InvitationStatus.ACCEPTED
            )
        )
    db.session.flush()
    f = figures_for(world)
    assert f.meetings_held == 1 and f.last_contact_at == days_ago(5)
    assert not f.flagged("quiet")


def test_a_new_link_with_nothing_exchanged_is_quiet_from_its_start(world):
    started(world.link, 25)
    [flag] = figures_for(world).flags
    assert flag.kind == "quiet"
    assert flag.reason == (
        "Nothing exchanged yet, 25 days after the link started on 13 February 2027."
    )
    started(world.link, 10)
    assert figures_for(world).flags == []


def test_one_sided_needs_a_share_above_the_threshold_and_enough_exchanges(world):
    started(world.link, 5)
    make_items(world.link, world.class_a, 5)
    # 5 of 5 from class A, but fewer than 6 exchanges: too early to judge.
    assert not figures_for(world).flagged("one_sided")
    make_items(world.link, world.class_b, 1, kind=ItemKind.COMMENT)
    # 5 of 6 = 83% > 75%: one-sided.
    f = figures_for(world)
    [flag] = f.flags
    assert flag.kind == "one_sided"
    assert flag.reason == "Class 5A sent 5 of the 6 exchanges (83%)."


def test_a_three_to_one_link_is_not_one_sided(world):
    started(world.link, 5)
    make_items(world.link, world.class_b, 6)
    make_items(world.link, world.class_a, 2)
    # 6 of 8 = exactly 75%: not above the threshold.
    assert figures_for(world).flags == []


def test_overdue_counts_the_oldest_item_in_each_teachers_queue(world):
    started(world.link, 5)
    make_item(world.link, world.class_a, state=ItemState.PENDING, submitted=days_ago(5.5))
    make_item(world.link, world.class_a, state=ItemState.PENDING, submitted=days_ago(1))
    make_item(world.link, world.class_b, state=ItemState.PENDING, submitted=days_ago(3))
    f = figures_for(world)
    a, b = f.classes
    assert (a.tally.waiting, a.waiting_days) == (2, 5)
    assert (b.tally.waiting, b.waiting_days) == (1, 3)  # exactly 3 days: not overdue yet
    assert [x.reason for x in f.flags] == [
        "2 items waiting for Class 5A's teacher, the oldest for 5 days."
    ]
    assert f.oldest_waiting_days == 5


def test_partner_stage_items_wait_in_the_receiving_teachers_queue(world):
    started(world.link, 5)
    make_item(
        world.link,
        world.class_a,
        state=ItemState.PENDING,
        stage=Stage.PARTNER_TEACHER,
        submitted=days_ago(9),
    )
    make_item(
        world.link, world.class_a, state=ItemState.PENDING, stage=Stage.FACILITATOR,
        submitted=days_ago(20),
    )  # fmt: skip
    f = figures_for(world)
    assert f.classes[0].waiting_days is None
    assert (f.classes[1].tally.waiting, f.classes[1].waiting_days) == (1, 9)
    assert [x.reason for x in f.flags] == [
        "1 item waiting for Year 5 Kestrels's teacher, the oldest for 9 days."
    ]


def test_open_reports_are_counted_per_link(world):
    hidden = make_item(world.link, world.class_a, state=ItemState.HIDDEN)
    make_report(hidden, world.teacher_b)
    decided = make_item(world.link, world.class_b, state=ItemState.REMOVED)
    make_report(decided, world.teacher_a, status=ReportStatus.REMOVED)
    assert figures_for(world).open_reports == 1


def test_celebrations_count_only_when_both_classes_accepted(world):
    def event(title, state, when, classes):
        ev = CelebrationEvent(
            district_id=world.district.id, title=title, starts_at=when,
            ends_at=when + timedelta(hours=1), host_id=world.facilitator.id,
            created_by_id=world.facilitator.id, state=state,
        )  # fmt: skip
        db.session.add(ev)
        db.session.flush()
        for cls, status in classes:
            db.session.add(EventInvitation(event_id=ev.id, classroom_id=cls.id, status=status))
        db.session.flush()

    acc, dec = InvitationStatus.ACCEPTED, InvitationStatus.DECLINED
    event("Held", EventState.ENDED, days_ago(30), [(world.class_a, acc), (world.class_b, acc)])
    event("Half", EventState.ENDED, days_ago(20), [(world.class_a, acc), (world.class_b, dec)])
    event("Off", EventState.CANCELLED, days_ago(10), [(world.class_a, acc), (world.class_b, acc)])
    event("Soon", EventState.SCHEDULED, NOW + timedelta(days=7),
          [(world.class_a, acc), (world.class_b, acc)])  # fmt: skip
    f = figures_for(world)
    assert f.meetings_held == 1
    assert [(m.title, m.held) for m in f.meetings] == [("Held", True), ("Soon", False)]
    assert [m.title for m in f.upcoming] == ["Soon"]
    assert not f.meets_target


def test_only_active_links_carry_warnings(world):
    proposed = factories.make_link(
        world.class_c, factories.make_classroom(world.school_a), active=False
    )
    assert proposed.status == LinkStatus.PROPOSED
    make_item(proposed, world.class_c, state=ItemState.PENDING, submitted=days_ago(30))
    assert health.link_figures(proposed, NOW).flags == []


def test_district_dashboard_lists_flagged_links_first_with_totals(world):
    started(world.link, 60)
    make_items(world.link, world.class_a, 2, approved=days_ago(2))
    quiet = factories.make_link(world.class_c, factories.make_classroom(world.school_b))
    started(quiet, 60)
    make_items(quiet, world.class_c, 3, approved=days_ago(30))
    factories.make_link(academic_year="2025-26", class_a=world.class_a, class_b=world.class_c)
    db.session.commit()
    board = services.district_dashboard(world.facilitator, world.district.id, now=NOW)
    assert board.academic_year == "2026-27"
    assert [f.link_id for f in board.links] == [quiet.id, world.link.id]
    assert board.exchanges == 5 and board.median_exchanges == 2.5
    assert board.count_flagged("quiet") == 1 and len(board.needing_attention) == 1
    assert board.years == ["2026-27", "2025-26"]
    last_year = services.district_dashboard(world.facilitator, world.district.id, "2025-26", NOW)
    assert len(last_year.links) == 1


@pytest.mark.parametrize("role", ["teacher_a", "teacher_c", "pupil_a", "other_facilitator"])
def test_only_facilitators_and_admins_see_the_district_dashboard(world, role):
    with pytest.raises(Forbidden):
        services.district_dashboard(world.actor(role), world.district.id, now=NOW)


def test_district_dashboard_refuses_unknown_districts_and_bad_years(world):
    with pytest.raises(NotFound):
        services.district_dashboard(world.admin, 9999, now=NOW)
    with pytest.raises(Invalid, match="2026-27"):
        services.district_dashboard(world.admin, world.district.id, "2026", now=NOW)


def test_academic_year_turns_on_the_first_of_september_in_london():
    assert dates.academic_year(datetime(2026, 8, 31, 22, 59, tzinfo=UTC)) == "2025-26"
    assert dates.academic_year(datetime(2026, 8, 31, 23, 0, tzinfo=UTC)) == "2026-27"
    assert dates.academic_year(datetime(2027, 7, 20, tzinfo=UTC)) == "2026-27"


def test_live_sessions_held_and_coming_up(world):
    from exchange.rooms.live.models import SessionStatus

    make_session(world.link, world.teacher_a, starts=days_ago(40), title="Autumn call")
    make_session(world.link, world.teacher_b, starts=days_ago(10), title="Ended early",
                 ended=days_ago(10))  # fmt: skip
    make_session(world.link, world.teacher_a, starts=days_ago(5), title="Never confirmed",
                 status=SessionStatus.PROPOSED)  # fmt: skip
    make_session(world.link, world.teacher_a, starts=days_ago(3), title="Called off",
                 status=SessionStatus.CANCELLED)  # fmt: skip
    make_session(world.link, world.teacher_b, starts=NOW + timedelta(days=2), title="Spring call",
                 status=SessionStatus.PROPOSED)  # fmt: skip
    f = figures_for(world)
    assert f.live_sessions_held == 2 and f.meetings_held == 2 and f.meets_target
    assert [m.title for m in f.upcoming] == ["Spring call"]
    assert f.last_contact_at == days_ago(10)


def test_a_live_session_that_is_running_now_is_neither_held_nor_coming(world):
    make_session(world.link, world.teacher_a, starts=NOW - timedelta(minutes=30))
    f = figures_for(world)
    assert f.live_sessions_held == 0 and f.upcoming == []


def test_enquiries_are_counted_open_or_closed(world):
    make_enquiry(world.link, at=days_ago(60), title="What makes a friend?")
    make_enquiry(world.link, at=days_ago(6), title="", open_=True)
    f = figures_for(world)
    assert [e.title for e in f.enquiries] == ["What makes a friend?", "An enquiry"]
