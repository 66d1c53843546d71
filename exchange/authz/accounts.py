"""Authorisation for districts, schools, classes, pupils and links."""

from __future__ import annotations

from typing import Any

from exchange.accounts.models import Classroom, District, Link, Pupil, School
from exchange.authz.core import (
    classroom_district,
    is_admin,
    is_pupil,
    is_staff,
    member_of_link,
    oversees_district,
    parse_id,
    stream_rule,
    teaches,
)
from exchange.extensions import db


def can_manage_district(actor: Any, district: District) -> bool:
    """Register schools, classes, teachers and links in a district."""
    return oversees_district(actor, district.id)


def can_view_school(actor: Any, school: School) -> bool:
    """See a school's page."""
    return oversees_district(actor, school.district_id)


def can_manage_class(actor: Any, classroom: Classroom) -> bool:
    """Manage a class's roster, credentials and login cards: its teachers only."""
    return teaches(actor, classroom.id)


def can_view_class(actor: Any, classroom: Classroom) -> bool:
    """See a class's page: its teachers and the district's facilitators."""
    return teaches(actor, classroom.id) or oversees_district(actor, classroom_district(classroom))


def can_manage_pupil(actor: Any, pupil: Pupil) -> bool:
    """Reset credentials, unlock, disable, record consent: the pupil's own teachers."""
    return teaches(actor, pupil.classroom_id)


def can_view_link(actor: Any, link: Link) -> bool:
    """See a link: both classes' members and the district's facilitators."""
    return member_of_link(actor, link) or oversees_district(actor, link.district_id)


def can_confirm_link(actor: Any, link: Link) -> bool:
    """Confirm a proposed link: a teacher of either class."""
    return any(teaches(actor, cid) for cid in link.class_ids)


def can_manage_link(actor: Any, link: Link) -> bool:
    """Change a link's phase or policy, archive it: the district's facilitators."""
    return oversees_district(actor, link.district_id)


@stream_rule("link")
def _join_link(actor: Any, rest: str) -> bool:
    link_id = parse_id(rest)
    link = db.session.get(Link, link_id) if link_id else None
    return bool(link and can_view_link(actor, link))


@stream_rule("queue")
def _join_queue(actor: Any, rest: str) -> bool:
    classroom_id = parse_id(rest)
    return teaches(actor, classroom_id)


@stream_rule("pupil")
def _join_pupil(actor: Any, rest: str) -> bool:
    return is_pupil(actor) and str(actor.id) == rest


@stream_rule("staff")
def _join_staff(actor: Any, rest: str) -> bool:
    return is_staff(actor) and str(actor.id) == rest


@stream_rule("district")
def _join_district(actor: Any, rest: str) -> bool:
    district_id = parse_id(rest)
    return oversees_district(actor, district_id) or (is_admin(actor) and district_id is not None)
