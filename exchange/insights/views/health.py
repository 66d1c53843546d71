"""Linking health pages: the district dashboard, a link's own page, its checklist and picks."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import login_required

from exchange import authz
from exchange.insights import checklist, picks, pictures, services, thresholds
from exchange.insights.forms import ActionForm
from exchange.insights.views import bp
from exchange.insights.views.helpers import me, run


@bp.get("/insights")
@login_required
def index():  # noqa: ANN201
    """Where the area starts for each role: a facilitator's district, a teacher's link."""
    user = me()
    if authz.is_pupil(user):
        return redirect(url_for("insights.pupil_surveys"))
    districts = services.districts_for(user)
    links = services.links_for(user)
    if len(districts) == 1 and not links and not authz.is_admin(user):
        return redirect(url_for("insights.district", district_id=districts[0].id))
    if len(links) == 1 and not districts:
        return redirect(url_for("insights.link", link_id=links[0].id))
    return render_template("insights/index.html", districts=districts, links=links)


@bp.get("/insights/districts/<int:district_id>")
@login_required
def district(district_id: int):  # noqa: ANN201
    """The district dashboard: every link's health, flagged links first."""
    board = services.district_dashboard(me(), district_id, request.args.get("year") or None)
    active = [f for f in board.links if f.status != "proposed"]
    return render_template(
        "insights/district.html",
        board=board,
        thresholds=thresholds,
        reciprocity_chart=pictures.reciprocity("chart-reciprocity", active),
        meetings_chart=pictures.meetings("chart-meetings", active),
    )


@bp.get("/insights/links/<int:link_id>")
@login_required
def link(link_id: int):  # noqa: ANN201
    """A link's own page: its figures, timeline, co-planning checklist and report work."""
    page = services.link_page(me(), link_id)
    return render_template(
        "insights/link.html",
        page=page,
        f=page.figures,
        thresholds=thresholds,
        phases={1: "Identity", 2: "Community", 3: "Celebration"},
        timeline_chart=pictures.timeline("chart-timeline", page.figures, page.months),
        form=ActionForm(),
    )


@bp.post("/insights/links/<int:link_id>/checklist", endpoint="checklist")
@login_required
def checklist_step(link_id: int):  # noqa: ANN201
    """Tick or clear a step of the co-planning checklist."""
    step = request.form.get("step", "")
    back = url_for("insights.link", link_id=link_id) + "#checklist"
    if request.form.get("action") == "clear":
        return run(lambda: checklist.untick(me(), link_id, step), "Step cleared.", back)
    return run(lambda: checklist.tick(me(), link_id, step), "Step ticked. Well done!", back)


@bp.post("/insights/links/<int:link_id>/report-work")
@login_required
def report_work(link_id: int):  # noqa: ANN201
    """Add a post to the end-of-year report, or take it out."""
    back = url_for("insights.link", link_id=link_id) + "#report-work"
    item_id = request.form.get("item_id", type=int) or 0
    if request.form.get("action") == "remove":
        return run(lambda: picks.unpick(me(), item_id, link_id), "Taken out of the report.", back)
    return run(lambda: picks.pick(me(), item_id, link_id), "Added to the end-of-year report.", back)
