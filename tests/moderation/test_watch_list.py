"""A district's watch list: facilitators keep it; the detector marks its words for teachers."""

from __future__ import annotations

import pytest

from exchange.errors import Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services, watchlist
from exchange.moderation.watchlist import WATCH_LIST_MAX
from tests.moderation.conftest import send_note


def test_added_words_are_flagged_in_what_pupils_send_next(world, notes):
    before = send_note(world.pupil_a, world.link, world.class_a, text="We play at Moorside park")
    assert before.flags == []
    added = watchlist.add_watch_words(
        world.facilitator, world.district.id, "Moorside, Oakfield Estate"
    )
    assert added == ["Moorside", "Oakfield Estate"]
    after = send_note(world.pupil_a, world.link, world.class_a, text="We play at moorside park")
    assert [(f["kind"], f["text"], f["label"]) for f in after.flags] == [
        ("watch", "moorside", "Watch-list word")
    ]
    other = send_note(world.pupil_c, None, world.class_c, text="moorside")
    assert [f["kind"] for f in other.flags] == ["watch"]  # the same district


def test_other_districts_words_are_not_used(world, notes):
    watchlist.add_watch_words(world.admin, world.other_district.id, "Moorside")
    item = send_note(world.pupil_a, world.link, world.class_a, text="Moorside")
    assert item.flags == []


def test_changes_are_audited_in_the_district_log(world):
    watchlist.add_watch_words(world.facilitator, world.district.id, "Moorside")
    watchlist.remove_watch_word(world.facilitator, world.district.id, "MOORSIDE")
    log = services.audit_log(world.facilitator, district_id=world.district.id)
    assert [(e.action, e.reason, e.item_id) for e in reversed(log)] == [
        ("watch_word_added", "Moorside", None),
        ("watch_word_removed", "Moorside", None),
    ]
    assert watchlist.watch_words(world.facilitator, world.district.id) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please type a word"),
        (" ,\n, ", "Please type a word"),
        ("x" * 61, "too long"),
        ("!!!", "no letters or digits"),
        ("Moorside, moorside", "already on the watch list"),
    ],
    ids=["empty", "only-separators", "too-long", "no-letters", "duplicate"],
)
def test_bad_words_are_refused_and_change_nothing(world, text, message):
    watchlist.add_watch_words(world.facilitator, world.district.id, "Moorside")
    with pytest.raises(Invalid, match=message):
        watchlist.add_watch_words(world.facilitator, world.district.id, text)
    assert watchlist.watch_words(world.facilitator, world.district.id) == ["Moorside"]


def test_one_bad_word_stops_the_whole_addition(world):
    with pytest.raises(Invalid):
        watchlist.add_watch_words(world.facilitator, world.district.id, "Fine, ???")
    assert watchlist.watch_words(world.facilitator, world.district.id) == []


def test_the_list_has_a_limit(world):
    world.district.watch_words = [f"word{n}" for n in range(WATCH_LIST_MAX)]
    db.session.commit()
    with pytest.raises(Invalid, match="at most"):
        watchlist.add_watch_words(world.facilitator, world.district.id, "one more")


def test_only_the_districts_facilitators_and_admins_manage_it(world):
    for outsider in (world.other_facilitator, world.teacher_a, world.pupil_a):
        with pytest.raises(Forbidden):
            watchlist.watch_words(outsider, world.district.id)
        with pytest.raises(Forbidden):
            watchlist.add_watch_words(outsider, world.district.id, "x")
    with pytest.raises(NotFound):
        watchlist.watch_words(world.admin, 9999)
    with pytest.raises(NotFound):
        watchlist.remove_watch_word(world.facilitator, world.district.id, "absent")


def test_watch_list_page(world, as_user):
    browser = as_user(world.facilitator)
    url = f"/districts/{world.district.id}/watch-list"
    assert "The list is empty" in browser.get(url).get_data(as_text=True)
    response = browser.post(url, data={"words": "Moorside\nOakfield Estate"})
    assert response.status_code == 303
    html = browser.get(url).get_data(as_text=True)
    assert "Added to the watch list: Moorside, Oakfield Estate." in html
    assert '<span class="watch-word">Moorside</span>' in html
    refused = browser.post(url, data={"words": "moorside"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "already on the watch list" in text and ">moorside</textarea>" in text
    assert browser.post(url + "/remove", data={"word": "Moorside"}).status_code == 303
    assert "Removed from the watch list: Moorside." in browser.get(url).get_data(as_text=True)
    missing = browser.post(url + "/remove", data={"word": "Moorside"})
    assert missing.status_code == 404 and "not on the watch list" in missing.get_data(as_text=True)


def test_watch_list_api(world, as_user):
    browser = as_user(world.facilitator)
    url = f"/api/v1/districts/{world.district.id}/watch-words"
    assert browser.get(url).json == {"words": []}
    added = browser.post(url, json={"words": ["Moorside", "Oakfield Estate"]})
    assert added.status_code == 201 and added.json == {"words": ["Moorside", "Oakfield Estate"]}
    assert browser.post(url, json={"words": []}).status_code == 422
    assert browser.post(url, json={"words": "Moorside"}).status_code == 422
    assert browser.post(url, json={"words": ["Moorside"]}).json["error"] == "invalid"
    removed = browser.delete(url + "?word=moorside")
    assert removed.status_code == 200 and removed.json == {"words": ["Oakfield Estate"]}
    assert browser.delete(url + "?word=moorside").status_code == 404
    assert browser.delete(url).status_code == 422
