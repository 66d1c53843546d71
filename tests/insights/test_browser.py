"""The insights pages in Chromium: accessible (axe), within a tablet's width, usable by keyboard
and touch, and printable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.extensions import db
from exchange.insights import picks, surveys
from exchange.moderation.models import ItemKind, ItemState
from exchange.types import utcnow
from tests import factories
from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)
from tests.insights.conftest import make_item, make_items, make_session

pytestmark = pytest.mark.browser


def a_year_of_linking(world) -> None:
    """Some history: exchanges both ways, a waiting item, a meeting, a closed survey round."""
    now = utcnow()
    world.link.confirmed_a_at = world.link.confirmed_b_at = now - timedelta(days=70)
    make_items(world.link, world.class_a, 6, approved=now - timedelta(days=40))
    make_items(
        world.link, world.class_b, 2, kind=ItemKind.COMMENT, approved=now - timedelta(days=30)
    )
    make_item(world.link, world.class_a, kind=ItemKind.POST, approved=now - timedelta(days=2))
    make_item(world.link, world.class_b, state=ItemState.PENDING, submitted=now - timedelta(days=5))
    make_session(world.link, world.teacher_a, starts=now - timedelta(days=20), title="Autumn call")
    second = factories.make_link(world.class_c, factories.make_classroom(world.school_a))
    make_items(second, world.class_c, 3, approved=now - timedelta(days=3))
    db.session.commit()
    before = surveys.publish(world.facilitator, world.district.id, "before")
    for value in (2, 3, 3, 4, 2, 3):
        surveys.answer(factories.make_pupil(world.class_a), before.id, {"comfortable": value}, "Hi")
    surveys.close(world.facilitator, before.id)
    surveys.publish(world.facilitator, world.district.id, "after")


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_facilitator_pages_are_accessible_and_fit(pages, world, viewport):
    a_year_of_linking(world)
    for name, path in [
        ("dashboard", f"/insights/districts/{world.district.id}"),
        ("surveys", f"/insights/districts/{world.district.id}/surveys"),
        ("report", f"/insights/districts/{world.district.id}/report"),
        ("link", f"/insights/links/{world.link.id}"),
    ]:
        page = pages.page(world.facilitator, path, viewport=viewport)
        screenshot(page, f"insights-{name}-{viewport['width']}")
        assert accessibility_violations(page) == [], name
        assert layout_problems(page) == [], name
    assert pages.console_errors == []


def test_dashboard_shows_the_reason_a_link_stands_out(pages, world):
    a_year_of_linking(world)
    page = pages.page(world.facilitator, f"/insights/districts/{world.district.id}")
    attention = page.locator(".attention-list")
    assert "Class 5A sent 7 of the 9 exchanges (78%)." in attention.inner_text()
    assert "1 item waiting for Year 5 Kestrels's teacher, the oldest for 5 days." in (
        attention.inner_text()
    )
    chart = page.locator("svg#chart-reciprocity")
    assert chart.get_attribute("role") == "img"
    assert "Reciprocity" in page.locator("svg#chart-reciprocity title").text_content()


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_a_teacher_ticks_a_step_and_chooses_work(pages, world, viewport):
    a_year_of_linking(world)
    page = pages.page(world.teacher_b, f"/insights/links/{world.link.id}", viewport=viewport)
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []
    page.get_by_role("button", name="Mark as done: Agree ground rules").click()
    assert "Step ticked" in page.locator(".flashes").inner_text()
    assert "Ticked by Mr Ben Wood" in page.locator("#step-ground_rules").inner_text()
    page.locator("#report-work").get_by_role("button", name="Add to report").first.click()
    assert "Added to the end-of-year report." in page.locator(".flashes").inner_text()
    voice = pages.page(world.teacher_a, f"/insights/links/{world.link.id}/voice", viewport=viewport)
    assert accessibility_violations(voice) == []
    assert "Hi" in voice.locator(".quotes").inner_text()
    screenshot(voice, f"insights-voice-{viewport['width']}")


def test_a_pupil_answers_on_a_tablet_by_touch_and_keyboard(pages, world):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    page = pages.page(world.pupil_a, "/surveys", viewport=TABLET)
    assert page.url.endswith(f"/surveys/{survey.id}")
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []
    screenshot(page, "insights-pupil-survey-768")
    # Touch: tap a face.
    page.locator(".face-option").filter(has=page.locator('input[value="5"]')).first.click()
    assert page.locator('input[name="s-comfortable"][value="5"]').is_checked()
    # Keyboard: move to the second statement's faces and choose with the arrow keys.
    page.locator('input[name="s-know_different"][value="1"]').focus()
    page.keyboard.press("ArrowRight")
    assert page.locator('input[name="s-know_different"][value="2"]').is_checked()
    focused = page.evaluate("getComputedStyle(document.activeElement.parentElement).outlineStyle")
    assert focused == "solid"  # the chosen face shows where the keyboard is
    page.get_by_label(survey.question).fill("I like drawing")
    page.get_by_role("button", name="Send my answers").click()
    assert "Thank you!" in page.locator("h1").inner_text()
    assert page.get_by_role("navigation", name="Main").get_by_text("Survey").count() == 0


def test_read_aloud_buttons_appear_where_speech_exists(pages, world):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    page = pages.page(world.pupil_b, f"/surveys/{survey.id}", viewport=TABLET)
    supported = page.evaluate("'speechSynthesis' in window")
    visible = page.locator(".read-aloud").first.is_visible()
    assert visible == supported


def test_the_report_prints_without_the_site_around_it(pages, world):
    a_year_of_linking(world)
    post = make_item(world.link, world.class_b, kind=ItemKind.POST)
    db.session.commit()
    picks.pick(world.teacher_a, post.id)
    page = pages.page(world.facilitator, f"/insights/districts/{world.district.id}/report")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-print]").is_visible()
    assert page.locator("svg#chart-meetings").is_visible()
    assert page.locator(".results-table").first.is_visible()  # the figures print as a table
    screenshot(page, "insights-report-print")
