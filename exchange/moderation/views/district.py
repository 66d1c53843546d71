"""The facilitator's moderation pages: reports to decide and the district's watch list."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from exchange import realtime
from exchange.accounts.models import District
from exchange.authz import moderation as may
from exchange.errors import DomainError, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import reports, services, watchlist
from exchange.moderation.models import ReportStatus
from exchange.moderation.present import report_row
from exchange.moderation.views import bp
from exchange.moderation.views.helpers import actor, staff_page


def _district(user: Any, district_id: int) -> District:
    """The district, if this user facilitates it."""
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    if not may.can_decide_reports(user, district_id):
        raise Forbidden("Only the district's facilitators can see this page.")
    return district


@bp.get("/districts/<int:district_id>/reports")
@staff_page
def reports_page(district_id: int):  # noqa: ANN201
    """Open reports (the hidden item, the reason, who reported it) and recent decisions."""
    return _render_reports(actor(), district_id)


def _render_reports(
    user: Any,
    district_id: int,
    *,
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The reports page, with any refusal shown next to its report."""
    district = _district(user, district_id)
    stream = realtime.district_stream(district_id)
    after = realtime.last_seq(stream)
    open_reports = reports.reports_for(user, district_id, status=ReportStatus.OPEN)
    decided = reports.reports_for(user, district_id, decided=True, limit=50)
    page = render_template(
        "moderation/reports.html",
        district=district,
        open_reports=[report_row(r, user) for r in open_reports],
        decided=[report_row(r, user, with_item=False) for r in decided],
        stream=stream,
        after=after,
        errors=errors or {},
        typed=typed or {},
    )
    return page, status


@bp.post("/reports/<int:report_id>/decide")
@staff_page
def decide_report(report_id: int):  # noqa: ANN201
    """Restore the hidden item to both classes, or remove it for good, with a note."""
    user = actor()
    report = reports.get_report(user, report_id)
    decision = request.form.get("decision", "")
    note = request.form.get("note", "")
    try:
        if decision not in ("restore", "remove"):
            raise Invalid("Choose whether to restore or remove the item.", field="decision")
        services.decide_report(user, report_id, restore=decision == "restore", note=note)
    except DomainError as exc:
        return _render_reports(
            user,
            report.district_id,
            errors={report_id: exc.message},
            typed={report_id: note},
            status=exc.status,
        )
    verb = "restored to both classes" if decision == "restore" else "removed for good"
    flash(f"Report decided: the item was {verb}.", "success")
    return redirect(url_for("moderation.reports_page", district_id=report.district_id), code=303)


@bp.get("/districts/<int:district_id>/watch-list")
@staff_page
def watch_list(district_id: int):  # noqa: ANN201
    """The district's own watch list of words the flag detector marks."""
    return _render_watch_list(actor(), district_id)


def _render_watch_list(
    user: Any, district_id: int, *, error: str | None = None, typed: str = "", status: int = 200
) -> tuple[str, int]:
    """The watch-list page, with a refusal shown on the form."""
    district = _district(user, district_id)
    page = render_template(
        "moderation/watch_list.html",
        district=district,
        words=watchlist.watch_words(user, district_id),
        error=error,
        typed=typed,
    )
    return page, status


@bp.post("/districts/<int:district_id>/watch-list")
@staff_page
def add_watch_words(district_id: int):  # noqa: ANN201
    """Add words or phrases (comma or line separated)."""
    user = actor()
    text = request.form.get("words", "")
    try:
        added = watchlist.add_watch_words(user, district_id, text)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _render_watch_list(
            user, district_id, error=exc.message, typed=text, status=exc.status
        )
    flash(f"Added to the watch list: {', '.join(added)}.", "success")
    return redirect(url_for("moderation.watch_list", district_id=district_id), code=303)


@bp.post("/districts/<int:district_id>/watch-list/remove")
@staff_page
def remove_watch_word(district_id: int):  # noqa: ANN201
    """Take one word off the list."""
    user = actor()
    try:
        removed = watchlist.remove_watch_word(user, district_id, request.form.get("word", ""))
    except DomainError as exc:
        if exc.status == 403 or not may.can_manage_watch_list(user, district_id):
            raise
        return _render_watch_list(user, district_id, error=exc.message, status=exc.status)
    flash(f"Removed from the watch list: {removed}.", "success")
    return redirect(url_for("moderation.watch_list", district_id=district_id), code=303)
