"""Districts, schools, classes, staff and invitations (services, no HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange import types as clock
from exchange.accounts import services
from exchange.accounts.models import Invitation, Role, School, SchoolKind, User
from exchange.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from exchange.extensions import db
from tests import factories

GOOD_PASSWORD = "river lantern obvious"


def count(model) -> int:
    return db.session.query(model).count()


def test_admin_creates_a_district_and_nobody_else_can(world):
    district = services.create_district(world.admin, "  Kirklees  ")
    assert district.name == "Kirklees"
    with pytest.raises(Forbidden):
        services.create_district(world.facilitator, "Leeds")


def test_duplicate_district_name_is_refused(world):
    with pytest.raises(Conflict, match="already a district called bradford"):
        services.create_district(world.admin, "bradford")


def test_facilitator_registers_a_school_of_each_kind(world):
    for kind in SchoolKind:
        school = services.create_school(world.facilitator, world.district.id, f"{kind} s", kind)
        assert school.kind == kind and school.district_id == world.district.id


@pytest.mark.parametrize(
    ("name", "kind", "error"),
    [
        ("Oakfield Primary", "primary", Conflict),
        ("", "primary", Invalid),
        ("New School", "nursery", Invalid),
    ],
)
def test_bad_school_input_changes_nothing(world, name, kind, error):
    before = count(School)
    with pytest.raises(error):
        services.create_school(world.facilitator, world.district.id, name, kind)
    assert count(School) == before


def test_facilitator_of_another_district_cannot_see_this_district(world):
    with pytest.raises(NotFound):
        services.create_school(world.other_facilitator, world.district.id, "X School", "primary")


def test_a_new_class_gets_a_unique_readable_code(world):
    classroom = services.create_class(world.facilitator, world.school_a.id, "Class 6B", "Year 6")
    assert len(classroom.code) == 6
    assert not set(classroom.code) & set("01OIL")
    with pytest.raises(Conflict):
        services.create_class(world.facilitator, world.school_a.id, "class 6b")


def test_teacher_invitation_is_single_use_and_assigns_the_class(world):
    invitation, token = services.invite_staff(
        world.facilitator,
        world.district.id,
        "New.Teacher@Example.org",
        Role.TEACHER,
        school_id=world.school_a.id,
        classroom_id=world.class_a.id,
    )
    assert invitation.token_hash != token  # stored hashed only
    user = services.accept_invitation(token, "Ms New", GOOD_PASSWORD)
    assert user.email == "new.teacher@example.org"
    assert user.role == Role.TEACHER and user.classrooms == [world.class_a]
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(Gone, match="already been used"):
        services.accept_invitation(token, "Ms Again", GOOD_PASSWORD)


def test_expired_invitation_is_refused_and_creates_nobody(world, monkeypatch):
    _, token = services.invite_staff(
        world.facilitator, world.district.id, "late@example.org", school_id=world.school_a.id
    )
    later = clock.utcnow() + services.INVITATION_LIFETIME + timedelta(minutes=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    before = count(User)
    with pytest.raises(Gone, match="expired"):
        services.accept_invitation(token, "Mr Late", GOOD_PASSWORD)
    assert count(User) == before


def test_wrong_invitation_token_is_refused(world):
    with pytest.raises(NotFound, match="not valid"):
        services.accept_invitation("not-a-token", "Someone", GOOD_PASSWORD)


def test_weak_password_leaves_the_invitation_usable(world):
    _, token = services.invite_staff(
        world.facilitator, world.district.id, "weak@example.org", school_id=world.school_a.id
    )
    with pytest.raises(Invalid, match="too common"):
        services.accept_invitation(token, "Mr Weak", "Password123")
    assert services.accept_invitation(token, "Mr Weak", GOOD_PASSWORD).email == "weak@example.org"


def test_inviting_an_existing_email_is_refused(world):
    before = count(Invitation)
    with pytest.raises(Conflict, match="already has an account"):
        services.invite_staff(
            world.facilitator, world.district.id, "A@example.org", school_id=world.school_a.id
        )
    assert count(Invitation) == before


@pytest.mark.parametrize("where", ["school_of_other_district", "class_of_other_school", "none"])
def test_teacher_invitation_needs_a_school_and_class_of_this_district(world, where):
    other_school = factories.make_school(world.other_district)
    school_id, classroom_id = {
        "school_of_other_district": (other_school.id, None),
        "class_of_other_school": (world.school_a.id, world.class_b.id),
        "none": (None, None),
    }[where]
    with pytest.raises(Invalid):
        services.invite_staff(
            world.facilitator,
            world.district.id,
            "x@example.org",
            school_id=school_id,
            classroom_id=classroom_id,
        )


def test_only_admins_invite_facilitators(world):
    with pytest.raises(Forbidden):
        services.invite_staff(world.facilitator, world.district.id, "f2@example.org", "facilitator")
    district_id = world.district.id
    _, token = services.invite_staff(world.admin, district_id, "f2@example.org", "facilitator")
    user = services.accept_invitation(token, "Fran Two", GOOD_PASSWORD)
    assert user.role == Role.FACILITATOR and user.district_id == world.district.id


def test_a_new_invitation_replaces_the_pending_one(world):
    _, first = services.invite_staff(
        world.facilitator, world.district.id, "twice@example.org", school_id=world.school_a.id
    )
    _, second = services.invite_staff(
        world.facilitator, world.district.id, "twice@example.org", school_id=world.school_a.id
    )
    with pytest.raises(Gone):
        services.invitation_by_token(first)
    assert services.invitation_by_token(second).email == "twice@example.org"
    assert len(services.pending_invitations(world.facilitator, world.district.id)) == 1


def test_revoked_invitation_cannot_be_used(world):
    invitation, token = services.invite_staff(
        world.facilitator, world.district.id, "gone@example.org", school_id=world.school_a.id
    )
    services.revoke_invitation(world.facilitator, invitation.id)
    with pytest.raises(Gone):
        services.accept_invitation(token, "Mr Gone", GOOD_PASSWORD)


def test_facilitator_marks_a_teacher_as_safeguarding_lead(world):
    assert services.set_dsl(world.facilitator, world.teacher_a.id, True).is_dsl
    with pytest.raises(NotFound):
        services.set_dsl(world.other_facilitator, world.teacher_a.id, False)
    with pytest.raises(Invalid):
        services.set_dsl(world.facilitator, world.facilitator.id, True)


def test_facilitator_adds_an_existing_teacher_of_the_school_to_a_class(world):
    extra = services.create_class(world.facilitator, world.school_a.id, "Class 5B")
    services.assign_teacher(world.facilitator, extra.id, world.teacher_a.id)
    assert extra in world.teacher_a.classrooms
    with pytest.raises(Invalid, match="Only teachers of Oakfield Primary"):
        services.assign_teacher(world.facilitator, extra.id, world.teacher_b.id)
    with pytest.raises(Conflict):
        services.assign_teacher(world.facilitator, extra.id, world.teacher_a.id)
