"""Reflection: thumbs up, sideways or down per class on how well we thought together, and the
teachers' summary of the enquiry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError

from exchange.authz import enquiry as enquiry_authz
from exchange.enquiry.channels import reflection_view
from exchange.enquiry.common import (
    atomic,
    class_label,
    get_enquiry,
    owner_of,
    publish,
    publish_own,
    require_pupil_action,
)
from exchange.enquiry.models import (
    Contribution,
    Enquiry,
    Question,
    Reflection,
    Step,
    Thumb,
    ThumbVote,
    Vote,
)
from exchange.enquiry.voting import on_board
from exchange.errors import Conflict, Forbidden, Invalid
from exchange.extensions import db
from exchange.moderation.models import ItemState, ModerationItem
from exchange.types import utcnow


def thumbs(enquiry: Enquiry) -> list[dict[str, Any]]:
    """Each class's thumbs: how many up, sideways and down."""
    rows = db.session.execute(
        select(ThumbVote.classroom_id, ThumbVote.value, func.count())
        .where(ThumbVote.enquiry_id == enquiry.id)
        .group_by(ThumbVote.classroom_id, ThumbVote.value)
    ).all()
    counts = {(cid, value): n for cid, value, n in rows}
    return [
        {
            "classroom_id": cid,
            "class_label": class_label(cid),
            **{thumb.value: counts.get((cid, thumb), 0) for thumb in Thumb},
        }
        for cid in enquiry.link.class_ids
    ]


def my_thumb(enquiry: Enquiry, owner_key: str) -> str | None:
    """The pupil's (or their group's) thumb, if given."""
    value = db.session.scalar(
        select(ThumbVote.value).where(
            ThumbVote.enquiry_id == enquiry.id, ThumbVote.owner_key == owner_key
        )
    )
    return value.value if value else None


@atomic
def set_thumb(actor: Any, enquiry_id: int, value: str) -> dict[str, Any]:
    """Thumbs up, sideways or down (one per pupil or group; changing it replaces it)."""
    enquiry = get_enquiry(actor, enquiry_id)
    pupil = require_pupil_action(actor, enquiry, Step.REFLECTION, doing="give a thumb")
    try:
        thumb = Thumb(value)
    except ValueError:
        raise Invalid("Choose thumbs up, sideways or down.", field="value") from None
    _group, key = owner_of(enquiry, pupil)
    for attempt in range(2):
        row = db.session.scalar(
            select(ThumbVote).where(ThumbVote.enquiry_id == enquiry.id, ThumbVote.owner_key == key)
        ) or ThumbVote(enquiry_id=enquiry.id, owner_key=key, classroom_id=pupil.classroom_id)
        row.value, row.updated_at = thumb, utcnow()
        db.session.add(row)
        try:
            db.session.flush()
            break
        except IntegrityError:
            # A groupmate's thumb arrived first: change theirs instead.
            db.session.rollback()
            if attempt:
                raise Conflict("Your thumb could not be saved. Please try again.") from None
    counts = thumbs(enquiry)
    publish(enquiry, "thumbs_changed", {"thumbs": counts})
    publish_own(enquiry, key, "my_thumb", {"value": thumb.value})
    db.session.commit()
    return {"value": thumb.value, "thumbs": counts}


def _approved_count(model: type, enquiry: Enquiry, classroom_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(model)
        .join(ModerationItem, ModerationItem.id == model.item_id)
        .where(
            ModerationItem.state == ItemState.APPROVED,
            ModerationItem.classroom_id == classroom_id,
            ModerationItem.author_pupil_id.is_not(None),
            model.enquiry_id == enquiry.id,
        )
    )
    return db.session.scalar(stmt) or 0


def summary(actor: Any, enquiry_id: int) -> dict[str, Any]:
    """The teachers' summary: thumbs per class, written reflections, who took part."""
    enquiry = get_enquiry(actor, enquiry_id)
    if not enquiry_authz.can_see_summary(actor, enquiry):
        raise Forbidden("Only teachers see the summary.")
    reflections = db.session.scalars(
        select(Reflection)
        .join(ModerationItem, ModerationItem.id == Reflection.item_id)
        .where(Reflection.enquiry_id == enquiry.id, ModerationItem.state == ItemState.APPROVED)
        .order_by(Reflection.id)
    )
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Reflection)
        .join(ModerationItem, ModerationItem.id == Reflection.item_id)
        .where(Reflection.enquiry_id == enquiry.id, ModerationItem.state == ItemState.PENDING)
    )
    classes = []
    for cid in enquiry.link.class_ids:
        voters = db.session.scalar(
            select(func.count(distinct(Vote.voter_key))).where(
                Vote.enquiry_id == enquiry.id, Vote.classroom_id == cid
            )
        )
        questions = db.session.scalar(
            select(func.count())
            .select_from(Question)
            .join(ModerationItem, ModerationItem.id == Question.item_id)
            .where(
                on_board(enquiry.id),
                ModerationItem.state == ItemState.APPROVED,
                ModerationItem.classroom_id == cid,
                ModerationItem.author_pupil_id.is_not(None),
            )
        )
        classes.append(
            {
                "classroom_id": cid,
                "class_label": class_label(cid),
                "questions": questions or 0,
                "voters": voters or 0,
                "contributions": _approved_count(Contribution, enquiry, cid),
                "reflections": _approved_count(Reflection, enquiry, cid),
            }
        )
    return {
        "enquiry_id": enquiry.id,
        "thumbs": thumbs(enquiry),
        "classes": classes,
        "reflections": [reflection_view(r) for r in reflections],
        "reflections_waiting": waiting or 0,
    }
