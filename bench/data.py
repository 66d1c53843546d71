"""Benchmark data: districts, linked classes, teachers and pupils, built straight in the database.

Independent of tests/factories.py on purpose (benchmarks never import tests/). Call inside an app
context (bench.common.data_app); every builder commits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
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

# Nobody signs in with a password in benchmarks (clients carry signed session cookies), but the
# column is required: one cheap hash shared by every account.
_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("bench-only")
_counter = itertools.count(1)


@dataclass
class LinkedPair:
    """Two linked classes with their teachers and pupils."""

    link: Link
    class_a: Classroom
    class_b: Classroom
    teachers_a: list[User] = field(default_factory=list)
    teachers_b: list[User] = field(default_factory=list)
    pupils_a: list[Pupil] = field(default_factory=list)
    pupils_b: list[Pupil] = field(default_factory=list)

    @property
    def teachers(self) -> list[User]:
        """Every teacher of both classes."""
        return self.teachers_a + self.teachers_b

    @property
    def pupils(self) -> list[Pupil]:
        """Every pupil of both classes."""
        return self.pupils_a + self.pupils_b


def _district() -> District:
    """A district to put schools in."""
    district = District(name=f"Bench district {next(_counter)}")
    db.session.add(district)
    db.session.flush()
    return district


def _classroom(district: District, label: str) -> Classroom:
    """A school with one class."""
    n = next(_counter)
    school = School(district_id=district.id, name=f"{label} School {n}", kind=SchoolKind.PRIMARY)
    db.session.add(school)
    db.session.flush()
    classroom = Classroom(school_id=school.id, name=f"Class {label}{n}", code=f"B{n:07d}")
    db.session.add(classroom)
    db.session.flush()
    return classroom


def _teacher(classroom: Classroom, district: District) -> User:
    """A teacher of one class."""
    n = next(_counter)
    user = User(
        role=Role.TEACHER,
        email=f"teacher{n}@bench.example.org",
        display_name=f"Teacher {n}",
        password_hash=_HASH,
        district_id=district.id,
        school_id=classroom.school_id,
    )
    user.classrooms = [classroom]
    db.session.add(user)
    return user


def _pupils(classroom: Classroom, count: int) -> list[Pupil]:
    """`count` pupils of a class."""
    pupils = [
        Pupil(classroom_id=classroom.id, display_name=f"Pupil {i + 1}.", credential_hash=_HASH)
        for i in range(count)
    ]
    db.session.add_all(pupils)
    return pupils


def make_linked_pair(
    pupils_per_class: int = 30,
    teachers_per_class: int = 1,
    *,
    policy: ApprovalPolicy = ApprovalPolicy.SENDER,
    district: District | None = None,
) -> LinkedPair:
    """Two classes of different schools, linked and active, each with teachers and pupils."""
    district = district or _district()
    class_a, class_b = _classroom(district, "A"), _classroom(district, "B")
    now = utcnow()
    link = Link(
        district_id=district.id,
        class_a_id=class_a.id,
        class_b_id=class_b.id,
        academic_year="2026-27",
        approval_policy=policy,
        status=LinkStatus.ACTIVE,
        confirmed_a_at=now,
        confirmed_b_at=now,
    )
    db.session.add(link)
    pair = LinkedPair(
        link=link,
        class_a=class_a,
        class_b=class_b,
        teachers_a=[_teacher(class_a, district) for _ in range(teachers_per_class)],
        teachers_b=[_teacher(class_b, district) for _ in range(teachers_per_class)],
        pupils_a=_pupils(class_a, pupils_per_class),
        pupils_b=_pupils(class_b, pupils_per_class),
    )
    db.session.commit()
    return pair


def make_linked_pairs(count: int, **kwargs: Any) -> list[LinkedPair]:
    """Several linked pairs in one district."""
    district = _district()
    db.session.commit()
    return [make_linked_pair(district=district, **kwargs) for _ in range(count)]
