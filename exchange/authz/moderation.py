"""Authorisation for the moderation area's pages: logs, reports, the watch list, safeguarding.

Who may decide or see one item is the approval rule's own question
(exchange.moderation.access.can_decide / can_view_item); these are the questions around it.
"""

from __future__ import annotations

from typing import Any

from exchange.accounts.models import Role
from exchange.authz.core import is_staff, oversees_district, teaches


def can_read_class_log(actor: Any, classroom_id: int | None) -> bool:
    """A class's moderation log: that class's teachers."""
    return teaches(actor, classroom_id)


def can_read_district_log(actor: Any, district_id: int | None) -> bool:
    """A district's moderation log: its facilitators and admins."""
    return oversees_district(actor, district_id)


def can_decide_reports(actor: Any, district_id: int | None) -> bool:
    """Read and decide the reports of a district: its facilitators and admins."""
    return oversees_district(actor, district_id)


def can_manage_watch_list(actor: Any, district_id: int | None) -> bool:
    """Read and change a district's watch list: its facilitators and admins."""
    return oversees_district(actor, district_id)


def can_decide_facilitator_stage(actor: Any, district_id: int | None) -> bool:
    """See the facilitator-stage queue of a district (celebration events)."""
    return oversees_district(actor, district_id)


def has_teacher_queue(actor: Any) -> bool:
    """Teachers have a moderation queue of their own."""
    return is_staff(actor) and actor.role == Role.TEACHER


def can_raise_concern(actor: Any) -> bool:
    """Raise a safeguarding concern: a teacher with a school (it goes to that school's lead)."""
    return has_teacher_queue(actor) and actor.school_id is not None


def is_safeguarding_lead(actor: Any, school_id: int | None = None) -> bool:
    """A designated safeguarding lead (of this school, when one is given)."""
    if not (can_raise_concern(actor) and actor.is_dsl):
        return False
    return school_id is None or actor.school_id == school_id
