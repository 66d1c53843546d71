"""The navigation's kept entries: read once per user while fresh, forgotten when it matters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from exchange import areas, nav, realtime, sockets  # noqa: F401 - areas first (import cycle)
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.insights import surveys
from exchange.moderation import services as moderation
from exchange.space import services as space
from tests.sql import recorded


@pytest.fixture
def kept(app, monkeypatch):
    """Navigation entries kept for 15 s, on a clock the test moves."""
    app.config["NAV_CACHE_SECONDS"] = 15
    now = [1000.0]
    monkeypatch.setattr(nav, "_clock", lambda: now[0])
    return now


def entries(page: bytes) -> list[str]:
    """The main navigation's entries as a reader hears them."""
    html = page.decode()
    found = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S)
    assert found, "the page has no main navigation"
    return [
        " ".join(re.sub(r"<[^>]+>|[()]", " ", a).split())
        for a in re.findall(r"<a [^>]*>(.*?)</a>", found[1], re.S)
    ]


def test_a_pupils_navigation_is_read_once_while_it_is_fresh(kept, world, as_user):
    pupil = as_user(world.pupil_a)
    space_page = f"/links/{world.link.id}/space"
    with recorded() as first:
        assert pupil.get(space_page).status_code == 200
    with recorded() as again:
        assert pupil.get(space_page).status_code == 200
    surveys_read = [s for s in first if "FROM survey" in s]
    assert surveys_read, "the first page reads the pupil's open surveys"
    assert not [s for s in again if "FROM survey" in s]
    assert len(again) < len(first)
    kept[0] += 16  # past NAV_SECONDS: read again
    with recorded() as later:
        pupil.get(space_page)
    assert [s for s in later if "FROM survey" in s]


def test_a_survey_published_meanwhile_shows_once_the_entries_are_stale(kept, world, as_user):
    pupil = as_user(world.pupil_a)
    home = f"/links/{world.link.id}/space"
    assert "Survey" not in " ".join(entries(pupil.get(home).data))
    surveys.publish(world.facilitator, world.district.id, "before")
    db.session.commit()
    assert "Survey" not in " ".join(entries(pupil.get(home).data)), "kept for a few seconds"
    kept[0] += 15
    assert "Survey 1 waiting" in " ".join(entries(pupil.get(home).data))


def test_a_pupil_who_answers_the_survey_no_longer_sees_it_on_the_next_page(kept, world, as_user):
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    db.session.commit()
    pupil = as_user(world.pupil_a)
    home = f"/links/{world.link.id}/space"
    assert "Survey 1 waiting" in " ".join(entries(pupil.get(home).data))
    sent = pupil.post(f"/surveys/{survey.id}", data={"s-comfortable": "5"})
    assert sent.status_code == 303
    assert "Survey" not in " ".join(entries(pupil.get(home).data))
    # The same pupil in the other tab: one user, one set of entries.
    assert "Survey" not in " ".join(entries(as_user(world.pupil_a).get(home).data))


def test_a_teacher_added_to_a_class_sees_it_at_once(kept, world, as_user):
    teacher = as_user(world.teacher_a)
    assert world.class_c.name not in entries(teacher.get("/").data)
    world.class_c.teachers.append(world.teacher_a)  # by the admin, in another request
    db.session.commit()
    assert world.class_c.name in entries(teacher.get("/").data)


def test_every_users_entries_are_forgotten_when_another_process_changes_an_account(
    kept, world, as_user
):
    state = sockets.SweepState()
    sockets.sweep(state)  # the sweeper has seen the counter as it is
    teacher = as_user(world.teacher_a)
    assert world.class_c.name not in entries(teacher.get("/").data)
    # Another process adds the teacher to class C: its commit moves the account-change
    # counter, and this process hears of it at its sweeper's next tick.
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO class_teacher (classroom_id, user_id) VALUES (:c, :u)"),
            {"c": world.class_c.id, "u": world.teacher_a.id},
        )
        realtime.bump_counter(connection, realtime.ACCOUNT_CHANGES)
    db.session.expire_all()
    assert world.class_c.name not in entries(teacher.get("/").data), "kept until the tick"
    sockets.sweep(state)
    db.session.expire_all()
    assert world.class_c.name in entries(teacher.get("/").data)


def test_the_queue_count_is_never_kept(kept, world, as_user):
    teacher = as_user(world.teacher_a)
    assert "Queue" in entries(teacher.get("/").data)
    post = space.create_post(world.pupil_a, world.link.id, space.PostDraft("Our river", "x"))
    assert "Queue 1 waiting" in entries(teacher.get("/").data)
    moderation.approve(world.teacher_a, post.item_id)
    assert "Queue" in entries(teacher.get("/").data)


def test_reuse_is_off_when_the_app_sets_no_seconds(app, world, as_user):
    app.config["NAV_CACHE_SECONDS"] = 0
    pupil, home = as_user(world.pupil_a), f"/links/{world.link.id}/space"
    pupil.get(home)
    with recorded() as again:
        pupil.get(home)
    assert [s for s in again if "FROM survey" in s]


def test_a_process_keeps_a_bounded_number_of_users(kept, app, monkeypatch, world, as_user):
    monkeypatch.setattr(nav, "_PRUNE_AT", 3)
    for pupil in (world.pupil_a, world.pupil_a2, world.pupil_b):
        as_user(pupil).get(f"/links/{world.link.id}/space")
    assert len(app.extensions[nav._STORE]) == 3
    kept[0] += 16
    as_user(world.pupil_c).get("/")
    assert set(app.extensions[nav._STORE]) == {nav._key(world.pupil_c)}


def test_a_process_full_of_fresh_entries_starts_again_rather_than_grow(
    kept, app, monkeypatch, world, as_user
):
    monkeypatch.setattr(nav, "_PRUNE_AT", 2)
    for pupil in (world.pupil_a, world.pupil_a2, world.pupil_b):
        as_user(pupil).get(f"/links/{world.link.id}/space")
    assert set(app.extensions[nav._STORE]) == {nav._key(world.pupil_b)}


def test_a_staff_user_and_a_pupil_with_the_same_id_keep_entries_of_their_own(
    kept, app, world, as_user
):
    staff = db.session.get(User, world.pupil_a.id)
    assert staff is not None, "the world has a staff user with the pupil's id"
    pupil_entries = entries(as_user(world.pupil_a).get(f"/links/{world.link.id}/space").data)
    staff_entries = entries(as_user(staff).get("/").data)
    assert "Our space" in pupil_entries and "Our space" not in staff_entries
    assert "Password" in staff_entries and "Password" not in pupil_entries
    assert len(app.extensions[nav._STORE]) == 2
