"""Teachers' actions on the space's items, through the approval rule."""

from __future__ import annotations

from typing import Any

from exchange.moderation import services as moderation
from exchange.moderation.models import ModerationItem
from exchange.space.services.lookup import get_space_item
from exchange.space.text import checked

REASON_MAX = moderation.REASON_MAX


def withdraw_item(actor: Any, item_id: int, reason: str = "") -> ModerationItem:
    """A teacher of the author's class takes a post or comment back from the partner class."""
    item, _content = get_space_item(actor, item_id)
    reason = checked(reason, field="reason", label="the reason", limit=REASON_MAX)
    return moderation.withdraw(actor, item.id, reason)


def hide_item(actor: Any, item_id: int, reason: str) -> ModerationItem:
    """A teacher of either class hides a post or comment and reports it to the facilitator."""
    item, _content = get_space_item(actor, item_id)
    moderation.hide_and_report(actor, item.id, reason)
    return item
