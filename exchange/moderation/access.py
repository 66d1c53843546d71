"""Who may decide and who may see items under the rule: one place for every channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement

from exchange import authz
from exchange.accounts.models import Link
from exchange.moderation.models import ItemState, ModerationItem, Stage
from exchange.moderation.registry import _FACILITATOR_DELEGATES, _SCOPE_VIEWERS


def approver_class_id(item: ModerationItem) -> int | None:
    """The class whose teachers decide the item's current stage."""
    if item.stage == Stage.OWN_TEACHER:
        return item.classroom_id
    if item.stage == Stage.PARTNER_TEACHER:
        return item.partner_classroom_id
    return None


def can_decide(actor: Any, item: ModerationItem) -> bool:
    """May this user approve or return the item at its current stage?"""
    if item.state != ItemState.PENDING:
        return False
    if item.stage == Stage.FACILITATOR:
        return authz.oversees_district(actor, item.district_id) or _delegate_may_decide(actor, item)
    return authz.teaches(actor, approver_class_id(item))


def _delegate_may_decide(actor: Any, item: ModerationItem) -> bool:
    return any(rule(actor, item) for rule in _FACILITATOR_DELEGATES)


def can_view_item(actor: Any, item: ModerationItem) -> bool:
    """The rule for one item: who may see it now (pages, API, sockets, image URLs)."""
    if item.state == ItemState.APPROVED:
        if item.link is not None and authz.member_of_link(actor, item.link):
            return True
        if authz.oversees_district(actor, item.district_id):
            return True
        return _visible_through_scope(actor, item)
    if authz.is_pupil(actor):
        return item.author_pupil_id == actor.id and item.state in (
            ItemState.PENDING,
            ItemState.RETURNED,
            ItemState.WITHDRAWN,
        )
    if authz.teaches(actor, item.classroom_id):
        return True
    if item.stage == Stage.PARTNER_TEACHER and item.state == ItemState.PENDING:
        return authz.teaches(actor, item.partner_classroom_id)
    if item.state in (ItemState.HIDDEN, ItemState.REMOVED) and item.link is not None:
        return authz.teaches_in_link(actor, item.link) or authz.oversees_district(
            actor, item.district_id
        )
    if item.stage == Stage.FACILITATOR and item.state == ItemState.PENDING:
        return can_decide(actor, item)
    return False


def _visible_through_scope(actor: Any, item: ModerationItem) -> bool:
    return item.scope is not None and any(rule(actor, item) for rule in _SCOPE_VIEWERS)


def visible_in_link(actor: Any, link: Link) -> ColumnElement[bool]:
    """A filter on ModerationItem for what `actor` may see in a link's channels.

    Pupils: approved items, plus their own pending and returned ones. Teachers of the link:
    approved items, everything of their own class, and items waiting for their partner approval.
    Facilitators: approved items. Everyone else: nothing.
    """
    in_link = ModerationItem.link_id == link.id
    approved = ModerationItem.state == ItemState.APPROVED
    if authz.is_pupil(actor) and authz.member_of_link(actor, link):
        own = and_(
            ModerationItem.author_pupil_id == actor.id,
            ModerationItem.state.in_([ItemState.PENDING, ItemState.RETURNED]),
        )
        return and_(in_link, or_(approved, own))
    if authz.teaches_in_link(actor, link):
        mine = [cid for cid in link.class_ids if authz.teaches(actor, cid)]
        own_class = and_(
            ModerationItem.classroom_id.in_(mine),
            ModerationItem.state.in_([ItemState.PENDING, ItemState.RETURNED, ItemState.HIDDEN]),
        )
        awaiting_me = and_(
            ModerationItem.state == ItemState.PENDING,
            ModerationItem.stage == Stage.PARTNER_TEACHER,
            ModerationItem.classroom_id.not_in(mine),
        )
        return and_(in_link, or_(approved, own_class, awaiting_me))
    if authz.oversees_district(actor, link.district_id):
        return and_(in_link, approved)
    return false()
