"""The space page in Chromium: accessible and fitting at tablet and laptop width, live arrivals
without a reload, the composer on a tablet (a refused picture keeps the text), reactions."""

from __future__ import annotations

import pytest

from exchange.moderation import services as moderation
from tests.browser.support import (
    LAPTOP,
    TABLET,
    accessibility_violations,
    layout_problems,
    screenshot,
)
from tests.space.conftest import send_comment, send_post, upload
from tests.space.corpus import drawing, encode
from tests.space.remote import Browser

pytestmark = [pytest.mark.browser, pytest.mark.server]


def busy_space(world):
    """Both columns with work: pictures, tags, comments, a pending and a returned item."""
    first = send_post(
        world.pupil_a,
        world.link,
        title="Our class garden",
        text="We planted beans.\nThey grew so tall!\n<b>not bold</b> https://example.org",
        uploads=[upload("a.jpg"), upload("b.jpg"), upload("c.jpg")],
        questions=["who_are_we"],
        phase=1,
        picture_description="Beans growing up canes",
    )
    moderation.approve(world.teacher_a, first.item_id, photos_confirmed=True)
    reply_to = send_comment(world.pupil_b, first, "We have a garden too!")
    moderation.approve(world.teacher_b, reply_to.item_id)
    send_comment(world.teacher_a, first, "What do you grow?", parent_id=reply_to.id)
    send_post(world.teacher_b, world.link, title="Hello from Moorside", text="We are Year 5.")
    waiting = send_post(world.pupil_a, world.link, title="My pet", text="A hamster")
    returned = send_post(world.pupil_a, world.link, title="My street", text="I live on Elm Road")
    moderation.return_item(world.teacher_a, returned.item_id, "Please leave out your street")
    return first, waiting


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["tablet", "laptop"])
@pytest.mark.parametrize("role", ["pupil_a", "teacher_b"])
def test_space_page_is_accessible_and_fits(world, pages, viewport, role):
    first, _waiting = busy_space(world)
    page = pages.page(world.actor(role), f"/links/{world.link.id}/space", viewport=viewport)
    page.wait_for_selector("[data-connection-status][data-state='connected']")
    screenshot(page, f"space-{role}-{viewport['width']}")
    assert accessibility_violations(page) == []
    assert layout_problems(page) == []
    text = page.locator(f"#post-{first.id} .post-text")
    assert text.inner_text().startswith("We planted beans.\nThey grew so tall!\n<b>not bold</b>")
    assert text.locator("b").count() == 0 and text.locator("a").count() == 0
    assert pages.console_errors == []


def test_partner_pupil_sees_approval_arrive_and_withdrawal_leave_without_reload(
    app, world, pages, live_server
):
    post = send_post(world.pupil_a, world.link, title="Arrives live", uploads=[upload()])
    page = pages.page(world.pupil_b, f"/links/{world.link.id}/space", viewport=TABLET)
    page.wait_for_selector("[data-connection-status][data-state='connected']")
    assert page.locator(f"#post-{post.id}").count() == 0
    teacher = Browser(live_server, app, world.teacher_a)  # decides through the server
    approved = teacher.send(
        "POST", f"/api/v1/items/{post.item_id}/approve", json={"photos_confirmed": True}
    )
    assert approved.status_code == 200, approved.text
    page.wait_for_selector(f"#post-{post.id} img")
    # The announcer is emptied, then written 50 ms later (so screen readers notice).
    page.wait_for_selector("#live-announcer:has-text('Arrives live')")
    page.locator(f"#post-{post.id} button[data-reaction='star']").click()
    page.wait_for_selector(f"#post-{post.id} button[data-reaction='star'][aria-pressed='true']")
    teacher.send("POST", f"/api/v1/posts/{post.id}/withdraw", json={"reason": "By mistake"})
    page.wait_for_selector(f"#post-{post.id}", state="detached")


def test_composer_keeps_the_text_when_a_picture_is_refused(world, pages, tmp_path):
    good = tmp_path / "model.jpg"
    good.write_bytes(encode(drawing(), "JPEG"))
    bad = tmp_path / "worksheet.jpg"
    bad.write_bytes(b"%PDF-1.7 not a picture")
    page = pages.page(world.pupil_a, f"/links/{world.link.id}/space", viewport=TABLET)
    page.fill("#composer-title", "Our bridge model")
    page.fill("#composer-text", "It holds three books.")
    page.set_input_files("#composer-images", [str(good), str(bad)])
    page.wait_for_selector("#composer-staged li")
    refused = page.locator("#composer-upload-errors").inner_text()
    assert "worksheet.jpg" in refused and "PDF document" in refused
    assert page.input_value("#composer-title") == "Our bridge model"
    assert page.input_value("#composer-text") == "It holds three books."
    page.click("button.send-button")
    page.wait_for_selector("#mine .own-entry")
    assert "Our bridge model" in page.locator("#mine").inner_text()
    assert "Waiting for your teacher" in page.locator("#mine").inner_text()
    screenshot(page, "space-composer-sent-768")


def test_older_posts_join_the_column_and_new_posts_still_arrive_live(
    app, world, pages, live_server
):
    from exchange.space.queries import POSTS_PER_CLASS

    posts = [
        send_post(world.teacher_a, world.link, title=f"Week {n}")
        for n in range(POSTS_PER_CLASS + 3)
    ]
    page = pages.page(world.pupil_b, f"/links/{world.link.id}/space", viewport=TABLET)
    page.wait_for_selector("[data-connection-status][data-state='connected']")
    column = page.locator(f"ol.posts[data-class-id='{world.class_a.id}']")
    assert column.locator(":scope > li.post-slot").count() == POSTS_PER_CLASS
    page.locator(".older a[data-more]").first.click()
    page.wait_for_selector(f"#post-{posts[2].id}")
    assert column.locator(":scope > li.post-slot").count() == len(posts)
    assert page.evaluate("document.activeElement.id") == f"post-{posts[2].id}"
    # The announcer is emptied, then written 50 ms later (so screen readers notice).
    page.wait_for_selector("#live-announcer:has-text('3 older posts shown')")
    assert page.locator(".older a[data-more]").count() == 0
    assert page.url.endswith(f"/links/{world.link.id}/space")  # still the live page
    teacher = Browser(live_server, app, world.teacher_a)
    sent = teacher.send(
        "POST",
        f"/api/v1/links/{world.link.id}/posts",
        data={"title": "After the older ones", "text": "Still live"},
    )
    assert sent.status_code in (200, 201), sent.text
    page.wait_for_selector(
        f"ol.posts[data-class-id='{world.class_a.id}'] >> text=After the older ones"
    )
    assert pages.console_errors == []
