"""Posts under the approval rule, at the service level: every state a post goes through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange import realtime
from exchange.accounts.models import ApprovalPolicy, LinkStatus
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemState, Report, Stage
from exchange.space import queries, services
from exchange.space.models import Post, PostImage
from tests.factories import make_world
from tests.space.conftest import all_titles, item_count, send_post, upload


def link_events(world):
    return [e.kind for e in realtime.events_after(realtime.link_stream(world.link.id), 0)]


def test_pupils_post_waits_for_their_teacher_and_the_partner_class_sees_nothing(world):
    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    assert post.item.state == ItemState.PENDING and post.item.stage == Stage.OWN_TEACHER
    assert moderation.queue(world.teacher_a) == [post.item]
    assert moderation.queue(world.teacher_b) == []
    for viewer in (world.pupil_b, world.teacher_b, world.pupil_a2, world.facilitator):
        assert all_titles(viewer, world.link) == []
    with pytest.raises(NotFound):
        services.get_post(world.pupil_b, post.id)
    assert [e["title"] for e in queries.space_view(world.pupil_a, world.link.id)["mine"]] == [
        "My family"
    ]
    assert link_events(world) == []


def test_approved_post_reaches_both_classes(world):
    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    for viewer in (world.pupil_b, world.teacher_b, world.pupil_a2, world.facilitator):
        assert all_titles(viewer, world.link) == ["My family"]
    with pytest.raises(NotFound):
        queries.space_view(world.pupil_c, world.link.id)
    event = realtime.events_after(realtime.link_stream(world.link.id), 0)[-1]
    assert event.kind == "item_approved"
    assert event.payload["title"] == "My family" and len(event.payload["images"]) == 1
    assert queries.space_view(world.pupil_a, world.link.id)["mine"] == []


def test_teachers_own_post_goes_straight_through(world):
    post = send_post(world.teacher_b, world.link, title="Welcome from Moorside")
    assert post.item.state == ItemState.APPROVED
    assert all_titles(world.pupil_a, world.link) == ["Welcome from Moorside"]
    assert link_events(world) == ["item_approved"]


def test_partner_class_posts_appear_in_their_own_column(world):
    send_post(world.teacher_a, world.link, title="From A")
    send_post(world.teacher_b, world.link, title="From B")
    view = queries.space_view(world.pupil_b, world.link.id)
    own, partner = view["columns"]
    assert own["own"] and own["class_id"] == world.class_b.id
    assert [p["title"] for p in own["posts"]] == ["From B"]
    assert [p["title"] for p in partner["posts"]] == ["From A"]


def test_returned_post_shows_feedback_and_can_be_edited_and_sent_again(world):
    post = send_post(world.pupil_a, world.link, text="I live at 12 Elm Road")
    assert [f["kind"] for f in post.item.flags] == ["address"]
    moderation.return_item(world.teacher_a, post.item_id, "Please leave out your street")
    mine = queries.space_view(world.pupil_a, world.link.id)["mine"]
    assert mine[0]["state"] == "returned"
    assert mine[0]["feedback"] == "Please leave out your street"
    assert queries.space_view(world.pupil_a2, world.link.id)["mine"] == []
    services.edit_post(
        world.pupil_a, post.id, services.PostDraft(title="My family", text="I live near a park")
    )
    assert post.item.state == ItemState.PENDING and post.item.version == 2
    assert post.item.flags == [] and post.item.feedback is None
    assert post.body == "I live near a park" and post.edited_at is not None


def test_editing_an_approved_post_takes_it_away_until_approved_again(world):
    post = send_post(world.pupil_a, world.link)
    moderation.approve(world.teacher_a, post.item_id)
    services.edit_post(
        world.pupil_a, post.id, services.PostDraft(title="My family, again", text="Hello")
    )
    assert all_titles(world.pupil_b, world.link) == []
    assert link_events(world) == ["item_approved", "item_removed"]
    moderation.approve(world.teacher_a, post.item_id)
    assert all_titles(world.pupil_b, world.link) == ["My family, again"]


def test_an_unchanged_edit_of_an_approved_post_changes_nothing(world):
    post = send_post(world.pupil_a, world.link)
    moderation.approve(world.teacher_a, post.item_id)
    services.edit_post(
        world.pupil_a,
        post.id,
        services.PostDraft(title="My family", text="We have a dog called Biscuit."),
    )
    assert post.item.state == ItemState.APPROVED and post.item.version == 1


def test_teachers_edit_is_shown_changed_at_once(world):
    post = send_post(world.teacher_a, world.link, title="Our week")
    services.edit_post(
        world.teacher_a, post.id, services.PostDraft(title="Our busy week", text="Hello")
    )
    assert post.item.state == ItemState.APPROVED
    assert all_titles(world.pupil_b, world.link) == ["Our busy week"]


def test_only_the_author_can_edit(world):
    post = send_post(world.pupil_a, world.link)
    with pytest.raises(Forbidden):
        services.edit_post(world.teacher_a, post.id, services.PostDraft(title="Changed"))
    for other in (world.pupil_a2, world.pupil_b, world.teacher_b):
        with pytest.raises(NotFound):
            services.edit_post(other, post.id, services.PostDraft(title="Changed"))
    assert db.session.get(Post, post.id).title == "My family"


def test_dual_approval_waits_for_the_receiving_teacher(app):
    world = make_world(policy=ApprovalPolicy.DUAL)
    post = send_post(world.pupil_a, world.link)
    moderation.approve(world.teacher_a, post.item_id)
    assert post.item.stage == Stage.PARTNER_TEACHER
    assert all_titles(world.pupil_b, world.link) == []
    waiting = queries.space_view(world.teacher_b, world.link.id)["waiting"]
    assert [(w["title"], w["yours_to_decide"]) for w in waiting] == [("My family", True)]
    mine = queries.space_view(world.pupil_a, world.link.id)["mine"]
    assert mine[0]["state_label"] == "Waiting for the partner class's teacher"
    moderation.approve(world.teacher_b, post.item_id)
    assert all_titles(world.pupil_b, world.link) == ["My family"]


def test_teacher_withdraws_and_the_partner_class_stops_seeing_it(world):
    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    with pytest.raises(Forbidden):
        services.withdraw_item(world.teacher_b, post.item_id)
    with pytest.raises(NotFound):
        services.withdraw_item(world.teacher_c, post.item_id)
    services.withdraw_item(world.teacher_a, post.item_id, "Posted by mistake")
    assert all_titles(world.pupil_b, world.link) == []
    with pytest.raises(NotFound):
        services.open_image(world.pupil_b, post.images[0].id, "thumb")
    assert link_events(world) == ["item_approved", "item_removed"]
    mine = queries.space_view(world.pupil_a, world.link.id)["mine"]
    assert mine[0]["state_label"] == "Taken back by a teacher"


def test_either_teacher_hides_and_reports(world):
    post = send_post(world.pupil_a, world.link)
    moderation.approve(world.teacher_a, post.item_id)
    with pytest.raises(Invalid):
        services.hide_item(world.teacher_b, post.item_id, " ")
    with pytest.raises(Forbidden):
        services.hide_item(world.facilitator, post.item_id, "unkind")
    with pytest.raises(NotFound):
        services.hide_item(world.teacher_c, post.item_id, "unkind")
    services.hide_item(world.teacher_b, post.item_id, "Unkind words about a classmate")
    assert post.item.state == ItemState.HIDDEN
    assert all_titles(world.pupil_b, world.link) == []
    assert all_titles(world.teacher_b, world.link) == []
    hidden = queries.space_view(world.teacher_a, world.link.id)["columns"][0]["posts"]
    assert [(p["title"], p["state"]) for p in hidden] == [("My family", "hidden")]
    report = db.session.scalar(select(Report))
    assert report.reason == "Unkind words about a classmate"
    with pytest.raises(NotFound):  # the author no longer sees it
        services.edit_post(world.pupil_a, post.id, services.PostDraft(title="x"))


def test_approving_pictures_asks_for_photo_consent(world):
    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    with pytest.raises(Invalid, match="photo consent"):
        moderation.approve(world.teacher_a, post.item_id)
    assert post.item.state == ItemState.PENDING
    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    assert post.item.state == ItemState.APPROVED


def test_text_only_post_needs_no_photo_confirmation(world):
    post = send_post(world.pupil_a, world.link)
    moderation.approve(world.teacher_a, post.item_id)
    assert post.item.state == ItemState.APPROVED


def test_pupil_without_work_consent_cannot_have_a_post_approved(world):
    world.pupil_a.consent_work = False
    post = send_post(world.pupil_a, world.link)
    with pytest.raises(Conflict, match="family has not agreed"):
        moderation.approve(world.teacher_a, post.item_id)
    assert all_titles(world.pupil_b, world.link) == []


@pytest.mark.parametrize(
    ("case", "draft", "field", "message"),
    [
        ("no title", {"title": "  "}, "title", "Please write a title."),
        ("title too long", {"title": "x" * 121}, "title", "at most 120 characters"),
        ("text too long", {"text": "y" * 5001}, "text", "at most 5000 characters"),
        ("nothing to share", {"text": "\n \n"}, "text", "write something or add a picture"),
        ("unknown question", {"questions": ["who_am_i", "zzz"]}, "questions", "from the list"),
        ("phase out of range", {"phase": 7}, "phase", "from the list"),
        ("description too long", {"picture_description": "z" * 301}, "picture_description", "300"),
    ],
)
def test_bad_post_fields_are_refused_and_nothing_is_created(world, case, draft, field, message):
    fields = {"title": "My family", "text": "Hello", **draft}
    with pytest.raises(services.DraftRefused) as refused:
        services.create_post(world.pupil_a, world.link.id, services.PostDraft(**fields))
    assert field in refused.value.errors
    assert message in refused.value.errors[field]
    assert item_count() == 0 and db.session.scalar(select(Post)) is None


def test_tags_and_phase_are_kept_in_programme_order(world):
    post = send_post(
        world.teacher_a, world.link, questions=["how_do_we_live_together", "who_am_i"], phase=2
    )
    card = queries.post_view(world.pupil_b, post.id)
    assert [q["label"] for q in card["questions"]] == ["Who am I?", "How do we all live together?"]
    assert card["phase_name"] == "Community"


def test_html_and_links_are_kept_as_plain_text(world):
    text = "<b>bold</b> <script>alert(1)</script>\nsee https://example.org\r\nbye\x00"
    post = send_post(world.teacher_a, world.link, title="<i>Hi</i>", text=text)
    assert post.title == "<i>Hi</i>"
    assert post.body == "<b>bold</b> <script>alert(1)</script>\nsee https://example.org\nbye"


def test_a_retried_send_is_stored_once(world):
    first = send_post(world.pupil_a, world.link, client_id="c-1")
    again = send_post(world.pupil_a, world.link, client_id="c-1")
    assert first.id == again.id and item_count() == 1


def test_nothing_can_be_shared_in_an_inactive_link(world):
    world.link.status = LinkStatus.ARCHIVED
    db.session.commit()
    with pytest.raises(Conflict, match="not active"):
        send_post(world.pupil_a, world.link)


@pytest.mark.parametrize("role", ["pupil_c", "teacher_c", "other_facilitator"])
def test_outsiders_cannot_post_or_see_the_space(world, role):
    with pytest.raises(NotFound):
        send_post(world.actor(role), world.link)


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_facilitators_read_but_do_not_post(world, role):
    with pytest.raises(Forbidden):
        send_post(world.actor(role), world.link)
    assert queries.space_view(world.actor(role), world.link.id)["viewer"]["can_post"] is False


def test_review_view_gives_the_teacher_the_scanned_text_and_thumbnails(world):
    post = send_post(
        world.pupil_a,
        world.link,
        title="Me",
        text="Call me on 07700 900123",
        uploads=[upload()],
        picture_description="My cat",
    )
    entry = moderation.review_entry(post.item)
    assert entry["title"] == "Me"
    assert entry["text"] == "Me\n\nCall me on 07700 900123\n\nAbout the pictures: My cat"
    flagged = "".join(part for part, flag in entry["highlighted"] if flag)
    assert flagged.replace(" ", "") == "07700900123"
    assert entry["images"][0]["thumb_url"] == f"/api/v1/images/{post.images[0].id}/thumb"
    assert entry["images"][0]["alt"] == "My cat (picture)"
    assert entry["has_images"] is True
    assert entry["context"] == f"A post for {world.class_b.label}"


def test_pictures_are_stored_in_order_without_their_names(world, app):
    post = send_post(
        world.pupil_a,
        world.link,
        uploads=[upload("../../secret.jpg"), upload("b.jpg"), upload("c\x00.jpg")],
    )
    assert [image.position for image in post.images] == [0, 1, 2]
    for image in post.images:
        assert ".." not in image.key and "secret" not in image.key
    assert db.session.scalar(select(PostImage).where(PostImage.post_id.is_(None))) is None
