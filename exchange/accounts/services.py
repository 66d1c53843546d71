"""Services of the accounts area: the rules, called by views, API, sockets and other areas.

Every function takes the acting user first (where there is one) and plain values, raises an
`exchange.errors` exception with a plain-words message when it refuses, and commits itself.
The rules live in directory.py (districts, schools, classes, staff, invitations), linking.py
(links), roster.py (pupils and cards) and signin.py; this module is the one place to import from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exchange import authz
from exchange.accounts.directory import (
    INVITATION_LIFETIME,
    accept_invitation,
    assign_teacher,
    create_class,
    create_district,
    create_school,
    districts_for,
    find_class,
    find_district,
    find_school,
    find_staff,
    invitation_by_token,
    invite_staff,
    pending_invitations,
    revoke_invitation,
    set_dsl,
    staff_of_district,
)
from exchange.accounts.linking import (
    active_link_of_class,
    archive_link,
    confirm_link,
    create_link,
    current_academic_year,
    find_link,
    link_payload,
    links_of_class,
    links_of_district,
    update_link,
)
from exchange.accounts.models import Classroom, Link
from exchange.accounts.roster import (
    Card,
    IssuedCredential,
    RosterRow,
    add_pupil,
    class_locked_until,
    issue_cards,
    manageable_class,
    manageable_pupil,
    rename_pupil,
    reset_credential,
    revoke_card,
    roster,
    set_consent,
    set_pupil_active,
    unlock_class,
    unlock_pupil,
)
from exchange.accounts.signin import (
    change_password,
    create_admin,
    find_class_by_code,
    pupils_for_sign_in,
    sign_in_pupil,
    sign_in_staff,
    sign_in_with_card,
    sign_out,
    valid_device_id,
)


@dataclass
class ClassSummary:
    """A teacher's class on their home page: its links and what waits in its queue."""

    classroom: Classroom
    links: list[Link] = field(default_factory=list)
    active_link: Link | None = None

    def partner(self, link: Link) -> Classroom:
        """The partner class in one of this class's links."""
        return link.classroom(link.partner_of(self.classroom.id))

    def confirmed_by_us(self, link: Link) -> bool:
        """Whether this class's side has confirmed a link."""
        side = "confirmed_a_at" if link.class_a_id == self.classroom.id else "confirmed_b_at"
        return getattr(link, side) is not None


def teacher_home(teacher: Any) -> list[ClassSummary]:
    """Each class a teacher teaches, with its links."""
    if not authz.is_staff(teacher):
        return []
    return [
        ClassSummary(c, links_of_class(c.id), active_link_of_class(c.id))
        for c in teacher.classrooms
    ]


def queue_total(teacher: Any) -> int:
    """Items waiting for this teacher's approval, from the moderation area."""
    # Imported at call time: moderation builds on accounts, so accounts must not import it first.
    from exchange.moderation.services import queue_count

    return queue_count(teacher)


def pupil_home_link(pupil: Any) -> Link | None:
    """The active link whose shared space a pupil lands on."""
    return active_link_of_class(pupil.classroom_id) if authz.is_pupil(pupil) else None


__all__ = [
    "INVITATION_LIFETIME",
    "Card",
    "ClassSummary",
    "IssuedCredential",
    "RosterRow",
    "accept_invitation",
    "active_link_of_class",
    "add_pupil",
    "archive_link",
    "assign_teacher",
    "change_password",
    "class_locked_until",
    "confirm_link",
    "create_admin",
    "create_class",
    "create_district",
    "create_link",
    "create_school",
    "current_academic_year",
    "districts_for",
    "find_class",
    "find_class_by_code",
    "find_district",
    "find_link",
    "find_school",
    "find_staff",
    "invitation_by_token",
    "invite_staff",
    "issue_cards",
    "link_payload",
    "links_of_class",
    "links_of_district",
    "manageable_class",
    "manageable_pupil",
    "pending_invitations",
    "pupil_home_link",
    "pupils_for_sign_in",
    "rename_pupil",
    "reset_credential",
    "revoke_card",
    "revoke_invitation",
    "roster",
    "set_consent",
    "set_dsl",
    "set_pupil_active",
    "sign_in_pupil",
    "sign_in_staff",
    "sign_in_with_card",
    "sign_out",
    "staff_of_district",
    "queue_total",
    "teacher_home",
    "unlock_class",
    "unlock_pupil",
    "update_link",
    "valid_device_id",
]
