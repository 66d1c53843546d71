"""The space's JSON API: every route for every role, and what the pages rely on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from exchange.moderation import services as moderation
from exchange.space.models import Post
from tests.factories import ROLES
from tests.space.conftest import send_comment, send_post, upload
from tests.space.corpus import SECRET, assert_no_metadata, drawing, encode, jpeg_with_everything

MEMBERS = {"teacher_a", "teacher_b", "pupil_a", "pupil_b"}
OVERSEERS = {"admin", "facilitator"}
OUTSIDERS = {"other_facilitator", "teacher_c", "pupil_c"}


@dataclass
class Scene:
    """Fresh content for one request: an approved post (with a picture) from pupil A, an
    approved comment on it from pupil B, and a post from pupil A2 still waiting."""

    post: Post
    comment: Any
    pending: Post


def scene(world) -> Scene:
    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    comment = send_comment(world.pupil_b, post, "Lovely colours")
    moderation.approve(world.teacher_b, comment.item_id)
    pending = send_post(world.pupil_a2, world.link, title="Not yet")
    return Scene(post, comment, pending)


def expect(ok: int, allowed: set[str], refused: dict[int, set[str]]) -> dict[str, int]:
    """Status per role: `ok` for the allowed, the refusals listed, 401 for anonymous."""
    table = {role: ok for role in allowed}
    for status, roles in refused.items():
        table.update(dict.fromkeys(roles, status))
    table["anonymous"] = 401
    assert set(table) == set(ROLES), set(ROLES) - set(table)
    return table


def image_file(name: str = "drawing.jpg") -> tuple[io.BytesIO, str]:
    return io.BytesIO(encode(drawing(), "JPEG")), name


ROUTES: dict[str, tuple[str, Any, Any, dict[str, int]]] = {
    # name: (method, url(world, scene), body(scene) -> kwargs, expected status per role)
    "get space": (
        "get",
        lambda w, s: f"/api/v1/links/{w.link.id}/space",
        lambda s: {},
        expect(200, MEMBERS | OVERSEERS, {404: OUTSIDERS}),
    ),
    "create post": (
        "post",
        lambda w, s: f"/api/v1/links/{w.link.id}/posts",
        lambda s: {"data": {"title": "Hello", "text": "Hi", "images": [image_file()]}},
        expect(201, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "upload images": (
        "post",
        lambda w, s: f"/api/v1/links/{w.link.id}/images",
        lambda s: {"data": {"images": [image_file()]}},
        expect(201, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "get approved post": (
        "get",
        lambda w, s: f"/api/v1/posts/{s.post.id}",
        lambda s: {},
        expect(200, MEMBERS | OVERSEERS, {404: OUTSIDERS}),
    ),
    "get pending post": (
        "get",
        lambda w, s: f"/api/v1/posts/{s.pending.id}",
        lambda s: {},
        expect(200, {"teacher_a"}, {404: (MEMBERS | OVERSEERS | OUTSIDERS) - {"teacher_a"}}),
    ),
    "edit post": (
        "put",
        lambda w, s: f"/api/v1/posts/{s.post.id}",
        lambda s: {"data": {"title": "Changed", "text": "New"}},
        expect(200, {"pupil_a"}, {403: (MEMBERS | OVERSEERS) - {"pupil_a"}, 404: OUTSIDERS}),
    ),
    "comment": (
        "post",
        lambda w, s: f"/api/v1/posts/{s.post.id}/comments",
        lambda s: {"json": {"text": "Great!"}},
        expect(201, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "get comment": (
        "get",
        lambda w, s: f"/api/v1/comments/{s.comment.id}",
        lambda s: {},
        expect(200, MEMBERS | OVERSEERS, {404: OUTSIDERS}),
    ),
    "edit comment": (
        "put",
        lambda w, s: f"/api/v1/comments/{s.comment.id}",
        lambda s: {"json": {"text": "Very lovely colours"}},
        expect(200, {"pupil_b"}, {403: (MEMBERS | OVERSEERS) - {"pupil_b"}, 404: OUTSIDERS}),
    ),
    "withdraw post": (
        "post",
        lambda w, s: f"/api/v1/posts/{s.post.id}/withdraw",
        lambda s: {"json": {"reason": "By mistake"}},
        expect(200, {"teacher_a"}, {403: (MEMBERS | OVERSEERS) - {"teacher_a"}, 404: OUTSIDERS}),
    ),
    "hide post": (
        "post",
        lambda w, s: f"/api/v1/posts/{s.post.id}/hide",
        lambda s: {"json": {"reason": "Unkind"}},
        expect(
            200,
            {"teacher_a", "teacher_b"},
            {403: {"pupil_a", "pupil_b"} | OVERSEERS, 404: OUTSIDERS},
        ),
    ),
    "withdraw comment": (
        "post",
        lambda w, s: f"/api/v1/comments/{s.comment.id}/withdraw",
        lambda s: {"json": {}},
        expect(200, {"teacher_b"}, {403: (MEMBERS | OVERSEERS) - {"teacher_b"}, 404: OUTSIDERS}),
    ),
    "hide comment": (
        "post",
        lambda w, s: f"/api/v1/comments/{s.comment.id}/hide",
        lambda s: {"json": {"reason": "Unkind"}},
        expect(
            200,
            {"teacher_a", "teacher_b"},
            {403: {"pupil_a", "pupil_b"} | OVERSEERS, 404: OUTSIDERS},
        ),
    ),
    "react to post": (
        "put",
        lambda w, s: f"/api/v1/posts/{s.post.id}/reactions/star",
        lambda s: {},
        expect(200, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "unreact to post": (
        "delete",
        lambda w, s: f"/api/v1/posts/{s.post.id}/reactions/star",
        lambda s: {},
        expect(200, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "react to comment": (
        "put",
        lambda w, s: f"/api/v1/comments/{s.comment.id}/reactions/wow",
        lambda s: {},
        expect(200, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "unreact to comment": (
        "delete",
        lambda w, s: f"/api/v1/comments/{s.comment.id}/reactions/wow",
        lambda s: {},
        expect(200, MEMBERS, {403: OVERSEERS, 404: OUTSIDERS}),
    ),
    "get picture": (
        "get",
        lambda w, s: f"/api/v1/images/{s.post.images[0].id}/thumb",
        lambda s: {},
        expect(200, MEMBERS | OVERSEERS, {404: OUTSIDERS}),
    ),
    "get waiting picture": (
        "get",
        lambda w, s: f"/api/v1/images/{s.pending_image}/full",
        lambda s: {},
        expect(200, {"pupil_a"}, {404: (MEMBERS | OVERSEERS | OUTSIDERS) - {"pupil_a"}}),
    ),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_answers_every_role_as_the_rule_says(world, as_user, route):
    method, url, body, expected = ROUTES[route]
    answers = {}
    for role in ROLES:
        fresh = scene(world)
        if route == "get waiting picture":
            from exchange.space import services

            kept, _ = services.stage_images(world.pupil_a, world.link.id, [upload()])
            fresh.pending_image = kept[0].id  # type: ignore[attr-defined]
        response = getattr(as_user(world.actor(role)), method)(url(world, fresh), **body(fresh))
        answers[role] = response.status_code
        if response.status_code >= 400:
            assert response.is_json and response.json["ok"] is False and response.json["message"]
    assert answers == expected


def test_space_lists_both_columns_and_the_streams_to_follow(world, as_user):
    s = scene(world)
    body = as_user(world.pupil_b).get(f"/api/v1/links/{world.link.id}/space").json
    own, partner = body["columns"]
    assert own["class_id"] == world.class_b.id and partner["posts"][0]["post_id"] == s.post.id
    assert partner["posts"][0]["comment_count"] == 1
    assert partner["posts"][0]["comments"][0]["text"] == "Lovely colours"
    assert set(body["streams"]) == {f"link:{world.link.id}", f"pupil:{world.pupil_b.id}"}
    assert [r["key"] for r in body["reactions"]] == [
        "star", "clap", "heart", "wow", "thinking", "smile"
    ]  # fmt: skip
    teacher = as_user(world.teacher_a).get(f"/api/v1/links/{world.link.id}/space").json
    assert [w["title"] for w in teacher["waiting"]] == ["Not yet"]
    assert f"queue:{world.class_a.id}" in teacher["streams"]


def test_space_can_be_filtered_by_question_and_paged(world, as_user):
    send_post(world.teacher_a, world.link, title="Me", questions=["who_am_i"])
    send_post(world.teacher_a, world.link, title="Us", questions=["who_are_we"])
    browser = as_user(world.pupil_b)
    body = browser.get(f"/api/v1/links/{world.link.id}/space?question=who_am_i").json
    assert [p["title"] for p in body["columns"][1]["posts"]] == ["Me"]
    bad = browser.get(f"/api/v1/links/{world.link.id}/space?question=who_is_bob")
    assert bad.status_code == 422 and bad.json["error"] == "invalid"
    newest = browser.get(f"/api/v1/links/{world.link.id}/space").json["columns"][1]["posts"][0]
    older = browser.get(f"/api/v1/links/{world.link.id}/space?before={newest['post_id']}").json
    assert [p["title"] for p in older["columns"][1]["posts"]] == ["Me"]


def test_post_with_a_refused_file_answers_422_and_keeps_the_good_picture(world, as_user):
    browser = as_user(world.pupil_a)
    response = browser.post(
        f"/api/v1/links/{world.link.id}/posts",
        data={
            "title": "Our model",
            "text": "It is a bridge",
            "questions": ["who_are_we", ""],
            "phase": "",
            "images": [image_file("bridge.jpg"), (io.BytesIO(b"%PDF-1.4"), "plan.pdf")],
        },
    )
    assert response.status_code == 422
    details = response.json["details"]
    assert details["refused"][0]["file"] == "plan.pdf"
    assert "PDF document" in details["refused"][0]["reason"]
    kept = [k["id"] for k in details["kept_images"]]
    retry = browser.post(
        f"/api/v1/links/{world.link.id}/posts",
        data={"title": "Our model", "text": "It is a bridge", "keep_images": kept},
    )
    assert retry.status_code == 201
    assert [i["id"] for i in retry.json["images"]] == kept
    assert (
        retry.json["state"] == "pending" and retry.json["state_label"] == "Waiting for your teacher"
    )


@pytest.mark.parametrize(
    ("case", "data", "field"),
    [
        ("missing title", {"text": "x"}, "title"),
        ("title too long", {"title": "t" * 121, "text": "x"}, "title"),
        ("phase is not a number", {"title": "t", "text": "x", "phase": "two"}, "phase"),
        ("unknown question", {"title": "t", "text": "x", "questions": ["why"]}, "questions"),
        ("keep_images not ids", {"title": "t", "text": "x", "keep_images": ["a"]}, "keep_images"),
    ],
)
def test_bad_post_forms_are_refused_with_the_field_named(world, as_user, case, data, field):
    response = as_user(world.pupil_a).post(f"/api/v1/links/{world.link.id}/posts", data=data)
    assert response.status_code == 422
    details = response.json["details"]
    assert field in details.get("errors", {}) or field in details.get("form", {})
    assert (
        as_user(world.teacher_a).get(f"/api/v1/links/{world.link.id}/space").json["waiting"] == []
    )


@pytest.mark.parametrize(
    ("case", "url", "body"),
    [
        ("empty comment", "comments", {"text": " "}),
        ("comment missing", "comments", {}),
        ("reply to unknown comment", "comments", {"text": "x", "parent_id": 999}),
        ("unknown reaction", "reactions/thumbsdown", None),
        ("hide without reason", "hide", {"reason": ""}),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(world, as_user, case, url, body):
    s = scene(world)
    browser = as_user(world.teacher_b)
    method = browser.put if url.startswith("reactions") else browser.post
    response = method(f"/api/v1/posts/{s.post.id}/{url}", json=body)
    assert response.status_code in (404, 422)
    assert response.json["ok"] is False and response.json["message"]
    view = as_user(world.pupil_b).get(f"/api/v1/posts/{s.post.id}").json
    assert view["comment_count"] == 1 and view["state"] == "approved"
    assert all(r["count"] == 0 for r in view["reactions"])


def test_served_picture_is_clean_sandboxed_and_never_cached(world, as_user):
    browser = as_user(world.pupil_a)
    created = browser.post(
        f"/api/v1/links/{world.link.id}/posts",
        data={"title": "Camera", "images": [(io.BytesIO(jpeg_with_everything()), "IMG_1.JPG")]},
    )
    assert created.status_code == 201, created.json
    picture = created.json["images"][0]
    for url in (picture["full_url"], picture["thumb_url"]):
        response = browser.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "no-store" in response.headers["Cache-Control"]
        assert SECRET not in response.data
        assert_no_metadata(response.data)
    assert browser.get(f"/api/v1/images/{picture['id']}/original").status_code == 404


def test_reaction_answers_the_new_counts(world, as_user):
    s = scene(world)
    browser = as_user(world.pupil_b)
    assert browser.put(f"/api/v1/posts/{s.post.id}/reactions/heart").json == {
        "item_id": s.post.item_id,
        "counts": {"heart": 1},
        "mine": ["heart"],
    }
    assert browser.delete(f"/api/v1/posts/{s.post.id}/reactions/heart").json["counts"] == {}


def test_openapi_documents_the_space(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/links/{link_id}/space",
        "/api/v1/links/{link_id}/posts",
        "/api/v1/links/{link_id}/images",
        "/api/v1/posts/{post_id}/comments",
        "/api/v1/images/{image_id}/{size}",
    ):
        assert path in paths
