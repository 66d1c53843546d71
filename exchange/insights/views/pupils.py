"""The pupils' survey pages: big, calm, read-aloud friendly, and anonymous."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from exchange.errors import DomainError, Forbidden
from exchange.insights import pictures, surveys, template
from exchange.insights.views import bp
from exchange.insights.views.helpers import me


@bp.get("/surveys")
@login_required
def pupil_surveys():  # noqa: ANN201
    """The surveys a pupil can answer now (straight to it when there is one)."""
    user = me()
    if not user.is_pupil:
        raise Forbidden("Only pupils answer these surveys.")
    waiting = surveys.open_for(user)
    if len(waiting) == 1 and not request.args.get("done"):
        return redirect(url_for("insights.pupil_survey", survey_id=waiting[0].id))
    return render_template(
        "insights/pupil_surveys.html", waiting=waiting, done=bool(request.args.get("done"))
    )


def _answer_page(survey, answers: dict, text: str, error: str | None, status: int = 200):  # noqa: ANN001, ANN202
    """The answering page, with what the pupil chose so far and any problem in words."""
    return render_template(
        "insights/pupil_survey.html",
        survey=survey,
        statements=[template.BY_KEY[k] for k in survey.statements if k in template.BY_KEY],
        scale=[(value, words, pictures.face(value)) for value, words, _ in template.SCALE],
        speaker=pictures.SPEAKER,
        answers=answers,
        text=text,
        error=error,
        text_max=surveys.FREE_TEXT_MAX,
    ), status


@bp.get("/surveys/<int:survey_id>")
@login_required
def pupil_survey(survey_id: int):  # noqa: ANN201
    """One round, one statement after another, with faces to choose from."""
    survey = surveys.survey_for_pupil(me(), survey_id)
    return _answer_page(survey, {}, "", None)


@bp.post("/surveys/<int:survey_id>")
@login_required
def answer_survey(survey_id: int):  # noqa: ANN201
    """Send the answers; the page says thank you."""
    survey = surveys.survey_for_pupil(me(), survey_id)
    answers = {key: request.form.get(f"s-{key}") or None for key in survey.statements}
    text = request.form.get("text", "")
    try:
        surveys.answer(me(), survey_id, answers, text)
    except DomainError as exc:
        return _answer_page(survey, answers, text, exc.message, exc.status)
    flash("Thank you! Your answers have been sent. Nobody will see your name next to them.",
          "success")  # fmt: skip
    return redirect(url_for("insights.pupil_surveys", done=1), code=303)
