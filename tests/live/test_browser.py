"""The session room in Chromium: a pupil writes, their teacher approves with one key press, the
partner class sees it; every page is accessible and fits a 768 px tablet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)
from tests.live.conftest import make_session

pytestmark = [pytest.mark.browser, pytest.mark.server]


def connected(page) -> None:
    """Wait until the page's socket is connected and the room joined."""
    page.wait_for_selector('[data-connection-status][data-state="connected"]', timeout=20000)


def test_a_message_goes_from_pupil_to_teacher_to_the_partner_class(world, pages):
    session = make_session(world)
    url = f"/live/{session.id}"
    teacher = pages.page(world.teacher_a, url, viewport=LAPTOP)
    pupil = pages.page(world.pupil_a, url, viewport=TABLET)
    partner = pages.page(world.pupil_b, url, viewport=TABLET)
    for page in (teacher, pupil, partner):
        connected(page)

    pupil.fill("#live-message", "Hello Kestrels! Do you have a school pet?")
    pupil.press("#live-message", "Enter")
    pupil.wait_for_selector("#live-mine-list >> text=Waiting for your teacher")
    assert pupil.input_value("#live-message") == ""

    teacher.wait_for_selector(".live-queue-entry >> text=Do you have a school pet?")
    teacher.locator("h1").click()  # focus outside any text box, as a teacher would
    teacher.keyboard.press("a")
    teacher.wait_for_selector("#live-queue-list >> text=No messages waiting.")

    partner.wait_for_selector("#live-chat-list >> text=Do you have a school pet?")
    pupil.wait_for_selector("#live-mine-list >> text=Nothing waiting.")

    partner.click('[data-reaction="clap"]')
    teacher.wait_for_selector('[data-count-for="clap"] >> text=1')
    partner.click("#live-hand-button")
    teacher.wait_for_selector("#live-hands-list >> text=Oliver P.")

    screenshot(teacher, "live-session-teacher")
    screenshot(partner, "live-session-pupil-tablet")
    for page in (teacher, pupil, partner):
        assert accessibility_violations(page) == []
    for page in (pupil, partner):
        assert layout_problems(page) == []
    assert pages.console_errors == []


def test_a_returned_message_shows_the_teachers_feedback(world, pages):
    session = make_session(world)
    url = f"/live/{session.id}"
    teacher = pages.page(world.teacher_a, url, viewport=TABLET)
    pupil = pages.page(world.pupil_a, url, viewport=TABLET)
    connected(teacher)
    connected(pupil)
    pupil.fill("#live-message", "My phone number is 07700 900123")
    pupil.click("#live-composer button[type=submit]")
    teacher.wait_for_selector(".live-queue-entry mark")  # the phone number is flagged
    teacher.locator("h1").click()
    teacher.keyboard.press("r")
    teacher.keyboard.type("Please don't share your phone number")
    teacher.keyboard.press("Enter")
    pupil.wait_for_selector("#live-mine-list >> text=Please don't share your phone number")
    assert layout_problems(teacher) == []
    assert accessibility_violations(teacher) == []


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_the_session_lists_and_planning_form_are_accessible(world, pages, viewport):
    upcoming = make_session(world, starts_in=timedelta(days=2))
    for path in ("/live", f"/classes/{world.class_a.id}/live", f"/live/{upcoming.id}",
                 f"/links/{world.link.id}/live/new"):  # fmt: skip
        page = pages.page(world.teacher_a, path, viewport=viewport)
        assert accessibility_violations(page) == [], path
        assert layout_problems(page) == [], path
        page.close()
