"""The JSON API: an enquiry walked from opening to closing over HTTP, every route's
authorisation for every role, and bad input answered with clear JSON refusals."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from exchange.enquiry import services
from exchange.enquiry.models import Step
from tests.enquiry.walk import walk_to
from tests.factories import ROLES

API = "/api/v1"


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_an_enquiry_walked_through_the_api(world, as_user):
    a, b = as_user(world.teacher_a), as_user(world.teacher_b)
    pa, pb = as_user(world.pupil_a), as_user(world.pupil_b)
    link = world.link.id
    ok(
        a.put(
            f"{API}/links/{link}/ground-rules", json={"rules": ["We listen.", "We give reasons."]}
        )
    )
    card = ok(b.post(f"{API}/links/{link}/enquiries", json={"title": "What is fair?"}), 201)
    e = card["enquiry_id"]

    def step(who, frm):
        body = {"direction": "next", "from_step": frm}
        return ok(who.post(f"{API}/enquiries/{e}/step", json=body))

    step(a, 0)
    ok(
        a.put(
            f"{API}/enquiries/{e}/stimulus",
            json={"kind": "text", "text": "Is it fair?", "theme": "Who are we?"},
        )
    )
    step(b, 1)
    ok(a.post(f"{API}/enquiries/{e}/timer", json={"action": "start", "seconds": 120}))
    group = ok(
        a.post(
            f"{API}/enquiries/{e}/groups", json={"pupil_ids": [world.pupil_a.id, world.pupil_a2.id]}
        ),
        201,
    )
    assert group["name"] == "Aisha and Tom"
    assert (
        ok(pa.put(f"{API}/enquiries/{e}/jotting", json={"text": "lions"}))["owner_key"]
        == f"g{group['group_id']}"
    )
    assert ok(as_user(world.pupil_a2).get(f"{API}/enquiries/{e}/jotting"))["text"] == "lions"
    step(a, 2)
    concept = ok(pb.post(f"{API}/enquiries/{e}/concepts", json={"text": "fairness"}), 201)
    ok(b.post(f"{API}/enquiries/{e}/items/{concept['item_id']}/approve"))
    step(a, 3)
    qa = ok(
        pa.post(
            f"{API}/enquiries/{e}/questions",
            json={"text": "Is it fair to keep more?", "client_id": "x1"},
        ),
        201,
    )
    assert qa["state"] == "pending" and qa["group"] == "Aisha and Tom"
    qb = ok(pb.post(f"{API}/enquiries/{e}/questions", json={"text": "What is a share?"}), 201)
    ok(a.post(f"{API}/enquiries/{e}/items/{qa['item_id']}/approve"))
    returned = ok(
        b.post(f"{API}/enquiries/{e}/items/{qb['item_id']}/return", json={"feedback": "Say more?"})
    )
    assert returned["state"] == "returned"
    assert (
        ok(
            pb.put(
                f"{API}/enquiries/{e}/items/{qb['item_id']}",
                json={"text": "What makes a share fair?"},
            )
        )["state"]
        == "pending"
    )
    ok(b.post(f"{API}/enquiries/{e}/items/{qb['item_id']}/approve"))
    step(b, 4)
    board = ok(pa.get(f"{API}/enquiries/{e}"))
    q_ids = [q["question_id"] for q in board["questions"]]
    assert len(q_ids) == 2 and board["mine_question_ids"] == [q_ids[0]]
    clar = ok(
        pa.post(
            f"{API}/enquiries/{e}/clarifications", json={"question_id": q_ids[0], "text": "Food."}
        ),
        201,
    )
    ok(a.post(f"{API}/enquiries/{e}/items/{clar['item_id']}/approve"))
    ok(
        a.post(
            f"{API}/enquiries/{e}/questions/{q_ids[1]}/sort",
            json={"openness": "open", "basis": "reasoning"},
        )
    )
    assert ok(a.post(f"{API}/enquiries/{e}/questions/links", json={"question_ids": q_ids}))[
        "links"
    ] == [q_ids]
    reworded = ok(
        b.post(
            f"{API}/enquiries/{e}/questions/{q_ids[0]}/reword",
            json={"text": "Is it ever fair to keep more?"},
        )
    )
    assert reworded["question"]["original_text"] == "Is it fair to keep more?"
    step(a, 5)
    voting = ok(
        a.put(
            f"{API}/enquiries/{e}/voting",
            json={"method": "multi", "votes_per_voter": 2, "equal_weight": True, "blind": True},
        )
    )
    assert voting["voting"]["rule_words"].startswith("Each of you has 2 votes")
    ok(a.post(f"{API}/enquiries/{e}/voting/open"))
    assert (
        ok(pa.post(f"{API}/enquiries/{e}/votes", json={"question_id": q_ids[0]}), 201)["votes_left"]
        == 1
    )
    ok(pb.post(f"{API}/enquiries/{e}/votes", json={"question_id": q_ids[0]}), 201)
    ok(pb.post(f"{API}/enquiries/{e}/votes", json={"question_id": q_ids[1]}), 201)
    assert ok(pb.delete(f"{API}/enquiries/{e}/votes/{q_ids[1]}"))["votes_left"] == 1
    assert ok(pb.get(f"{API}/enquiries/{e}/tally"))["tally"]["hidden"] is True
    tally = ok(a.post(f"{API}/enquiries/{e}/voting/close"))["tally"]
    assert tally["hidden"] is False and tally["leaders"] == [q_ids[0]]
    ok(b.post(f"{API}/enquiries/{e}/chosen", json={"question_id": q_ids[0]}))
    step(b, 6)
    first = ok(
        as_user(world.pupil_a2).post(
            f"{API}/enquiries/{e}/contributions",
            json={"move": "first_words", "text": "We asked it."},
        ),
        201,
    )
    ok(a.post(f"{API}/enquiries/{e}/items/{first['item_id']}/approve"))
    ok(pb.post(f"{API}/enquiries/{e}/hands"))
    queue = ok(a.post(f"{API}/enquiries/{e}/hands/next"))
    assert queue["speaking"]["name"] == "Oliver P."
    step(a, 7)
    first_id = first["view"]["contribution_id"]
    reply = ok(
        pb.post(
            f"{API}/enquiries/{e}/contributions",
            json={"move": "agree", "text": "it is.", "reply_to_id": first_id},
        ),
        201,
    )
    assert reply["view"]["stem"] == "I agree with Aisha and Tom because"
    ok(b.post(f"{API}/enquiries/{e}/items/{reply['item_id']}/approve"))
    bank = ok(a.get(f"{API}/prompt-bank"))
    prompt = ok(
        a.post(f"{API}/enquiries/{e}/prompts", json={"prompt_id": bank[1]["prompt_id"]}), 201
    )
    assert prompt["state"] == "approved" and prompt["text"] == bank[1]["text"]
    step(a, 8)
    last = ok(pb.post(f"{API}/enquiries/{e}/last-words", json={"text": "Fair is kind."}), 201)
    ok(b.post(f"{API}/enquiries/{e}/items/{last['item_id']}/approve"))
    step(a, 9)
    assert ok(pa.post(f"{API}/enquiries/{e}/thumbs", json={"value": "up"}))["value"] == "up"
    refl = ok(pb.post(f"{API}/enquiries/{e}/reflections", json={"text": "We listened."}), 201)
    ok(b.post(f"{API}/enquiries/{e}/items/{refl['item_id']}/approve"))
    summary = ok(a.get(f"{API}/enquiries/{e}/summary"))
    assert summary["thumbs"][0]["up"] == 1 and len(summary["reflections"]) == 1
    ok(a.post(f"{API}/enquiries/{e}/close"))
    export = ok(pb.get(f"{API}/enquiries/{e}/export"))
    assert export["chosen"]["question"]["text"] == "Is it ever fair to keep more?"
    assert export["contributions"][0]["replies"][0]["text"] == "it is."
    assert [w["text"] for w in export["last_words"]] == ["Fair is kind."]
    listing = ok(pa.get(f"{API}/links/{link}/enquiries"))
    assert listing["enquiries"][0]["state"] == "closed" and listing["can_open"] is False
    assert ok(a.get(f"{API}/links/{link}/enquiries"))["can_open"] is True


def test_the_openapi_document_lists_the_board(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/enquiries/{enquiry_id}",
        "/api/v1/enquiries/{enquiry_id}/votes",
        "/api/v1/enquiries/{enquiry_id}/step",
        "/api/v1/links/{link_id}/enquiries",
        "/api/v1/prompt-bank",
    ):
        assert path in paths


# ----- authorisation: every role against every kind of route ----------------------------------

READERS = {"admin", "facilitator", "teacher_a", "teacher_b", "pupil_a", "pupil_b"}
TEACHERS = {"teacher_a", "teacher_b"}
PUPILS = {"pupil_a", "pupil_b"}


def expected(role, allowed, visible=READERS):
    if role == "anonymous":
        return 401
    if role in allowed:
        return None
    return 403 if role in visible else 404


@pytest.mark.parametrize("role", ROLES)
def test_reading_a_board(world, board, as_user, role):
    browser = as_user(world.actor(role))
    for path in ("", "/export", "/tally"):
        status = browser.get(f"{API}/enquiries/{board.id}{path}").status_code
        assert status == (expected(role, READERS) or 200), (role, path)
    status = browser.get(f"{API}/links/{world.link.id}/enquiries").status_code
    assert status == (expected(role, READERS) or 200)


@pytest.mark.parametrize("role", ROLES)
def test_moving_the_board(world, board, as_user, role):
    response = as_user(world.actor(role)).post(
        f"{API}/enquiries/{board.id}/step", json={"direction": "next", "from_step": 0}
    )
    assert response.status_code == (expected(role, TEACHERS) or 200), role


@pytest.mark.parametrize("role", ROLES)
def test_opening_an_enquiry(world, as_user, role):
    response = as_user(world.actor(role)).post(f"{API}/links/{world.link.id}/enquiries", json={})
    assert response.status_code == (expected(role, TEACHERS) or 201), role


@pytest.mark.parametrize("role", ROLES)
def test_writing_a_question(world, board, as_user, role):
    walk_to(world, board, Step.QUESTIONS)
    response = as_user(world.actor(role)).post(
        f"{API}/enquiries/{board.id}/questions", json={"text": "Who may ask?"}
    )
    assert response.status_code == (expected(role, TEACHERS | PUPILS) or 201), role


@pytest.mark.parametrize("role", ROLES)
def test_voting(world, board, as_user, role):
    made = walk_to(world, board, Step.VOTING)
    services.configure_voting(world.teacher_a, board.id, method="omni")
    services.open_voting(world.teacher_a, board.id)
    response = as_user(world.actor(role)).post(
        f"{API}/enquiries/{board.id}/votes", json={"question_id": made["q_b"].id}
    )
    assert response.status_code == (expected(role, PUPILS) or 201), role


@pytest.mark.parametrize("role", ROLES)
def test_summary_and_jotting(world, board, as_user, role):
    browser = as_user(world.actor(role))
    status = browser.get(f"{API}/enquiries/{board.id}/summary").status_code
    assert status == (expected(role, TEACHERS | {"admin", "facilitator"}) or 200), role
    status = browser.get(f"{API}/enquiries/{board.id}/jotting").status_code
    assert status == (expected(role, PUPILS) or 200), role


@pytest.mark.parametrize("role", ROLES)
def test_prompt_bank(world, as_user, role):
    status = as_user(world.actor(role)).get(f"{API}/prompt-bank").status_code
    teachers = {"teacher_a", "teacher_b", "teacher_c"}
    assert status == (401 if role == "anonymous" else 200 if role in teachers else 403), role


@pytest.mark.parametrize("role", ROLES)
def test_approving_from_the_board(world, board, as_user, role):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_a, board.id, "Whose approval counts?")
    response = as_user(world.actor(role)).post(
        f"{API}/enquiries/{board.id}/items/{item.id}/approve"
    )
    # Only the pupil's own teacher decides; everyone else cannot even see the waiting item.
    wanted = {"teacher_a": 200, "pupil_a": 403, "anonymous": 401}
    assert response.status_code == wanted.get(role, 404), role


# ----- bad input: clear JSON refusals, nothing changed ----------------------------------------


@pytest.mark.parametrize(
    "body, status, error",
    [
        ({}, 422, "invalid"),
        ({"text": ""}, 422, "invalid"),
        ({"text": "No question mark"}, 422, "invalid"),
        ({"text": "Long?" * 60}, 422, "invalid"),
        ({"text": 5}, 422, "invalid"),
    ],
)
def test_bad_questions_over_http(world, board, as_user, body, status, error):
    walk_to(world, board, Step.QUESTIONS)
    response = as_user(world.pupil_a).post(f"{API}/enquiries/{board.id}/questions", json=body)
    assert response.status_code == status
    assert response.get_json()["error"] == error and response.get_json()["message"]
    assert services.board_snapshot(world.pupil_a, board.id)["my_items"] == []


def test_acting_on_another_step_is_a_conflict(world, board, as_user):
    response = as_user(world.pupil_a).post(
        f"{API}/enquiries/{board.id}/questions", json={"text": "Is it time?"}
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "conflict" and "Question making" in body["message"]
    assert body["details"] == {"current_step": 0}


def test_a_stale_step_move_is_a_conflict(world, board, as_user):
    response = as_user(world.teacher_b).post(
        f"{API}/enquiries/{board.id}/step", json={"direction": "next", "from_step": 4}
    )
    assert response.status_code == 409 and "already moved" in response.get_json()["message"]
    bad = as_user(world.teacher_b).post(
        f"{API}/enquiries/{board.id}/step", json={"direction": "up", "from_step": 0}
    )
    assert bad.status_code == 422


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 50, 50)).save(out, "PNG")
    return out.getvalue()


def test_a_picture_stimulus_is_cleaned_and_served_only_to_readers(world, board, as_user):
    walk_to(world, board, Step.STIMULUS)
    teacher = as_user(world.teacher_a)
    refused = teacher.post(
        f"{API}/enquiries/{board.id}/stimulus/picture",
        data={"alt": "A red square", "image": (io.BytesIO(b"not a picture"), "x.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "x.png" in refused.get_json()["message"]
    no_alt = teacher.post(
        f"{API}/enquiries/{board.id}/stimulus/picture",
        data={"image": (io.BytesIO(_png()), "red.png")},
        content_type="multipart/form-data",
    )
    assert no_alt.status_code == 422 and no_alt.get_json()["field"] == "alt"
    shared = ok(
        teacher.post(
            f"{API}/enquiries/{board.id}/stimulus/picture",
            data={"alt": "A red square", "title": "Red", "image": (io.BytesIO(_png()), "red.png")},
            content_type="multipart/form-data",
        )
    )
    url = shared["stimulus"]["image_url"]
    picture = as_user(world.pupil_b).get(url)
    assert picture.status_code == 200 and picture.mimetype in ("image/jpeg", "image/png")
    assert as_user(world.pupil_c).get(url).status_code == 404
    assert as_user(None).get(url).status_code in (302, 401)
