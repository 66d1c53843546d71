"""The event's two channels under the approval rule: shout-outs and new showcase items.

Both are submitted with needs_facilitator=True and scope "event:<id>", so the rule asks the
pupil's own teacher, then (on a dual link) the partner teacher, then the event's facilitator.
The helper teacher the facilitator names may decide the facilitator stage of shout-outs; every
invited class may see the event's approved items.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import realtime
from exchange.authz import events as event_authz
from exchange.authz.core import parse_id
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ModerationItem
from exchange.rooms.events import access as event_access
from exchange.rooms.events.models import Shoutout, ShowcaseItem

SCOPE_PREFIX = "event:"


def scope_for(event_id: int) -> str:
    """The moderation scope of an event's items."""
    return f"{SCOPE_PREFIX}{event_id}"


def event_id_of(item: ModerationItem) -> int | None:
    """The event an item belongs to, from its scope."""
    if not item.scope or not item.scope.startswith(SCOPE_PREFIX):
        return None
    return parse_id(item.scope[len(SCOPE_PREFIX) :])


def _shoutout(item: ModerationItem) -> Shoutout:
    return db.session.scalars(select(Shoutout).where(Shoutout.item_id == item.id)).one()


def _showcase(item: ModerationItem) -> ShowcaseItem:
    return db.session.scalars(select(ShowcaseItem).where(ShowcaseItem.item_id == item.id)).one()


def shoutout_view(shout: Shoutout, item: ModerationItem) -> dict[str, Any]:
    """A shout-out as every screen shows it."""
    return {
        "shoutout_id": shout.id,
        "item_id": item.id,
        "event_id": shout.event_id,
        "text": shout.text,
        "author": item.author_name,
        "class_label": shout.classroom.label,
        "approved_at": item.approved_at.isoformat() if item.approved_at else None,
    }


class ShoutoutChannel:
    """Short messages for the shout-out wall, shown on every screen of the event."""

    kind = ItemKind.SHOUTOUT

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """The message, its author and class."""
        return shoutout_view(_shoutout(item), item)

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """What the approving teacher or facilitator sees."""
        shout = _shoutout(item)
        return {"text": shout.text, "context": f"Shout-out for {shout.event.title}"}

    def streams(self, item: ModerationItem) -> list[str]:
        """Approved shout-outs appear on the event's stage stream."""
        return [realtime.event_stream(_shoutout(item).event_id)]

    def has_images(self, item: ModerationItem) -> bool:
        """Shout-outs are text only."""
        return False


def showcase_view(showcase: ShowcaseItem) -> dict[str, Any]:
    """A showcase item as the stage shows it (never pending content)."""
    view: dict[str, Any] = {
        "showcase_id": showcase.id,
        "event_id": showcase.event_id,
        "title": showcase.title,
        "text": showcase.text,
        "class_id": showcase.classroom_id,
        "class_label": showcase.classroom.label,
        "source": None,
    }
    source = showcase.source_item
    if source is not None:
        try:
            public = rule.channel_for(source).public_view(source)
        except LookupError:  # the source's channel is not installed: show the title only
            public = {}
        view["source"] = {"item_id": source.id, "item_kind": source.kind.value, **public}
        view["author"] = source.author_name
        if not view["text"]:
            view["text"] = str(public.get("text", ""))
    elif showcase.item is not None:
        view["author"] = showcase.item.author_name
    return view


class ShowcaseChannel:
    """New showcase items prepared by a class for the stage."""

    kind = ItemKind.SHOWCASE

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """The item as the stage shows it."""
        return showcase_view(_showcase(item))

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """Title and text, with the event named."""
        showcase = _showcase(item)
        return {
            "title": showcase.title,
            "text": showcase.text,
            "context": f"Showcase item for {showcase.event.title}",
        }

    def streams(self, item: ModerationItem) -> list[str]:
        """Ready items are announced to the event's staff (the console lists them)."""
        return [realtime.event_staff_stream(_showcase(item).event_id)]

    def has_images(self, item: ModerationItem) -> bool:
        """New showcase items are text; photos come from approved posts chosen as work."""
        return False


def _delegate(actor: Any, item: ModerationItem) -> bool:
    """The host decides the facilitator stage of their event's items (even for classes of
    another district); the named helper teacher decides that of shout-outs."""
    event_id = event_id_of(item)
    if event_id is None or item.kind not in (ItemKind.SHOUTOUT, ItemKind.SHOWCASE):
        return False
    found = event_access.access(event_id)
    if found is None:
        return False
    if event_authz.is_host(actor, found):
        return True
    return item.kind == ItemKind.SHOUTOUT and event_authz.is_helper(actor, found)


def _scope_viewer(actor: Any, item: ModerationItem) -> bool:
    """Everyone on an event may see its approved items."""
    event_id = event_id_of(item)
    found = event_access.access(event_id) if event_id is not None else None
    return found is not None and event_authz.can_view_event(actor, found)


rule.register_channel(ShoutoutChannel())
rule.register_channel(ShowcaseChannel())
rule.register_facilitator_delegate(_delegate)
rule.register_scope_viewer(_scope_viewer)
