"""A whole linking day in Chromium, twice: over WebSocket and over long-polling only.

Five browser contexts play teacher A, teacher B, a pupil of A, a pupil of B and the facilitator,
against a real server process: pupils sign in (class code, name and PIN; a login card's QR link),
a pupil posts a photo, her teacher approves it, it arrives in the partner class without a reload;
the classes vote in a P4C enquiry and the teacher confirms the question; a live session with chat
approved by one key press and reactions; a celebration event whose stage every class screen follows.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from exchange.accounts.roster import issue_cards
from exchange.enquiry import services as enquiry
from exchange.enquiry.models import Step
from exchange.extensions import db
from exchange.rooms.events import services as events
from exchange.rooms.events import stage
from exchange.rooms.live.models import LiveSegment, LiveSession, SegmentKind, SessionStatus
from exchange.types import utcnow
from tests.browser.support import LAPTOP, TABLET, accessibility_violations, screenshot
from tests.enquiry.walk import open_board, step, walk_to
from tests.events.conftest import plan_event, ready_showcase
from tests.factories import PIN
from tests.space.corpus import drawing, encode

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]
WAIT = 15_000


def _context(pages: Any, actor: Any, transport: str, viewport: dict[str, int]) -> Any:
    """A browser context for one person, its real-time transport forced for every page."""
    context = pages.context(actor, viewport)
    context.add_init_script(f"sessionStorage.setItem('exchange-transport', '{transport}')")
    return context


def _watch_sockets(page: Any, seen: list[str]) -> Any:
    page.on("websocket", lambda ws: seen.append(ws.url))
    return page


def _connected(page: Any) -> None:
    page.wait_for_selector("[data-connection-status][data-state='connected']", timeout=WAIT)


def _live_session(world: Any) -> LiveSession:
    now = utcnow()
    session = LiveSession(
        link=world.link,
        title="Our linking day",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=55),
        status=SessionStatus.CONFIRMED,
        proposed_by_id=world.teacher_a.id,
        proposed_by_class_id=world.class_a.id,
        confirmed_by_id=world.teacher_b.id,
        confirmed_at=now,
        calendar_uid=f"linking-day-{world.link.id}@linking-exchange",
    )
    for position, (kind, title) in enumerate(
        [(SegmentKind.WELCOME, "Welcome"), (SegmentKind.GOODBYE, "Goodbye")]
    ):
        session.segments.append(LiveSegment(position=position, kind=kind, title=title))
    db.session.add(session)
    db.session.commit()
    return session


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_whole_linking_day(pages, world, tmp_path: Path, transport: str):
    websockets: list[str] = []
    card = issue_cards(world.teacher_b, world.class_b.id, [world.pupil_b.id])[0]
    link = world.link.id

    # --- pupils sign in: class code, name and PIN; and a login card's QR link -------------
    pupil_a = _watch_sockets(_context(pages, None, transport, TABLET).new_page(), websockets)
    pupil_a.goto("/sign-in")
    pupil_a.get_by_label("Class code").fill(world.class_a.code.lower())
    pupil_a.get_by_role("button", name="Next").click()
    pupil_a.get_by_role("link", name="Aisha K.").click()
    pupil_a.get_by_label("Your PIN").fill(PIN)
    pupil_a.get_by_role("button", name="Sign in").click()
    pupil_a.wait_for_url(f"**/links/{link}/space")
    _connected(pupil_a)

    pupil_b = _watch_sockets(_context(pages, None, transport, TABLET).new_page(), websockets)
    pupil_b.goto(f"/card#token={card.token}")
    pupil_b.wait_for_url(f"**/links/{link}/space")
    _connected(pupil_b)

    teacher_a = _watch_sockets(
        _context(pages, world.teacher_a, transport, LAPTOP).new_page(), websockets
    )
    teacher_b = _watch_sockets(
        _context(pages, world.teacher_b, transport, LAPTOP).new_page(), websockets
    )
    facilitator = _watch_sockets(
        _context(pages, world.facilitator, transport, LAPTOP).new_page(), websockets
    )

    # --- a post with a photo, approved, arriving in the partner class without a reload ----
    photo = tmp_path / "our-bridge.jpg"
    photo.write_bytes(encode(drawing(), "JPEG"))
    pupil_a.fill("#composer-title", "Our bridge model")
    pupil_a.fill("#composer-text", "It holds three books.")
    pupil_a.set_input_files("#composer-images", [str(photo)])
    pupil_a.wait_for_selector("#composer-staged li", timeout=WAIT)
    pupil_a.click("button.send-button")
    pupil_a.wait_for_selector("#mine .own-entry", timeout=WAIT)
    assert pupil_b.get_by_text("Our bridge model").count() == 0

    teacher_a.goto("/queue")
    _connected(teacher_a)
    teacher_a.wait_for_selector("article.queue-item", timeout=WAIT)
    teacher_a.keyboard.press("j")
    teacher_a.keyboard.press("a")  # pictures: the photo-consent box gets focus first
    assert teacher_a.evaluate("document.activeElement.name") == "photos_confirmed"
    teacher_a.keyboard.press("Space")
    teacher_a.get_by_role("button", name="Approve Aisha K.'s post").click()
    teacher_a.wait_for_selector("[data-queue-empty]:not([hidden])", timeout=WAIT)

    pupil_b.wait_for_selector("article:has-text('Our bridge model') img", timeout=WAIT)
    # The announcer is emptied, then written 50 ms later (so screen readers notice).
    pupil_b.wait_for_selector("#live-announcer:has-text('Our bridge model')", timeout=WAIT)
    image = pupil_b.locator("article:has-text('Our bridge model') img").first
    image.scroll_into_view_if_needed()
    # The card arrives before its picture has downloaded: wait for the picture, then check it
    # decoded (a broken image is complete with no width).
    pupil_b.wait_for_function("img => img.complete", arg=image.element_handle(), timeout=WAIT)
    assert image.evaluate("img => img.naturalWidth > 0")
    screenshot(pupil_b, f"linking-day-{transport}-partner-space-768")

    # --- a P4C enquiry to a vote ----------------------------------------------------------
    board = open_board(world)
    walk_to(world, board, Step.AIRING)
    board = step(world, board)  # to voting
    enquiry.configure_voting(world.teacher_a, board.id, method="single")
    enquiry.open_voting(world.teacher_a, board.id)
    for pupil in (pupil_a, pupil_b):
        pupil.goto(f"/enquiries/{board.id}")
        _connected(pupil)
        pupil.locator("button.vote").first.click()
        pupil.wait_for_selector("button.vote.voted", timeout=WAIT)
        assert "You have used all your votes." in pupil.inner_text("body")
    teacher_a.goto(f"/enquiries/{board.id}")
    _connected(teacher_a)
    teacher_a.get_by_role("button", name="Close voting").click()
    teacher_a.get_by_role("button", name="Choose this question").first.click()
    teacher_a.wait_for_selector("button[aria-pressed='true']:has-text('Chosen')", timeout=WAIT)
    pupil_b.wait_for_selector(".chosen, [data-chosen], :text('chosen')", timeout=WAIT)
    screenshot(pupil_b, f"linking-day-{transport}-enquiry-768")

    # --- a live session: chat approved with one key press, reactions ------------------------
    session = _live_session(world)
    for page in (pupil_a, pupil_b, teacher_a, teacher_b):
        page.goto(f"/live/{session.id}")
        _connected(page)
    pupil_a.fill("#live-message", "Hello Moorside! We have a class rabbit.")
    pupil_a.press("#live-message", "Enter")
    pupil_a.wait_for_selector("#live-mine-list li:has-text('class rabbit')", timeout=WAIT)
    teacher_a.wait_for_selector("#live-queue-list li:has-text('class rabbit')", timeout=WAIT)
    assert pupil_b.locator("#live-chat-list li:has-text('class rabbit')").count() == 0
    teacher_a.locator("#live-queue-list li:has-text('class rabbit')").click()
    teacher_a.keyboard.press("a")
    for page in (pupil_b, teacher_b, pupil_a):
        page.wait_for_selector("#live-chat-list li:has-text('class rabbit')", timeout=WAIT)
    pupil_b.locator("button.live-reaction[data-reaction='clap']").click()
    teacher_a.wait_for_selector("[data-count-for='clap']:has-text('1')", timeout=WAIT)
    screenshot(pupil_b, f"linking-day-{transport}-live-768")

    # --- a celebration event with several classes -----------------------------------------
    event = plan_event(world, starts_at=utcnow() - timedelta(minutes=1))
    events.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
    events.answer_invitation(world.teacher_b, event.id, world.class_b.id, True)
    item = ready_showcase(world, event, title="Our bridge poem")
    stage.act(world.facilitator, event.id, "start")
    screens = [pupil_a, pupil_b, teacher_b]
    for page in screens:
        page.goto(f"/events/{event.id}/screen")
        _connected(page)
    facilitator.goto(f"/events/{event.id}/console")
    _connected(facilitator)
    facilitator.locator(f"[data-showcase='{item.id}']").click()
    for page in screens:
        page.wait_for_selector(f"[data-stage-item-title]:has-text('{item.title}')", timeout=WAIT)
    facilitator.get_by_role("button", name="Open applause").click()
    pupil_a.wait_for_selector("[data-react='applause']:not([disabled])", timeout=WAIT)
    pupil_a.get_by_role("button", name="👏 Applaud").click()
    facilitator.wait_for_selector("[data-counter='applause']:has-text('1')", timeout=WAIT)
    screenshot(pupil_b, f"linking-day-{transport}-event-768")
    assert accessibility_violations(pupil_b) == []

    # --- the transport really was the one asked for ----------------------------------------
    if transport == "polling":
        assert websockets == [], "long-polling only: no WebSocket was opened"
    else:
        assert any("/socket.io/" in url for url in websockets)
    assert pages.console_errors == []
