"""The demo district: accounts made here, then each area's `@demo_seeder` adds its content.

Other areas register a seeder in a module their area imports on registration:

    from exchange.accounts.seed import Demo, demo_seeder

    @demo_seeder(order=20)
    def seed_space(demo: Demo) -> None:
        post = ...  # use demo.link, demo.pupils["a"], demo.teachers["a"] ...
        demo.notes.append("Two approved posts are in the shared space.")

Seeders run after the accounts are committed, in `order`, and commit their own work.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from exchange.accounts import credentials, passwords
from exchange.accounts.linking import current_academic_year
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

DEMO_DISTRICT = "Demo District"
LOGINS_FILE = "demo-logins.json"


@dataclass
class Demo:
    """What the demo made, handed to every area's seeder."""

    district: District
    admin: User
    facilitator: User
    schools: dict[str, School]
    classes: dict[str, Classroom]
    teachers: dict[str, User]
    pupils: dict[str, list[Pupil]]
    link: Link
    logins: dict[str, Any]
    notes: list[str] = field(default_factory=list)


DemoSeeder = Callable[[Demo], None]
_SEEDERS: list[tuple[int, str, DemoSeeder]] = []


def demo_seeder(func: DemoSeeder | None = None, *, order: int = 50) -> Any:
    """Register a function that adds an area's demo content (`@demo_seeder` or with an order)."""

    def register(seeder: DemoSeeder) -> DemoSeeder:
        """Add (or replace, on re-import) the seeder, keeping the list in order."""
        name = f"{seeder.__module__}.{seeder.__qualname__}"
        _SEEDERS[:] = [s for s in _SEEDERS if s[1] != name]
        _SEEDERS.append((order, name, seeder))
        _SEEDERS.sort(key=lambda s: (s[0], s[1]))
        return seeder

    return register(func) if func is not None else register


def demo_exists() -> bool:
    """True when the demo district is in the database."""
    return db.session.scalar(select(District.id).where(District.name == DEMO_DISTRICT)) is not None


def _password() -> str:
    """A random demo password that passes the password policy (four short random words)."""
    return "-".join(secrets.token_hex(3) for _ in range(4))


def _staff(role: Role, email: str, name: str, password: str, **kw: Any) -> User:
    """A staff account with a hashed password."""
    user = User(
        role=role,
        email=email,
        display_name=name,
        password_hash=passwords.hash_secret(password),
        **kw,
    )
    db.session.add(user)
    return user


CAST = {
    "a": ("Oakfield Primary", SchoolKind.PRIMARY, "Class 5A", "Year 5", "Ms Amina Khan"),
    "b": ("Moorside Primary", SchoolKind.PRIMARY, "Year 5 Kestrels", "Year 5", "Mr Ben Wood"),
    "c": ("Hillcrest Academy", SchoolKind.SECONDARY, "7C", "Year 7", "Mrs Cara Bell"),
}
PUPILS = {
    "a": ["Aisha K.", "Tom R.", "Priya S.", "Jack W.", "Maryam H.", "Leo D."],
    "b": ["Oliver P.", "Grace T.", "Yusuf A.", "Ella M.", "Noah B.", "Amira J."],
    "c": ["Zara M.", "Finn O.", "Hana Q."],
}


def create_demo() -> Demo:
    """Create the demo district's accounts, commit, then run every area's seeder."""
    demo = create_accounts()
    run_seeders(demo)
    return demo


class SeederFailed(RuntimeError):
    """An area's demo seeder raised; the accounts (committed before) are in place."""


def run_seeders(demo: Demo) -> None:
    """Run every registered seeder in order; the notes they add go into the logins."""
    for _order, name, seeder in list(_SEEDERS):
        try:
            seeder(demo)
        except Exception as exc:
            db.session.rollback()
            raise SeederFailed(f"the demo seeder {name} failed: {exc}") from exc
    demo.logins["notes"] = demo.notes


def create_accounts() -> Demo:
    """Create and commit the demo district's accounts, classes, pupils and link."""
    logins: dict[str, Any] = {"teachers": [], "classes": []}
    district = District(name=DEMO_DISTRICT)
    db.session.add(district)
    db.session.flush()
    admin_password, facilitator_password = _password(), _password()
    admin = _staff(Role.ADMIN, "admin@demo.example", "Demo Admin", admin_password)
    facilitator = _staff(
        Role.FACILITATOR,
        "facilitator@demo.example",
        "Farah Facilitator",
        facilitator_password,
        district_id=district.id,
    )
    logins["admin"] = {"email": admin.email, "password": admin_password}
    logins["facilitator"] = {"email": facilitator.email, "password": facilitator_password}
    schools, classes, teachers, pupils = {}, {}, {}, {}
    for key, (school_name, kind, class_name, year, teacher_name) in CAST.items():
        school = School(district_id=district.id, name=school_name, kind=kind)
        db.session.add(school)
        db.session.flush()
        classroom = Classroom(
            school_id=school.id, name=class_name, year_group=year, code=_free_code()
        )
        db.session.add(classroom)
        db.session.flush()
        password = _password()
        email = f"teacher.{key}@demo.example"
        teacher = _staff(
            Role.TEACHER,
            email,
            teacher_name,
            password,
            district_id=district.id,
            school_id=school.id,
            is_dsl=key == "a",
        )
        teacher.classrooms = [classroom]
        schools[key], classes[key], teachers[key] = school, classroom, teacher
        logins["teachers"].append(
            {"email": email, "password": password, "name": teacher_name, "class": class_name}
        )
        pupils[key], listed = [], []
        for name in PUPILS[key]:
            pin = credentials.new_pin()
            pupil = Pupil(
                classroom_id=classroom.id,
                display_name=name,
                credential_hash=passwords.hash_secret(pin),
                consent_photo=True,
            )
            db.session.add(pupil)
            pupils[key].append(pupil)
            listed.append((pupil, pin))
        db.session.flush()
        logins["classes"].append(
            {
                "key": key,
                "id": classroom.id,
                "name": class_name,
                "school": school_name,
                "code": classroom.code,
                "teacher": email,
                "pupils": [
                    {"id": p.id, "display_name": p.display_name, "pin": pin} for p, pin in listed
                ],
            }
        )
    now = utcnow()
    link = Link(
        district_id=district.id,
        class_a_id=classes["a"].id,
        class_b_id=classes["b"].id,
        academic_year=current_academic_year(),
        approval_policy=ApprovalPolicy.SENDER,
        status=LinkStatus.ACTIVE,
        confirmed_a_at=now,
        confirmed_b_at=now,
        created_by_id=facilitator.id,
    )
    db.session.add(link)
    db.session.flush()
    logins["link_id"] = link.id
    db.session.commit()
    return Demo(district, admin, facilitator, schools, classes, teachers, pupils, link, logins)


def _free_code() -> str:
    """An unused class code."""
    while True:
        code = credentials.new_class_code()
        if db.session.scalar(select(Classroom.id).where(Classroom.code == code)) is None:
            return code


def reset_database() -> None:
    """Delete every row of every table (children first): the whole database, not just the demo."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def save_logins(path: Path, logins: dict[str, Any]) -> None:
    """Keep the demo's logins beside the database (readable by this user only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(logins, out, indent=2)


def load_logins(path: Path) -> dict[str, Any] | None:
    """The saved demo logins, if this machine made the demo."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def describe(logins: dict[str, Any], url: str) -> str:
    """The demo logins as plain text for the terminal."""
    lines = [
        f"Demo district ready. Open {url}",
        "",
        "Staff sign in with email and password on the sign-in page:",
        f"  admin        {logins['admin']['email']}  {logins['admin']['password']}",
        f"  facilitator  {logins['facilitator']['email']}  {logins['facilitator']['password']}",
    ]
    for teacher in logins["teachers"]:
        lines.append(
            f"  teacher      {teacher['email']}  {teacher['password']}  ({teacher['class']})"
        )
    lines += ["", "Pupils type the class code, pick their name and enter their PIN:"]
    for classroom in logins["classes"]:
        linked = " (linked)" if classroom["key"] in ("a", "b") else " (not linked)"
        lines.append(
            f"  {classroom['name']}, {classroom['school']}{linked}: code {classroom['code']}"
        )
        lines.append(
            "    " + ", ".join(f"{p['display_name']} {p['pin']}" for p in classroom["pupils"])
        )
    lines.append(f"\nLink id {logins['link_id']} (active, phase 1).")
    lines += [f"  {note}" for note in logins.get("notes") or []]
    return "\n".join(lines)
