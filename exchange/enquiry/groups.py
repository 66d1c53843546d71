"""Groups (pupils of one class working together, named by first names) and private jottings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange import authz
from exchange.accounts.models import Pupil
from exchange.enquiry.common import (
    atomic,
    first_name,
    get_enquiry,
    join_names,
    owner_of,
    publish,
    publish_own,
    require_open,
    require_pupil,
    require_runner,
)
from exchange.enquiry.models import (
    Concept,
    Contribution,
    Enquiry,
    EnquiryGroup,
    GroupMember,
    Jotting,
    LastWords,
    Question,
    Reflection,
    Step,
    ThumbVote,
    Vote,
)
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.types import utcnow

GROUP_MIN, GROUP_MAX = 2, 6
JOTTING_MAX = 2000
# Pupils jot from thinking time until the enquiry closes: private thinking is useful throughout.
JOTTING_FROM = Step.THINKING


def group_name(pupils: list[Pupil]) -> str:
    """A group is named by its members' first names ("Aisha, Tom and Sam"); a shared first name
    keeps its initial so the two can be told apart."""
    firsts = [first_name(p.display_name) for p in pupils]
    names = [
        p.display_name if firsts.count(first) > 1 else first
        for p, first in zip(pupils, firsts, strict=True)
    ]
    return join_names(names)


def group_view(group: EnquiryGroup) -> dict[str, Any]:
    """A group as the board shows it."""
    return {
        "group_id": group.id,
        "name": group.name,
        "classroom_id": group.classroom_id,
        "owner_key": f"g{group.id}",
        "members": [
            {"pupil_id": m.pupil_id, "name": m.pupil.display_name}
            for m in sorted(group.members, key=lambda m: m.pupil.display_name)
        ],
    }


def groups_of(enquiry: Enquiry, classroom_id: int | None = None) -> list[EnquiryGroup]:
    """The enquiry's groups (of one class, if given)."""
    stmt = select(EnquiryGroup).where(EnquiryGroup.enquiry_id == enquiry.id)
    if classroom_id is not None:
        stmt = stmt.where(EnquiryGroup.classroom_id == classroom_id)
    return list(db.session.scalars(stmt.order_by(EnquiryGroup.id)))


def _setup(actor: Any, enquiry_id: int) -> Enquiry:
    """Groups are set up by the link's teachers before voting starts."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_open(enquiry)
    if enquiry.step >= Step.VOTING:
        raise Conflict("Groups are set before voting starts, so every vote counts once.")
    return enquiry


def _pupils(actor: Any, enquiry: Enquiry, pupil_ids: list[int]) -> list[Pupil]:
    """The named pupils: all of one class the teacher teaches, 2 to 6 of them."""
    ids = list(dict.fromkeys(pupil_ids or []))
    if not GROUP_MIN <= len(ids) <= GROUP_MAX:
        raise Invalid(f"A group has {GROUP_MIN} to {GROUP_MAX} pupils.", field="pupil_ids")
    pupils = list(db.session.scalars(select(Pupil).where(Pupil.id.in_(ids))))
    if len(pupils) != len(ids) or any(not p.active for p in pupils):
        raise Invalid("Some of those pupils are not in the class.", field="pupil_ids")
    classes = {p.classroom_id for p in pupils}
    if len(classes) != 1 or not authz.teaches(actor, classes.pop()):
        raise Forbidden("A group is made of pupils from one of your own classes.")
    if pupils[0].classroom_id not in enquiry.link.class_ids:
        raise Forbidden("Those pupils are not in this link.")
    return sorted(pupils, key=lambda p: p.display_name)


def _publish_groups(enquiry: Enquiry) -> None:
    """Every screen learns the groups (pupils find their own, labels show names)."""
    publish(enquiry, "groups_changed", {"groups": [group_view(g) for g in groups_of(enquiry)]})


def _save(group: EnquiryGroup, pupils: list[Pupil]) -> None:
    """Set a group's members; a pupil already in another group is refused by the database."""
    group.members = [GroupMember(enquiry_id=group.enquiry_id, pupil_id=p.id) for p in pupils]
    group.name = group_name(pupils)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "Someone in that list is already in another group.", field="pupil_ids"
        ) from None


@atomic
def create_group(actor: Any, enquiry_id: int, pupil_ids: list[int]) -> EnquiryGroup:
    """A teacher puts pupils of their class in a group for this enquiry."""
    enquiry = _setup(actor, enquiry_id)
    pupils = _pupils(actor, enquiry, pupil_ids)
    group = EnquiryGroup(enquiry_id=enquiry.id, classroom_id=pupils[0].classroom_id, name="")
    db.session.add(group)
    _save(group, pupils)
    _publish_groups(enquiry)
    db.session.commit()
    return group


def _group(actor: Any, enquiry: Enquiry, group_id: int) -> EnquiryGroup:
    """A group of this enquiry that the teacher's class owns."""
    group = db.session.get(EnquiryGroup, group_id)
    if group is None or group.enquiry_id != enquiry.id:
        raise NotFound("That group does not exist.")
    if not authz.teaches(actor, group.classroom_id):
        raise Forbidden("Only the group's own teacher can change it.")
    return group


@atomic
def update_group(actor: Any, enquiry_id: int, group_id: int, pupil_ids: list[int]) -> EnquiryGroup:
    """Change who is in a group (its work stays the group's)."""
    enquiry = _setup(actor, enquiry_id)
    group = _group(actor, enquiry, group_id)
    pupils = _pupils(actor, enquiry, pupil_ids)
    if pupils[0].classroom_id != group.classroom_id:
        raise Invalid("A group stays in its own class.", field="pupil_ids")
    group.members.clear()
    db.session.flush()
    _save(group, pupils)
    _publish_groups(enquiry)
    db.session.commit()
    return group


def _has_work(group: EnquiryGroup) -> bool:
    """Has the group written, voted or jotted anything?"""
    key = f"g{group.id}"
    checks = [
        select(Concept.id).where(Concept.group_id == group.id),
        select(Question.id).where(Question.group_id == group.id),
        select(Contribution.id).where(Contribution.group_id == group.id),
        select(LastWords.id).where(LastWords.group_id == group.id),
        select(Reflection.id).where(Reflection.group_id == group.id),
        select(Vote.id).where(Vote.voter_key == key, Vote.enquiry_id == group.enquiry_id),
        select(ThumbVote.id).where(
            ThumbVote.owner_key == key, ThumbVote.enquiry_id == group.enquiry_id
        ),
        select(Jotting.id).where(Jotting.owner_key == key, Jotting.enquiry_id == group.enquiry_id),
    ]
    return any(db.session.scalar(check.limit(1)) is not None for check in checks)


@atomic
def delete_group(actor: Any, enquiry_id: int, group_id: int) -> None:
    """Break up a group that has not written anything yet."""
    enquiry = _setup(actor, enquiry_id)
    group = _group(actor, enquiry, group_id)
    if _has_work(group):
        raise Conflict("This group has already written something. Change its members instead.")
    db.session.delete(group)
    db.session.flush()
    _publish_groups(enquiry)
    db.session.commit()


# ----- jottings: private to their owner -----------------------------------------------------


def jotting_view(jotting: Jotting | None, owner_key: str) -> dict[str, Any]:
    """A jotting for its owner's screens."""
    if jotting is None:
        return {"owner_key": owner_key, "text": "", "updated_at": None, "updated_by": None}
    by = db.session.get(Pupil, jotting.updated_by_id) if jotting.updated_by_id else None
    return {
        "owner_key": owner_key,
        "text": jotting.text,
        "updated_at": jotting.updated_at.isoformat(),
        "updated_by": by.display_name if by else None,
    }


def _jotting(enquiry: Enquiry, key: str) -> Jotting | None:
    return db.session.scalar(
        select(Jotting).where(Jotting.enquiry_id == enquiry.id, Jotting.owner_key == key)
    )


def get_jotting(actor: Any, enquiry_id: int) -> dict[str, Any]:
    """The pupil's (or their group's) jotting; nobody else can read it."""
    enquiry = get_enquiry(actor, enquiry_id)
    pupil = require_pupil(actor, enquiry)
    _group, key = owner_of(enquiry, pupil)
    return jotting_view(_jotting(enquiry, key), key)


@atomic
def save_jotting(actor: Any, enquiry_id: int, text: str) -> dict[str, Any]:
    """Save the private jotting (whole text, last save wins); groupmates' screens follow."""
    enquiry = get_enquiry(actor, enquiry_id)
    pupil = require_pupil(actor, enquiry)
    require_open(enquiry)
    if enquiry.step < JOTTING_FROM:
        raise Conflict("Jotting starts at thinking time.", current_step=enquiry.step)
    text = (text or "").rstrip()
    if len(text) > JOTTING_MAX:
        raise Invalid(f"Jottings can be at most {JOTTING_MAX} characters.", field="text")
    _group, key = owner_of(enquiry, pupil)
    for attempt in range(2):
        jotting = _jotting(enquiry, key) or Jotting(enquiry_id=enquiry.id, owner_key=key)
        jotting.text, jotting.updated_by_id, jotting.updated_at = text, pupil.id, utcnow()
        db.session.add(jotting)
        try:
            db.session.flush()
            break
        except IntegrityError:
            # A groupmate saved the first version at the same moment: update theirs instead.
            db.session.rollback()
            if attempt:
                raise Conflict("Your jotting could not be saved. Please try again.") from None
    view = jotting_view(jotting, key)
    publish_own(enquiry, key, "jotting_saved", {"jotting": view})
    db.session.commit()
    return view
