"""The insights pages: what each role may open, what the pages show, and their forms."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.insights import surveys
from exchange.insights.models import ChecklistTick, ReportPick, Survey, SurveyResponse
from exchange.moderation.models import ItemKind, ItemState
from tests.factories import ROLES
from tests.insights.conftest import make_item, make_items

OK, SIGN_IN = 200, 302


def status_of(as_user, world, role, url, method="get", data=None):
    """The status a role gets for a request."""
    browser = as_user(world.actor(role))
    return getattr(browser, method)(url, data=data or {}).status_code


DISTRICT_ONLY = {
    "admin": OK,
    "facilitator": OK,
    "other_facilitator": 403,
    "teacher_a": 403,
    "teacher_b": 403,
    "teacher_c": 403,
    "pupil_a": 403,
    "pupil_b": 403,
    "pupil_c": 403,
    "anonymous": SIGN_IN,
}
LINK_PAGE = {
    "admin": OK,
    "facilitator": OK,
    "other_facilitator": 404,
    "teacher_a": OK,
    "teacher_b": OK,
    "teacher_c": 404,
    "pupil_a": 404,
    "pupil_b": 404,
    "pupil_c": 404,
    "anonymous": SIGN_IN,
}


PAGES = [
    ("/insights/districts/{d}", DISTRICT_ONLY),
    ("/insights/districts/{d}/surveys", DISTRICT_ONLY),
    ("/insights/districts/{d}/survey-results.csv", DISTRICT_ONLY),
    ("/insights/districts/{d}/report", DISTRICT_ONLY),
    ("/insights/districts/{d}/report?download=1", DISTRICT_ONLY),
    ("/insights/links/{l}", LINK_PAGE),
    ("/insights/links/{l}/voice", LINK_PAGE),
]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_page(world, as_user, role):
    browser = as_user(world.actor(role))
    for path, expected in PAGES:
        url = path.format(d=world.district.id, l=world.link.id)
        assert browser.get(url).status_code == expected[role], url


@pytest.mark.parametrize("role", ROLES)
def test_the_area_starts_where_each_role_belongs(world, as_user, role):
    response = as_user(world.actor(role)).get("/insights")
    expected = {
        "admin": (200, None),
        "facilitator": (302, f"/insights/districts/{world.district.id}"),
        "other_facilitator": (302, f"/insights/districts/{world.other_district.id}"),
        "teacher_a": (302, f"/insights/links/{world.link.id}"),
        "teacher_b": (302, f"/insights/links/{world.link.id}"),
        "teacher_c": (200, None),
        "pupil_a": (302, "/surveys"),
        "pupil_b": (302, "/surveys"),
        "pupil_c": (302, "/surveys"),
        "anonymous": (302, "/sign-in"),
    }[role]
    assert response.status_code == expected[0]
    if expected[1]:
        assert response.headers["Location"].split("?")[0].endswith(expected[1])


def test_unknown_districts_and_links_are_not_found(world, as_user):
    browser = as_user(world.admin)
    assert browser.get("/insights/districts/9999").status_code == 404
    assert browser.get("/insights/links/9999").status_code == 404
    assert browser.get(f"/insights/districts/{world.district.id}?year=soon").status_code == 422


def test_dashboard_shows_flags_with_reasons_and_the_charts(world, as_user):
    make_items(world.link, world.class_a, 7)
    db.session.commit()
    html = as_user(world.facilitator).get(f"/insights/districts/{world.district.id}").text
    assert "Links that need attention" in html
    assert "Class 5A sent 7 of the 7 exchanges (100%)." in html
    assert 'role="img"' in html and '<title id="chart-reciprocity-title">' in html
    assert '<desc id="chart-meetings-desc">' in html
    assert "Class 5A &amp; Year 5 Kestrels" in html


def test_link_page_shows_figures_timeline_checklist_and_work(world, as_user):
    post = make_item(world.link, world.class_b, kind=ItemKind.POST)
    db.session.commit()
    html = as_user(world.teacher_a).get(f"/insights/links/{world.link.id}").text
    assert "How the link is doing" in html and "Co-planning checklist" in html
    assert "Agree ground rules" in html and "Mark as done" in html
    assert 'id="chart-timeline"' in html and "Every month as a table" in html
    assert f'name="item_id" value="{post.id}"' in html
    facilitator = as_user(world.facilitator).get(f"/insights/links/{world.link.id}").text
    assert (
        "Mark as done" not in facilitator and "Work for the end-of-year report" not in facilitator
    )


# Facilitators and admins see the link but do not plan it; everyone else does not see it.
PLAN_REFUSED = {**{r: 404 for r in ROLES}, "admin": 403, "facilitator": 403, "anonymous": SIGN_IN}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_tick_the_checklist(world, as_user, role):
    url = f"/insights/links/{world.link.id}/checklist"
    status = status_of(as_user, world, role, url, "post", {"step": "ground_rules"})
    ticked = db.session.scalar(select(func.count()).select_from(ChecklistTick))
    if role in ("teacher_a", "teacher_b"):
        assert (status, ticked) == (303, 1)
    else:
        assert status == PLAN_REFUSED[role] and ticked == 0


def test_a_teacher_ticks_and_the_partner_unticks(world, as_user):
    url = f"/insights/links/{world.link.id}/checklist"
    response = as_user(world.teacher_a).post(url, data={"step": "first_live"})
    assert response.headers["Location"].endswith("#checklist")
    page = as_user(world.teacher_b).get(f"/insights/links/{world.link.id}").text
    assert "Ticked by Ms Amina Khan" in page
    as_user(world.teacher_b).post(url, data={"step": "first_live", "action": "clear"})
    assert db.session.scalar(select(func.count()).select_from(ChecklistTick)) == 0


def test_an_unknown_step_is_refused_in_words(world, as_user):
    browser = as_user(world.teacher_a)
    url = f"/insights/links/{world.link.id}/checklist"
    browser.post(url, data={"step": "party"})
    page = browser.get(f"/insights/links/{world.link.id}").text
    assert "There is no checklist step called" in page
    assert db.session.scalar(select(func.count()).select_from(ChecklistTick)) == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_choose_work_for_the_report(world, as_user, role):
    post = make_item(world.link, world.class_a, kind=ItemKind.POST)
    db.session.commit()
    url = f"/insights/links/{world.link.id}/report-work"
    status = status_of(as_user, world, role, url, "post", {"item_id": post.id})
    chosen = db.session.scalar(select(func.count()).select_from(ReportPick))
    if role in ("teacher_a", "teacher_b"):
        assert (status, chosen) == (303, 1)
    else:
        assert status == PLAN_REFUSED[role] and chosen == 0


def test_only_approved_posts_can_be_chosen(world, as_user):
    pending = make_item(world.link, world.class_a, state=ItemState.PENDING)
    comment = make_item(world.link, world.class_a, kind=ItemKind.COMMENT)
    db.session.commit()
    browser = as_user(world.teacher_a)
    url = f"/insights/links/{world.link.id}/report-work"
    browser.post(url, data={"item_id": pending.id})
    browser.post(url, data={"item_id": comment.id})
    page = browser.get(f"/insights/links/{world.link.id}").text
    assert "Only approved work can be chosen" in page and "Only posts can be chosen" in page
    assert db.session.scalar(select(func.count()).select_from(ReportPick)) == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_publish_a_survey(world, as_user, role):
    url = f"/insights/districts/{world.district.id}/surveys"
    status = status_of(
        as_user, world, role, url, "post", {"round": "before", "statements": ["comfortable"]}
    )
    published = db.session.scalar(select(func.count()).select_from(Survey))
    if role in ("admin", "facilitator"):
        assert (status, published) == (303, 1)
    else:
        assert status == {"anonymous": SIGN_IN}.get(role, 403) and published == 0


def test_publishing_refusals_show_on_the_form(world, as_user):
    browser = as_user(world.facilitator)
    url = f"/insights/districts/{world.district.id}/surveys"
    missing = browser.post(url, data={"statements": ["comfortable"]})
    assert missing.status_code == 422 and "Choose a round." in missing.text
    nothing = browser.post(url, data={"round": "before"})
    assert nothing.status_code == 422 and "Choose at least one statement." in nothing.text
    past = browser.post(
        url, data={"round": "before", "statements": ["comfortable"], "closes_on": "2020-01-01"}
    )
    assert past.status_code == 422 and "The closing time must be in the future." in past.text
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_close_a_survey(world, as_user, role):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    status = status_of(as_user, world, role, f"/insights/surveys/{survey.id}/close", "post")
    db.session.refresh(survey)
    if role in ("admin", "facilitator"):
        assert status == 303 and survey.closed_at is not None
    else:
        assert status == {"anonymous": SIGN_IN}.get(role, 403) and survey.closed_at is None


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_and_answer_the_pupil_survey(world, as_user, role):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    url = f"/surveys/{survey.id}"
    expected = {"pupil_a": 200, "pupil_b": 200, "pupil_c": 404, "anonymous": SIGN_IN}
    assert status_of(as_user, world, role, url) == expected.get(role, 403)
    posted = status_of(as_user, world, role, url, "post", {"s-comfortable": "4"})
    stored = db.session.scalar(select(func.count()).select_from(SurveyResponse))
    if role in ("pupil_a", "pupil_b"):
        assert (posted, stored) == (303, 1)
    else:
        assert (posted, stored) == (expected.get(role, 403), 0)


def test_a_pupil_finds_answers_and_is_thanked(world, as_user):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    browser = as_user(world.pupil_a)
    assert browser.get("/surveys").headers["Location"].endswith(f"/surveys/{survey.id}")
    page = browser.get(f"/surveys/{survey.id}").text
    assert "I feel comfortable meeting children from other schools." in page
    assert "Agree a lot" in page and "Read it to me" in page
    sent = browser.post(f"/surveys/{survey.id}", data={"s-comfortable": "5", "text": "Yay"})
    thanks = browser.get(sent.headers["Location"]).text
    assert "Thank you!" in thanks
    again = browser.get(f"/surveys/{survey.id}")
    assert again.status_code == 409 and "already answered" in again.text


def test_a_bad_answer_keeps_the_choices_and_says_why(world, as_user):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    browser = as_user(world.pupil_a)
    empty = browser.post(f"/surveys/{survey.id}", data={})
    assert empty.status_code == 422 and "Please answer at least one question." in empty.text
    odd = browser.post(f"/surveys/{survey.id}", data={"s-comfortable": "9", "s-alike": "2"})
    assert odd.status_code == 422 and "from 1 to 5" in odd.text
    assert 'name="s-alike" value="2" checked' in odd.text
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_staff_have_no_survey_to_answer(world, as_user):
    assert as_user(world.teacher_a).get("/surveys").status_code == 403


def test_navigation_offers_each_role_its_entry(world, as_user):
    surveys.publish(world.facilitator, world.district.id, "before")
    assert (
        f'href="/insights/districts/{world.district.id}"'
        in as_user(world.facilitator).get(f"/insights/districts/{world.district.id}").text
    )
    teacher = as_user(world.teacher_a).get(f"/insights/links/{world.link.id}").text
    assert 'href="/insights"' in teacher and "Our link" in teacher
    pupil = as_user(world.pupil_a).get("/surveys?done=1").text
    assert 'href="/surveys"' in pupil
    assert 'href="/surveys"' not in as_user(world.pupil_c).get("/surveys").text


def test_report_file_is_self_contained(world, as_user):
    response = as_user(world.facilitator).get(
        f"/insights/districts/{world.district.id}/report?download=1"
    )
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="linking-report'
    )
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<style>" in response.text and "svg.chart" in response.text
    assert "<script" not in response.text and 'src="/' not in response.text
