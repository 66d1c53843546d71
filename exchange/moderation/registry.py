"""The channels registered with the approval rule, and the rules channels add to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from exchange.accounts.models import Classroom, Link, Pupil, User
from exchange.extensions import db
from exchange.idlists import one_of
from exchange.moderation.models import ItemKind, ModerationItem


class Channel(Protocol):
    """What a channel (posts, comments, questions, chat ...) tells the rule about its items."""

    kind: ItemKind

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """What everyone who may see the approved item receives (no pending data)."""

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """What the approving teacher sees in the queue: title, text, image thumbnails."""

    def streams(self, item: ModerationItem) -> list[str]:
        """The streams an approved item appears on (default: the link's)."""

    def has_images(self, item: ModerationItem) -> bool:
        """Whether approving it shows pupils' photos (the teacher confirms photo consent)."""


_CHANNELS: dict[ItemKind, Channel] = {}


def register_channel(channel: Channel) -> Channel:
    """A channel registers once, at import."""
    _CHANNELS[channel.kind] = channel
    return channel


def channel_for(item: ModerationItem) -> Channel:
    """The channel that owns an item's content."""
    try:
        return _CHANNELS[item.kind]
    except KeyError:
        raise LookupError(f"no channel registered for {item.kind}") from None


def preload(items: Sequence[ModerationItem], *, contents: bool = True, links: bool = False) -> None:
    """Load what a list of items shows (authors, classes with their schools, and with
    `contents` each channel's content when the channel has a `preload(items)`, which may
    return the items that content answers, to be loaded alike) in a few queries, not a few
    per item. With `links`, also each item's link with both its classes
    and their schools (a queue names the partner class of every post), which then serve as
    the items' own classes."""
    if not items:
        return
    shown = list(items)
    if contents:
        # Contents first: a channel's hook returns the items its contents answer (a comment's
        # post and parent), whose authors and classes come with the listed items' own.
        by_kind: dict[ItemKind, list[ModerationItem]] = {}
        for item in items:
            by_kind.setdefault(item.kind, []).append(item)
        for kind, group in by_kind.items():
            hook = getattr(_CHANNELS.get(kind), "preload", None)
            if hook is not None:
                shown += hook(group) or []
    _attach(shown, "author_pupil", "author_pupil_id", Pupil, ())
    _attach(shown, "author_staff", "author_staff_id", User, ())
    if links:
        attach_links(items)
    _attach(shown, "classroom", "classroom_id", Classroom, (joinedload(Classroom.school),))


# A link with both its classes and their schools, in the link's own statement.
LINK_WITH_CLASSES = (
    joinedload(Link.class_a).joinedload(Classroom.school),
    joinedload(Link.class_b).joinedload(Classroom.school),
)


def attach_links(items: Sequence[ModerationItem]) -> None:
    """Each item's link with both its classes and their schools, from one statement (where
    not loaded yet): a card or a list names the classes of its authors, always these two."""
    _attach(items, "link", "link_id", Link, LINK_WITH_CLASSES)


def _attach(
    items: Sequence[ModerationItem], name: str, key: str, model: Any, options: tuple
) -> None:
    """Fill one many-to-one relationship of these items from one query (only where unloaded)."""
    wanted = {getattr(i, key) for i in items if name not in i.__dict__}
    wanted.discard(None)
    found: dict[int, Any] = {}
    for ident in list(wanted):  # already in the session (a link's two classes, the viewer)
        known = db.session.identity_map.get(identity_key(model, ident))
        if known is not None and not inspect(known).expired:
            found[ident] = known
            wanted.discard(ident)
    if wanted:
        stmt = select(model).where(one_of(model.id, wanted)).options(*options)
        found.update((o.id, o) for o in db.session.scalars(stmt))
    for item in items:
        if name not in item.__dict__:
            set_committed_value(item, name, found.get(getattr(item, key)))


_FACILITATOR_DELEGATES: list[Any] = []


def register_facilitator_delegate(rule: Any) -> Any:
    """Channels may name who else decides the facilitator stage (an event's helper teacher)."""
    _FACILITATOR_DELEGATES.append(rule)
    return rule


_SCOPE_VIEWERS: list[Any] = []


def register_scope_viewer(rule: Any) -> Any:
    """Channels whose approved items are seen beyond one link (events) say who may see them."""
    _SCOPE_VIEWERS.append(rule)
    return rule
