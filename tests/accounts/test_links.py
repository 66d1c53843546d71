"""Links between classes: proposed by a facilitator, confirmed by both teachers (services)."""

from __future__ import annotations

from datetime import date

import pytest

from exchange import realtime
from exchange.accounts import services
from exchange.accounts.models import Link, LinkStatus
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from tests import factories


@pytest.fixture
def fresh(world):
    """Two unlinked classes of different schools in the world's district, with teachers."""
    class_d = factories.make_classroom(world.school_a, "Class 4D")
    class_e = factories.make_classroom(world.school_b, "Class 4E")
    teacher_d = factories.make_teacher(class_d)
    teacher_e = factories.make_teacher(class_e)
    db.session.commit()
    return class_d, class_e, teacher_d, teacher_e


def test_link_becomes_active_only_after_both_teachers_confirm(world, fresh):
    class_d, class_e, teacher_d, teacher_e = fresh
    link = services.create_link(
        world.facilitator, class_d.id, class_e.id, "2026-27", "dual", phase=2
    )
    assert (link.status, link.phase, link.approval_policy) == (LinkStatus.PROPOSED, 2, "dual")
    assert realtime.last_seq(realtime.staff_stream(teacher_d.id)) == 1
    services.confirm_link(teacher_d, link.id)
    assert link.status == LinkStatus.PROPOSED
    with pytest.raises(Conflict, match="already confirmed"):
        services.confirm_link(teacher_d, link.id)
    services.confirm_link(teacher_e, link.id)
    assert link.status == LinkStatus.ACTIVE
    assert services.active_link_of_class(class_d.id) == link
    assert [e.kind for e in realtime.events_after(realtime.link_stream(link.id), 0)] == [
        "link_activated"
    ]


def test_link_of_two_classes_of_the_same_school_is_refused(world):
    same = factories.make_classroom(world.school_a, "Class 3Z")
    before = db.session.query(Link).count()
    with pytest.raises(Invalid, match="different schools"):
        services.create_link(world.facilitator, world.class_a.id, same.id)
    assert db.session.query(Link).count() == before


def test_link_across_districts_is_refused(world):
    far = factories.make_classroom(factories.make_school(world.other_district))
    db.session.commit()
    with pytest.raises(NotFound):
        services.create_link(world.facilitator, world.class_c.id, far.id)
    with pytest.raises(Invalid, match="same district"):
        services.create_link(world.admin, world.class_c.id, far.id)


def test_a_class_has_one_open_link_per_year(world):
    with pytest.raises(Conflict, match="already linked"):
        services.create_link(world.facilitator, world.class_c.id, world.class_a.id, "2026-27")
    other_year = services.create_link(
        world.facilitator, world.class_c.id, world.class_a.id, "2027/2028"
    )
    assert other_year.academic_year == "2027-28"


@pytest.mark.parametrize("year", ["2026", "2026-28", "26-27", "next year"])
def test_malformed_academic_year_is_refused(world, fresh, year):
    with pytest.raises(Invalid, match="academic year"):
        services.create_link(world.facilitator, fresh[0].id, fresh[1].id, year)


def test_default_academic_year_follows_the_uk_school_year():
    assert services.current_academic_year(date(2026, 9, 1)) == "2026-27"
    assert services.current_academic_year(date(2027, 8, 31)) == "2026-27"
    assert services.current_academic_year(date(2099, 12, 1)) == "2099-00"


def test_teachers_and_pupils_cannot_create_links(world, fresh):
    with pytest.raises(Forbidden):
        services.create_link(world.teacher_a, world.class_a.id, world.class_b.id)
    with pytest.raises(NotFound):
        services.create_link(world.pupil_a, world.class_a.id, world.class_b.id)


def test_only_the_links_teachers_confirm_it(world, fresh):
    link = services.create_link(world.facilitator, fresh[0].id, fresh[1].id)
    with pytest.raises(NotFound):
        services.confirm_link(world.teacher_c, link.id)
    with pytest.raises(Forbidden):
        services.confirm_link(world.facilitator, link.id)


def test_facilitator_changes_phase_and_policy_and_archives(world):
    link = services.update_link(world.facilitator, world.link.id, phase=3, approval_policy="dual")
    assert (link.phase, link.approval_policy) == (3, "dual")
    with pytest.raises(Invalid):
        services.update_link(world.facilitator, world.link.id, phase=4)
    with pytest.raises(Forbidden):
        services.update_link(world.teacher_a, world.link.id, phase=1)
    services.archive_link(world.facilitator, world.link.id)
    assert services.active_link_of_class(world.class_a.id) is None
    with pytest.raises(Conflict):
        services.confirm_link(world.teacher_a, world.link.id)
    kinds = [e.kind for e in realtime.events_after(realtime.link_stream(world.link.id), 0)]
    assert kinds == ["link_updated", "link_archived"]


def test_each_area_lists_a_classs_links_in_its_own_order(world, as_user):
    # One read of the class's links per request (accounts.linking.links_of_classes), and each
    # area keeps and orders what it shows: the home link newest year first without archived
    # ones, P4C boards active first, insights newest year first, live sessions only the active.
    from exchange.accounts import linking
    from exchange.enquiry import board
    from exchange.insights import services as insights
    from exchange.rooms.live.services import scheduling

    def partner(name: str):  # noqa: ANN202
        return factories.make_classroom(world.school_b, name)

    current = world.link
    archived = factories.make_link(world.class_a, partner("Class 2F"), academic_year="2025-26")
    proposed = factories.make_link(
        world.class_a, partner("Class 3G"), active=False, academic_year="2027-28"
    )
    older = factories.make_link(world.class_a, partner("Class 1H"), academic_year="2024-25")
    archived.status = older.status = LinkStatus.ARCHIVED
    db.session.commit()

    assert linking.links_of_class(world.class_a.id) == [proposed, current]
    assert linking.links_of_class(world.class_a.id, include_archived=True) == [
        proposed,
        current,
        archived,
        older,
    ]
    assert board.links_for(world.teacher_a) == [current, older, archived]
    assert board.links_for(world.pupil_a) == [current, older, archived]
    assert insights.links_for(world.teacher_a) == [current, archived, older]
    assert scheduling.links_to_plan(world.teacher_a) == [current]


def test_a_requests_remembered_links_cannot_be_changed_by_a_caller(app, world):
    from exchange.accounts import linking

    with app.test_request_context("/"):
        first = linking.links_of_classes([world.class_a.id])
        first.clear()
        assert linking.links_of_classes([world.class_a.id]) == [world.link]
