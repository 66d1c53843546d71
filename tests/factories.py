"""Factories for test data, with keyword defaults; each returns a flushed model."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher

from exchange.accounts.models import (
    ApprovalPolicy,
    Classroom,
    District,
    Link,
    LinkStatus,
    Pupil,
    Role,
    School,
    SchoolKind,
    User,
)
from exchange.extensions import db
from exchange.types import utcnow

PASSWORD = "correct horse battery"  # noqa: S105 - test fixture
PIN = "4826"
_counter = itertools.count(1)
# Cheap parameters keep the suite fast; production uses argon2's defaults.
_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_password_hash = _hasher.hash(PASSWORD)
_pin_hash = _hasher.hash(PIN)


def _n() -> int:
    return next(_counter)


def make_district(name: str | None = None, **kw: Any) -> District:
    """A district (local programme)."""
    district = District(name=name or f"District {_n()}", **kw)
    db.session.add(district)
    db.session.flush()
    return district


def make_school(district: District | None = None, name: str | None = None, **kw: Any) -> School:
    """A school in a district."""
    district = district or make_district()
    school = School(
        district_id=district.id,
        name=name or f"School {_n()}",
        kind=kw.pop("kind", SchoolKind.PRIMARY),
        **kw,
    )
    db.session.add(school)
    db.session.flush()
    return school


def make_classroom(school: School | None = None, name: str | None = None, **kw: Any) -> Classroom:
    """A class in a school, with a unique class code."""
    school = school or make_school()
    n = _n()
    classroom = Classroom(
        school_id=school.id, name=name or f"Class {n}", code=kw.pop("code", f"C{n:05d}"), **kw
    )
    db.session.add(classroom)
    db.session.flush()
    return classroom


def make_user(role: Role = Role.TEACHER, **kw: Any) -> User:
    """A staff account with the test password."""
    n = _n()
    classrooms = kw.pop("classrooms", [])
    user = User(
        role=role,
        email=kw.pop("email", f"{role.value}{n}@example.org"),
        display_name=kw.pop("display_name", f"{role.value.title()} {n}"),
        password_hash=kw.pop("password_hash", _password_hash),
        **kw,
    )
    user.classrooms = list(classrooms)
    db.session.add(user)
    db.session.flush()
    return user


def make_teacher(classroom: Classroom | None = None, **kw: Any) -> User:
    """A teacher of a class (and of its school)."""
    classroom = classroom or make_classroom()
    return make_user(
        Role.TEACHER,
        classrooms=[classroom],
        school_id=classroom.school_id,
        district_id=classroom.school.district_id,
        **kw,
    )


def make_facilitator(district: District | None = None, **kw: Any) -> User:
    """A facilitator of a district."""
    district = district or make_district()
    return make_user(Role.FACILITATOR, district_id=district.id, **kw)


def make_admin(**kw: Any) -> User:
    """An installation admin."""
    return make_user(Role.ADMIN, **kw)


def make_pupil(classroom: Classroom | None = None, name: str | None = None, **kw: Any) -> Pupil:
    """A pupil with the test PIN."""
    classroom = classroom or make_classroom()
    pupil = Pupil(
        classroom_id=classroom.id,
        display_name=name or f"Pupil {_n()}.",
        credential_hash=kw.pop("credential_hash", _pin_hash),
        **kw,
    )
    db.session.add(pupil)
    db.session.flush()
    return pupil


def make_link(
    class_a: Classroom | None = None,
    class_b: Classroom | None = None,
    *,
    active: bool = True,
    policy: ApprovalPolicy = ApprovalPolicy.SENDER,
    **kw: Any,
) -> Link:
    """A link between two classes of different schools (active by default)."""
    class_a = class_a or make_classroom()
    class_b = class_b or make_classroom(make_school(class_a.school.district))
    now = utcnow()
    link = Link(
        district_id=class_a.school.district_id,
        class_a_id=class_a.id,
        class_b_id=class_b.id,
        academic_year=kw.pop("academic_year", "2026-27"),
        approval_policy=policy,
        status=LinkStatus.ACTIVE if active else LinkStatus.PROPOSED,
        confirmed_a_at=now if active else None,
        confirmed_b_at=now if active else None,
        **kw,
    )
    db.session.add(link)
    db.session.flush()
    return link


@dataclass
class World:
    """A district with a link (classes A and B), an unrelated class and another district."""

    district: District
    other_district: District
    school_a: School
    school_b: School
    class_a: Classroom
    class_b: Classroom
    class_c: Classroom
    link: Link
    admin: User
    facilitator: User
    other_facilitator: User
    teacher_a: User
    teacher_b: User
    teacher_c: User
    pupil_a: Pupil
    pupil_a2: Pupil
    pupil_b: Pupil
    pupil_c: Pupil

    def actor(self, role: str) -> Any:
        """The account playing a role name used in authorisation matrices."""
        return None if role == "anonymous" else getattr(self, role)


ROLES = [
    "admin",
    "facilitator",
    "other_facilitator",
    "teacher_a",
    "teacher_b",
    "teacher_c",
    "pupil_a",
    "pupil_b",
    "pupil_c",
    "anonymous",
]


def make_world(policy: ApprovalPolicy = ApprovalPolicy.SENDER) -> World:
    """Build the standard cast every authorisation test uses, and commit it."""
    district = make_district("Bradford")
    other = make_district("Calderdale")
    school_a = make_school(district, "Oakfield Primary")
    school_b = make_school(district, "Moorside Primary")
    school_c = make_school(district, "Hillcrest Academy", kind=SchoolKind.SECONDARY)
    class_a = make_classroom(school_a, "Class 5A", code="OAK5A")
    class_b = make_classroom(school_b, "Year 5 Kestrels", code="MOOR5K")
    class_c = make_classroom(school_c, "7C", code="HILL7C")
    link = make_link(class_a, class_b, policy=policy)
    world = World(
        district=district,
        other_district=other,
        school_a=school_a,
        school_b=school_b,
        class_a=class_a,
        class_b=class_b,
        class_c=class_c,
        link=link,
        admin=make_admin(email="admin@example.org", display_name="Ada Admin"),
        facilitator=make_facilitator(district, email="fac@example.org", display_name="Farah F"),
        other_facilitator=make_facilitator(other, email="other@example.org"),
        teacher_a=make_teacher(class_a, email="a@example.org", display_name="Ms Amina Khan"),
        teacher_b=make_teacher(class_b, email="b@example.org", display_name="Mr Ben Wood"),
        teacher_c=make_teacher(class_c, email="c@example.org", display_name="Mrs Cara Bell"),
        pupil_a=make_pupil(class_a, "Aisha K."),
        pupil_a2=make_pupil(class_a, "Tom R."),
        pupil_b=make_pupil(class_b, "Oliver P."),
        pupil_c=make_pupil(class_c, "Zara M."),
    )
    db.session.commit()
    return world
