"""The audit log: every state change with who, when and why; who may read which part."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from exchange import authz
from exchange.accounts.models import Link
from exchange.errors import Forbidden, Invalid
from exchange.extensions import db
from exchange.moderation.models import AuditEntry, ModerationItem

# Actions that concern both classes of a link: they show in the partner class's log too.
SHARED_ACTIONS = frozenset({"approved", "hidden", "reported", "decided"})


def audit_log(
    actor: Any,
    *,
    classroom_id: int | None = None,
    district_id: int | None = None,
    limit: int = 500,
    before_id: int | None = None,
    action: str | None = None,
    item_id: int | None = None,
) -> list[AuditEntry]:
    """Teachers see their class's log; facilitators their district's. Newest first.

    A class's log holds everything about its own pupils' and teachers' items, and the shared
    entries about partner items that reached (or waited for) the class: hidden, reported,
    decided, approved. `before_id` pages back; `action` and `item_id` narrow it.
    """
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if classroom_id is not None:
        if not authz.teaches(actor, classroom_id):
            raise Forbidden("Only the class's teachers can read its log.")
        stmt = stmt.where(class_log_clause(classroom_id))
    elif district_id is not None:
        if not authz.oversees_district(actor, district_id):
            raise Forbidden("Only the district's facilitators can read its log.")
        stmt = stmt.where(AuditEntry.district_id == district_id)
    else:
        raise Invalid("Say which class or district's log you want.")
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if item_id is not None:
        stmt = stmt.where(AuditEntry.item_id == item_id)
    return list(db.session.scalars(stmt))


def class_log_clause(classroom_id: int) -> ColumnElement[bool]:
    """The entries of one class's log: its own, and the shared ones of its links."""
    links = select(Link.id).where(
        or_(Link.class_a_id == classroom_id, Link.class_b_id == classroom_id)
    )
    return or_(
        AuditEntry.classroom_id == classroom_id,
        and_(AuditEntry.shared.is_(True), AuditEntry.link_id.in_(links)),
    )


def audit(
    actor: Any,
    action: str,
    item: ModerationItem,
    reason: str | None = None,
    *,
    shared: bool | None = None,
) -> AuditEntry:
    """Record a state change: who, what, when, why, and whether the partner class sees it."""
    entry = AuditEntry(
        actor_key=getattr(actor, "actor_key", "system"),
        actor_name=getattr(actor, "display_name", "System"),
        action=action,
        item_id=item.id,
        kind=item.kind.value,
        link_id=item.link_id,
        classroom_id=item.classroom_id,
        district_id=item.district_id,
        reason=reason,
        shared=action in SHARED_ACTIONS if shared is None else shared,
    )
    db.session.add(entry)
    return entry


def audit_district(actor: Any, action: str, district_id: int, reason: str | None) -> AuditEntry:
    """Record a district-wide change that is not about one item (the watch list)."""
    entry = AuditEntry(
        actor_key=getattr(actor, "actor_key", "system"),
        actor_name=getattr(actor, "display_name", "System"),
        action=action,
        district_id=district_id,
        reason=reason,
    )
    db.session.add(entry)
    return entry
