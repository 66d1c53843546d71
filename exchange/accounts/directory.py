"""Districts, schools, classes, staff and invitations: what admins and facilitators set up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from exchange import authz
from exchange import types as clock
from exchange.accounts import credentials, passwords
from exchange.accounts.lookup import (
    clean_email,
    clean_text,
    commit_or_conflict,
    find,
    get_row,
    parse_enum,
    require,
)
from exchange.accounts.models import (
    Classroom,
    District,
    Invitation,
    Role,
    School,
    SchoolKind,
    User,
)
from exchange.errors import Conflict, Gone, Invalid, NotFound
from exchange.extensions import db

INVITATION_LIFETIME = timedelta(days=7)


def create_district(actor: Any, name: str) -> District:
    """An admin creates a district (a local programme)."""
    require(authz.is_admin(actor), "Only an admin can create districts.")
    name = clean_text(name, "district name", 120, field="name", min_length=2)
    taken = select(District.id).where(func.lower(District.name) == name.lower())
    if db.session.scalar(taken) is not None:
        raise Conflict(f"There is already a district called {name}.", field="name")
    district = District(name=name)
    db.session.add(district)
    commit_or_conflict(f"There is already a district called {name}.", field="name")
    return district


def find_district(actor: Any, district_id: int) -> District:
    """A district this user oversees (admin, or its facilitator)."""
    return find(District, district_id, "district", lambda d: authz.can_manage_district(actor, d))


def districts_for(actor: Any) -> list[District]:
    """The districts this user oversees, by name."""
    if authz.is_admin(actor):
        return list(db.session.scalars(select(District).order_by(District.name)))
    if authz.is_staff(actor) and actor.role == Role.FACILITATOR and actor.district:
        return [actor.district]
    return []


def create_school(actor: Any, district_id: int, name: str, kind: str | SchoolKind) -> School:
    """A facilitator registers a primary, secondary or special school in their district."""
    district = find_district(actor, district_id)
    name = clean_text(name, "school name", 160, field="name", min_length=2)
    school_kind = parse_enum(SchoolKind, kind, "kind of school", "kind")
    taken = select(School.id).where(
        School.district_id == district.id, func.lower(School.name) == name.lower()
    )
    message = f"{name} is already registered in {district.name}."
    if db.session.scalar(taken) is not None:
        raise Conflict(message, field="name")
    school = School(district_id=district.id, name=name, kind=school_kind)
    db.session.add(school)
    commit_or_conflict(message, field="name")
    return school


def find_school(actor: Any, school_id: int) -> School:
    """A school in a district this user oversees."""
    return find(School, school_id, "school", lambda s: authz.can_view_school(actor, s))


def create_class(actor: Any, school_id: int, name: str, year_group: str = "") -> Classroom:
    """A facilitator registers a class in a school; the class gets a fresh random code."""
    school = find_school(actor, school_id)
    name = clean_text(name, "class name", 80, field="name")
    year_group = clean_text(year_group, "year group", 20, field="year_group", min_length=0)
    taken = select(Classroom.id).where(
        Classroom.school_id == school.id, func.lower(Classroom.name) == name.lower()
    )
    message = f"{school.name} already has a class called {name}."
    if db.session.scalar(taken) is not None:
        raise Conflict(message, field="name")
    classroom = Classroom(
        school_id=school.id, name=name, year_group=year_group, code=_unused_class_code()
    )
    db.session.add(classroom)
    commit_or_conflict(message, field="name")
    return classroom


def _unused_class_code() -> str:
    """A class code no class has yet (31^6 codes, so a clash is rare; retry if one happens)."""
    while True:
        code = credentials.new_class_code()
        if db.session.scalar(select(Classroom.id).where(Classroom.code == code)) is None:
            return code


def find_class(actor: Any, classroom_id: int) -> Classroom:
    """A class this user may see: its teachers and the district's facilitators."""
    return find(Classroom, classroom_id, "class", lambda c: authz.can_view_class(actor, c))


def find_staff(actor: Any, user_id: int) -> User:
    """A teacher or facilitator of a district this user oversees."""
    return find(
        User,
        user_id,
        "person",
        lambda u: u.role != Role.ADMIN and authz.oversees_district(actor, u.district_id),
    )


def staff_of_district(district_id: int) -> list[User]:
    """The district's facilitators and teachers, by role and name."""
    stmt = select(User).where(User.district_id == district_id)
    return list(db.session.scalars(stmt.order_by(User.role, User.display_name)))


def assign_teacher(actor: Any, classroom_id: int, teacher_id: int) -> Classroom:
    """A facilitator adds an existing teacher of the class's school to the class."""
    classroom = find_class(actor, classroom_id)
    require(
        authz.oversees_district(actor, classroom.district_id),
        "Only the district's facilitators can add teachers to a class.",
    )
    teacher = find_staff(actor, teacher_id)
    if teacher.role != Role.TEACHER or teacher.school_id != classroom.school_id:
        raise Invalid(
            f"Only teachers of {classroom.school.name} can teach {classroom.name}.",
            field="teacher_id",
        )
    if teacher in classroom.teachers:
        raise Conflict(f"{teacher.display_name} already teaches {classroom.name}.")
    classroom.teachers.append(teacher)
    db.session.commit()
    return classroom


def set_dsl(actor: Any, user_id: int, is_dsl: bool) -> User:
    """A facilitator marks a teacher as (or no longer as) their school's safeguarding lead."""
    teacher = find_staff(actor, user_id)
    if teacher.role != Role.TEACHER:
        raise Invalid("Only a teacher can be a school's designated safeguarding lead.")
    teacher.is_dsl = bool(is_dsl)
    db.session.commit()
    return teacher


def invite_staff(
    actor: Any,
    district_id: int,
    email: str,
    role: str | Role = Role.TEACHER,
    school_id: int | None = None,
    classroom_id: int | None = None,
) -> tuple[Invitation, str]:
    """Invite a teacher (facilitators, admins) or a facilitator (admins) by a single-use link.

    Returns the invitation and its token; the token is stored only hashed, so the caller shows
    the link once.
    """
    district = find_district(actor, district_id)
    role = parse_enum(Role, role, "role", "role")
    email = clean_email(email)
    school = classroom = None
    if role == Role.FACILITATOR:
        require(authz.is_admin(actor), "Only an admin can invite facilitators.")
    elif role == Role.TEACHER:
        school, classroom = _invited_place(district, school_id, classroom_id)
    else:
        raise Invalid("Invitations are for teachers and facilitators.", field="role")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            f"{email} already has an account. Add them to a class instead of inviting them.",
            field="email",
        )
    now = clock.utcnow()
    # A fresh invitation replaces any earlier one still waiting for the same person.
    for old in _pending_invitations(district.id, email):
        old.expires_at = now
    token = credentials.new_invitation_token()
    invitation = Invitation(
        token_hash=passwords.token_digest(token),
        email=email,
        role=role,
        district_id=district.id,
        school_id=school.id if school else None,
        classroom_id=classroom.id if classroom else None,
        invited_by_id=actor.id,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def _invited_place(
    district: District, school_id: int | None, classroom_id: int | None
) -> tuple[School, Classroom | None]:
    """The school (required) and class (optional) a teacher is invited to, in this district."""
    school = get_row(School, school_id)
    if school is None or school.district_id != district.id:
        raise Invalid(f"Choose a school in {district.name}.", field="school_id")
    if classroom_id is None:
        return school, None
    classroom = get_row(Classroom, classroom_id)
    if classroom is None or classroom.school_id != school.id:
        raise Invalid(f"Choose a class of {school.name}.", field="classroom_id")
    return school, classroom


def _pending_invitations(district_id: int, email: str) -> list[Invitation]:
    """Unused, unexpired invitations for this email in this district."""
    stmt = select(Invitation).where(
        Invitation.district_id == district_id,
        Invitation.email == email,
        Invitation.used_at.is_(None),
        Invitation.expires_at > clock.utcnow(),
    )
    return list(db.session.scalars(stmt))


def pending_invitations(actor: Any, district_id: int) -> list[Invitation]:
    """The district's invitations still waiting to be accepted, newest first."""
    district = find_district(actor, district_id)
    stmt = (
        select(Invitation)
        .where(
            Invitation.district_id == district.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > clock.utcnow(),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return list(db.session.scalars(stmt))


def revoke_invitation(actor: Any, invitation_id: int) -> Invitation:
    """Withdraw an invitation that has not been used yet."""
    invitation = find(
        Invitation,
        invitation_id,
        "invitation",
        lambda i: authz.oversees_district(actor, i.district_id),
    )
    if invitation.role == Role.FACILITATOR:
        require(authz.is_admin(actor), "Only an admin can withdraw a facilitator's invitation.")
    if invitation.used_at is not None:
        raise Conflict("That invitation has already been accepted.")
    invitation.expires_at = min(invitation.expires_at, clock.utcnow())
    db.session.commit()
    return invitation


def invitation_by_token(token: str) -> Invitation:
    """The invitation behind a link, or a plain-words refusal (wrong, used, expired)."""
    invitation = None
    if token and len(token) < 200:
        digest = passwords.token_digest(token)
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is None:
        raise NotFound("This invitation link is not valid. Check that you copied all of it.")
    if invitation.used_at is not None:
        raise Gone("This invitation has already been used. Sign in with your email instead.")
    if invitation.expires_at <= clock.utcnow():
        raise Gone("This invitation has expired. Ask your facilitator for a new one.")
    return invitation


def accept_invitation(token: str, display_name: str, password: str) -> User:
    """Create the invited account, mark the invitation used; all or nothing."""
    invitation = invitation_by_token(token)
    name = clean_text(display_name, "name", 120, field="display_name", min_length=2)
    passwords.check_password_policy(password, email=invitation.email, name=name)
    if db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise Conflict(f"{invitation.email} already has an account. Sign in instead.")
    user = User(
        role=invitation.role,
        email=invitation.email,
        display_name=name,
        password_hash=passwords.hash_secret(password),
        district_id=invitation.district_id,
        school_id=invitation.school_id,
    )
    if invitation.classroom is not None:
        user.classrooms = [invitation.classroom]
    invitation.used_at = clock.utcnow()
    db.session.add(user)
    commit_or_conflict(f"{invitation.email} already has an account. Sign in instead.")
    return user
