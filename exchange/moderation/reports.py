"""Reports to the facilitator: what teachers hid, for the district to restore or remove.

Hiding and deciding are state changes of the rule (services.hide_and_report, decide_report);
this module answers who may read which reports.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange.authz import moderation as may
from exchange.errors import Forbidden, NotFound
from exchange.extensions import db
from exchange.moderation.models import Report, ReportStatus


def reports_for(
    actor: Any,
    district_id: int,
    *,
    status: ReportStatus | None = None,
    decided: bool = False,
    limit: int = 200,
) -> list[Report]:
    """A district's reports for its facilitators: open ones oldest first, decided newest first.

    `decided` keeps only decided reports (restored or removed), chosen in the query so that many
    open reports never crowd the decided ones out of the limit.
    """
    if not may.can_decide_reports(actor, district_id):
        raise Forbidden("Only the district's facilitators can read its reports.")
    stmt = select(Report).where(Report.district_id == district_id).limit(limit)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if decided:
        stmt = stmt.where(Report.status != ReportStatus.OPEN)
    if status == ReportStatus.OPEN:
        stmt = stmt.order_by(Report.created_at, Report.id)
    else:
        stmt = stmt.order_by(Report.decided_at.desc().nulls_last(), Report.id.desc())
    return list(db.session.scalars(stmt))


def get_report(actor: Any, report_id: int) -> Report:
    """One report, for the facilitators of its district; anyone else is told it does not exist."""
    report = db.session.get(Report, report_id)
    if report is None or not may.can_decide_reports(actor, report.district_id):
        raise NotFound("That report does not exist.")
    return report


def open_report_count(actor: Any, district_id: int | None) -> int:
    """Open reports in a district (0 for anyone who may not read them)."""
    if district_id is None or not may.can_decide_reports(actor, district_id):
        return 0
    stmt = select(func.count()).where(
        Report.district_id == district_id, Report.status == ReportStatus.OPEN
    )
    return int(db.session.scalar(stmt) or 0)


def reports_of_item(item_id: int) -> list[Report]:
    """Every report about one item, newest first (for the item's history)."""
    stmt = select(Report).where(Report.item_id == item_id).order_by(Report.id.desc())
    return list(db.session.scalars(stmt))
