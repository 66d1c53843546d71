"""Pupil-voice pages for staff: publishing and closing rounds, results, the CSV export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from exchange import types as clock
from exchange.errors import DomainError
from exchange.insights import pictures, services, surveys, template, thresholds
from exchange.insights.dates import LONDON, academic_year
from exchange.insights.forms import ActionForm, PublishSurveyForm
from exchange.insights.models import SurveyRound
from exchange.insights.views import bp
from exchange.insights.views.helpers import me, run


def _surveys_page(district_id: int, form: PublishSurveyForm, status: int = 200):  # noqa: ANN202
    """The district's surveys: rounds, who has answered, results, and the publish form."""
    year = request.args.get("year") or academic_year(clock.utcnow())
    all_rounds = surveys.district_surveys(me(), district_id)
    found = services.survey_results(me(), district_id, year)
    rounds = surveys.rounds(district_id, found.academic_year)
    return render_template(
        "insights/surveys.html",
        district=services.get_district(me(), district_id),
        year=found.academic_year,
        years=sorted({s.academic_year for s in all_rounds} | {found.academic_year}, reverse=True),
        rounds=rounds,
        round_names=surveys.ROUND_NAMES,
        progress={which: surveys.progress(s) for which, s in rounds.items()},
        results=found,
        charts={
            g.key: pictures.survey(f"chart-{g.key.replace(':', '-')}", g) for g in found.groups
        },
        template=template,
        thresholds=thresholds,
        now=clock.utcnow(),
        form=form,
        action_form=ActionForm(),
    ), status


@bp.get("/insights/districts/<int:district_id>/surveys")
@login_required
def surveys_page(district_id: int):  # noqa: ANN201
    """A facilitator's pupil-voice page for the district."""
    return _surveys_page(district_id, PublishSurveyForm())


@bp.post("/insights/districts/<int:district_id>/surveys")
@login_required
def publish_survey(district_id: int):  # noqa: ANN201
    """Publish a round of the survey from the built-in template."""
    form = PublishSurveyForm()
    if not form.validate_on_submit():
        return _surveys_page(district_id, form, 422)
    closes_at = None
    if form.closes_on.data:
        # "Closes at the end of" a day: midnight after it, in London.
        end = datetime.combine(form.closes_on.data + timedelta(days=1), time(), tzinfo=LONDON)
        closes_at = end
    try:
        surveys.publish(
            me(),
            district_id,
            form.round.data,
            statements=form.statements.data,
            question=form.question.data or "",
            closes_at=closes_at,
        )
    except DomainError as exc:
        field = getattr(form, exc.field, None) if exc.field else None
        if exc.field == "closes_at":
            field = form.closes_on
        (field.errors.append if field is not None else form.form_errors.append)(exc.message)
        return _surveys_page(district_id, form, exc.status)
    flash("The survey is published: pupils can answer it now.", "success")
    return redirect(url_for("insights.surveys_page", district_id=district_id), code=303)


@bp.post("/insights/surveys/<int:survey_id>/close")
@login_required
def close_survey(survey_id: int):  # noqa: ANN201
    """Close a round: no more answers, and its results appear."""
    survey = surveys.get_survey(survey_id)
    back = url_for(
        "insights.surveys_page", district_id=survey.district_id, year=survey.academic_year
    )
    return run(lambda: surveys.close(me(), survey_id), "The survey is closed.", back)


@bp.get("/insights/districts/<int:district_id>/survey-results.csv")
@login_required
def results_csv(district_id: int) -> Response:
    """The results as CSV for researchers: group figures, no pupil identifier."""
    year = request.args.get("year") or None
    body = services.results_csv(me(), district_id, year)
    name = f"pupil-voice-district-{district_id}-{year or academic_year(clock.utcnow())}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/insights/links/<int:link_id>/voice")
@login_required
def link_voice(link_id: int):  # noqa: ANN201
    """A link's pupil voice: its results beside the district's, and the class's own words."""
    page = services.voice_page(me(), link_id)
    return render_template(
        "insights/voice.html",
        page=page,
        round_names=surveys.ROUND_NAMES,
        rounds_in_order=[SurveyRound.BEFORE, SurveyRound.AFTER],
        charts={
            g.key: pictures.survey(f"chart-{g.key.replace(':', '-')}", g)
            for g in page.results.groups
        },
        thresholds=thresholds,
        now=clock.utcnow(),
    )
