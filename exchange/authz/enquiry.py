"""Authorisation for the enquiry area: one function per question, and its stream rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange.accounts.models import Link
from exchange.authz.accounts import can_view_link
from exchange.authz.core import (
    is_pupil,
    oversees_district,
    parse_id,
    stream_rule,
    teaches_in_link,
)
from exchange.extensions import db

OWN_STREAM = "enquiry-own"


def can_view_enquiry(actor: Any, enquiry: Any) -> bool:
    """Read a board: pupils and teachers of both classes, the district's facilitators."""
    return can_view_link(actor, enquiry.link)


def can_run_enquiry(actor: Any, enquiry: Any) -> bool:
    """Move steps, pause, share the stimulus, set up voting: a teacher of either class."""
    return teaches_in_link(actor, enquiry.link)


def can_see_summary(actor: Any, enquiry: Any) -> bool:
    """The reflection summary: the link's teachers and the district's facilitators."""
    return teaches_in_link(actor, enquiry.link) or oversees_district(
        actor, enquiry.link.district_id
    )


def can_open_enquiry(actor: Any, link: Link) -> bool:
    """Open an enquiry on a link or edit its ground rules: a teacher of either class."""
    return teaches_in_link(actor, link)


def takes_part(actor: Any, enquiry: Any) -> bool:
    """A pupil of either class of the link: writes, votes, jots, raises a hand."""
    return is_pupil(actor) and actor.classroom_id in enquiry.link.class_ids


def can_stage_question(actor: Any, question: Any) -> bool:
    """Put a question on a live session's or an event's stage: the link's teachers and the
    district's facilitators (the caller's own rules decide who then sees the stage)."""
    link = question.item.link
    return link is not None and (
        teaches_in_link(actor, link) or oversees_district(actor, link.district_id)
    )


def owns(actor: Any, enquiry_id: int, owner_key: str) -> bool:
    """Is this pupil the owner (`p<id>`) or a member of the owning group (`g<id>`)?"""
    # Imported here: the enquiry package imports authz, so a top-level import would be a cycle.
    from exchange.enquiry.models import Enquiry, GroupMember

    if not is_pupil(actor):
        return False
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None or not takes_part(actor, enquiry):
        return False
    if owner_key == f"p{actor.id}":
        return True
    group_id = parse_id(owner_key[1:]) if owner_key.startswith("g") else None
    if group_id is None:
        return False
    return (
        db.session.scalar(
            select(GroupMember.id).where(
                GroupMember.enquiry_id == enquiry_id,
                GroupMember.group_id == group_id,
                GroupMember.pupil_id == actor.id,
            )
        )
        is not None
    )


@stream_rule("enquiry")
def _join_enquiry(actor: Any, rest: str) -> bool:
    """`enquiry:<id>`: the shared board, for everyone who may read it."""
    from exchange.enquiry.models import Enquiry

    enquiry_id = parse_id(rest)
    enquiry = db.session.get(Enquiry, enquiry_id) if enquiry_id else None
    return bool(enquiry and can_view_enquiry(actor, enquiry))


@stream_rule(OWN_STREAM)
def _join_own(actor: Any, rest: str) -> bool:
    """`enquiry-own:<enquiry id>:<owner>`: jottings and own votes, for their owners only."""
    enquiry_part, _, owner_key = rest.partition(":")
    enquiry_id = parse_id(enquiry_part)
    return enquiry_id is not None and owns(actor, enquiry_id, owner_key)
