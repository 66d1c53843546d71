"""Authorisation for the insights area: one function per question, and its stream rules."""

from __future__ import annotations

from typing import Any

from exchange.accounts.models import Link
from exchange.authz.core import (
    is_pupil,
    is_staff,
    oversees_district,
    teaches,
    teaches_in_link,
)


def can_view_district_health(actor: Any, district_id: int) -> bool:
    """The district dashboard: the district's facilitators and admins."""
    return oversees_district(actor, district_id)


def can_view_link_health(actor: Any, link: Link) -> bool:
    """A link's own page: its two classes' teachers, the district's facilitators, admins."""
    return teaches_in_link(actor, link) or oversees_district(actor, link.district_id)


def can_plan_link(actor: Any, link: Link) -> bool:
    """Tick the co-planning checklist and choose work for the report: the link's teachers."""
    return teaches_in_link(actor, link)


def can_manage_surveys(actor: Any, district_id: int) -> bool:
    """Publish and close pupil-voice surveys: the district's facilitators and admins."""
    return oversees_district(actor, district_id)


def can_view_district_results(actor: Any, district_id: int) -> bool:
    """District-wide survey results (suppressed below 5 answers): facilitators, admins, and
    teachers of the district, who compare their link with it."""
    if oversees_district(actor, district_id):
        return True
    return is_staff(actor) and any(c.school.district_id == district_id for c in actor.classrooms)


def can_read_free_text(actor: Any, classroom_id: int) -> bool:
    """Pupils' free-text answers: only their own class's teachers, never anyone else."""
    return teaches(actor, classroom_id)


def can_answer_surveys(actor: Any) -> bool:
    """Only pupils answer pupil-voice surveys."""
    return is_pupil(actor)


def can_download_report(actor: Any, district_id: int) -> bool:
    """The district's end-of-year report: its facilitators and admins."""
    return oversees_district(actor, district_id)
