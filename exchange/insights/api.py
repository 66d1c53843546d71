"""JSON API of the insights area, under /api/v1: every figure the pages show, with the same
services and the same authorisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, abort
from flask_login import current_user
from flask_smorest import Blueprint

from exchange import authz
from exchange import types as clock
from exchange.insights import checklist, picks, schemas, services, surveys, template, thresholds
from exchange.insights.models import Survey, SurveyRound

blp = Blueprint(
    "api_insights",
    __name__,
    url_prefix="/api/v1/insights",
    description="Linking health, pupil voice surveys and end-of-year reports.",
)
REFUSALS = {
    401: "Not signed in.",
    403: "Signed in, but not allowed to do this.",
    404: "No such thing, or not one this user may see.",
    409: "Not in a state that allows this (closed, already answered, archived).",
    422: "The input is wrong; nothing was changed.",
}


def refusals(*codes: int) -> Callable[[Any], Any]:
    """Document the refusals an endpoint may answer with."""

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, schema=schemas.RefusalSchema, description=REFUSALS[code])(
                func
            )
        return func

    return decorate


def _me() -> Any:
    """The signed-in user, or 401."""
    if not authz.is_signed_in(current_user):
        abort(401)
    return current_user._get_current_object()


def survey_view(survey: Survey, now: datetime) -> dict[str, Any]:
    """A survey round as the API shows it."""
    return {
        "id": survey.id,
        "district_id": survey.district_id,
        "academic_year": survey.academic_year,
        "round": survey.round.value,
        "round_name": surveys.round_name(survey.round),
        "statements": [{"key": k, "text": template.statement_text(k)} for k in survey.statements],
        "question": survey.question,
        "closes_at": survey.closes_at,
        "closed_at": survey.closed_at,
        "open": survey.is_open(now),
    }


def results_view(found: Any, now: datetime) -> dict[str, Any]:
    """Results with their rounds as plain surveys."""
    return {
        "district_id": found.district_id,
        "academic_year": found.academic_year,
        "before": survey_view(found.before, now) if found.before else None,
        "after": survey_view(found.after, now) if found.after else None,
        "statements": found.statements,
        "notes": found.notes,
        "groups": found.groups,
    }


# ----- linking health -----------------------------------------------------------------------


@blp.get("/thresholds")
@blp.response(200, schemas.ThresholdsSchema)
@refusals(401)
def get_thresholds() -> dict[str, Any]:
    """The thresholds behind the quiet, one-sided and waiting warnings and the small-group
    suppression of survey results."""
    _me()
    return thresholds.as_dict()


@blp.get("/districts/<int:district_id>/health")
@blp.arguments(schemas.YearQuerySchema, location="query")
@blp.response(200, schemas.DistrictHealthSchema)
@refusals(401, 403, 404, 422)
def get_district_health(query: dict[str, Any], district_id: int) -> Any:
    """Every link of a district in one academic year (this one by default): phase, last
    exchange, intensity, reciprocity, oldest waiting item per class, meetings, open reports,
    checklist, and the warnings with their reasons. Flagged links first."""
    return services.district_dashboard(_me(), district_id, query["year"])


@blp.get("/links/<int:link_id>/health")
@blp.response(200, schemas.LinkHealthSchema)
@refusals(401, 404)
def get_link_health(link_id: int) -> Any:
    """A link's figures, its co-planning checklist, its year month by month and milestones."""
    return services.link_page(_me(), link_id)


@blp.put("/links/<int:link_id>/checklist/<step>")
@blp.response(200, schemas.StepSchema(many=True))
@refusals(401, 403, 404, 409, 422)
def tick_step(link_id: int, step: str) -> Any:
    """Either teacher of the link ticks a step (again: no change). Answers the checklist."""
    me = _me()
    checklist.tick(me, link_id, step)
    return services.link_page(me, link_id).checklist


@blp.delete("/links/<int:link_id>/checklist/<step>")
@blp.response(200, schemas.StepSchema(many=True))
@refusals(401, 403, 404, 409, 422)
def untick_step(link_id: int, step: str) -> Any:
    """Either teacher of the link clears a step. Answers the checklist."""
    me = _me()
    checklist.untick(me, link_id, step)
    return services.link_page(me, link_id).checklist


@blp.get("/links/<int:link_id>/report-work")
@blp.response(200, schemas.CandidateSchema(many=True))
@refusals(401, 403, 404)
def get_report_work(link_id: int) -> Any:
    """The link's newest approved posts and those chosen for the report (its teachers)."""
    page = services.link_page(_me(), link_id)
    if not page.can_plan:
        abort(403, "Only the two teachers of the link can choose work for the report.")
    return page.candidates


@blp.put("/links/<int:link_id>/report-work/<int:item_id>")
@blp.response(200, schemas.CandidateSchema(many=True))
@refusals(401, 403, 404, 409, 422)
def choose_work(link_id: int, item_id: int) -> Any:
    """A teacher of the link puts an approved post in the end-of-year report."""
    me = _me()
    picks.pick(me, item_id, link_id)
    return services.link_page(me, link_id).candidates


@blp.delete("/links/<int:link_id>/report-work/<int:item_id>")
@blp.response(200, schemas.CandidateSchema(many=True))
@refusals(401, 403, 404)
def unchoose_work(link_id: int, item_id: int) -> Any:
    """A teacher of the link takes a post out of the report."""
    me = _me()
    picks.unpick(me, item_id, link_id)
    return services.link_page(me, link_id).candidates


@blp.get("/districts/<int:district_id>/report")
@blp.arguments(schemas.YearQuerySchema, location="query")
@blp.response(200, schemas.ReportSchema)
@refusals(401, 403, 404, 422)
def get_report(query: dict[str, Any], district_id: int) -> dict[str, Any]:
    """The end-of-year report's content: links, intensity, reciprocity, survey change and the
    work teachers chose (the printable page is /insights/districts/<id>/report)."""
    found = services.year_report(_me(), district_id, query["year"])
    return {
        "district_id": found.district.id,
        "district_name": found.district.name,
        "academic_year": found.figures.academic_year,
        "generated_at": found.generated_at,
        "schools": found.schools,
        "classes": found.classes,
        "pupils": found.pupils,
        "health": found.figures,
        "results": results_view(found.results, found.generated_at),
        "chosen": [
            {"link_id": link_id, "work": schemas.CandidateSchema(many=True).dump(work)}
            for link_id, work in found.chosen.items()
        ],
    }


# ----- pupil voice --------------------------------------------------------------------------


@blp.get("/survey-template")
@blp.response(200, schemas.TemplateSchema)
@refusals(401)
def get_template() -> dict[str, Any]:
    """The built-in survey: statements (key, text, short label), the 5-point scale, and the
    default free-text questions of each round."""
    _me()
    return {
        "statements": [
            {"key": s.key, "text": s.text, "short": s.short} for s in template.STATEMENTS
        ],
        "scale": [{"value": v, "words": w, "emoji": e} for v, w, e in template.SCALE],
        "questions": template.QUESTIONS,
    }


@blp.get("/districts/<int:district_id>/surveys")
@blp.response(200, schemas.SurveyWithProgressSchema(many=True))
@refusals(401, 403, 404)
def list_surveys(district_id: int) -> list[dict[str, Any]]:
    """Every round of a district, newest year first, with how many answered per class."""
    now = clock.utcnow()
    return [
        {**survey_view(s, now), "progress": surveys.progress(s)}
        for s in surveys.district_surveys(_me(), district_id)
    ]


@blp.post("/districts/<int:district_id>/surveys")
@blp.arguments(schemas.PublishSurveySchema)
@blp.response(201, schemas.SurveySchema)
@refusals(401, 403, 404, 409, 422)
def publish_survey(body: dict[str, Any], district_id: int) -> dict[str, Any]:
    """Publish a round to every linked class of the district (once per round and year)."""
    survey = surveys.publish(
        _me(),
        district_id,
        body["round"],
        statements=body["statements"],
        question=body["question"],
        closes_at=body["closes_at"],
        year=body["year"],
    )
    return survey_view(survey, clock.utcnow())


@blp.post("/surveys/<int:survey_id>/close")
@blp.response(200, schemas.SurveySchema)
@refusals(401, 403, 404, 409)
def close_survey(survey_id: int) -> dict[str, Any]:
    """Close a round (final): no more answers, and its results can be shown."""
    survey = surveys.close(_me(), survey_id)
    return survey_view(survey, clock.utcnow())


@blp.get("/my-surveys")
@blp.response(200, schemas.SurveySchema(many=True))
@refusals(401)
def my_surveys() -> list[dict[str, Any]]:
    """The open rounds the signed-in pupil can still answer (none for staff)."""
    now = clock.utcnow()
    return [survey_view(s, now) for s in surveys.open_for(_me(), now)]


@blp.post("/surveys/<int:survey_id>/answers")
@blp.arguments(schemas.AnswerSchema)
@blp.response(201, schemas.OkSchema)
@refusals(401, 403, 404, 409, 422)
def answer_survey(body: dict[str, Any], survey_id: int) -> dict[str, Any]:
    """A pupil answers a round once, anonymously (skipped statements: null or left out)."""
    surveys.answer(_me(), survey_id, body["answers"], body["text"])
    return {"ok": True}


@blp.get("/districts/<int:district_id>/survey-results")
@blp.arguments(schemas.ResultsQuerySchema, location="query")
@blp.response(200, schemas.ResultsSchema)
@refusals(401, 403, 404, 422)
def get_results(query: dict[str, Any], district_id: int) -> dict[str, Any]:
    """Before and after per statement, per district and per link, with the change and its
    confidence interval; no figure for fewer than 5 answers. Facilitators: every link;
    teachers: the district, and their own link with `link_id`."""
    now = clock.utcnow()
    found = services.survey_results(
        _me(), district_id, query["year"], link_id=query["link_id"], now=now
    )
    return results_view(found, now)


@blp.get("/districts/<int:district_id>/survey-results.csv")
@blp.arguments(schemas.YearQuerySchema, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv")
@refusals(401, 403, 404, 422)
def get_results_csv(query: dict[str, Any], district_id: int) -> Response:
    """The results as CSV for researchers: group figures only, no pupil identifier, the same
    suppression as the pages."""
    body = services.results_csv(_me(), district_id, query["year"])
    return Response(body, mimetype="text/csv")


@blp.get("/links/<int:link_id>/voice")
@blp.response(200, schemas.VoiceSchema)
@refusals(401, 404)
def get_voice(link_id: int) -> dict[str, Any]:
    """A link's pupil voice: its results beside the district's, how many of its pupils have
    answered each round, and, for a teacher, their own class's written answers (closed rounds,
    alphabetical, no names)."""
    now = clock.utcnow()
    page = services.voice_page(_me(), link_id, now)
    order = [SurveyRound.BEFORE, SurveyRound.AFTER]
    return {
        "link_id": page.link.id,
        "results": results_view(page.results, now),
        "rounds": [
            {**survey_view(page.rounds[w], now), "progress": page.progress.get(w, [])}
            for w in order
            if w in page.rounds
        ],
        "free_text": [
            {"round": w.value, "class": label, "texts": texts}
            for w in order
            for label, texts in page.free_text.get(w, {}).items()
        ],
    }
