"""Socket commands (the API's schemas plus enquiry_id), who may follow which stream, and the
pages: list, link page with its forms, board, printable page, prompt bank."""

from __future__ import annotations

import pytest

from exchange.enquiry import services
from exchange.enquiry.models import Enquiry, Step
from exchange.extensions import db
from tests.enquiry.walk import walk_to
from tests.factories import ROLES

READERS = {"admin", "facilitator", "teacher_a", "teacher_b", "pupil_a", "pupil_b"}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_who_may_follow_the_board_and_private_streams(world, board, socket_for, role):
    sock = socket_for(world.actor(role))
    board_ack = sock.emit("subscribe", {"stream": f"enquiry:{board.id}"}, callback=True)
    assert board_ack["ok"] is (role in READERS), role
    own = sock.emit(
        "subscribe", {"stream": f"enquiry-own:{board.id}:p{world.pupil_a.id}"}, callback=True
    )
    assert own["ok"] is (role == "pupil_a"), role


def test_a_groups_private_stream_is_for_its_members(world, board, socket_for):
    group = services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    stream = f"enquiry-own:{board.id}:g{group.id}"
    assert socket_for(world.pupil_a2).emit("subscribe", {"stream": stream}, callback=True)["ok"]
    assert not socket_for(world.pupil_b).emit("subscribe", {"stream": stream}, callback=True)["ok"]
    assert not socket_for(world.teacher_a).emit("subscribe", {"stream": stream}, callback=True)[
        "ok"
    ]
    malformed = socket_for(world.pupil_a).emit(
        "subscribe", {"stream": f"enquiry-own:{board.id}:gx"}, callback=True
    )
    assert malformed["ok"] is False


def test_socket_commands_answer_like_the_api(world, board, socket_for):
    teacher, pupil = socket_for(world.teacher_a), socket_for(world.pupil_a)
    moved = teacher.emit(
        "enquiry_move_step",
        {"enquiry_id": board.id, "direction": "next", "from_step": 0},
        callback=True,
    )
    assert moved["ok"] and moved["enquiry"]["step"] == 1
    early = pupil.emit(
        "enquiry_send_question", {"enquiry_id": board.id, "text": "Too early?"}, callback=True
    )
    assert early == {
        "ok": False,
        "error": "conflict",
        "message": (
            "You can write questions only during “Question making”; the board is at “Stimulus”."
        ),
        "details": {"current_step": 1},
    }
    shaped = pupil.emit("enquiry_cast_vote", {"enquiry_id": "one", "question_id": 1}, callback=True)
    assert shaped["error"] == "invalid" and "enquiry_id" in shaped["details"]
    not_mine = pupil.emit(
        "enquiry_move_step",
        {"enquiry_id": board.id, "direction": "next", "from_step": 1},
        callback=True,
    )
    assert not_mine["error"] == "forbidden"
    assert db.session.get(Enquiry, board.id).step == Step.STIMULUS


def test_followers_receive_the_boards_facts(world, board, socket_for):
    pupil_b = socket_for(world.pupil_b)
    pupil_b.emit("subscribe", {"stream": f"enquiry:{board.id}", "after_seq": 0}, callback=True)
    pupil_b.get_received()
    teacher = socket_for(world.teacher_b)
    teacher.emit(
        "enquiry_move_step",
        {"enquiry_id": board.id, "direction": "next", "from_step": 0},
        callback=True,
    )
    teacher.emit(
        "enquiry_set_timer",
        {"enquiry_id": board.id, "action": "start", "seconds": 60},
        callback=True,
    )
    kinds = [m["name"] for m in pupil_b.get_received()]
    assert kinds == ["board_step", "timer_changed"]


def test_a_teacher_hands_out_a_prompt_and_pupils_take_turns(world, board, socket_for):
    walk_to(world, board, Step.BUILDING)
    teacher, pupil = socket_for(world.teacher_a), socket_for(world.pupil_b)
    assert (
        pupil.emit("enquiry_raise_hand", {"enquiry_id": board.id}, callback=True)["queue"][
            "waiting"
        ][0]["name"]
        == "Oliver P."
    )
    called = teacher.emit("enquiry_call_next", {"enquiry_id": board.id}, callback=True)
    assert called["queue"]["speaking"]["name"] == "Oliver P."
    prompt = teacher.emit(
        "enquiry_post_prompt", {"enquiry_id": board.id, "text": "Why?"}, callback=True
    )
    assert prompt["item"]["state"] == "approved"
    lowered = pupil.emit("enquiry_lower_hand", {"enquiry_id": board.id}, callback=True)
    assert lowered["queue"]["speaking"] is None


# ----- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_board_pages_for_every_role(world, board, as_user, role):
    browser = as_user(world.actor(role))
    for path in (
        f"/enquiries/{board.id}",
        f"/enquiries/{board.id}/print",
        f"/links/{world.link.id}/enquiries",
    ):
        response = browser.get(path)
        if role == "anonymous":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        elif role in READERS:
            assert response.status_code == 200, (role, path)
        else:
            assert response.status_code == 404, (role, path)


def test_the_board_page_carries_its_snapshot_and_no_inline_script(world, board, as_user):
    html = as_user(world.pupil_b).get(f"/enquiries/{board.id}").get_data(as_text=True)
    assert 'id="enquiry-data"' in html and 'type="application/json"' in html
    assert "<script>" not in html and " style=" not in html
    assert 'aria-current="step"' in html and "How we talk together" in html


def test_the_list_shows_the_open_board_first(world, board, as_user):
    html = as_user(world.pupil_a).get("/enquiries").get_data(as_text=True)
    assert "Go to the board" in html and "What is fair?" in html
    assert as_user(world.pupil_c).get("/enquiries").status_code == 200


def test_navigation_offers_enquiries_to_link_members(world, board, as_user):
    assert 'href="/enquiries"' in as_user(world.pupil_a).get(f"/enquiries/{board.id}").get_data(
        as_text=True
    )
    assert 'href="/enquiries"' not in as_user(world.pupil_c).get("/enquiries").get_data(
        as_text=True
    )


def test_teachers_open_an_enquiry_from_the_form(world, as_user):
    browser = as_user(world.teacher_b)
    response = browser.post(
        f"/links/{world.link.id}/enquiries", data={"title": "Who are we?", "use_concepts": "y"}
    )
    assert response.status_code == 302
    enquiry = db.session.query(Enquiry).one()
    assert response.headers["Location"].endswith(f"/enquiries/{enquiry.id}")
    again = browser.post(f"/links/{world.link.id}/enquiries", data={"title": "Another"})
    assert again.status_code == 409 and "already has an open enquiry" in again.get_data(
        as_text=True
    )
    refused = as_user(world.pupil_b).post(
        f"/links/{world.link.id}/enquiries", data={"title": "Mine"}
    )
    assert refused.status_code == 403


def test_ground_rules_form(world, as_user):
    browser = as_user(world.teacher_a)
    response = browser.post(
        f"/links/{world.link.id}/ground-rules", data={"rules": "We listen.\n\nWe are kind."}
    )
    assert response.status_code == 302
    assert services.ground_rules(world.link)["rules"] == ["We listen.", "We are kind."]
    empty = browser.post(f"/links/{world.link.id}/ground-rules", data={"rules": "  "})
    assert empty.status_code == 422 and "at least one ground rule" in empty.get_data(as_text=True)


def test_prompt_bank_page_and_forms(world, as_user):
    teacher = as_user(world.teacher_a)
    assert "What do you mean by that?" in teacher.get("/enquiries/prompts").get_data(as_text=True)
    teacher.post("/enquiries/prompts", data={"text": "Is that always so?"})
    bank = services.prompt_bank(world.teacher_a)
    assert bank[-1].text == "Is that always so?"
    teacher.post(f"/enquiries/prompts/{bank[-1].id}", data={"text": "Is that always true?"})
    teacher.post(f"/enquiries/prompts/{bank[0].id}/delete")
    texts = [p.text for p in services.prompt_bank(world.teacher_a)]
    assert texts[-1] == "Is that always true?" and "What do you mean by that?" not in texts
    assert as_user(world.pupil_a).get("/enquiries/prompts").status_code == 403
    assert (
        as_user(world.teacher_b).post(f"/enquiries/prompts/{bank[1].id}/delete").status_code == 404
    )


def test_the_printable_page_shows_the_whole_enquiry(world, board, as_user):
    walk_to(world, board, Step.FIRST_WORDS)
    html = as_user(world.pupil_b).get(f"/enquiries/{board.id}/print").get_data(as_text=True)
    assert "Our question" in html and "Is it ever fair to keep more?" in html
    assert "The Lion&#39;s Share" in html or "The Lion's Share" in html
    assert "How well did we think together?" in html
