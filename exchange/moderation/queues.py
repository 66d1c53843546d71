"""Moderation queues: what waits for whom, and the review entry a deciding teacher sees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from exchange import authz, memo, realtime
from exchange.accounts.models import Link
from exchange.authz import moderation as may
from exchange.errors import Forbidden
from exchange.extensions import db
from exchange.idlists import row_limit
from exchange.moderation import flags as flag_detector
from exchange.moderation.models import ItemState, ModerationItem, Stage
from exchange.moderation.registry import channel_for, preload


def queue_clause(actor: Any) -> ColumnElement[bool]:
    """Items waiting for this user's decision."""
    if not authz.is_staff(actor):
        return false()
    class_ids = [c.id for c in actor.classrooms]
    partner_ids = _partner_item_filter(class_ids)
    clauses = [
        and_(ModerationItem.stage == Stage.OWN_TEACHER, ModerationItem.classroom_id.in_(class_ids))
    ]
    if partner_ids is not None:
        clauses.append(partner_ids)
    if actor.district_id is not None and authz.oversees_district(actor, actor.district_id):
        clauses.append(
            and_(
                ModerationItem.stage == Stage.FACILITATOR,
                ModerationItem.district_id == actor.district_id,
            )
        )
    return and_(ModerationItem.state == ItemState.PENDING, or_(*clauses))


def _partner_item_filter(class_ids: list[int]) -> ColumnElement[bool] | None:
    """Pending partner-stage items of links where this teacher teaches the other class."""
    if not class_ids:
        return None
    links = select(Link.id).where(
        or_(Link.class_a_id.in_(class_ids), Link.class_b_id.in_(class_ids))
    )
    return and_(
        ModerationItem.stage == Stage.PARTNER_TEACHER,
        ModerationItem.link_id.in_(links),
        ModerationItem.classroom_id.not_in(class_ids),
    )


def queue(actor: Any, limit: int = 200) -> list[ModerationItem]:
    """The teacher's moderation queue, oldest first."""
    stmt = (
        select(ModerationItem)
        .where(queue_clause(actor))
        .order_by(ModerationItem.submitted_at, ModerationItem.id)
        .limit(row_limit(limit))
    )
    items = list(db.session.scalars(stmt))
    # The page and the API show each item's author, class, content and partner class.
    preload(items, links=True)
    return items


def queue_count(actor: Any) -> int:
    """How many items wait for this user (shown in the navigation)."""
    if not authz.is_staff(actor):
        return 0
    return memo.per_request(
        ("queue_count", actor.id),
        lambda: int(db.session.scalar(select(func.count()).where(queue_clause(actor))) or 0),
    )


def facilitator_clause(district_id: int) -> ColumnElement[bool]:
    """Items of a district waiting at the facilitator stage (celebration events)."""
    return and_(
        ModerationItem.state == ItemState.PENDING,
        ModerationItem.stage == Stage.FACILITATOR,
        ModerationItem.district_id == district_id,
    )


def facilitator_queue(actor: Any, district_id: int, limit: int = 200) -> list[ModerationItem]:
    """The facilitator-stage queue of a district, oldest first."""
    if not may.can_decide_facilitator_stage(actor, district_id):
        raise Forbidden("Only the district's facilitators can see its approvals.")
    stmt = (
        select(ModerationItem)
        .where(facilitator_clause(district_id))
        .order_by(ModerationItem.submitted_at, ModerationItem.id)
        .limit(row_limit(limit))
    )
    items = list(db.session.scalars(stmt))
    preload(items)
    return items


def facilitator_queue_count(actor: Any, district_id: int | None) -> int:
    """How many items wait at a district's facilitator stage (0 for anyone else)."""
    if district_id is None or not may.can_decide_facilitator_stage(actor, district_id):
        return 0
    stmt = select(func.count()).where(facilitator_clause(district_id))
    return int(db.session.scalar(stmt) or 0)


def queue_streams(actor: Any) -> list[str]:
    """The streams that announce items arriving in and leaving this teacher's queue."""
    if not may.has_teacher_queue(actor):
        return []
    return [realtime.queue_stream(c.id) for c in actor.classrooms]


def review_entry(item: ModerationItem) -> dict[str, Any]:
    """One queue row: the channel's view plus flags, author, stage and highlighted text."""
    channel = channel_for(item)
    view = channel.review_view(item)
    text = view.get("text", "")
    title = view.get("title")
    has_images = channel.has_images(item)
    consent_work = item.author_pupil.consent_work if item.author_pupil else True
    return {
        "id": item.id,
        "kind": item.kind.value,
        "state": item.state.value,
        "stage": item.stage.value if item.stage else None,
        "author": item.author_name,
        "class_label": item.classroom.label,
        "link_id": item.link_id,
        "version": item.version,
        "submitted_at": item.submitted_at.isoformat(),
        "flags": item.flags,
        "highlighted": flag_detector.highlight(text, item.flags),
        "highlighted_title": flag_detector.highlight(title, item.flags) if title else None,
        "has_images": has_images,
        "consent_work": consent_work,
        "needs_photo_confirmation": has_images and item.stage == Stage.OWN_TEACHER,
        "bulk_ok": not item.flags and not has_images and consent_work,
        "classroom_id": item.classroom_id,
        "by_pupil": item.by_pupil,
        **view,
    }
