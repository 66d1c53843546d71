"""The co-planning checklist, work chosen for the report, and a link's year month by month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import LinkStatus
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.insights import checklist, health, picks, services, timeline
from exchange.insights.models import ChecklistTick, ReportPick
from exchange.moderation.models import ItemKind, ItemState
from tests import factories
from tests.factories import ROLES
from tests.insights.conftest import NOW, make_enquiry, make_item, make_session


def ticks() -> int:
    return db.session.scalar(select(func.count()).select_from(ChecklistTick))


def test_either_teacher_ticks_and_either_clears(world):
    first = checklist.tick(world.teacher_a, world.link.id, "ground_rules")
    assert checklist.tick(world.teacher_b, world.link.id, "ground_rules").id == first.id
    assert first.ticked_by_id == world.teacher_a.id and ticks() == 1
    checklist.untick(world.teacher_b, world.link.id, "ground_rules")
    checklist.untick(world.teacher_a, world.link.id, "ground_rules")  # already clear: no change
    assert ticks() == 0


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("teacher_a", "teacher_b")])
def test_nobody_else_ticks(world, role):
    expected = Forbidden if role in ("admin", "facilitator") else NotFound
    with pytest.raises(expected):
        checklist.tick(world.actor(role), world.link.id, "ground_rules")
    assert ticks() == 0


def test_checklist_refusals(world):
    with pytest.raises(Invalid, match="no checklist step called 'dance'"):
        checklist.tick(world.teacher_a, world.link.id, "dance")
    with pytest.raises(NotFound):
        checklist.tick(world.teacher_a, 9999, "enquiry")
    world.link.status = LinkStatus.ARCHIVED
    db.session.commit()
    with pytest.raises(Conflict, match="archived"):
        checklist.tick(world.teacher_a, world.link.id, "enquiry")
    assert ticks() == 0


def test_checklist_shows_who_ticked_and_what_the_records_say(world):
    make_item(world.link, world.class_a, approved=datetime(2026, 10, 3, 10, tzinfo=UTC))
    make_session(world.link, world.teacher_a, starts=datetime(2026, 11, 12, 10, tzinfo=UTC),
                 title="First call")  # fmt: skip
    make_enquiry(world.link, at=datetime(2027, 1, 20, 10, tzinfo=UTC), title="What is fair?")
    checklist.tick(world.teacher_b, world.link.id, "first_live")
    figures = health.link_figures(world.link, NOW)
    entries = {e.info.step.value: e for e in checklist.entries(world.link, figures)}
    assert entries["first_live"].done and entries["first_live"].ticked_by == "Mr Ben Wood"
    assert not entries["first_exchange"].done
    assert entries["first_exchange"].evidence == "The first exchange arrived on 3 October 2026."
    assert entries["first_live"].evidence == "First call took place on 12 November 2026."
    assert entries["enquiry"].evidence == "The enquiry “What is fair?” started on 20 January 2027."
    assert entries["ground_rules"].evidence is None and entries["celebration"].evidence is None


def test_months_count_each_class_and_mark_meetings(world):
    at = datetime(2026, 10, 3, 10, tzinfo=UTC)
    make_item(world.link, world.class_a, approved=at)
    make_item(world.link, world.class_a, approved=at, kind=ItemKind.COMMENT)
    make_item(world.link, world.class_b, approved=datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    # 31 October 23:30 UTC is still October in London (GMT from the 25th).
    make_item(world.link, world.class_b, approved=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    make_session(world.link, world.teacher_a, starts=datetime(2026, 11, 12, 10, tzinfo=UTC))
    make_enquiry(world.link, at=datetime(2027, 1, 20, 10, tzinfo=UTC))
    figures = health.link_figures(world.link, NOW)
    months = {m.label: m for m in timeline.months(world.link, figures, NOW)}
    assert list(months)[0] == "Sep" and list(months)[-1] == "Jul"  # no August without data
    assert months["Oct"].sent == (2, 1) and months["Dec"].sent == (0, 1)
    assert months["Nov"].meetings == 1 and months["Jan"].enquiries == 1
    assert (
        months["Sep"].long_label == "September 2026" and months["Jan"].long_label == "January 2027"
    )


def test_milestones_are_in_time_order(world):
    world.link.confirmed_a_at = world.link.confirmed_b_at = datetime(2026, 9, 20, tzinfo=UTC)
    make_item(world.link, world.class_a, approved=datetime(2026, 10, 3, 10, tzinfo=UTC))
    make_session(world.link, world.teacher_a, starts=datetime(2027, 4, 2, 10, tzinfo=UTC),
                 title="Summer call")  # fmt: skip
    page = services.link_page(world.teacher_a, world.link.id, NOW)
    assert [(m.kind, m.text) for m in page.moments] == [
        ("start", "The link started."),
        ("exchange", "The first exchange reached the partner class."),
        ("live", "Live session: Summer call (planned)"),
    ]


# ----- work for the report -----------------------------------------------------------------


def chosen_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportPick))


def test_both_teachers_may_choose_approved_posts_of_either_class(world):
    mine = make_item(world.link, world.class_a, kind=ItemKind.POST)
    theirs = make_item(world.link, world.class_b, kind=ItemKind.POST)
    picks.pick(world.teacher_a, theirs.id)
    picks.pick(world.teacher_b, mine.id)
    picks.pick(world.teacher_a, mine.id)  # already chosen: no change
    assert chosen_count() == 2
    chosen = picks.chosen([world.link.id])[world.link.id]
    assert [(c.item_id, c.class_name) for c in chosen] == [
        (mine.id, "Class 5A"),
        (theirs.id, "Year 5 Kestrels"),
    ]
    picks.unpick(world.teacher_b, theirs.id)
    assert chosen_count() == 1


def test_only_approved_posts_can_be_chosen_and_others_are_refused_in_words(world):
    pending = make_item(world.link, world.class_a, state=ItemState.PENDING)
    comment = make_item(world.link, world.class_a, kind=ItemKind.COMMENT)
    with pytest.raises(Conflict, match="Only approved work"):
        picks.pick(world.teacher_a, pending.id)
    with pytest.raises(Invalid, match="Only posts"):
        picks.pick(world.teacher_a, comment.id)
    with pytest.raises(NotFound):
        picks.pick(world.teacher_a, 99999)
    assert chosen_count() == 0


def test_work_taken_back_leaves_the_report(world):
    post = make_item(world.link, world.class_a, kind=ItemKind.POST)
    picks.pick(world.teacher_a, post.id)
    post.state = ItemState.WITHDRAWN
    db.session.commit()
    assert picks.chosen([world.link.id]) == {}
    assert picks.candidates(world.link) == []


def test_an_item_of_another_link_is_not_found_through_this_one(world):
    other = factories.make_link(world.class_a, world.class_c)
    post = make_item(other, world.class_a, kind=ItemKind.POST)
    with pytest.raises(NotFound, match="not in this link"):
        picks.pick(world.teacher_a, post.id, world.link.id)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("teacher_a", "teacher_b")])
def test_nobody_else_chooses(world, role):
    post = make_item(world.link, world.class_a, kind=ItemKind.POST)
    expected = Forbidden if role in ("admin", "facilitator") else NotFound
    with pytest.raises(expected):
        picks.pick(world.actor(role), post.id)
    assert chosen_count() == 0


def test_a_real_post_goes_in_the_report_without_its_authors_name(world, as_user):
    from exchange.moderation import services as rule
    from exchange.space import services as space

    post = space.create_post(
        world.pupil_a, world.link.id, space.PostDraft(title="Our town", text="We have a canal.")
    )
    db.session.commit()
    rule.approve(world.teacher_a, post.item_id)
    picks.pick(world.teacher_b, post.item_id)
    [chosen] = picks.chosen([world.link.id])[world.link.id]
    assert (chosen.title, chosen.text, chosen.class_name) == (
        "Our town",
        "We have a canal.",
        "Class 5A",
    )
    html = as_user(world.facilitator).get(f"/insights/districts/{world.district.id}/report").text
    assert "Our town" in html and "We have a canal." in html
    assert "Aisha" not in html


def test_pictures_in_the_report_get_a_text_alternative_without_the_pupils_name():
    view = {
        "title": "Our town",
        "images": [{"thumb_url": "/t/1", "full_url": "/f/1", "alt": "Picture by Aisha K."}],
    }
    assert picks._pictures(view, "Class 5A") == [
        {
            "thumb_url": "/t/1",
            "full_url": "/f/1",
            "alt": "Picture 1 of 1 in “Our town”, from Class 5A",
        }
    ]
