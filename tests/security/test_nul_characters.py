"""A NUL character (0x00) in any text: refused with a clear message on both engines, never a
500 (PostgreSQL text cannot hold one), and nothing is stored."""

from __future__ import annotations

from exchange.extensions import db
from exchange.space.models import Post

MESSAGE = "contains a NUL character"


def test_a_class_code_with_a_nul_is_refused_clearly(client):
    answer = client.post("/api/v1/session/pupil/class", json={"class_code": "oak\x005a"})
    assert answer.status_code == 422
    assert MESSAGE in answer.json["message"]


def test_a_post_with_a_nul_is_refused_and_nothing_is_stored(world, as_user):
    teacher = as_user(world.teacher_a)
    answer = teacher.post(
        f"/api/v1/links/{world.link.id}/posts",
        json={"title": "Our map", "text": "Hello\x00there"},
    )
    assert answer.status_code == 422 and MESSAGE in answer.json["message"]
    assert db.session.query(Post).count() == 0


def test_a_sign_in_form_with_a_nul_shows_the_message(client):
    answer = client.post("/sign-in", data={"email": "a\x00@example.org", "password": "x"})
    assert answer.status_code == 422
    assert MESSAGE in answer.get_data(as_text=True)


def test_a_query_with_a_nul_is_refused(world, as_user):
    answer = as_user(world.pupil_a).get(f"/links/{world.link.id}/space?question=a%00b")
    assert answer.status_code == 422
    assert MESSAGE in answer.get_data(as_text=True)
