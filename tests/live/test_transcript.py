"""The transcript: approved messages and stage moments in order, for the two teachers."""

from __future__ import annotations

import csv
import io

import pytest

from exchange.errors import NotFound
from exchange.moderation import services as rule
from exchange.rooms.live import services
from tests.live.conftest import make_post, make_session


def test_transcript_keeps_what_both_classes_saw_in_order(world, stage_posts):
    session = make_session(world)
    services.send_message(world.teacher_a, session.id, "Welcome!")
    waiting = services.send_message(world.pupil_a, session.id, "Still waiting")["item_id"]
    returned = services.send_message(world.pupil_a, session.id, "Not nice")["item_id"]
    services.return_message(world.teacher_a, session.id, returned, "Please be kind")
    shared = services.send_message(world.pupil_b, session.id, "We love football")["item_id"]
    post = make_post(world.teacher_b, world.link, world.class_b, "Our football team", "Go team")
    services.show_on_stage(world.teacher_a, session.id, post.id)
    services.approve_message(world.teacher_b, session.id, shared)
    hidden = services.send_message(world.teacher_b, session.id, "Wrong window")["item_id"]
    rule.hide_and_report(world.teacher_a, hidden, "Posted by mistake")
    services.pause_chat(world.teacher_b, session.id, True)
    services.end_session(world.teacher_a, session.id)

    entries = services.transcript(world.teacher_b, session.id)["entries"]
    assert [(e["type"], e["text"]) for e in entries] == [
        ("message", "Welcome!"),
        ("moment", "On the stage (Post): Our football team"),
        ("message", "We love football"),
        ("moment", "Paused pupils' chat"),
        ("moment", "Ended the session"),
    ]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert all(e["text"] != "Still waiting" for e in entries) and waiting


@pytest.mark.parametrize("role", ["pupil_a", "pupil_b", "teacher_c", "facilitator", "admin"])
def test_only_the_two_teachers_read_the_transcript(world, role):
    session = make_session(world)
    with pytest.raises(NotFound):
        services.transcript(world.actor(role), session.id)


def test_exports_as_text_and_as_a_spreadsheet(world, as_user):
    session = make_session(world)
    services.send_message(world.teacher_a, session.id, '=HYPERLINK("http://x")')
    services.send_message(world.teacher_b, session.id, "Plain, with a comma")
    teacher = as_user(world.teacher_a)
    text = teacher.get(f"/live/{session.id}/transcript.txt")
    assert text.headers["Content-Disposition"].startswith("attachment;")
    body = text.get_data(as_text=True)
    assert body.startswith("Live session: Our linking day")
    assert "Mr Ben Wood (Year 5 Kestrels, Moorside Primary): Plain, with a comma" in body
    sheet = teacher.get(f"/live/{session.id}/transcript.csv")
    assert sheet.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True))))
    assert rows[0] == ["order", "time (UK)", "type", "who", "class", "text"]
    assert rows[1][5] == '\'=HYPERLINK("http://x")'  # never run as a formula
    assert rows[2][5] == "Plain, with a comma"


def test_transcript_page_offers_both_downloads(world, as_user):
    session = make_session(world)
    page = as_user(world.teacher_b).get(f"/live/{session.id}/transcript").get_data(as_text=True)
    assert "transcript.txt" in page and "transcript.csv" in page
    assert "No messages were shared" in page
