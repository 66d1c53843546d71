"""The space's pages (test client): every route for every role, the composer and its errors,
teachers' forms, reactions without JavaScript and the live fragments."""

from __future__ import annotations

import io
import re

import pytest

from exchange.moderation import services as moderation
from exchange.moderation.models import ItemState
from exchange.space.models import Post
from tests.factories import ROLES
from tests.space.conftest import send_comment, send_post, upload
from tests.space.corpus import drawing, encode

MEMBERS = {"teacher_a", "teacher_b", "pupil_a", "pupil_b"}
OVERSEERS = {"admin", "facilitator"}
OUTSIDERS = {"other_facilitator", "teacher_c", "pupil_c"}


def jpeg(name="drawing.jpg"):
    return io.BytesIO(encode(drawing(), "JPEG")), name


def shared(world):
    post = send_post(world.pupil_a, world.link, title="Our garden", uploads=[upload()])
    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    comment = send_comment(world.pupil_b, post, "Lovely")
    moderation.approve(world.teacher_b, comment.item_id)
    return post, comment


def status_for(role):
    if role == "anonymous":
        return 302  # to sign in
    return 200 if role in MEMBERS | OVERSEERS else 404


@pytest.mark.parametrize(
    "path",
    [
        "/links/{link}/space",
        "/posts/{post}",
        "/links/{link}/space/mine",
        "/links/{link}/space/waiting",
        "/links/{link}/space/older",
        "/posts/{post}/card",
        "/comments/{comment}/card",
    ],
)
def test_pages_and_fragments_answer_every_role(world, as_user, path):
    post, comment = shared(world)
    url = path.format(link=world.link.id, post=post.id, comment=comment.id)
    answers = {role: as_user(world.actor(role)).get(url).status_code for role in ROLES}
    assert answers == {role: status_for(role) for role in ROLES}


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/posts/{post}/edit", {"pupil_a"}), ("/comments/{comment}/edit", {"pupil_b"})],
)
def test_edit_pages_are_only_for_authors(world, as_user, path, allowed):
    post, comment = shared(world)
    url = path.format(post=post.id, comment=comment.id)
    answers = {role: as_user(world.actor(role)).get(url).status_code for role in ROLES}
    expected = {
        role: 200
        if role in allowed
        else 302
        if role == "anonymous"
        else 404
        if role in OUTSIDERS
        else 403
        for role in ROLES
    }
    assert answers == expected


def test_space_page_shows_both_classes_side_by_side_and_escapes_text(world, as_user):
    send_post(
        world.teacher_b, world.link, title="<img src=x onerror=alert(1)>", text="a\nb <b>c</b>"
    )
    post, _ = shared(world)
    html = as_user(world.pupil_a).get(f"/links/{world.link.id}/space").get_data(as_text=True)
    assert "Our class: Class 5A, Oakfield Primary" in html
    assert "Partner class: Year 5 Kestrels, Moorside Primary" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "a\nb &lt;b&gt;c&lt;/b&gt;" in html
    assert 'accept="image/*" multiple' in html
    assert "<script>" not in html.split("</main>")[0]  # no inline script in the page
    assert f'data-streams="{{&#34;link:{world.link.id}&#34;' in html


def test_pupil_sends_a_post_with_a_picture_and_sees_it_waiting(world, as_user):
    browser = as_user(world.pupil_a)
    response = browser.post(
        f"/links/{world.link.id}/space/posts",
        data={"title": "My drawing", "text": "A tiger", "phase": "1", "images": [jpeg()]},
    )
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent to your teacher" in page
    mine = page.split('id="mine"')[1].split("</section>")[0]
    assert "My drawing" in mine and "Waiting for your teacher" in mine


def test_refused_picture_keeps_the_text_and_the_good_picture_on_the_page(world, as_user):
    browser = as_user(world.pupil_a)
    response = browser.post(
        f"/links/{world.link.id}/space/posts",
        data={
            "title": "Our bridge",
            "text": "It holds\nthree books",
            "questions": ["who_are_we"],
            "images": [jpeg("bridge.jpg"), (io.BytesIO(b"%PDF-1.4"), "plan.pdf")],
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“plan.pdf” was not added: it is a PDF document" in html
    assert 'value="Our bridge"' in html and "It holds\nthree books</textarea>" in html
    assert 'value="who_are_we" checked' in html
    kept = re.findall(r'name="keep_images" value="(\d+)" checked', html)
    assert len(kept) == 1
    again = browser.post(
        f"/links/{world.link.id}/space/posts",
        data={"title": "Our bridge", "text": "It holds three books", "keep_images": kept},
    )
    assert again.status_code == 302
    post = Post.query.one()
    assert [str(i.id) for i in post.images] == kept


@pytest.mark.parametrize(
    ("case", "data", "message"),
    [
        ("no title", {"text": "hello"}, "Please write a title."),
        ("phase not a number", {"title": "t", "phase": "two"}, "“Phase” was not filled in"),
        ("nothing to share", {"title": "t"}, "Please write something or add a picture."),
    ],
)
def test_bad_composer_input_is_shown_and_nothing_is_sent(world, as_user, case, data, message):
    response = as_user(world.pupil_a).post(f"/links/{world.link.id}/space/posts", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Post.query.count() == 0


def test_edit_page_removes_a_picture_and_sends_again(world, as_user):
    post = send_post(world.pupil_a, world.link, uploads=[upload("a.jpg"), upload("b.jpg")])
    moderation.return_item(world.teacher_a, post.item_id, "Only one picture, please")
    browser = as_user(world.pupil_a)
    page = browser.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "Only one picture, please" in page
    response = browser.post(
        f"/posts/{post.id}/edit",
        data={"title": "My family", "text": "Just one", "remove_images": [post.images[0].id]},
    )
    assert response.status_code == 302
    post = Post.query.filter_by(id=post.id).one()
    assert len(post.images) == 1 and post.item.state == ItemState.PENDING


def test_comment_form_keeps_the_text_on_an_error(world, as_user):
    post, _ = shared(world)
    response = as_user(world.pupil_b).post(
        f"/posts/{post.id}/comments", data={"text": "x" * 1001, "next": "/evil"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at most 1000 characters" in html and "x" * 1001 in html


def test_comment_form_sends_to_the_teacher_and_stays_on_this_site(world, as_user):
    post, _ = shared(world)
    response = as_user(world.pupil_b).post(
        f"/posts/{post.id}/comments", data={"text": "Wow", "next": "//evil.example/x"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/links/{world.link.id}/space#comment-")


def test_teachers_withdraw_and_hide_from_the_page(world, as_user):
    post, comment = shared(world)
    teacher_b = as_user(world.teacher_b)
    refused = teacher_b.post(f"/posts/{post.id}/withdraw", follow_redirects=True)
    assert "Only a teacher of the author" in refused.get_data(as_text=True)
    empty = teacher_b.post(
        f"/comments/{comment.id}/hide", data={"reason": ""}, follow_redirects=True
    )
    assert "Please say why" in empty.get_data(as_text=True)
    done = teacher_b.post(f"/comments/{comment.id}/hide", data={"reason": "Unkind"})
    assert done.status_code == 302 and comment.item.state == ItemState.HIDDEN
    as_user(world.teacher_a).post(f"/posts/{post.id}/withdraw", data={"reason": "Oops"})
    assert post.item.state == ItemState.WITHDRAWN


def test_reaction_button_toggles_without_javascript(world, as_user):
    post, _ = shared(world)
    browser = as_user(world.pupil_b)
    browser.post(f"/items/{post.item_id}/react", data={"reaction": "clap"})
    card = browser.get(f"/posts/{post.id}/card").get_data(as_text=True)
    assert re.search(r'data-reaction="clap" aria-pressed="true"', card)
    browser.post(f"/items/{post.item_id}/react", data={"reaction": "clap"})
    card = browser.get(f"/posts/{post.id}/card").get_data(as_text=True)
    assert re.search(r'data-reaction="clap" aria-pressed="false"', card)
    odd = browser.post(
        f"/items/{post.item_id}/react", data={"reaction": "angry"}, follow_redirects=True
    )
    assert "Please choose one of the reactions." in odd.get_data(as_text=True)


def test_teacher_sees_what_waits_with_a_link_to_the_queue(world, as_user):
    send_post(world.pupil_a, world.link, title="Pending post")
    html = (
        as_user(world.teacher_a).get(f"/links/{world.link.id}/space/waiting").get_data(as_text=True)
    )
    assert "Pending post" in html and "Waiting for you" in html
    assert 'href="/queue"' in html
    other = as_user(world.teacher_b).get(f"/links/{world.link.id}/space/waiting")
    assert "Pending post" not in other.get_data(as_text=True)


def _state(item_id):
    from exchange.extensions import db
    from exchange.moderation.models import ModerationItem

    db.session.expire_all()
    return db.session.get(ModerationItem, item_id).state.value


def _stars(item_id):
    from exchange.space.services import reaction_counts

    return reaction_counts([item_id])[item_id].get("star", 0)


# name: (url, form data, what changed (scene -> value), roles whose request changes it)
FORMS = {
    "send a post": (
        "/links/{link}/space/posts",
        {"title": "Hi", "text": "Hello"},
        lambda s: Post.query.count(),
        MEMBERS,
    ),
    "comment": (
        "/posts/{post}/comments",
        {"text": "Nice"},
        lambda s: queries_count(s),
        MEMBERS,
    ),
    "edit a post": (
        "/posts/{post}/edit",
        {"title": "Changed", "text": "New"},
        lambda s: Post.query.filter_by(id=s[0].id).one().title,
        {"pupil_a"},
    ),
    "edit a comment": (
        "/comments/{comment}/edit",
        {"text": "Changed"},
        lambda s: _state(s[1].item_id),
        {"pupil_b"},
    ),
    "withdraw a post": (
        "/posts/{post}/withdraw",
        {"reason": ""},
        lambda s: _state(s[0].item_id),
        {"teacher_a"},
    ),
    "hide a comment": (
        "/comments/{comment}/hide",
        {"reason": "Unkind"},
        lambda s: _state(s[1].item_id),
        {"teacher_a", "teacher_b"},
    ),
    "react": ("/items/{item}/react", {"reaction": "star"}, lambda s: _stars(s[0].item_id), MEMBERS),
}


def queries_count(scene):
    from exchange.space.models import Comment

    return Comment.query.filter_by(post_id=scene[0].id).count()


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_changes_things_only_for_the_roles_the_rule_allows(world, as_user, form):
    path, data, measure, allowed = FORMS[form]
    outcomes = {}
    for role in ROLES:
        scene = shared(world)
        url = path.format(
            link=world.link.id, post=scene[0].id, comment=scene[1].id, item=scene[0].item_id
        )
        before = measure(scene)
        response = as_user(world.actor(role)).post(url, data=data)
        changed = measure(scene) != before
        outcomes[role] = (response.status_code, changed)
    for role, (status, changed) in outcomes.items():
        assert changed == (role in allowed), (role, status)
        if role == "anonymous":
            assert status == 302  # to sign in
        elif role in OUTSIDERS:
            assert status == 404, role
        elif role in allowed:
            assert status == 302, role


def test_space_shows_the_latest_conversations_and_the_post_page_shows_all(world, as_user):
    post = send_post(world.teacher_a, world.link, title="Our trip")
    for n in range(5):
        send_comment(world.teacher_b, post, f"Comment number {n}")
    browser = as_user(world.pupil_b)
    space = browser.get(f"/links/{world.link.id}/space").get_data(as_text=True)
    assert "Comment number 4" in space and "Comment number 3" in space
    assert "Comment number 2" not in space
    assert "Show all 5 comments" in space
    page = browser.get(f"/posts/{post.id}").get_data(as_text=True)
    assert all(f"Comment number {n}" in page for n in range(5))
    assert "Show all" not in page
    api = browser.get(f"/api/v1/links/{world.link.id}/space").json["columns"][1]["posts"][0]
    assert (api["comment_count"], api["comments_hidden"], len(api["comments"])) == (5, 3, 2)
