"""The events pages in Chromium against a real server: the class screen follows the console,
every page is accessible and fits a 768 px tablet."""

from __future__ import annotations

import pytest

from exchange.rooms.events import services, stage
from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)
from tests.events.conftest import plan_event, ready_showcase

pytestmark = pytest.mark.browser


def check(page, name):
    """Screenshot, then no serious accessibility problems and nothing overflowing."""
    screenshot(page, f"events-{name}")
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []


def test_class_screen_follows_the_console(pages, world):
    event = plan_event(world)
    services.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
    item = ready_showcase(world, event)
    stage.act(world.facilitator, event.id, "start")
    screen = pages.page(world.pupil_b, f"/events/{event.id}/screen", viewport=TABLET)
    screen.wait_for_selector("[data-stage-segment]:has-text('Welcome')")
    console = pages.page(world.facilitator, f"/events/{event.id}/console", viewport=LAPTOP)
    console.wait_for_selector("[data-roll-screens]:has-text('1 screen')", timeout=5000)
    console.locator(f"[data-showcase='{item.id}']").click()
    screen.wait_for_selector(f"[data-stage-item-title]:has-text('{item.title}')", timeout=3000)
    console.get_by_role("button", name="Open applause").click()
    screen.wait_for_selector("[data-react='applause']:not([disabled])", timeout=3000)
    screen.get_by_role("button", name="👏 Applaud").click()
    console.wait_for_selector("[data-counter='applause']:has-text('1')", timeout=3000)
    check(screen, "screen-tablet")
    check(console, "console")
    late = pages.page(world.teacher_a, f"/events/{event.id}/screen", viewport=TABLET)
    late.wait_for_selector(f"[data-stage-item-title]:has-text('{item.title}')", timeout=3000)


def test_planning_and_souvenir_pages_are_accessible(pages, world):
    event = plan_event(world)
    for actor, path, name in [
        (world.facilitator, "/events", "list"),
        (world.facilitator, f"/events/{event.id}", "event-facilitator"),
        (world.teacher_a, f"/events/{event.id}", "event-teacher"),
        (world.pupil_a, f"/events/{event.id}/showcase", "showcase-pupil"),
        (world.facilitator, "/events/new", "new"),
    ]:
        check(pages.page(actor, path, viewport=TABLET), name)
    stage.act(world.facilitator, event.id, "start")
    stage.act(world.facilitator, event.id, "end")
    check(pages.page(world.teacher_b, f"/events/{event.id}/souvenir", viewport=TABLET), "souvenir")
