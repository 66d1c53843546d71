"""Pupil-voice surveys: publishing, answering once and anonymously, progress and free text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.insights import surveys, template
from exchange.insights.models import Survey, SurveyAnswer, SurveyAnswered, SurveyResponse
from tests import factories
from tests.insights.conftest import NOW


def publish(world, which="before", **kw):
    """The district's facilitator publishes a round at NOW."""
    return surveys.publish(world.facilitator, world.district.id, which, now=NOW, **kw)


def survey_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Survey))


def test_publishing_uses_the_whole_template_by_default(world):
    survey = publish(world)
    assert survey.academic_year == "2026-27"
    assert survey.statements == [s.key for s in template.STATEMENTS]
    assert survey.question == template.QUESTIONS["before"]
    assert survey.is_open(NOW)
    assert surveys.round_name(survey.round) == "Start of year"


def test_the_end_of_year_round_asks_what_the_start_asked(world):
    publish(world, statements=["comfortable", "make_friends"], question="")
    after = publish(world, "after")
    assert after.statements == ["comfortable", "make_friends"]
    assert after.question == template.QUESTIONS["after"]


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"survey_round": "middle"}, Invalid, "before"),
        ({"statements": []}, Invalid, "at least one"),
        ({"statements": ["comfortable", "nonsense"]}, Invalid, "Unknown statement"),
        ({"statements": ["comfortable", "comfortable"]}, Invalid, "only once"),
        ({"question": "x" * 201}, Invalid, "200 characters"),
        ({"closes_at": NOW - timedelta(minutes=1)}, Invalid, "future"),
        ({"year": "2026/27"}, Invalid, "2026-27"),
        ({"year": "2026-28"}, Invalid, "2026-27"),
    ],
    ids=[
        "unknown round",
        "no statements",
        "unknown statement",
        "repeated statement",
        "question too long",
        "closing in the past",
        "year badly written",
        "year not consecutive",
    ],
)
def test_publishing_refuses_bad_input_and_creates_nothing(world, kw, error, message):
    which = kw.pop("survey_round", "before")
    with pytest.raises(error, match=message):
        surveys.publish(world.facilitator, world.district.id, which, now=NOW, **kw)
    assert survey_count() == 0


def test_a_round_is_published_once_a_year(world):
    publish(world)
    with pytest.raises(Conflict, match="start of year survey for 2026-27 is already published"):
        publish(world)
    assert survey_count() == 1
    assert publish(world, year="2027-28").academic_year == "2027-28"


@pytest.mark.parametrize("role", ["teacher_a", "pupil_a", "other_facilitator"])
def test_only_the_districts_facilitators_publish(world, role):
    with pytest.raises(Forbidden):
        surveys.publish(world.actor(role), world.district.id, "before", now=NOW)
    assert survey_count() == 0


def test_publishing_in_an_unknown_district_is_not_found(world):
    with pytest.raises(NotFound):
        surveys.publish(world.admin, 9999, "before", now=NOW)


def test_admins_may_publish_in_any_district(world):
    assert surveys.publish(world.admin, world.district.id, "before", now=NOW).id


def test_closing_is_for_facilitators_and_final(world):
    survey = publish(world)
    with pytest.raises(Forbidden):
        surveys.close(world.teacher_a, survey.id, now=NOW)
    with pytest.raises(NotFound):
        surveys.close(world.facilitator, 9999, now=NOW)
    surveys.close(world.facilitator, survey.id, now=NOW)
    assert not survey.is_open(NOW)
    with pytest.raises(Conflict, match="already closed"):
        surveys.close(world.facilitator, survey.id, now=NOW)


def test_a_round_closes_by_itself_at_its_closing_time(world):
    survey = publish(world, closes_at=NOW + timedelta(days=7))
    assert survey.is_open(NOW + timedelta(days=6)) and not survey.is_open(NOW + timedelta(days=7))


# ----- answering ----------------------------------------------------------------------------


def test_a_pupil_answers_anonymously(world):
    survey = publish(world)
    surveys.answer(
        world.pupil_a, survey.id, {"comfortable": 4, "make_friends": "5", "alike": None},
        "I hope they like football", now=NOW,
    )  # fmt: skip
    marker = db.session.scalars(select(SurveyAnswered)).one()
    assert (marker.survey_id, marker.pupil_id) == (survey.id, world.pupil_a.id)
    response = db.session.scalars(select(SurveyResponse)).one()
    assert response.classroom_id == world.class_a.id
    assert response.free_text == "I hope they like football"
    assert {(a.statement, a.value) for a in response.answers} == {
        ("comfortable", 4),
        ("make_friends", 5),
    }
    # Nothing in the answers points back at the pupil, and nothing records when they answered.
    columns = {c.key for c in inspect(SurveyResponse).columns}
    assert columns == {"id", "survey_id", "classroom_id", "free_text"}
    assert {c.key for c in inspect(SurveyAnswer).columns} == {"response_id", "statement", "value"}
    assert {c.key for c in inspect(SurveyAnswered).columns} == {"survey_id", "pupil_id"}
    assert not response.id.isdigit() and len(response.id) == 32  # random, not a counter


def test_a_pupil_answers_each_round_once(world):
    survey = publish(world)
    surveys.answer(world.pupil_a, survey.id, {"comfortable": 4}, now=NOW)
    with pytest.raises(Conflict, match="already answered"):
        surveys.answer(world.pupil_a, survey.id, {"comfortable": 2}, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_the_database_itself_refuses_a_second_marker(world):
    survey = publish(world)
    db.session.add(SurveyAnswered(survey_id=survey.id, pupil_id=world.pupil_a.id))
    db.session.commit()
    db.session.add(SurveyAnswered(survey_id=survey.id, pupil_id=world.pupil_a.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("answers", "text", "message"),
    [
        ({"comfortable": 0}, None, "1 to 5"),
        ({"comfortable": 6}, None, "1 to 5"),
        ({"comfortable": "lots"}, None, "1 to 5"),
        ({"comfortable": True}, None, "1 to 5"),
        ({"comfortable": 2.5}, None, "1 to 5"),
        ({"favourite_colour": 3}, None, "does not ask"),
        ({}, "   ", "at least one"),
        ({"comfortable": None}, None, "at least one"),
        ({"comfortable": 3}, "x" * 501, "500 letters"),
    ],
    ids=[
        "zero",
        "six",
        "a word",
        "a boolean",
        "a fraction",
        "unknown statement",
        "nothing but spaces",
        "everything skipped",
        "text too long",
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(world, answers, text, message):
    survey = publish(world)
    with pytest.raises(Invalid, match=message):
        surveys.answer(world.pupil_a, survey.id, answers, text, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 0
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    assert surveys.open_for(world.pupil_a, NOW) == [survey]


def test_who_may_answer(world):
    survey = publish(world)
    with pytest.raises(Forbidden):
        surveys.answer(world.teacher_a, survey.id, {"comfortable": 3}, now=NOW)
    with pytest.raises(NotFound, match="not for your class"):  # class C is in no link
        surveys.answer(world.pupil_c, survey.id, {"comfortable": 3}, now=NOW)
    elsewhere = factories.make_pupil(
        factories.make_classroom(factories.make_school(world.other_district))
    )
    with pytest.raises(NotFound):
        surveys.answer(elsewhere, survey.id, {"comfortable": 3}, now=NOW)
    with pytest.raises(NotFound):
        surveys.answer(world.pupil_a, 9999, {"comfortable": 3}, now=NOW)


def test_closed_rounds_take_no_answers(world):
    survey = publish(world, closes_at=NOW + timedelta(days=1))
    with pytest.raises(Conflict, match="closed"):
        surveys.answer(world.pupil_a, survey.id, {"comfortable": 3}, now=NOW + timedelta(days=2))
    surveys.close(world.facilitator, survey.id, now=NOW)
    with pytest.raises(Conflict, match="closed"):
        surveys.answer(world.pupil_b, survey.id, {"comfortable": 3}, now=NOW)


def test_free_text_is_dropped_when_the_round_asks_no_question(world):
    survey = publish(world, question="")
    surveys.answer(world.pupil_a, survey.id, {"comfortable": 3}, "hello", now=NOW)
    assert db.session.scalars(select(SurveyResponse)).one().free_text is None


def test_open_rounds_for_a_pupil(world):
    before = publish(world)
    assert surveys.open_for(world.pupil_a, NOW) == [before]
    assert surveys.open_for(world.pupil_c, NOW) == []
    assert surveys.open_for(world.teacher_a, NOW) == []
    surveys.answer(world.pupil_a, before.id, {"comfortable": 3}, now=NOW)
    assert surveys.open_for(world.pupil_a, NOW) == []
    assert surveys.open_for(world.pupil_b, NOW) == [before]


def test_progress_counts_answers_per_class_without_names(world):
    survey = publish(world)
    surveys.answer(world.pupil_a, survey.id, {"comfortable": 3}, now=NOW)
    surveys.answer(world.pupil_a2, survey.id, {"comfortable": 5}, now=NOW)
    found = {p.label: (p.answered, p.pupils) for p in surveys.progress(survey)}
    assert found == {
        "Class 5A, Oakfield Primary": (2, 2),
        "Year 5 Kestrels, Moorside Primary": (0, 1),
    }
    assert [p.answered for p in surveys.progress(survey, {world.class_b.id})] == [0]


def test_free_text_goes_only_to_the_classs_own_teacher_once_closed(world):
    survey = publish(world)
    surveys.answer(world.pupil_a, survey.id, {}, "zebras are great", now=NOW)
    surveys.answer(world.pupil_a2, survey.id, {}, "Apples", now=NOW)
    surveys.answer(world.pupil_b, survey.id, {}, "from class B", now=NOW)
    # While open, nothing: a new answer could be matched to the pupil who just answered.
    assert surveys.free_text(world.teacher_a, survey.id, world.class_a.id, now=NOW) == []
    surveys.close(world.facilitator, survey.id, now=NOW)
    texts = surveys.free_text(world.teacher_a, survey.id, world.class_a.id, now=NOW)
    assert texts == ["Apples", "zebras are great"]  # alphabetical: the order says nothing
    for role in ("teacher_b", "facilitator", "admin", "pupil_a", "teacher_c"):
        with pytest.raises(Forbidden):
            surveys.free_text(world.actor(role), survey.id, world.class_a.id, now=NOW)
