"""End to end: both classes walk an enquiry from stimulus to reflection on a real server, with
real Socket.IO clients, and each screen sees exactly what it should: the board's facts on every
screen, pending items only to their author and their teacher, jottings only to their owners."""

from __future__ import annotations

import pytest

from exchange.enquiry import services
from tests.enquiry.screens import Screen, close_all
from tests.servers import running_server

pytestmark = pytest.mark.server


def ok(ack):
    assert ack.get("ok") is True, ack
    return ack


def test_both_classes_walk_an_enquiry_and_see_exactly_what_they_should(app, world, database_url):
    enquiry = services.open_enquiry(world.teacher_a, world.link.id, title="What is fair?")
    e = enquiry.id
    board = f"enquiry:{e}"
    with running_server(database_url, env={"UPLOAD_DIR": app.config["UPLOAD_DIR"]}) as server:
        ta = Screen(server, app, world.teacher_a, "teacher A")
        tb = Screen(server, app, world.teacher_b, "teacher B")
        pa = Screen(server, app, world.pupil_a, "pupil A")
        pb = Screen(server, app, world.pupil_b, "pupil B")
        fac = Screen(server, app, world.facilitator, "facilitator")
        screens = [ta, tb, pa, pb, fac]
        try:
            for screen in screens:
                ok(screen.follow(board))
            ok(ta.follow(f"queue:{world.class_a.id}"))
            ok(tb.follow(f"queue:{world.class_b.id}"))
            own_a, own_b = (
                f"enquiry-own:{e}:p{world.pupil_a.id}",
                f"enquiry-own:{e}:p{world.pupil_b.id}",
            )
            ok(pa.follow(own_a))
            ok(pa.follow(f"pupil:{world.pupil_a.id}"))
            ok(pb.follow(own_b))
            ok(pb.follow(f"pupil:{world.pupil_b.id}"))
            # Nobody follows what is not theirs.
            assert pb.follow(own_a)["error"] == "forbidden"
            assert tb.follow(own_a)["error"] == "forbidden"
            assert pa.follow(f"queue:{world.class_a.id}")["error"] == "forbidden"
            assert tb.follow(f"queue:{world.class_a.id}")["error"] == "forbidden"

            def step(teacher, frm):
                ok(
                    teacher.command(
                        "enquiry_move_step",
                        {"enquiry_id": e, "direction": "next", "from_step": frm},
                    )
                )
                for screen in screens:
                    screen.wait_for("board_step", lambda m: m["step"] == frm + 1)

            def approve(teacher, item_id):
                response = teacher.api("POST", f"/enquiries/{e}/items/{item_id}/approve")
                assert response.status_code == 200, response.text
                for screen in screens:
                    screen.wait_for("item_approved", lambda m: m["item_id"] == item_id)

            # 1. Stimulus, shared by teacher A, on every screen.
            step(ta, 0)
            shared = ta.api(
                "PUT",
                f"/enquiries/{e}/stimulus",
                {
                    "kind": "story",
                    "title": "The Lion's Share",
                    "text": "The lion kept most of the food.",
                    "theme": "How do we all live together?",
                },
            )
            assert shared.status_code == 200, shared.text
            for screen in screens:
                assert screen.wait_for("stimulus_shared")["stimulus"]["title"] == "The Lion's Share"
            # A second teacher's stale screen cannot move the board twice.
            step(tb, 1)
            stale = tb.command(
                "enquiry_move_step", {"enquiry_id": e, "direction": "next", "from_step": 1}
            )
            assert stale["error"] == "conflict" and "already moved" in stale["message"]

            # 2. Thinking time: a timer on every screen; jottings reach only their owner.
            ok(ta.command("enquiry_set_timer", {"enquiry_id": e, "action": "start", "seconds": 90}))
            for screen in screens:
                assert screen.wait_for("timer_changed")["timer"]["running"] is True
            ok(
                pa.command(
                    "enquiry_save_jotting",
                    {"enquiry_id": e, "text": "SECRET-JOT-A lions are unfair"},
                )
            )
            assert (
                pa.wait_for("jotting_saved")["jotting"]["text"] == "SECRET-JOT-A lions are unfair"
            )

            # 3. Concepts: pending only to the author and their teacher, then to everyone.
            step(ta, 2)
            sent = ok(
                pb.command("enquiry_send_concept", {"enquiry_id": e, "text": "PENDING-CONCEPT-B"})
            )
            item_id = sent["item"]["item_id"]
            tb.wait_for("queue_item_added", lambda m: m["item"]["id"] == item_id)
            pb.wait_for(
                "item_status", lambda m: m["item_id"] == item_id and m["state"] == "pending"
            )
            for screen in (ta, pa, fac):
                assert "PENDING-CONCEPT-B" not in screen.text_seen()
            approve(tb, item_id)

            # 4. Questions, with a clear refusal for a statement.
            step(ta, 3)
            refused = pa.command(
                "enquiry_send_question", {"enquiry_id": e, "text": "Lions are greedy"}
            )
            assert refused["error"] == "invalid" and "question mark" in refused["message"]
            qa = ok(
                pa.command(
                    "enquiry_send_question",
                    {"enquiry_id": e, "text": "Is it ever fair to keep more?", "client_id": "qa-1"},
                )
            )
            again = ok(
                pa.command(
                    "enquiry_send_question",
                    {"enquiry_id": e, "text": "Is it ever fair to keep more?", "client_id": "qa-1"},
                )
            )
            assert (
                again["item"]["item_id"] == qa["item"]["item_id"]
            )  # a retried send is stored once
            qb = ok(
                pb.command(
                    "enquiry_send_question",
                    {"enquiry_id": e, "text": "Does being strong give you more?"},
                )
            )
            approve(ta, qa["item"]["item_id"])
            approve(tb, qb["item"]["item_id"])
            q_a = pb.wait_for("item_approved", lambda m: m["item_id"] == qa["item"]["item_id"])[
                "question_id"
            ]
            q_b = pa.wait_for("item_approved", lambda m: m["item_id"] == qb["item"]["item_id"])[
                "question_id"
            ]
            assert pb.seen("item_approved")[-2]["class_label"] == "Class 5A, Oakfield Primary"

            # 5-6. Airing, then blind voting with equal weight: no tallies until voting closes.
            step(tb, 4)
            step(ta, 5)
            rules = ta.api(
                "PUT",
                f"/enquiries/{e}/voting",
                {"method": "single", "blind": True, "equal_weight": True},
            )
            assert rules.status_code == 200, rules.text
            assert ta.api("POST", f"/enquiries/{e}/voting/open").status_code == 200
            ok(pa.command("enquiry_cast_vote", {"enquiry_id": e, "question_id": q_a}))
            ok(pb.command("enquiry_cast_vote", {"enquiry_id": e, "question_id": q_a}))
            twice = pa.command("enquiry_cast_vote", {"enquiry_id": e, "question_id": q_b})
            assert twice["error"] == "conflict" and "used your vote" in twice["message"]
            pa.wait_for("my_votes", lambda m: m["votes_left"] == 0)
            for screen in screens:
                screen.wait_for(
                    "voting_progress", lambda m: sum(c["voters"] for c in m["progress"]) == 2
                )
                assert screen.seen("tally_changed") == [], screen.name
            assert ta.api("POST", f"/enquiries/{e}/voting/close").status_code == 200
            for screen in screens:
                tally = screen.wait_for("tally_changed", lambda m: m["tally"]["state"] == "closed")[
                    "tally"
                ]
                assert tally["leaders"] == [q_a] and tally["questions"][0]["votes"] == 2
            assert tb.api("POST", f"/enquiries/{e}/chosen", {"question_id": q_a}).status_code == 200
            for screen in screens:
                assert screen.wait_for("question_chosen")["authors"] == ["Aisha K."]

            # 7. First words: the chosen question's authors, whichever class, are invited first.
            step(ta, 6)
            assert pb.seen("board_step")[-1]["invited"] == ["Aisha K."]
            not_yet = pb.command(
                "enquiry_send_contribution", {"enquiry_id": e, "move": "first_words", "text": "Me!"}
            )
            assert not_yet["error"] == "forbidden"
            first = ok(
                pa.command(
                    "enquiry_send_contribution",
                    {"enquiry_id": e, "move": "first_words", "text": "My brother gets more."},
                )
            )
            approve(ta, first["item"]["item_id"])
            first_id = first["item"]["contribution_id"]
            ok(pb.command("enquiry_raise_hand", {"enquiry_id": e}))
            ok(ta.command("enquiry_call_next", {"enquiry_id": e}))
            for screen in screens:
                screen.wait_for(
                    "speaker_queue",
                    lambda m: (m["queue"]["speaking"] or {}).get("name") == "Oliver P.",
                )

            # 8. Building: replies show who built on whom; a teacher's prompt goes straight through.
            step(tb, 7)
            reply = ok(
                pb.command(
                    "enquiry_send_contribution",
                    {
                        "enquiry_id": e,
                        "move": "disagree",
                        "text": "he might need more.",
                        "reply_to_id": first_id,
                    },
                )
            )
            assert "he might need more" not in pa.text_seen()
            approve(tb, reply["item"]["item_id"])
            shown = pa.seen("item_approved")[-1]
            assert (
                shown["reply_to_id"] == first_id
                and shown["stem"] == "I disagree with Aisha K. because"
            )
            prompt = ok(
                tb.command(
                    "enquiry_post_prompt",
                    {
                        "enquiry_id": e,
                        "text": "What makes a share fair?",
                        "reply_to_id": reply["item"]["contribution_id"],
                    },
                )
            )
            assert prompt["item"]["state"] == "approved"
            for screen in screens:
                screen.wait_for("item_approved", lambda m: m.get("move") == "prompt")

            # While someone is disconnected the board moves on; reconnecting catches up in order.
            pb.sock.disconnect()
            step_seen = pb.last_seq[board]
            ok(ta.command("enquiry_pause", {"enquiry_id": e, "paused": True}))
            ok(ta.command("enquiry_pause", {"enquiry_id": e, "paused": False}))
            pb.reconnect()
            caught = ok(pb.follow(board, after=step_seen))
            assert [m["kind"] for m in caught["events"]][-2:] == ["board_paused", "board_paused"]
            assert [m["seq"] for m in caught["events"]] == list(
                range(step_seen + 1, caught["last_seq"] + 1)
            )
            ok(pb.follow(own_b, after=pb.last_seq.get(own_b, 0)))
            ok(
                pb.follow(
                    f"pupil:{world.pupil_b.id}",
                    after=pb.last_seq.get(f"pupil:{world.pupil_b.id}", 0),
                )
            )

            # 9. Last words, one each.
            step(ta, 8)
            last = ok(
                pb.command(
                    "enquiry_send_last_words",
                    {"enquiry_id": e, "text": "Strength is not a reason."},
                )
            )
            dup = pb.command("enquiry_send_last_words", {"enquiry_id": e, "text": "Another."})
            assert dup["error"] == "conflict"
            approve(tb, last["item"]["item_id"])

            # 10. Reflection: thumbs per class, a moderated written reflection; then close.
            step(ta, 9)
            ok(pa.command("enquiry_set_thumb", {"enquiry_id": e, "value": "up"}))
            ok(pb.command("enquiry_set_thumb", {"enquiry_id": e, "value": "sideways"}))
            for screen in screens:
                screen.wait_for(
                    "thumbs_changed",
                    lambda m: [t["up"] + t["sideways"] for t in m["thumbs"]] == [1, 1],
                )
            refl = ok(
                pa.command(
                    "enquiry_send_reflection", {"enquiry_id": e, "text": "PENDING-REFLECTION-A"}
                )
            )
            ta.wait_for("queue_item_added", lambda m: m["item"]["id"] == refl["item"]["item_id"])
            for screen in (tb, pb, fac):
                assert "PENDING-REFLECTION-A" not in screen.text_seen()
            approve(ta, refl["item"]["item_id"])
            summary = tb.api("GET", f"/enquiries/{e}/summary").json()
            assert [t["up"] for t in summary["thumbs"]] == [1, 0]
            assert ta.api("POST", f"/enquiries/{e}/close").status_code == 200
            for screen in screens:
                screen.wait_for("enquiry_closed")

            # Every screen followed every step, in order; private words stayed private.
            for screen in screens:
                steps = [m["step"] for m in screen.seen("board_step", stream=board)]
                assert steps == list(range(1, 11)), (screen.name, steps)
            for screen in (ta, tb, pb, fac):
                assert "SECRET-JOT-A" not in screen.text_seen(), screen.name
            export = fac.api("GET", f"/enquiries/{e}/export").json()
            assert export["chosen"]["question"]["question_id"] == q_a
            assert export["contributions"][0]["replies"][0]["replies"][0]["move"] == "prompt"
        finally:
            close_all(screens)
