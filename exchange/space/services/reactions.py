"""Reactions: six fixed faces, one of each per person per item, on approved items only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, delete, func, select

from exchange import authz, realtime
from exchange.errors import Conflict, Forbidden, Invalid
from exchange.extensions import db
from exchange.idlists import one_of
from exchange.moderation.models import ItemState
from exchange.space.models import ItemReaction, Reaction
from exchange.space.services.lookup import get_space_item


def reaction_counts(item_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Reaction counts per item."""
    ids = list(item_ids)
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(ItemReaction.item_id, ItemReaction.reaction, func.count())
        .where(one_of(ItemReaction.item_id, ids))
        .group_by(ItemReaction.item_id, ItemReaction.reaction)
    )
    for item_id, reaction, count in rows:
        counts[item_id][reaction] = int(count)
    return counts


def my_reactions(actor: Any, item_ids: Iterable[int]) -> dict[int, set[str]]:
    """Which reactions this user gave, per item."""
    ids = list(item_ids)
    mine: dict[int, set[str]] = {i: set() for i in ids}
    if not ids or not authz.is_signed_in(actor):
        return mine
    rows = db.session.execute(
        select(ItemReaction.item_id, ItemReaction.reaction).where(
            one_of(ItemReaction.item_id, ids), ItemReaction.actor_key == actor.actor_key
        )
    )
    for item_id, reaction in rows:
        mine[item_id].add(reaction)
    return mine


def reactions_for(
    actor: Any, item_ids: Iterable[int]
) -> tuple[dict[int, dict[str, int]], dict[int, set[str]]]:
    """Reaction counts per item and which of them this user gave, from one query (what
    reaction_counts and my_reactions give, for a page of cards)."""
    ids = list(item_ids)
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    mine: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return counts, mine
    if authz.is_signed_in(actor):
        given = func.max(case((ItemReaction.actor_key == actor.actor_key, 1), else_=0))
    else:
        given = func.max(0)
    rows = db.session.execute(
        select(ItemReaction.item_id, ItemReaction.reaction, func.count(), given)
        .where(one_of(ItemReaction.item_id, ids))
        .group_by(ItemReaction.item_id, ItemReaction.reaction)
    )
    for item_id, reaction, count, by_me in rows:
        counts[item_id][reaction] = int(count)
        if by_me:
            mine[item_id].add(reaction)
    return counts, mine


def set_reaction(actor: Any, item_id: int, reaction: str, on: bool) -> dict[str, Any]:
    """Give (on) or take back (off) one reaction; the new counts go to the whole link."""
    try:
        chosen = Reaction(reaction)
    except ValueError:
        raise Invalid("Please choose one of the reactions.", field="reaction") from None
    item, _content = get_space_item(actor, item_id)
    if not authz.space.can_react(actor, item.link, item):
        if item.state != ItemState.APPROVED:
            raise Conflict("Reactions can be added once it has been approved.")
        raise Forbidden("Only the pupils and teachers of the two classes can react.")
    existing = db.session.scalar(
        select(ItemReaction).where(
            ItemReaction.item_id == item.id,
            ItemReaction.actor_key == actor.actor_key,
            ItemReaction.reaction == chosen.value,
        )
    )
    changed = (existing is None) == on
    if on and existing is None:
        db.session.add(ItemReaction(item_id=item.id, actor_key=actor.actor_key, reaction=chosen))
    elif not on and existing is not None:
        db.session.execute(delete(ItemReaction).where(ItemReaction.id == existing.id))
    db.session.flush()
    counts, mine = reactions_for(actor, [item.id])
    counts = counts[item.id]
    if changed:
        realtime.publish(
            realtime.link_stream(item.link_id),
            "reaction_changed",
            {"item_id": item.id, "item_kind": item.kind.value, "counts": counts},
            link_id=item.link_id,
        )
    db.session.commit()
    return {
        "item_id": item.id,
        "counts": counts,
        "mine": sorted(mine[item.id]),
    }
