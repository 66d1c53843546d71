"""The board in Chromium: a teacher on a laptop runs it, a pupil on a tablet follows it live;
both pages are accessible and fit the screen."""

from __future__ import annotations

import pytest

from exchange.enquiry import services
from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_a_teacher_runs_the_board_and_a_pupils_tablet_follows_it(world, pages):
    enquiry = services.open_enquiry(world.teacher_a, world.link.id, title="What is fair?")
    teacher = pages.page(world.teacher_a, f"/enquiries/{enquiry.id}", viewport=LAPTOP)
    pupil = pages.page(world.pupil_b, f"/enquiries/{enquiry.id}", viewport=TABLET)
    for page in (teacher, pupil):
        page.wait_for_selector("[data-connection-status][data-state=connected]")
    assert pupil.locator("#now-name").inner_text() == "How we talk together"
    assert accessibility_violations(pupil) == []
    assert layout_problems(pupil) == []

    teacher.get_by_role("button", name="Next: Stimulus →").click()
    pupil.locator("#now-name", has_text="Look, listen").wait_for()
    teacher.get_by_label("What will you share?").select_option("story")
    teacher.get_by_label("Title").fill("The Lion's Share")
    teacher.get_by_label("Text", exact=True).fill("The lion kept most of the food for himself.")
    teacher.get_by_role("button", name="Share with both classes").click()
    pupil.get_by_text("The lion kept most of the food for himself.").wait_for()

    teacher.get_by_role("button", name="Next: Thinking time →").click()
    pupil.locator("#now-name", has_text="Quiet thinking").wait_for()
    pupil.get_by_role("textbox", name="My jottings").fill("Is the lion greedy or hungry?")
    pupil.get_by_text("Saved.").wait_for()
    assert teacher.get_by_text("Is the lion greedy or hungry?").count() == 0

    teacher.get_by_role("button", name="Next: Concepts →").click()
    teacher.get_by_role("button", name="Next: Question making →").click()
    pupil.locator("#now-name", has_text="big question").wait_for()
    pupil.get_by_label("Your question").fill("Is it fair to keep more than others")
    pupil.get_by_role("button", name="Send my question").click()
    pupil.get_by_text("A question ends with a question mark").wait_for()
    pupil.get_by_label("Your question").fill("Is it fair to keep more than others?")
    pupil.get_by_role("button", name="Send my question").click()
    pupil.get_by_text("Waiting for your teacher").wait_for()
    screenshot(pupil, "enquiry-pupil-tablet-questions")

    # Teacher B approves from the board; the pupil's question reaches both classes.
    teacher_b = pages.page(world.teacher_b, f"/enquiries/{enquiry.id}", viewport=TABLET)
    teacher_b.wait_for_selector("[data-connection-status][data-state=connected]")
    teacher_b.locator("#pending-list").get_by_role("button", name="Approve").click()
    teacher.locator("#questions-list").get_by_text(
        "Is it fair to keep more than others?"
    ).wait_for()
    pupil.locator("#questions-list").get_by_text("Is it fair to keep more than others?").wait_for()
    assert pupil.locator("#mine-panel").is_hidden()
    screenshot(teacher, "enquiry-teacher-laptop-questions")
    assert accessibility_violations(teacher) == []
    assert accessibility_violations(teacher_b) == []
    assert layout_problems(teacher_b) == []

    # Voting: the teacher opens it, the pupil votes on the tablet, the tally follows live.
    teacher.get_by_role("button", name="Next: Question airing →").click()
    teacher.get_by_role("button", name="Next: Voting →").click()
    teacher.get_by_label("Method").select_option("single")
    teacher.get_by_label("Equal weight: both classes' votes count the same in total").check()
    teacher.get_by_role("button", name="Open voting").click()
    pupil.get_by_text("Each of you has one vote.", exact=False).first.wait_for()
    pupil.get_by_role("button", name="Vote for: Is it fair to keep more than others?").click()
    pupil.get_by_role(
        "button", name="✓ My vote for: Is it fair to keep more than others?"
    ).wait_for()
    teacher.locator("#questions-list").get_by_text("1 vote", exact=True).wait_for()
    teacher.get_by_role("button", name="Close voting").click()
    teacher.get_by_role("button", name="Choose this question").click()
    pupil.locator("#chosen-panel").get_by_text("Is it fair to keep more than others?").wait_for()
    screenshot(pupil, "enquiry-pupil-tablet-chosen")
    assert accessibility_violations(pupil) == []
    assert layout_problems(pupil) == []
    assert pages.console_errors == []
