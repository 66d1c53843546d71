"""The accounts pages in Chromium against a real server: sign-in flows, cards, a11y, layout."""

from __future__ import annotations

import pytest

from exchange.accounts import services
from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def check(page, name):
    """Screenshot, then no serious accessibility problems and nothing overflowing."""
    screenshot(page, f"accounts-{name}")
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []


def test_pupil_signs_in_on_a_tablet_with_code_name_and_pin(pages, world):
    page = pages.page(None, "/sign-in", viewport=TABLET)
    page.get_by_label("Class code").fill("oak5a")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/sign-in/names")
    check(page, "pupil-names-tablet")
    page.get_by_role("link", name="Aisha K.").click()
    check(page, "pupil-pin-tablet")
    page.get_by_label("Your PIN").fill("1111")
    page.get_by_role("button", name="Sign in").click()
    assert "Those are not the right PIN" in page.content()
    page.get_by_label("Your PIN").fill("4826")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/links/{world.link.id}/space")


def test_pupil_taps_a_picture_password(pages, world):
    issued = services.reset_credential(world.teacher_a, world.pupil_a.id, "picture")
    page = pages.page(None, "/sign-in", viewport=TABLET)
    page.get_by_label("Class code").fill("OAK5A")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("link", name="Aisha K.").click()
    check(page, "pupil-pictures-tablet")
    for legend, name in zip(
        ["First picture", "Second picture", "Third picture"], issued.pictures, strict=True
    ):
        group = page.get_by_role("group", name=legend)
        group.get_by_alt_text(name.title(), exact=True).click()  # a child taps the picture
        assert group.get_by_role("radio", name=name.title(), exact=True).is_checked()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/links/{world.link.id}/space")


def test_login_card_signs_in_and_the_token_never_reaches_the_server_log(pages, world, live_server):
    card = services.issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a.id])[0]
    page = pages.page(None, None, viewport=TABLET)
    page.goto(f"/card#token={card.token}")
    page.wait_for_url(f"**/links/{world.link.id}/space")
    log = live_server.log_path.read_text() if live_server.log_path else ""
    assert card.token not in log


def test_revoked_card_explains_itself(pages, world):
    card = services.issue_cards(world.teacher_a, world.class_a.id, [world.pupil_a.id])[0]
    services.revoke_card(world.teacher_a, world.pupil_a.id)
    page = pages.page(None, None, viewport=TABLET)
    page.goto(f"/card#token={card.token}")
    page.get_by_text("no longer works").wait_for()
    assert "#token" not in page.url


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_staff_pages_are_accessible_and_fit(pages, world, viewport):
    width = viewport["width"]
    for actor, path, name in [
        (world.teacher_a, "/", "teacher-home"),
        (world.teacher_a, f"/classes/{world.class_a.id}", "roster"),
        (world.teacher_a, f"/links/{world.link.id}", "link"),
        (world.facilitator, f"/districts/{world.district.id}", "district"),
        (world.admin, "/", "admin-home"),
        (world.teacher_a, f"/classes/{world.class_a.id}/cards", "cards-form"),
        (world.teacher_a, "/account/password", "password"),
    ]:
        page = pages.page(actor, path, viewport=viewport)
        check(page, f"{name}-{width}")
        page.close()


def test_teacher_adds_a_pupil_and_prints_cards(pages, world):
    page = pages.page(world.teacher_a, f"/classes/{world.class_a.id}", viewport=LAPTOP)
    page.get_by_label("First name and initial").fill("Nia O")
    page.get_by_label("A picture password (3 pictures)").check()
    page.get_by_role("button", name="Add pupil").click()
    page.get_by_role("heading", name="Nia O. is on the roster").wait_for()
    check(page, "credential")
    page.goto(f"/classes/{world.class_a.id}/cards")
    page.get_by_role("button", name="Make the cards").click()
    page.get_by_role("button", name="Print the cards").wait_for()
    assert page.locator(".login-card").count() == 3
    check(page, "cards")
    page.emulate_media(media="print")
    screenshot(page, "accounts-cards-print")
    assert not page.get_by_role("button", name="Print the cards").is_visible()


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_signed_out_pages_are_accessible_and_fit(pages, world, viewport):
    _, token = services.invite_staff(
        world.facilitator, world.district.id, "new@example.org", school_id=world.school_a.id
    )
    width = viewport["width"]
    for path, name in [
        ("/sign-in", "sign-in"),
        (f"/join#token={token}", "join"),
        ("/card", "card"),
    ]:
        page = pages.page(None, path, viewport=viewport)
        if name == "join":  # the page posts the fragment's token, then shows the invitation
            page.wait_for_selector("input[name=display_name]")
        check(page, f"{name}-{width}")
        page.close()
