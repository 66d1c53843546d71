"""The moderation pages in Chromium against a real server: the queue worked through with the
keyboard, a pupil's new post arriving live, the counts, accessibility and a tablet's width."""

from __future__ import annotations

import pytest

from exchange.extensions import db
from exchange.moderation import safeguarding, services
from exchange.space import services as space
from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)
from tests.factories import make_teacher
from tests.space.conftest import upload

pytestmark = pytest.mark.browser


def post(author, link, title, text):
    """A post sent through the space's service (stored with its queue event)."""
    return space.create_post(author, link.id, space.PostDraft(title=title, text=text), [])


def check(page, name):
    """Screenshot, then no serious accessibility problems and nothing overflowing."""
    screenshot(page, f"moderation-{name}")
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []


def connected(page):
    """Wait until the page's live connection is up."""
    page.wait_for_selector('[data-connection-status][data-state="connected"]', timeout=15000)


def announced(page, words):
    """Wait until the screen-reader announcer says something containing `words`."""
    page.wait_for_function(
        "words => document.getElementById('live-announcer').textContent.includes(words)",
        arg=words,
        timeout=15000,
    )


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_queue_is_accessible_and_fits(pages, world, viewport):
    post(world.pupil_a, world.link, "My street", "I live at 12 Elm Road, call 07700 900123")
    post(world.pupil_a2, world.link, "Our pets", "We have a dog.")
    page = pages.page(world.teacher_a, "/queue", viewport=viewport)
    connected(page)
    check(page, f"queue-{viewport['width']}")
    assert page.locator("mark.flag").count() == 2  # the street address and the phone number
    assert pages.console_errors == []


def test_teacher_works_through_the_queue_with_the_keyboard(pages, world):
    first = post(world.pupil_a, world.link, "My street", "I live at 12 Elm Road")
    second = post(world.pupil_a2, world.link, "Our pets", "We have a dog.")
    page = pages.page(world.teacher_a, "/queue", viewport=TABLET)
    connected(page)
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"item-{first.item_id}"
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"item-{second.item_id}"
    page.keyboard.press("a")
    announced(page, "Approved Tom R.'s post")
    page.wait_for_selector(f"#item-{second.item_id}", state="detached")
    # The remaining item takes the focus; r goes to its feedback box.
    assert page.evaluate("document.activeElement.id") == f"item-{first.item_id}"
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == f"feedback-{first.item_id}"
    page.keyboard.type("Please take out your street name, just say Bradford")  # j, k, a, r typed
    assert page.locator(f"#item-{first.item_id}").count() == 1
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == f"item-{first.item_id}"
    page.get_by_role("button", name="Return to Aisha K.").click()
    announced(page, "Returned Aisha K.'s post")
    page.wait_for_selector("[data-queue-empty]:not([hidden])")
    page.wait_for_function(
        "() => document.querySelector('[data-queue-total]').textContent === '0'", timeout=15000
    )
    db.session.expire_all()  # the server process changed it
    assert services.get_item(first.item_id).feedback.startswith("Please take out your street")


def test_a_pupils_new_post_arrives_without_a_reload(pages, world, live_server):
    page = pages.page(world.teacher_a, "/queue", viewport=LAPTOP)
    connected(page)
    assert page.locator("article.queue-item").count() == 0
    pupil = pages.context(world.pupil_a)
    token = pupil.request.get(live_server.url + "/api/v1/session").json()["csrf_token"]
    sent = pupil.request.post(
        f"{live_server.url}/api/v1/links/{world.link.id}/posts",
        multipart={"title": "Hello Kestrels", "text": "Find me on snap: aisha_k"},
        headers={"X-CSRFToken": token},
    )
    assert sent.status == 201, sent.text()
    item_id = sent.json()["item_id"]
    page.wait_for_selector(f"#item-{item_id}", timeout=15000)
    announced(page, "New in the queue: Aisha K.'s post")
    assert page.locator(f"#item-{item_id} mark.flag-handle").count() == 1
    page.wait_for_function(
        "() => document.querySelector('.site-nav .badge[data-count=\"queue\"]')"
        " && document.querySelector('.site-nav .badge[data-count=\"queue\"]').textContent"
        ".includes('1')",
        timeout=15000,
    )
    page.wait_for_function(
        "() => document.querySelector('[data-queue-total]').textContent === '1'", timeout=15000
    )
    # The quick phrases fill the feedback box.
    page.locator(f"#item-{item_id} .quick-phrases summary").click()
    page.get_by_role(
        "button", name="Please don't share usernames, phone numbers or email addresses."
    ).first.click()
    assert "usernames" in page.locator(f"#feedback-{item_id}").input_value()


def test_pictures_need_the_consent_box_before_a_approves(pages, world):
    world.pupil_a2.consent_photo = False
    db.session.commit()
    picture = space.create_post(
        world.pupil_a, world.link.id, space.PostDraft(title="Our class", text="Look!"), [upload()]
    )
    page = pages.page(world.teacher_a, "/queue", viewport=TABLET)
    connected(page)
    check(page, "queue-picture")
    page.keyboard.press("j")
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.name") == "photos_confirmed"
    assert "Please tick" in page.locator(f"#item-{picture.item_id}-error").inner_text()
    assert "Tom R." in page.locator(f"#photos-{picture.item_id}-hint").inner_text()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Approve Aisha K.'s post").click()
    announced(page, "Approved Aisha K.'s post")


def test_facilitator_and_lead_pages_are_accessible(pages, world):
    first = post(world.pupil_a, world.link, "My street", "I live at 12 Elm Road")
    services.approve(world.teacher_a, first.item_id)
    services.hide_and_report(world.teacher_b, first.item_id, "An address")
    lead = make_teacher(world.class_a, is_dsl=True, display_name="Mrs Dee Lead")
    concern = safeguarding.raise_concern(world.teacher_a, "Worried", pupil_id=world.pupil_a.id)
    district = world.district.id
    for actor, path, name in [
        (world.facilitator, f"/districts/{district}/reports", "reports"),
        (world.facilitator, f"/districts/{district}/watch-list", "watch-list"),
        (world.facilitator, f"/districts/{district}/moderation-log", "district-log"),
        (world.facilitator, f"/districts/{district}/approvals", "approvals"),
        (world.teacher_a, f"/classes/{world.class_a.id}/moderation-log", "class-log"),
        (world.teacher_b, f"/items/{first.item_id}", "item"),
        (world.teacher_a, "/concerns/new", "concern-form"),
        (lead, "/safeguarding", "safeguarding"),
        (lead, f"/safeguarding/{concern.id}", "concern"),
    ]:
        page = pages.page(actor, path, viewport=TABLET)
        check(page, name)
    assert pages.console_errors == []
