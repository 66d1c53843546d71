"""Pupil voice: publishing survey rounds, anonymous answers, and who has answered so far.

A pupil answers each round once: the database refuses a second `SurveyAnswered` marker for the
same (survey, pupil). The answers themselves go in rows that carry only the survey and the class,
written in the same transaction as the marker but with nothing that ties the two together.
Results live in exchange.insights.results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from exchange import authz
from exchange import types as clock
from exchange.accounts.models import Classroom, District, Link, LinkStatus, Pupil, School
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.insights import template
from exchange.insights.dates import academic_year
from exchange.insights.models import (
    Survey,
    SurveyAnswer,
    SurveyAnswered,
    SurveyResponse,
    SurveyRound,
)

FREE_TEXT_MAX = 500
ROUND_NAMES = {SurveyRound.BEFORE: "Start of year", SurveyRound.AFTER: "End of year"}
YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")


def round_name(survey_round: SurveyRound | str) -> str:
    """'Start of year' or 'End of year'."""
    return ROUND_NAMES[SurveyRound(survey_round)]


def parse_round(value: str) -> SurveyRound:
    """A survey round from its name, or Invalid."""
    try:
        return SurveyRound(value)
    except ValueError:
        raise Invalid("The round must be 'before' (start of year) or 'after' (end of year).",
                      field="round") from None  # fmt: skip


def parse_year(value: str) -> str:
    """An academic year such as '2026-27', or Invalid."""
    match = YEAR_RE.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise Invalid("The academic year must look like 2026-27.", field="year")
    return value


def _district(actor: Any, district_id: int) -> District:
    """A district the actor runs, or NotFound/Forbidden."""
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    if not authz.insights.can_manage_surveys(actor, district_id):
        raise Forbidden("Only the district's facilitators can run its surveys.")
    return district


def get_survey(survey_id: int) -> Survey:
    """A survey by id, or NotFound."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("That survey does not exist.")
    return survey


def publish(
    actor: Any,
    district_id: int,
    survey_round: str,
    *,
    statements: list[str] | None = None,
    question: str | None = None,
    closes_at: datetime | None = None,
    year: str | None = None,
    now: datetime | None = None,
) -> Survey:
    """A facilitator publishes a round of the survey to the district's linked classes.

    Statements come from the built-in template (all of them by default; the end-of-year round
    defaults to the start-of-year round's, so the two compare like with like).
    """
    now = now or clock.utcnow()
    district = _district(actor, district_id)
    which = parse_round(survey_round)
    year = parse_year(year) if year else academic_year(now)
    existing = _round_of(district.id, year, which)
    if existing is not None:
        raise Conflict(f"The {round_name(which).lower()} survey for {year} is already published.")
    if statements is None:
        before = _round_of(district.id, year, SurveyRound.BEFORE)
        statements = list(before.statements) if before else [s.key for s in template.STATEMENTS]
    keys = _statement_keys(statements)
    question = template.QUESTIONS[which.value] if question is None else question.strip()
    if len(question) > template.QUESTION_MAX:
        raise Invalid(
            f"The question can be at most {template.QUESTION_MAX} characters.", field="question"
        )
    if closes_at is not None and closes_at <= now:
        raise Invalid("The closing time must be in the future.", field="closes_at")
    survey = Survey(
        district_id=district.id,
        academic_year=year,
        round=which,
        statements=keys,
        question=question,
        closes_at=closes_at,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(survey)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            f"The {round_name(which).lower()} survey for {year} is already published."
        ) from None
    return survey


def _statement_keys(statements: list[str]) -> list[str]:
    """Template statement keys, validated: known, at least one, no repeats."""
    if not statements:
        raise Invalid("Choose at least one statement.", field="statements")
    unknown = [k for k in statements if k not in template.BY_KEY]
    if unknown:
        raise Invalid(f"Unknown statement: {unknown[0]!r}.", field="statements")
    if len(set(statements)) != len(statements):
        raise Invalid("Each statement can be asked only once.", field="statements")
    return list(statements)


def _round_of(district_id: int, year: str, which: SurveyRound) -> Survey | None:
    """A district's survey of one round in one year."""
    return db.session.scalar(
        select(Survey).where(
            Survey.district_id == district_id,
            Survey.academic_year == year,
            Survey.round == which,
        )
    )


def close(actor: Any, survey_id: int, now: datetime | None = None) -> Survey:
    """A facilitator closes a round: no more answers, and its results can be shown. Final."""
    now = now or clock.utcnow()
    survey = get_survey(survey_id)
    _district(actor, survey.district_id)
    if not survey.is_open(now):
        raise Conflict("This survey is already closed.")
    survey.closed_at = now
    db.session.commit()
    return survey


def rounds(district_id: int, year: str) -> dict[SurveyRound, Survey]:
    """A district's survey rounds of one year."""
    found = db.session.scalars(
        select(Survey).where(Survey.district_id == district_id, Survey.academic_year == year)
    )
    return {s.round: s for s in found}


def district_surveys(actor: Any, district_id: int) -> list[Survey]:
    """Every survey of a district, newest year first."""
    _district(actor, district_id)
    return list(
        db.session.scalars(
            select(Survey)
            .where(Survey.district_id == district_id)
            .order_by(Survey.academic_year.desc(), Survey.round)
        )
    )


# ----- who may answer, and answering --------------------------------------------------------


def linked_class_ids(district_id: int, year: str) -> set[int]:
    """Classes of a district that are in an active link of that year: the survey's audience."""
    rows = db.session.execute(
        select(Link.class_a_id, Link.class_b_id).where(
            Link.district_id == district_id,
            Link.academic_year == year,
            Link.status == LinkStatus.ACTIVE,
        )
    )
    return {cid for pair in rows for cid in pair}


def is_for(pupil: Pupil, survey: Survey) -> bool:
    """The survey is meant for this pupil's class."""
    return authz.is_pupil(pupil) and pupil.classroom_id in linked_class_ids(
        survey.district_id, survey.academic_year
    )


def has_answered(pupil: Pupil, survey: Survey) -> bool:
    """The pupil has already answered this round."""
    return db.session.get(SurveyAnswered, (survey.id, pupil.id)) is not None


def open_for(pupil: Any, now: datetime | None = None) -> list[Survey]:
    """The open rounds a pupil can still answer."""
    if not authz.is_pupil(pupil):
        return []
    now = now or clock.utcnow()
    district_id = (  # inside the one query: the navigation asks on every page
        select(School.district_id)
        .join(Classroom, Classroom.school_id == School.id)
        .where(Classroom.id == pupil.classroom_id)
        .scalar_subquery()
    )
    answered = select(SurveyAnswered.survey_id).where(SurveyAnswered.pupil_id == pupil.id)
    candidates = db.session.scalars(
        select(Survey)
        .where(
            Survey.district_id == district_id,
            Survey.closed_at.is_(None),
            or_(Survey.closes_at.is_(None), Survey.closes_at > now),
            Survey.id.not_in(answered),
        )
        .order_by(Survey.academic_year, Survey.id)
    )
    return [s for s in candidates if is_for(pupil, s)]


def survey_for_pupil(pupil: Any, survey_id: int, now: datetime | None = None) -> Survey:
    """A round the pupil may answer now, or the refusal a child can understand."""
    if not authz.insights.can_answer_surveys(pupil):
        raise Forbidden("Only pupils answer these surveys.")
    survey = db.session.get(Survey, survey_id)
    if survey is None or not is_for(pupil, survey):
        raise NotFound("This survey is not for your class.")
    if has_answered(pupil, survey):
        raise Conflict("You have already answered this survey. Thank you!")
    if not survey.is_open(now or clock.utcnow()):
        raise Conflict("This survey has closed.")
    return survey


def answer(
    pupil: Any,
    survey_id: int,
    answers: dict[str, int | None],
    free_text: str | None = None,
    now: datetime | None = None,
) -> None:
    """A pupil answers a round once, anonymously; statements may be skipped."""
    survey = survey_for_pupil(pupil, survey_id, now)
    given = _checked_answers(survey, answers)
    text = (free_text or "").strip()
    if len(text) > FREE_TEXT_MAX:
        raise Invalid(f"Your answer can be at most {FREE_TEXT_MAX} letters long.", field="text")
    if not survey.question:
        text = ""
    if not given and not text:
        raise Invalid("Please answer at least one question.")
    db.session.add(SurveyAnswered(survey_id=survey.id, pupil_id=pupil.id))
    response = SurveyResponse(
        survey_id=survey.id, classroom_id=pupil.classroom_id, free_text=text or None
    )
    response.answers = [SurveyAnswer(statement=k, value=v) for k, v in given.items()]
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        # The same pupil sent twice at once (two taps, two tablets): the first one counts.
        db.session.rollback()
        raise Conflict("You have already answered this survey. Thank you!") from None


def _checked_answers(survey: Survey, answers: dict[str, Any]) -> dict[str, int]:
    """Answers to the survey's own statements, each 1 to 5; None means skipped."""
    if not isinstance(answers, dict):
        raise Invalid("The answers were not in the expected form.")
    given = {}
    for key, value in answers.items():
        if key not in survey.statements:
            raise Invalid(f"This survey does not ask about {key!r}.", field="answers")
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise Invalid("Each answer must be a number from 1 to 5.", field="answers")
        try:
            number = int(value)
        except ValueError:
            raise Invalid("Each answer must be a number from 1 to 5.", field="answers") from None
        if not 1 <= number <= 5:
            raise Invalid("Each answer must be a number from 1 to 5.", field="answers")
        given[key] = number
    return given


# ----- progress and free text ---------------------------------------------------------------


@dataclass(frozen=True)
class ClassProgress:
    """How many pupils of a class have answered a round (counts only, never who)."""

    classroom_id: int
    label: str
    answered: int
    pupils: int


def progress(survey: Survey, class_ids: set[int] | None = None) -> list[ClassProgress]:
    """Answered counts for the survey's classes (or the given ones), by class name."""
    audience = linked_class_ids(survey.district_id, survey.academic_year)
    wanted = audience if class_ids is None else audience & class_ids
    if not wanted:
        return []
    answered = dict(
        db.session.execute(
            select(Pupil.classroom_id, func.count())
            .join(SurveyAnswered, SurveyAnswered.pupil_id == Pupil.id)
            .where(SurveyAnswered.survey_id == survey.id, Pupil.classroom_id.in_(wanted))
            .group_by(Pupil.classroom_id)
        ).all()
    )
    sizes = dict(
        db.session.execute(
            select(Pupil.classroom_id, func.count())
            .where(Pupil.classroom_id.in_(wanted), Pupil.active.is_(True))
            .group_by(Pupil.classroom_id)
        ).all()
    )
    classes = db.session.scalars(select(Classroom).where(Classroom.id.in_(wanted)))
    return sorted(
        (ClassProgress(c.id, c.label, answered.get(c.id, 0), sizes.get(c.id, 0)) for c in classes),
        key=lambda p: p.label,
    )


def free_text(
    actor: Any, survey_id: int, classroom_id: int, now: datetime | None = None
) -> list[str]:
    """A class's free-text answers for its own teacher, once the round has closed.

    Never with a name (none is stored), in alphabetical order so the order says nothing about
    who answered when, and only after closing so a new answer cannot be matched to the pupil
    who just sat down with the tablet.
    """
    survey = get_survey(survey_id)
    classroom = db.session.get(Classroom, classroom_id)
    if classroom is None or not authz.insights.can_read_free_text(actor, classroom_id):
        raise Forbidden("Only the class's own teacher can read its pupils' written answers.")
    if classroom.school.district_id != survey.district_id:
        raise NotFound("That survey was not for this class.")
    if survey.is_open(now or clock.utcnow()):
        return []
    texts = db.session.scalars(
        select(SurveyResponse.free_text).where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.classroom_id == classroom_id,
            SurveyResponse.free_text.is_not(None),
        )
    )
    return sorted(texts, key=str.casefold)
