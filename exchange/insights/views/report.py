"""The end-of-year report: a printable page, or one self-contained HTML file to send on."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_login import login_required
from markupsafe import Markup

from exchange.insights import pictures, services, thresholds
from exchange.insights.views import bp
from exchange.insights.views.helpers import me

# The downloaded file is opened from a disk or an email, outside the app: its styles travel
# inside it, and it may load nothing at all.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _stylesheet() -> Markup:
    """The report's own styles, embedded in the downloaded file."""
    path = current_app.static_folder + "/css/insights.css"
    with open(path, encoding="utf-8") as handle:
        # Our own stylesheet, not user input; "</" is broken up so it cannot end the element.
        return Markup(handle.read().replace("</", "<\\/"))  # noqa: S704


@bp.get("/insights/districts/<int:district_id>/report")
@login_required
def report(district_id: int):  # noqa: ANN201
    """The district's end-of-year report, ready to print or save as PDF."""
    found = services.year_report(me(), district_id, request.args.get("year") or None)
    links = found.figures.links
    context = {
        "r": found,
        "thresholds": thresholds,
        "reciprocity_chart": pictures.reciprocity("chart-reciprocity", links),
        "meetings_chart": pictures.meetings("chart-meetings", links),
        "survey_chart": pictures.survey("chart-district", found.results.groups[0]),
    }
    if request.args.get("download"):
        html = render_template("insights/report_file.html", styles=_stylesheet(), **context)
        name = f"linking-report-{found.district.name}-{found.figures.academic_year}.html"
        safe = "".join(c if c.isalnum() or c in "-." else "-" for c in name)
        response = Response(html, mimetype="text/html")
        response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
        response.headers["Content-Security-Policy"] = FILE_CSP
        return response
    return render_template("insights/report.html", **context)
