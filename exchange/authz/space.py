"""Authorisation for the space area: one function per question.

Whether an item may be *seen* is the approval rule's answer (moderation.services.can_view_item
and visible_in_link); these questions are about what a viewer may *do* in a link's space. The
space uses the core stream rules (link:, queue:, pupil:) and adds none of its own.
"""

from __future__ import annotations

from typing import Any

from exchange.accounts.models import Link
from exchange.authz.accounts import can_view_link
from exchange.authz.core import (
    class_of_actor_in_link,
    is_pupil,
    is_staff,
    member_of_link,
    teaches,
    teaches_in_link,
)
from exchange.moderation.models import ItemState, ModerationItem


def can_view_space(actor: Any, link: Link) -> bool:
    """Open a link's space: both classes' pupils and teachers, the district's facilitators."""
    return can_view_link(actor, link)


def posting_class(actor: Any, link: Link) -> int | None:
    """The class a pupil or teacher posts from in this link (None: may not post)."""
    if not link.is_active:
        return None
    return class_of_actor_in_link(actor, link)


def can_post(actor: Any, link: Link) -> bool:
    """Share a post in the link's space: a pupil or teacher of either class, link active."""
    return posting_class(actor, link) is not None


def can_comment(actor: Any, link: Link, post_item: ModerationItem) -> bool:
    """Comment on a post: members of an active link, on a post that reached both classes."""
    return can_post(actor, link) and post_item.state == ItemState.APPROVED


def can_react(actor: Any, link: Link, item: ModerationItem) -> bool:
    """React to an approved post or comment: pupils and teachers of the link."""
    return member_of_link(actor, link) and item.state == ItemState.APPROVED


def is_author(actor: Any, item: ModerationItem) -> bool:
    """Did this user write the item?"""
    if is_pupil(actor):
        return item.author_pupil_id == actor.id
    return is_staff(actor) and item.author_staff_id == actor.id


def can_edit(actor: Any, item: ModerationItem) -> bool:
    """Change (and send again) one's own post or comment, unless a teacher hid it."""
    return is_author(actor, item) and item.state not in (ItemState.HIDDEN, ItemState.REMOVED)


def can_withdraw(actor: Any, item: ModerationItem) -> bool:
    """Take back an approved or waiting item: a teacher of the author's class."""
    return teaches(actor, item.classroom_id) and item.state in (
        ItemState.APPROVED,
        ItemState.PENDING,
    )


def can_hide(actor: Any, link: Link, item: ModerationItem) -> bool:
    """Hide an item that reached the classes and report it: a teacher of either class."""
    return teaches_in_link(actor, link) and item.state == ItemState.APPROVED


def sees_feedback(actor: Any, item: ModerationItem) -> bool:
    """Read a returned item's feedback: its author and the teachers of the author's class."""
    return is_author(actor, item) or teaches(actor, item.classroom_id)
