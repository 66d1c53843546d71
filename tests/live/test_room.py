"""The live room: presence, reactions, hands up, the stage, the agenda, teacher controls, the
teachers' channel, and catching up after a reconnect."""

from __future__ import annotations

from datetime import timedelta

from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.rooms.live import services
from exchange.rooms.live.models import LiveSession
from tests.live.conftest import acked, make_post, make_session, received


def enter(sock, session, *streams):
    for stream in streams:
        assert acked(sock, "subscribe", {"stream": stream})["ok"], stream
    ack = acked(sock, "live_join", {"session_id": session.id})
    assert ack["ok"], ack
    return ack


def last(sock, name):
    found = received(sock, name)
    assert found, f"no {name}"
    return found[-1]


def test_both_classes_see_who_is_connected_and_teachers_see_names(world, live_socket):
    session = make_session(world)
    live, teachers = f"live:{session.id}", f"live:{session.id}:teachers"
    teacher = live_socket(world.teacher_b)
    enter(teacher, session, live, teachers)
    pupil_b = live_socket(world.pupil_b)
    enter(pupil_b, session, live)
    pupil_a = live_socket(world.pupil_a)
    snapshot = enter(pupil_a, session, live)
    classes = {c["class_id"]: c for c in snapshot["presence"]["classes"]}
    assert classes[world.class_a.id]["pupils"] == 1 and classes[world.class_b.id]["pupils"] == 1
    assert classes[world.class_b.id]["teachers"] == 1
    assert "people" not in snapshot["presence"]  # pupils see numbers, not names
    names = last(teacher, "presence_changed")
    assert {p["name"] for p in names["people"]} == {"Mr Ben Wood", "Oliver P.", "Aisha K."}
    pupils_view = last(pupil_b, "presence_changed")
    assert "people" not in pupils_view
    # A second tab of the same pupil does not count twice; closing one keeps them present.
    second_tab = live_socket(world.pupil_a)
    enter(second_tab, session, live)
    assert {c["class_id"]: c["pupils"] for c in last(pupil_b, "presence_changed")["classes"]}[
        world.class_a.id
    ] == 1
    second_tab.disconnect()
    pupil_a.disconnect()
    after = {c["class_id"]: c["pupils"] for c in last(pupil_b, "presence_changed")["classes"]}
    assert world.class_a.id not in after


def test_presence_counts_nobody_before_the_lobby_opens(world, live_socket):
    session = make_session(world, starts_in=timedelta(hours=3))
    pupil = live_socket(world.pupil_a)
    snapshot = enter(pupil, session)
    assert snapshot["presence"]["classes"] == []
    assert snapshot["session"]["phase"] == "scheduled"


def test_reactions_from_the_safe_set_count_up_on_every_screen(world, live_socket):
    session = make_session(world)
    partner = live_socket(world.pupil_b)
    enter(partner, session, f"live:{session.id}")
    pupil = live_socket(world.pupil_a)
    for reaction in ("clap", "clap", "heart"):
        assert acked(pupil, "live_react", {"session_id": session.id, "reaction": reaction})["ok"]
    counts = last(partner, "reactions_changed")["counts"]
    assert counts["clap"] == 2 and counts["heart"] == 1 and counts["party"] == 0
    assert services.reaction_counts(session.id)["clap"] == 2
    refused = acked(pupil, "live_react", {"session_id": session.id, "reaction": "thumbs_down"})
    assert refused["error"] == "invalid" and "reactions shown" in refused["message"]


def test_reactions_are_rate_limited_per_pupil(world, live_socket, app):
    app.config["LIVE_RATE_REACTION"] = (3, 60)
    session = make_session(world)
    pupil = live_socket(world.pupil_a)
    acks = [
        acked(pupil, "live_react", {"session_id": session.id, "reaction": "wow"}) for _ in range(4)
    ]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[-1]["error"] == "rate_limited"
    assert services.reaction_counts(session.id)["wow"] == 3


def test_hands_up_and_the_teacher_lowering_hands(world, live_socket):
    session = make_session(world)
    live, teachers = f"live:{session.id}", f"live:{session.id}:teachers"
    teacher_a = live_socket(world.teacher_a)
    enter(teacher_a, session, live, teachers)
    pupil = live_socket(world.pupil_a)
    partner_pupil = live_socket(world.pupil_b)
    enter(pupil, session, live)
    assert acked(pupil, "live_raise_hand", {"session_id": session.id}) == {
        "ok": True,
        "hand_up": True,
    }
    assert acked(partner_pupil, "live_raise_hand", {"session_id": session.id})["ok"]
    names = last(teacher_a, "hands_changed")
    assert [p["name"] for p in names["people"]] == ["Aisha K.", "Oliver P."]
    seen = last(pupil, "hands_changed")
    assert seen["count"] == 2 and world.pupil_a.id in seen["raised"] and "people" not in seen
    assert enter(pupil, session)["my_hand_up"] is True

    refused = acked(
        teacher_a, "live_lower_hand", {"session_id": session.id, "pupil_id": world.pupil_b.id}
    )
    assert refused["error"] == "forbidden" and "partner class's teacher" in refused["message"]
    assert (
        acked(
            teacher_a, "live_lower_hand", {"session_id": session.id, "pupil_id": world.pupil_a.id}
        )["lowered"]
        == 1
    )
    assert last(pupil, "hands_changed")["raised"] == [world.pupil_b.id]
    teacher_cannot = acked(teacher_a, "live_raise_hand", {"session_id": session.id})
    assert teacher_cannot["error"] == "forbidden"
    assert (
        acked(
            partner_pupil,
            "live_lower_hand",
            {"session_id": session.id, "pupil_id": world.pupil_a.id},
        )["error"]
        == "forbidden"
    )
    assert acked(partner_pupil, "live_lower_hand", {"session_id": session.id})["lowered"] == 1
    assert services.hands_view(session.id, names=False)["count"] == 0


def test_stage_shows_an_approved_post_on_every_screen(world, live_socket, stage_posts):
    session = make_session(world)
    partner = live_socket(world.pupil_b)
    enter(partner, session, f"live:{session.id}")
    post = make_post(world.pupil_a, world.link, world.class_a, "Our garden", "We grow beans")
    teacher = live_socket(world.teacher_b)
    pending = acked(teacher, "live_show_on_stage", {"session_id": session.id, "item_id": post.id})
    assert pending["ok"] is False  # the partner teacher cannot even see a pending post
    rule.approve(world.teacher_a, post.id)
    choices = services.stage_choices(world.teacher_b, session)
    assert [c["item_id"] for c in choices] == [post.id]
    ack = acked(teacher, "live_show_on_stage", {"session_id": session.id, "item_id": post.id})
    assert ack["ok"] and ack["stage"]["view"]["title"] == "Our garden"
    shown = last(partner, "stage_changed")
    assert (
        shown["stage"]["item_id"] == post.id and shown["stage"]["view"]["text"] == "We grow beans"
    )
    assert services.stage_view(db.session.get(LiveSession, session.id))["item_id"] == post.id
    pupil = live_socket(world.pupil_a)
    assert (
        acked(pupil, "live_show_on_stage", {"session_id": session.id, "item_id": post.id})["error"]
        == "forbidden"
    )
    assert (
        acked(teacher, "live_show_on_stage", {"session_id": session.id, "item_id": None})["stage"]
        is None
    )
    assert last(partner, "stage_changed")["stage"] is None


def test_only_approved_posts_and_questions_of_the_link_go_on_stage(world, live_socket, stage_posts):
    session = make_session(world)
    teacher = live_socket(world.teacher_a)
    chat_item = services.send_message(world.teacher_a, session.id, "A chat line")["item_id"]
    wrong_kind = acked(
        teacher, "live_show_on_stage", {"session_id": session.id, "item_id": chat_item}
    )
    assert (
        wrong_kind["error"] == "invalid" and "posts and enquiry questions" in wrong_kind["message"]
    )
    pending = make_post(world.pupil_a, world.link, world.class_a)
    not_yet = acked(
        teacher, "live_show_on_stage", {"session_id": session.id, "item_id": pending.id}
    )
    assert not_yet["error"] == "conflict" and "approved" in not_yet["message"]


def test_the_agenda_moves_every_screen(world, live_socket):
    session = make_session(world)
    partner = live_socket(world.pupil_b)
    enter(partner, session, f"live:{session.id}")
    teacher = live_socket(world.teacher_a)
    assert (
        acked(teacher, "live_goto_segment", {"session_id": session.id, "position": 1})["position"]
        == 1
    )
    moved = last(partner, "segment_changed")
    assert moved["position"] == 1 and moved["title"] == "Warm-up game"
    # Both teachers pressing "next" at once is harmless.
    other = live_socket(world.teacher_b)
    assert acked(other, "live_goto_segment", {"session_id": session.id, "position": 1})["ok"]
    assert received(partner, "segment_changed") == []
    assert (
        acked(
            live_socket(world.pupil_a),
            "live_goto_segment",
            {"session_id": session.id, "position": 2},
        )["error"]
        == "forbidden"
    )


def test_ending_the_session_tells_everyone_and_closes_it(world, live_socket):
    session = make_session(world)
    partner = live_socket(world.pupil_b)
    enter(partner, session, f"live:{session.id}")
    services.raise_hand(world.pupil_b, session.id)
    teacher = live_socket(world.teacher_a)
    assert (
        acked(live_socket(world.pupil_a), "live_end_session", {"session_id": session.id})["error"]
        == "forbidden"
    )
    assert acked(teacher, "live_end_session", {"session_id": session.id})["ok"]
    assert last(partner, "session_ended")["by"] == "Ms Amina Khan"
    assert services.session_view(world.pupil_b, session)["phase"] == "ended"
    assert services.hands_view(session.id, names=False)["count"] == 0
    again = acked(teacher, "live_end_session", {"session_id": session.id})
    assert again["error"] == "conflict"


def test_teachers_have_a_private_channel(world, live_socket):
    session = make_session(world)
    teachers = f"live:{session.id}:teachers"
    teacher_b = live_socket(world.teacher_b)
    enter(teacher_b, session, teachers)
    pupil = live_socket(world.pupil_a)
    refused = acked(pupil, "subscribe", {"stream": teachers})
    assert refused["ok"] is False and refused["error"] == "forbidden"
    assert acked(live_socket(world.teacher_c), "subscribe", {"stream": teachers})["ok"] is False
    teacher_a = live_socket(world.teacher_a)
    ack = acked(teacher_a, "live_send_teacher_message",
                {"session_id": session.id, "text": "Shall we move to the game?",
                 "client_id": "note-0001"})  # fmt: skip
    assert ack["ok"] and ack["author"] == "Ms Amina Khan"
    assert last(teacher_b, "teacher_message")["text"] == "Shall we move to the game?"
    again = acked(teacher_a, "live_send_teacher_message",
                  {"session_id": session.id, "text": "Shall we move to the game?",
                   "client_id": "note-0001"})  # fmt: skip
    assert again["repeated"] is True and again["note_id"] == ack["note_id"]
    assert [n["text"] for n in services.teacher_notes(world.teacher_b, session)] == [
        "Shall we move to the game?"
    ]
    assert (
        acked(pupil, "live_send_teacher_message", {"session_id": session.id, "text": "hi"})["error"]
        == "forbidden"
    )


def test_a_reconnecting_screen_catches_up_in_order_without_duplicates(world, live_socket):
    session = make_session(world)
    live = f"live:{session.id}"
    partner = live_socket(world.pupil_b)
    enter(partner, session, live)
    services.send_message(world.teacher_a, session.id, "One")
    seen = last(partner, "item_approved")["seq"]
    partner.disconnect()  # the laptop lid closes
    services.send_message(world.teacher_a, session.id, "Two")
    services.goto_segment(world.teacher_b, session.id, 1)
    services.send_message(world.teacher_b, session.id, "Three")
    back = live_socket(world.pupil_b)
    ack = acked(back, "subscribe", {"stream": live, "after_seq": seen})
    missed = [(e["kind"], e.get("text") or e.get("title")) for e in ack["events"]]
    assert missed == [("item_approved", "Two"), ("segment_changed", "Warm-up game"),
                      ("item_approved", "Three")]  # fmt: skip
    assert [e["seq"] for e in ack["events"]] == list(range(seen + 1, seen + 4))


def test_the_snapshot_gives_a_teacher_their_queue_notes_and_stage_choices(world):
    session = make_session(world)
    item_id = services.send_message(world.pupil_a, session.id, "Waiting")["item_id"]
    teacher_view = services.snapshot(world.teacher_a, session)
    assert [q["id"] for q in teacher_view["queue"]] == [item_id]
    assert teacher_view["notes"] == [] and "stage_choices" in teacher_view
    pupil_view = services.snapshot(world.pupil_a, session)
    assert "queue" not in pupil_view and "notes" not in pupil_view
    assert [m["item_id"] for m in pupil_view["mine"]] == [item_id]
    assert services.snapshot(world.pupil_b, session)["mine"] == []
