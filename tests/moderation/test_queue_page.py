"""The teacher's queue page: what it shows, one-click decisions, bulk approval, live fragments."""

from __future__ import annotations

import re

import pytest

from exchange import realtime
from exchange.accounts.models import ApprovalPolicy
from exchange.extensions import db
from exchange.moderation import services
from exchange.moderation.models import ItemState, ModerationItem, Stage
from tests.factories import make_pupil, make_world
from tests.moderation.conftest import send_note


def page(browser, url="/queue"):
    response = browser.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_queue_lists_waiting_items_oldest_first_with_flags_marked(world, notes, as_user):
    first = send_note(world.pupil_a, world.link, world.class_a, text="Call 07700 900123 today")
    second = send_note(world.pupil_a2, world.link, world.class_a, text="We like football")
    html = page(as_user(world.teacher_a))
    assert html.index(f'id="item-{first.id}"') < html.index(f'id="item-{second.id}"')
    assert "Reflection by Aisha K." in html and "Class 5A, Oakfield Primary" in html
    # The flagged span is marked, with words a screen reader reads out.
    assert re.search(
        r'<mark class="flag flag-phone"><span class="visually-hidden">\[Phone number: </span>'
        r"07700 900123<span",
        html,
    )
    assert "1 thing to check" in html
    assert '<span class="badge warning" data-count="queue" data-queue-total>2</span>' in html


def test_title_is_shown_once_with_its_own_flags(world, notes, as_user):
    send_note(
        world.pupil_a, world.link, world.class_a, title="Visit 12 Elm Road", text="Bring cake"
    )
    html = page(as_user(world.teacher_a))
    assert html.count("12 Elm Road") == 2  # the highlighted title and the flag list
    assert '<div class="item-text">Bring cake</div>' in html


def test_other_teachers_queues_do_not_show_the_item(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    for teacher in (world.teacher_b, world.teacher_c):
        assert f'id="item-{item.id}"' not in page(as_user(teacher))


def test_receiving_teacher_sees_dual_approval_items_after_the_sender(app, notes, as_user):
    world = make_world(policy=ApprovalPolicy.DUAL)
    item = send_note(world.pupil_a, world.link, world.class_a, photos=True)
    assert f'id="item-{item.id}"' not in page(as_user(world.teacher_b))
    services.approve(world.teacher_a, item.id, photos_confirmed=True)
    html = page(as_user(world.teacher_b))
    assert f'id="item-{item.id}"' in html
    assert "waiting for the receiving teacher" in html
    # Only the pupils' own teacher vouches for photo consent.
    assert 'name="photos_confirmed"' not in html
    response = as_user(world.teacher_b).post(f"/queue/{item.id}/approve")
    assert response.status_code == 303
    assert db.session.get(ModerationItem, item.id).state == ItemState.APPROVED


def test_approve_in_one_click(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.teacher_a)
    response = browser.post(f"/queue/{item.id}/approve", data={"next": "/queue"})
    assert response.status_code == 303 and response.headers["Location"] == "/queue"
    assert db.session.get(ModerationItem, item.id).state == ItemState.APPROVED
    assert "Approved Aisha K.&#39;s reflection." in page(browser)


def test_pictures_ask_for_photo_consent_naming_who_has_none(world, notes, as_user):
    world.pupil_a2.consent_photo = False
    world.pupil_a.consent_photo = True
    make_pupil(world.class_a, "Ben T.", consent_photo=False)
    db.session.commit()
    item = send_note(world.pupil_a, world.link, world.class_a, photos=True)
    browser = as_user(world.teacher_a)
    html = page(browser)
    assert f'id="photos-{item.id}" name="photos_confirmed" value="yes" required' in html
    assert (
        "Families who have not agreed to photos in Class 5A, Oakfield Primary: Ben T., Tom R."
        in html
    )
    assert "Tom R.." not in html
    refused = browser.post(f"/queue/{item.id}/approve")
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f'id="item-{item.id}-error" role="alert" aria-atomic="true">Please confirm' in body
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING
    done = browser.post(f"/queue/{item.id}/approve", data={"photos_confirmed": "yes"})
    assert done.status_code == 303
    assert db.session.get(ModerationItem, item.id).state == ItemState.APPROVED


def test_work_without_consent_cannot_be_approved_and_says_so(world, notes, as_user):
    world.pupil_a.consent_work = False
    db.session.commit()
    item = send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.teacher_a)
    html = page(browser)
    assert "family has not agreed to share their work with the partner class" in html
    assert f'disabled aria-describedby="item-{item.id}-consent"' in html
    refused = browser.post(f"/queue/{item.id}/approve")
    assert refused.status_code == 409
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_return_with_feedback_the_pupil_sees(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a, text="I live at 12 Elm Road")
    browser = as_user(world.teacher_a)
    response = browser.post(
        f"/queue/{item.id}/return", data={"feedback": "Lovely! Please take out your street name"}
    )
    assert response.status_code == 303
    item = db.session.get(ModerationItem, item.id)
    assert item.state == ItemState.RETURNED
    assert item.feedback == "Lovely! Please take out your street name"
    status = realtime.events_after(realtime.pupil_stream(world.pupil_a.id), 0)[-1]
    assert status.kind == "item_status"
    assert status.payload["feedback"] == "Lovely! Please take out your street name"


@pytest.mark.parametrize(
    ("feedback", "message"),
    [
        ("", "Please write a word of feedback"),
        ("   ", "Please write a word"),
        ("x" * 501, "at most 500"),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_bad_feedback_is_refused_next_to_the_item_and_kept(
    world, notes, as_user, feedback, message
):
    item = send_note(world.pupil_a, world.link, world.class_a)
    response = as_user(world.teacher_a).post(
        f"/queue/{item.id}/return", data={"feedback": feedback}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if feedback.strip():
        assert f">{feedback}</textarea>" in html
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_deciding_an_item_someone_else_decided_says_so(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    services.approve(world.teacher_a, item.id)
    response = as_user(world.teacher_a).post(f"/queue/{item.id}/return", data={"feedback": "x"})
    assert response.status_code == 409
    assert "not waiting for a decision any more" in response.get_data(as_text=True)


def test_deciding_an_item_that_does_not_exist_is_404(world, notes, as_user):
    assert as_user(world.teacher_a).post("/queue/999/approve").status_code == 404


def test_next_never_leaves_the_site(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.teacher_a)
    for target in ("https://evil.example/", "//evil.example/x"):
        other = send_note(world.pupil_a, world.link, world.class_a)
        response = browser.post(f"/queue/{other.id}/approve", data={"next": target})
        assert response.headers["Location"] == "/queue"
    assert item.state == ItemState.PENDING


def test_bulk_approve_takes_only_unflagged_items_without_pictures(world, notes, as_user):
    plain = send_note(world.pupil_a, world.link, world.class_a, text="Hello!")
    flagged = send_note(world.pupil_a, world.link, world.class_a, text="me@example.com")
    photo = send_note(world.pupil_a2, world.link, world.class_a, photos=True)
    browser = as_user(world.teacher_a)
    html = page(browser)
    bulk = html[html.index("data-bulk-ids") : html.index("bulk-hint")]
    assert f'value="{plain.id}"' in bulk
    assert f'value="{flagged.id}"' not in bulk and f'value="{photo.id}"' not in bulk
    ids = [str(plain.id), str(flagged.id), str(photo.id)]
    response = browser.post("/queue/approve-unflagged", data={"item_id": ids})
    assert response.status_code == 303
    assert [db.session.get(ModerationItem, i).state for i in (plain.id, flagged.id, photo.id)] == [
        ItemState.APPROVED,
        ItemState.PENDING,
        ItemState.PENDING,
    ]
    assert "Approved 1 item. 2 could not be approved in one go" in page(browser)


def test_bulk_approve_with_nothing_chosen_changes_nothing(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    browser = as_user(world.teacher_a)
    assert browser.post("/queue/approve-unflagged", data={"item_id": ["x"]}).status_code == 303
    assert "nothing to approve" in page(browser)
    assert db.session.get(ModerationItem, item.id).state == ItemState.PENDING


def test_live_fragment_is_one_entry_for_its_decider_only(world, notes, as_user):
    item = send_note(world.pupil_a, world.link, world.class_a)
    fragment = as_user(world.teacher_a).get(f"/queue/items/{item.id}?next=/queue")
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith("{#") is False and "<html" not in html
    assert f'<article class="queue-item" id="item-{item.id}"' in html
    assert as_user(world.teacher_b).get(f"/queue/items/{item.id}").status_code == 404
    services.approve(world.teacher_a, item.id)
    assert as_user(world.teacher_a).get(f"/queue/items/{item.id}").status_code == 404


def test_queue_page_follows_each_class_queue_from_the_rendered_sequence(world, notes, as_user):
    send_note(world.pupil_a, world.link, world.class_a)
    html = page(as_user(world.teacher_a))
    follow = re.search(r'<script type="application/json" id="queue-follow">(.*?)</script>', html)
    assert follow.group(1) == f'[{{"after": 1, "stream": "queue:{world.class_a.id}"}}]'


def test_keyboard_shortcuts_are_documented_on_the_page(world, notes, as_user):
    html = page(as_user(world.teacher_a))
    for key, words in [
        ("j", "next item"),
        ("k", "previous item"),
        ("a", "approve"),
        ("r", "return"),
    ]:
        assert f"<kbd>{key}</kbd></dt><dd>{words}" in html
    assert "Shortcuts do nothing while you are typing" in html


def test_facilitator_is_sent_to_the_district_approvals(world, notes, as_user):
    response = as_user(world.facilitator).get("/queue")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/districts/{world.district.id}/approvals"


def test_facilitator_stage_items_wait_in_the_district_approvals(world, notes, as_user):
    item = send_note(world.teacher_a, world.link, world.class_a, needs_facilitator=True)
    assert item.stage == Stage.FACILITATOR
    browser = as_user(world.facilitator)
    html = page(browser, f"/districts/{world.district.id}/approvals")
    assert f'id="item-{item.id}"' in html and "waiting for the facilitator" in html
    assert f'name="district_id" value="{world.district.id}"' in html
    refused = browser.post(
        f"/queue/{item.id}/return", data={"feedback": "", "district_id": world.district.id}
    )
    assert refused.status_code == 422 and "<h1>Approvals</h1>" in refused.get_data(as_text=True)
    response = browser.post(
        f"/queue/{item.id}/approve",
        data={"next": f"/districts/{world.district.id}/approvals"},
    )
    assert response.status_code == 303
    assert db.session.get(ModerationItem, item.id).state == ItemState.APPROVED


def test_navigation_shows_the_queue_count(world, notes, as_user):
    send_note(world.pupil_a, world.link, world.class_a)
    send_note(world.pupil_a2, world.link, world.class_a)
    html = page(as_user(world.teacher_a), "/")
    assert re.search(r'<a href="/queue"[^>]*>Queue <span class="badge" data-count="queue">', html)
    assert '<span class="visually-hidden">(</span>2<span class="visually-hidden"> waiting)' in html
    assert 'href="/queue"' not in page(as_user(world.teacher_b), "/").split("</nav>")[0] or (
        'data-count="queue"' not in page(as_user(world.teacher_b), "/").split("</nav>")[0]
    )


def test_quick_phrases_are_on_the_page_once_not_once_per_item(world, notes, as_user):
    from exchange.moderation.views.helpers import QUICK_PHRASES

    items = [send_note(world.pupil_a, world.link, world.class_a, text=f"Note {n}") for n in (1, 2)]
    html = page(as_user(world.teacher_a))
    # One list for the page, copied by moderation.js into each item's details (both start
    # hidden: the phrases need JavaScript to fill a box).
    assert html.count('<template id="quick-phrase-list">') == 1
    assert html.count("data-phrase=") == len(QUICK_PHRASES)
    for item in items:
        assert f'<details class="quick-phrases" data-target="feedback-{item.id}" hidden>' in html
        assert f'id="feedback-{item.id}"' in html
    # A live entry carries its empty details; the phrases stay on the page it joins.
    fragment = as_user(world.teacher_a).get(f"/queue/items/{items[0].id}").get_data(as_text=True)
    assert 'class="quick-phrases"' in fragment and "data-phrase=" not in fragment
