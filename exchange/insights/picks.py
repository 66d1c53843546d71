"""Work chosen for the end-of-year report: approved posts either teacher of the link marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from exchange import authz
from exchange import types as clock
from exchange.accounts.models import Link
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.insights import sources
from exchange.insights.models import ReportPick
from exchange.moderation import services as rule
from exchange.moderation.models import ItemState, ModerationItem


@dataclass(frozen=True)
class Candidate:
    """An approved item of a link, as the teachers see it when choosing for the report."""

    item_id: int
    class_name: str
    approved_at: datetime
    title: str
    text: str
    images: list[dict[str, Any]]
    chosen: bool
    chosen_by: str | None


def item_view(item: ModerationItem) -> dict[str, Any]:
    """The channel's public view of an approved item (its title, text and pictures)."""
    try:
        view = rule.channel_for(item).public_view(item)
    except LookupError:
        view = {}
    return view if isinstance(view, dict) else {}


def _pictures(view: dict[str, Any], class_name: str) -> list[dict[str, Any]]:
    """A post's pictures for the report: their addresses and a text alternative of our own,
    because the channel's may name the pupil and the report never does."""
    found = [i for i in view.get("images") or [] if isinstance(i, dict)]
    title = str(view.get("title") or "a post")
    return [
        {
            "thumb_url": image.get("thumb_url"),
            "full_url": image.get("full_url"),
            "alt": f"Picture {n} of {len(found)} in “{title}”, from {class_name}",
        }
        for n, image in enumerate(found, start=1)
    ]


def _candidate(item: ModerationItem, pick: ReportPick | None) -> Candidate:
    """An item with its content, for the choosing list and the report."""
    view = item_view(item)
    return Candidate(
        item_id=item.id,
        class_name=item.classroom.name,
        approved_at=item.approved_at or item.submitted_at,
        title=str(view.get("title") or ""),
        text=str(view.get("text") or view.get("body") or ""),
        images=_pictures(view, item.classroom.name),
        chosen=pick is not None,
        chosen_by=pick.chosen_by.display_name if pick is not None else None,
    )


def candidates(link: Link, limit: int = 40) -> list[Candidate]:
    """A link's newest approved posts that may go in the report, and every chosen one."""
    picks = {
        p.item_id: p
        for p in db.session.scalars(select(ReportPick).where(ReportPick.link_id == link.id))
    }
    reportable = and_(
        ModerationItem.link_id == link.id,
        ModerationItem.state == ItemState.APPROVED,
        ModerationItem.kind.in_(sources.REPORTABLE_KINDS),
    )
    newest = (
        select(ModerationItem.id)
        .where(reportable)
        .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
        .limit(limit)
    )
    wanted = set(db.session.scalars(newest)) | set(picks)
    items = db.session.scalars(
        select(ModerationItem)
        .where(reportable, ModerationItem.id.in_(wanted))
        .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
    )
    return [_candidate(item, picks.get(item.id)) for item in items]


def chosen(link_ids: list[int]) -> dict[int, list[Candidate]]:
    """Per link: the work its teachers chose that is still approved, oldest first."""
    if not link_ids:
        return {}
    rows = db.session.execute(
        select(ReportPick, ModerationItem)
        .join(ModerationItem, ReportPick.item_id == ModerationItem.id)
        .where(ReportPick.link_id.in_(link_ids), ModerationItem.state == ItemState.APPROVED)
        .order_by(ModerationItem.approved_at, ModerationItem.id)
    )
    found: dict[int, list[Candidate]] = {}
    for pick, item in rows:
        found.setdefault(pick.link_id, []).append(_candidate(item, pick))
    return found


def _linked_item(actor: Any, item_id: int, link_id: int | None) -> ModerationItem:
    """An item of a link (the given one, if any) that the actor may see, or NotFound."""
    item = db.session.get(ModerationItem, item_id)
    if item is None or item.link is None or not rule.can_view_item(actor, item):
        raise NotFound("That item does not exist.")
    if not authz.insights.can_view_link_health(actor, item.link):
        raise NotFound("That item does not exist.")  # a pupil sees the post, not this page
    if link_id is not None and item.link_id != link_id:
        raise NotFound("That item is not in this link.")
    return item


def _pickable(actor: Any, item_id: int, link_id: int | None) -> ModerationItem:
    """An approved post of a link the actor teaches in, or the right refusal."""
    item = _linked_item(actor, item_id, link_id)
    if not authz.insights.can_plan_link(actor, item.link):
        raise Forbidden("Only the two teachers of the link can choose work for the report.")
    if item.kind not in sources.REPORTABLE_KINDS:
        raise Invalid("Only posts can be chosen for the report.")
    if item.state != ItemState.APPROVED:
        raise Conflict("Only approved work can be chosen for the report.")
    return item


def pick(actor: Any, item_id: int, link_id: int | None = None) -> ReportPick:
    """A teacher of the link marks an approved post for the end-of-year report."""
    item = _pickable(actor, item_id, link_id)
    existing = db.session.get(ReportPick, item.id)
    if existing is not None:
        return existing
    chosen_pick = ReportPick(
        item_id=item.id, link_id=item.link_id, chosen_by_id=actor.id, chosen_at=clock.utcnow()
    )
    db.session.add(chosen_pick)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.get(ReportPick, item.id)  # chosen by the partner teacher meanwhile
    return chosen_pick


def unpick(actor: Any, item_id: int, link_id: int | None = None) -> None:
    """A teacher of the link takes a post out of the report."""
    item = _linked_item(actor, item_id, link_id)
    if not authz.insights.can_plan_link(actor, item.link):
        raise Forbidden("Only the two teachers of the link can choose work for the report.")
    existing = db.session.get(ReportPick, item.id)
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()
