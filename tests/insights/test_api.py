"""The insights JSON API: every figure, who may call each endpoint, and refusals in words."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.insights import surveys
from exchange.insights.models import ChecklistTick, ReportPick, Survey, SurveyResponse
from exchange.moderation.models import ItemKind, ItemState
from exchange.types import utcnow
from tests import factories
from tests.factories import ROLES
from tests.insights.conftest import make_item, make_items, make_session

API = "/api/v1/insights"


def days_ago(days: float):
    """A moment before the real now (the API computes at the real time)."""
    return utcnow() - timedelta(days=days)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_district_health_has_every_figure(world, as_user):
    world.link.confirmed_a_at = world.link.confirmed_b_at = days_ago(60)
    make_items(world.link, world.class_a, 5, kind=ItemKind.POST, approved=days_ago(30))
    make_items(world.link, world.class_a, 2, kind=ItemKind.COMMENT, approved=days_ago(25))
    make_items(world.link, world.class_b, 1, kind=ItemKind.COMMENT, approved=days_ago(24))
    make_item(world.link, world.class_b, state=ItemState.PENDING, submitted=days_ago(4.5))
    make_session(world.link, world.teacher_a, starts=days_ago(40), title="Autumn call")
    make_session(world.link, world.teacher_b, starts=utcnow() + timedelta(days=5), title="Next")
    db.session.commit()
    body = as_user(world.facilitator).get(f"{API}/districts/{world.district.id}/health").json
    assert body["district_name"] == "Bradford" and body["thresholds"]["quiet_days"] == 21
    [link] = body["links"]
    a, b = link["classes"]
    assert (a["name"], a["sent"], a["responded"], a["exchanges"]) == ("Class 5A", 5, 2, 7)
    assert (b["sent"], b["responded"], b["waiting"], b["waiting_days"]) == (0, 1, 1, 4)
    assert a["share"] == pytest.approx(7 / 8)
    assert link["exchanges"] == 8 and link["live_sessions_held"] == 1
    assert [m["title"] for m in link["upcoming"]] == ["Next"]
    assert link["enquiry_count"] == 0 and link["open_reports"] == 0
    assert link["phase_name"] == "Identity" and link["checklist_done"] == 0
    # 24 days since the last exchange (> 21), 7 of 8 from class A (87.5% > 75%), 4 days waiting.
    assert [f["kind"] for f in link["flags"]] == ["quiet", "one_sided", "overdue"]
    assert link["flags"][1]["reason"] == "Class 5A sent 7 of the 8 exchanges (88%)."
    totals = body["totals"]
    assert (totals["needing_attention"], totals["quiet"], totals["overdue"]) == (1, 1, 1)
    assert (totals["exchanges"], totals["meeting_target"]) == (8, 0)


def test_link_health_has_checklist_months_and_milestones(world, as_user):
    make_item(world.link, world.class_b, approved=days_ago(2))
    db.session.commit()
    body = as_user(world.teacher_a).get(f"{API}/links/{world.link.id}/health").json
    assert body["can_plan"] is True
    assert [s["step"] for s in body["checklist"]] == [
        "ground_rules", "first_exchange", "first_live", "enquiry", "celebration"
    ]  # fmt: skip
    assert body["checklist"][1]["evidence"].startswith("The first exchange arrived on")
    assert sum(m["sent_b"] for m in body["months"]) == 1
    assert body["months"][0]["label"] == "September 2026"
    assert {m["kind"] for m in body["moments"]} == {"start", "exchange"}
    assert body["figures"]["classes"][1]["exchanges"] == 1


def test_checklist_tick_and_untick(world, as_user):
    browser = as_user(world.teacher_b)
    url = f"{API}/links/{world.link.id}/checklist/enquiry"
    ticked = browser.put(url)
    assert ticked.status_code == 200
    step = next(s for s in ticked.json if s["step"] == "enquiry")
    assert step["done"] and step["ticked_by"] == "Mr Ben Wood"
    assert browser.put(url).status_code == 200 and count(ChecklistTick) == 1  # idempotent
    assert not next(s for s in browser.delete(url).json if s["step"] == "enquiry")["done"]
    bad = browser.put(f"{API}/links/{world.link.id}/checklist/party")
    assert bad.status_code == 422 and "no checklist step called 'party'" in bad.json["message"]


def test_an_archived_links_checklist_is_frozen(world, as_user):
    from exchange.accounts.models import LinkStatus

    world.link.status = LinkStatus.ARCHIVED
    db.session.commit()
    response = as_user(world.teacher_a).put(f"{API}/links/{world.link.id}/checklist/enquiry")
    assert response.status_code == 409 and "archived" in response.json["message"]


def test_report_work_choose_and_take_out(world, as_user):
    post = make_item(world.link, world.class_a, kind=ItemKind.POST)
    db.session.commit()
    browser = as_user(world.teacher_b)
    listed = browser.get(f"{API}/links/{world.link.id}/report-work").json
    assert [(c["item_id"], c["chosen"], c["class_name"]) for c in listed] == [
        (post.id, False, "Class 5A")
    ]
    chosen = browser.put(f"{API}/links/{world.link.id}/report-work/{post.id}")
    assert chosen.json[0]["chosen"] and chosen.json[0]["chosen_by"] == "Mr Ben Wood"
    report = as_user(world.facilitator).get(f"{API}/districts/{world.district.id}/report").json
    assert report["chosen"][0]["work"][0]["item_id"] == post.id
    assert "author" not in str(report["chosen"])  # the report never names the pupil
    taken = browser.delete(f"{API}/links/{world.link.id}/report-work/{post.id}")
    assert taken.json[0]["chosen"] is False and count(ReportPick) == 0


def test_choosing_refusals_are_in_words(world, as_user):
    pending = make_item(world.link, world.class_a, state=ItemState.PENDING)
    other = factories.make_link(world.class_c, factories.make_classroom(world.school_b))
    elsewhere = make_item(other, world.class_c)
    db.session.commit()
    browser = as_user(world.teacher_a)
    refused = browser.put(f"{API}/links/{world.link.id}/report-work/{pending.id}")
    assert refused.status_code == 409 and "Only approved work" in refused.json["message"]
    assert browser.put(f"{API}/links/{world.link.id}/report-work/{elsewhere.id}").status_code == 404
    assert browser.put(f"{API}/links/{world.link.id}/report-work/99999").status_code == 404
    assert count(ReportPick) == 0


def test_survey_round_trip_through_the_api(world, as_user):
    facilitator = as_user(world.facilitator)
    made = facilitator.post(
        f"{API}/districts/{world.district.id}/surveys",
        json={"round": "before", "statements": ["comfortable", "alike"], "question": ""},
    )
    assert made.status_code == 201
    survey = made.json
    assert survey["round_name"] == "Start of year" and survey["open"] is True
    assert [s["key"] for s in survey["statements"]] == ["comfortable", "alike"]
    mine = as_user(world.pupil_a).get(f"{API}/my-surveys").json
    assert [s["id"] for s in mine] == [survey["id"]]
    sent = as_user(world.pupil_a).post(
        f"{API}/surveys/{survey['id']}/answers", json={"answers": {"comfortable": 4, "alike": None}}
    )
    assert sent.status_code == 201 and sent.json == {"ok": True}
    again = as_user(world.pupil_a).post(
        f"{API}/surveys/{survey['id']}/answers", json={"answers": {"comfortable": 4}}
    )
    assert again.status_code == 409
    listed = facilitator.get(f"{API}/districts/{world.district.id}/surveys").json
    progress = {p["label"]: p["answered"] for p in listed[0]["progress"]}
    assert progress == {"Class 5A, Oakfield Primary": 1, "Year 5 Kestrels, Moorside Primary": 0}
    closed = facilitator.post(f"{API}/surveys/{survey['id']}/close")
    assert closed.status_code == 200 and closed.json["open"] is False
    assert facilitator.post(f"{API}/surveys/{survey['id']}/close").status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "round"),
        ({"round": "sometime"}, "round"),
        ({"round": "before", "statements": ["made_up"]}, "statements"),
        ({"round": "before", "question": "x" * 201}, "question"),
        ({"round": "before", "closes_at": "2020-01-01T00:00:00+00:00"}, "closes_at"),
        ({"round": "before", "closes_at": "tomorrow"}, "closes_at"),
    ],
    ids=["no round", "unknown round", "unknown statement", "long question", "past", "not a time"],
)
def test_publishing_bad_input_is_refused_with_the_field(world, as_user, body, field):
    response = as_user(world.facilitator).post(
        f"{API}/districts/{world.district.id}/surveys", json=body
    )
    assert response.status_code == 422
    assert field in str(response.json.get("details")) or response.json.get("field") == field
    assert count(Survey) == 0


@pytest.mark.parametrize(
    "answers",
    [{"comfortable": 6}, {"comfortable": "4"}, {"comfortable": 2.5}, {"unknown": 3}, {}],
    ids=["six", "a string", "a fraction", "unknown statement", "nothing"],
)
def test_bad_answers_are_refused_and_nothing_is_stored(world, as_user, answers):
    survey = surveys.publish(world.facilitator, world.district.id, "before", question="")
    response = as_user(world.pupil_a).post(
        f"{API}/surveys/{survey.id}/answers", json={"answers": answers}
    )
    assert response.status_code == 422 and response.json["message"]
    assert count(SurveyResponse) == 0


def _answer_many(survey, world, values):
    for value in values:
        pupil = factories.make_pupil(world.class_a)
        surveys.answer(pupil, survey.id, {"comfortable": value})


def test_results_and_csv_through_the_api(world, as_user):
    before = surveys.publish(
        world.facilitator, world.district.id, "before", statements=["comfortable"]
    )
    _answer_many(before, world, [2, 3, 2, 3, 2, 3])
    surveys.close(world.facilitator, before.id)
    after = surveys.publish(world.facilitator, world.district.id, "after")
    _answer_many(after, world, [4, 5, 4, 5, 4, 5, 4])
    surveys.close(world.facilitator, after.id)
    url = f"{API}/districts/{world.district.id}/survey-results"
    body = as_user(world.facilitator).get(url).json
    district, link = body["groups"]
    row = district["rows"][0]
    assert (row["before"]["n"], row["before"]["mean"]) == (6, 2.5)
    assert (row["after"]["n"], row["after"]["mean"]) == (7, pytest.approx(31 / 7))
    assert row["change"]["direction"] == "rose" and row["words"].startswith("We are fairly sure")
    assert row["change"]["diff"] == pytest.approx(31 / 7 - 2.5)
    assert link["link_id"] == world.link.id and body["min_group"] == 5
    teacher = as_user(world.teacher_b).get(f"{url}?link_id={world.link.id}").json
    assert [g["key"] for g in teacher["groups"]] == ["district", f"link:{world.link.id}"]
    text = as_user(world.facilitator).get(f"{url}.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["before_n"] == "6" and rows[0]["after_mean"] == "4.429"


def test_voice_gives_a_teacher_their_own_classs_words_only(world, as_user):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    surveys.answer(world.pupil_a, survey.id, {}, "We like maths")
    surveys.answer(world.pupil_b, survey.id, {}, "Football!")
    surveys.close(world.facilitator, survey.id)
    mine = as_user(world.teacher_a).get(f"{API}/links/{world.link.id}/voice").json
    assert mine["free_text"] == [
        {"round": "before", "class": "Class 5A, Oakfield Primary", "texts": ["We like maths"]}
    ]
    assert mine["rounds"][0]["progress"][0]["answered"] == 1
    facilitator = as_user(world.facilitator).get(f"{API}/links/{world.link.id}/voice").json
    assert facilitator["free_text"] == []


def test_template_and_thresholds(world, as_user):
    browser = as_user(world.teacher_c)
    template = browser.get(f"{API}/survey-template").json
    assert template["statements"][0]["key"] == "comfortable"
    assert [s["value"] for s in template["scale"]] == [1, 2, 3, 4, 5]
    assert browser.get(f"{API}/thresholds").json["min_group"] == 5


# ----- who may call what --------------------------------------------------------------------

FACILITATORS = {"admin": 200, "facilitator": 200, "anonymous": 401}
LINK_VIEWERS = {"admin": 200, "facilitator": 200, "teacher_a": 200, "teacher_b": 200,
                "anonymous": 401}  # fmt: skip


READS = [
    ("/districts/{d}/health", FACILITATORS, 403),
    ("/districts/{d}/report", FACILITATORS, 403),
    ("/districts/{d}/surveys", FACILITATORS, 403),
    ("/districts/{d}/survey-results.csv", FACILITATORS, 403),
    ("/links/{l}/health", LINK_VIEWERS, 404),
    ("/links/{l}/voice", LINK_VIEWERS, 404),
    (
        "/links/{l}/report-work",
        {"teacher_a": 200, "teacher_b": 200, "anonymous": 401, "admin": 403, "facilitator": 403},
        404,
    ),  # fmt: skip
    (
        "/districts/{d}/survey-results",
        {**FACILITATORS, "teacher_a": 200, "teacher_b": 200, "teacher_c": 200},
        403,
    ),  # fmt: skip
    ("/thresholds", {r: 200 for r in ROLES if r != "anonymous"} | {"anonymous": 401}, 0),
    ("/survey-template", {r: 200 for r in ROLES if r != "anonymous"} | {"anonymous": 401}, 0),
    ("/my-surveys", {r: 200 for r in ROLES if r != "anonymous"} | {"anonymous": 401}, 0),
]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read(world, as_user, role):
    browser = as_user(world.actor(role))
    for path, allowed, refused in READS:
        url = API + path.format(d=world.district.id, l=world.link.id)
        response = browser.get(url)
        assert response.status_code == allowed.get(role, refused), url
        if response.status_code >= 400:
            assert response.json["message"], url


@pytest.mark.parametrize("role", ROLES)
def test_who_may_write(world, as_user, role):
    post = make_item(world.link, world.class_a, kind=ItemKind.POST)
    db.session.commit()
    survey = surveys.publish(world.facilitator, world.district.id, "before", year="2025-26")
    browser = as_user(world.actor(role))
    planners = {"teacher_a": 200, "teacher_b": 200, "admin": 403, "facilitator": 403}
    runners = {"admin": 201, "facilitator": 201}
    expected = {
        "tick": planners.get(role, 404),
        "work": planners.get(role, 404),
        "publish": runners.get(role, 403),
        "close": {"admin": 200, "facilitator": 200}.get(role, 403),
        "answer": {"pupil_a": 201, "pupil_b": 201, "pupil_c": 404}.get(role, 403),
    }
    current = surveys.publish(world.facilitator, world.district.id, "before")
    got = {
        "tick": browser.put(f"{API}/links/{world.link.id}/checklist/ground_rules").status_code,
        "work": browser.put(f"{API}/links/{world.link.id}/report-work/{post.id}").status_code,
        "publish": browser.post(
            f"{API}/districts/{world.district.id}/surveys", json={"round": "after"}
        ).status_code,
        "close": browser.post(f"{API}/surveys/{survey.id}/close").status_code,
        "answer": browser.post(
            f"{API}/surveys/{current.id}/answers", json={"answers": {"comfortable": 3}}
        ).status_code,
    }
    if role == "anonymous":
        expected = dict.fromkeys(expected, 401)
    assert got == expected
