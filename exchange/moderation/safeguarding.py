"""Safeguarding concerns: raised by a teacher to their school's designated safeguarding lead,
kept apart from the ordinary audit log; facilitators and the partner school cannot read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange import authz, realtime
from exchange.accounts.models import Pupil, User
from exchange.authz import moderation as may
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation.access import can_view_item
from exchange.moderation.models import ModerationItem, SafeguardingConcern
from exchange.moderation.registry import _CHANNELS, channel_for
from exchange.types import utcnow

CONCERN_MAX = 4000
NOTE_MAX = 2000
OPEN, ACKNOWLEDGED = "open", "acknowledged"


def raise_concern(
    actor: Any, details: str, *, item_id: int | None = None, pupil_id: int | None = None
) -> SafeguardingConcern:
    """A teacher raises a concern to their own school's designated safeguarding lead."""
    if not may.can_raise_concern(actor):
        raise Forbidden("Only teachers can raise safeguarding concerns.")
    details = (details or "").strip()
    if not details:
        raise Invalid("Please describe the concern.", field="details")
    if len(details) > CONCERN_MAX:
        raise Invalid(f"Please keep it under {CONCERN_MAX} characters.", field="details")
    if item_id is None and pupil_id is None:
        raise Invalid("Say which item or which pupil the concern is about.", field="pupil_id")
    snapshot: dict[str, Any] = {}
    if item_id is not None:
        item = db.session.get(ModerationItem, item_id)
        if item is None or not can_view_item(actor, item):
            raise NotFound("That item does not exist.")
        snapshot["item"] = _concern_snapshot(item)
    if pupil_id is not None:
        pupil = db.session.get(Pupil, pupil_id)
        if pupil is None or not authz.teaches(actor, pupil.classroom_id):
            raise NotFound("That pupil is not in your class.")
        snapshot["pupil"] = {"name": pupil.display_name, "class_label": pupil.classroom.label}
    concern = SafeguardingConcern(
        school_id=actor.school_id,
        raised_by_id=actor.id,
        item_id=item_id,
        pupil_id=pupil_id,
        details=details,
        snapshot=snapshot,
    )
    db.session.add(concern)
    db.session.flush()
    for lead in leads_of(actor.school_id):
        realtime.publish(
            realtime.staff_stream(lead.id), "concern_raised", {"concern_id": concern.id}
        )
    db.session.commit()
    return concern


def _concern_snapshot(item: ModerationItem) -> dict[str, Any]:
    """What the teacher saw: the item's words and where it came from, kept with the concern."""
    try:
        view = channel_for(item).review_view(item) if item.kind in _CHANNELS else {}
    except LookupError:  # the channel's row is gone (being deleted): keep what the rule knows
        view = {}
    return {
        "id": item.id,
        "kind": item.kind.value,
        "author": item.author_name,
        "class_label": item.classroom.label,
        "state": item.state.value,
        "title": view.get("title"),
        "text": view.get("text", ""),
        "context": view.get("context"),
        "submitted_at": item.submitted_at.isoformat(),
    }


def concerns_for(actor: Any) -> list[SafeguardingConcern]:
    """The restricted log: a designated safeguarding lead sees their school's concerns; the
    teacher who raised one sees their own. Facilitators and the partner school see nothing."""
    if not authz.is_staff(actor) or actor.school_id is None:
        return []
    stmt = select(SafeguardingConcern).order_by(
        SafeguardingConcern.created_at.desc(), SafeguardingConcern.id.desc()
    )
    if actor.is_dsl:
        stmt = stmt.where(SafeguardingConcern.school_id == actor.school_id)
    else:
        stmt = stmt.where(SafeguardingConcern.raised_by_id == actor.id)
    return list(db.session.scalars(stmt))


def leads_of(school_id: int) -> list[User]:
    """The school's designated safeguarding leads (active teacher accounts marked as such)."""
    stmt = (
        select(User)
        .where(User.school_id == school_id, User.is_dsl.is_(True), User.active.is_(True))
        .order_by(User.display_name)
    )
    return list(db.session.scalars(stmt))


def concern_log(actor: Any) -> list[SafeguardingConcern]:
    """The restricted log of a school: its safeguarding leads only. Open concerns first."""
    if not may.is_safeguarding_lead(actor):
        raise Forbidden("Only your school's designated safeguarding lead can read this log.")
    stmt = (
        select(SafeguardingConcern)
        .where(SafeguardingConcern.school_id == actor.school_id)
        .order_by(
            (SafeguardingConcern.status == OPEN).desc(),
            SafeguardingConcern.created_at.desc(),
            SafeguardingConcern.id.desc(),
        )
    )
    return list(db.session.scalars(stmt))


def get_concern(actor: Any, concern_id: int) -> SafeguardingConcern:
    """One concern, for a safeguarding lead of its school; anyone else is told it does not exist."""
    concern = db.session.get(SafeguardingConcern, concern_id)
    if concern is None or not may.is_safeguarding_lead(actor, concern.school_id):
        raise NotFound("That concern does not exist.")
    return concern


def acknowledge_concern(actor: Any, concern_id: int, note: str = "") -> SafeguardingConcern:
    """The lead records that they have picked the concern up (and, optionally, what they did)."""
    concern = get_concern(actor, concern_id)
    if concern.status != OPEN:
        raise Conflict("This concern has already been acknowledged.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"The note can be at most {NOTE_MAX} characters.", field="note")
    concern.status = ACKNOWLEDGED
    concern.acknowledged_by_id = actor.id
    concern.acknowledged_at = utcnow()
    concern.acknowledged_note = note or None
    # Other leads' pages and the raising teacher's list update; the details never travel.
    told = {lead.id for lead in leads_of(concern.school_id)} | {concern.raised_by_id}
    for user_id in sorted(told):
        realtime.publish(
            realtime.staff_stream(user_id),
            "concern_acknowledged",
            {"concern_id": concern.id, "status": concern.status},
        )
    db.session.commit()
    return concern


def open_concern_count(actor: Any) -> int:
    """Open concerns waiting for this safeguarding lead (0 for everyone else)."""
    if not may.is_safeguarding_lead(actor):
        return 0
    stmt = select(func.count()).where(
        SafeguardingConcern.school_id == actor.school_id, SafeguardingConcern.status == OPEN
    )
    return int(db.session.scalar(stmt) or 0)
