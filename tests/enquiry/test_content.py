"""Pupils' words through the approval rule: big ideas, questions, clarifications, contributions,
last words and reflections; edits after a return; approve, return and hide from the board."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.enquiry import services
from exchange.enquiry.models import Contribution, LastWords, Question, Reflection, Step
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemState, ModerationItem, Stage
from exchange.realtime import StreamEvent
from tests.enquiry.walk import ask, step, walk_to


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_question_waits_for_its_own_teacher_then_reaches_both_classes(world, board):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_a, board.id, "  Is it ever   fair to keep more? ")
    assert item.state == ItemState.PENDING and item.stage == Stage.OWN_TEACHER
    assert services.board_snapshot(world.pupil_b, board.id)["questions"] == []
    assert services.board_snapshot(world.pupil_a2, board.id)["questions"] == []
    own = services.board_snapshot(world.pupil_a, board.id)["my_items"]
    assert [(i["text"], i["state"]) for i in own] == [("Is it ever fair to keep more?", "pending")]
    assert [e["id"] for e in services.board_snapshot(world.teacher_a, board.id)["pending"]] == [
        item.id
    ]
    assert services.board_snapshot(world.teacher_b, board.id)["pending"] == []
    services.approve_item(world.teacher_a, board.id, item.id)
    shown = services.board_snapshot(world.pupil_b, board.id)["questions"]
    assert [(q["text"], q["author"], q["class_label"]) for q in shown] == [
        ("Is it ever fair to keep more?", "Aisha K.", "Class 5A, Oakfield Primary")
    ]
    approved = db.session.scalars(
        select(StreamEvent).where(StreamEvent.kind == "item_approved")
    ).one()
    assert approved.stream == f"enquiry:{board.id}" and approved.payload["question_id"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "write your question"),
        ("   ?  ", "write your question"),
        ("Lions are greedy.", "question mark"),
        ("Is it fair " + "x" * 190 + "?", "at most 200"),
        ("?? ?", "write your question"),
        ("1 + 1?", "in words"),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_stored(world, board, text, message):
    walk_to(world, board, Step.QUESTIONS)
    with pytest.raises(Invalid, match=message):
        services.submit_question(world.pupil_a, board.id, text)
    assert count(Question) == 0 and count(ModerationItem) == 0


def test_a_question_with_a_full_width_question_mark_is_a_question(world, board):
    walk_to(world, board, Step.QUESTIONS)
    assert services.submit_question(world.pupil_a, board.id, "什么是公平？")


def test_questions_only_during_question_making(world, board):
    walk_to(world, board, Step.THINKING)
    with pytest.raises(Conflict, match="only during “Question making”"):
        services.submit_question(world.pupil_a, board.id, "Is it too early?")
    assert count(Question) == 0


@pytest.mark.parametrize("role", ["pupil_c", "teacher_c", "other_facilitator"])
def test_outsiders_cannot_write_on_the_board(world, board, role):
    walk_to(world, board, Step.QUESTIONS)
    with pytest.raises(NotFound):
        services.submit_question(world.actor(role), board.id, "Can I join?")


def test_facilitators_read_but_do_not_write(world, board):
    walk_to(world, board, Step.QUESTIONS)
    with pytest.raises(Forbidden):
        services.submit_question(world.facilitator, board.id, "Can I join?")


def test_a_retried_send_is_stored_once(world, board):
    walk_to(world, board, Step.QUESTIONS)
    first = services.submit_question(
        world.pupil_a, board.id, "Is sharing caring?", client_id="abc-1"
    )
    again = services.submit_question(
        world.pupil_a, board.id, "Is sharing caring?", client_id="abc-1"
    )
    assert first.id == again.id and count(Question) == 1


def test_returned_question_comes_back_with_feedback_and_can_be_sent_again(world, board):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_b, board.id, "Why is Jake in 5K so mean?")
    services.return_item(world.teacher_b, board.id, item.id, "Please leave names out.")
    mine = services.board_snapshot(world.pupil_b, board.id)["my_items"]
    assert mine[0]["state"] == "returned" and mine[0]["feedback"] == "Please leave names out."
    with pytest.raises(NotFound):  # another pupil cannot even see it
        services.edit_item(world.pupil_a, board.id, item.id, "Is it mean to tease?")
    with pytest.raises(Invalid, match="question mark"):
        services.edit_item(world.pupil_b, board.id, item.id, "Teasing is mean")
    services.edit_item(world.pupil_b, board.id, item.id, "Is teasing ever kind?")
    assert item.state == ItemState.PENDING and item.version == 2
    row = db.session.scalar(select(Question).where(Question.item_id == item.id))
    assert row.text == "Is teasing ever kind?"


def test_edits_belong_to_the_step_of_the_item(world, board):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_b, board.id, "Why is Jake so mean?")
    services.return_item(world.teacher_b, board.id, item.id, "Please leave names out.")
    ask(world.pupil_a, world.teacher_a, board, "Is it ever fair?")
    step(world, board)
    with pytest.raises(Conflict, match="only during “Question making”"):
        services.edit_item(world.pupil_b, board.id, item.id, "Is teasing ever kind?")


def test_teachers_decide_only_their_own_classes_items_from_the_board(world, board):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_a, board.id, "Is it ever fair?")
    with pytest.raises(NotFound):
        services.approve_item(world.teacher_b, board.id, item.id)
    with pytest.raises(Forbidden):
        services.approve_item(world.pupil_a, board.id, item.id)
    assert item.state == ItemState.PENDING


def test_an_item_of_another_board_is_not_found_on_this_one(world, board):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_a, board.id, "Is it ever fair?")
    services.close_enquiry(world.teacher_a, board.id)
    other = services.open_enquiry(world.teacher_a, world.link.id)
    with pytest.raises(NotFound):
        services.approve_item(world.teacher_a, other.id, item.id)


def test_a_hidden_question_leaves_every_board_and_is_reported(world, board):
    walk_to(world, board, Step.QUESTIONS)
    question = ask(world.pupil_a, world.teacher_a, board, "Is it ever fair?")
    with pytest.raises(Invalid, match="why"):
        services.hide_item(world.teacher_b, board.id, question.item_id, " ")
    services.hide_item(world.teacher_b, board.id, question.item_id, "Names a pupil")
    assert question.item.state == ItemState.HIDDEN
    assert services.board_snapshot(world.pupil_b, board.id)["questions"] == []
    removed = db.session.scalars(
        select(StreamEvent).where(StreamEvent.kind == "item_removed")
    ).one()
    assert removed.stream == f"enquiry:{board.id}" and removed.payload["reason"] == "hidden"


@pytest.mark.parametrize("text, message", [("", "big idea"), ("x" * 41, "at most 40")])
def test_bad_concepts_are_refused(world, board, text, message):
    walk_to(world, board, Step.CONCEPTS)
    with pytest.raises(Invalid, match=message):
        services.submit_concept(world.pupil_a, board.id, text)


def test_concepts_gather_once_approved_and_teachers_go_straight_through(world, board):
    walk_to(world, board, Step.CONCEPTS)
    pupil_item = services.submit_concept(world.pupil_b, board.id, "fairness")
    teacher_item = services.submit_concept(world.teacher_a, board.id, "greed")
    assert teacher_item.state == ItemState.APPROVED and pupil_item.state == ItemState.PENDING
    assert [c["text"] for c in services.board_snapshot(world.pupil_a, board.id)["concepts"]] == [
        "greed"
    ]
    services.approve_item(world.teacher_b, board.id, pupil_item.id)
    assert [c["text"] for c in services.board_snapshot(world.pupil_a, board.id)["concepts"]] == [
        "fairness",
        "greed",
    ]


def test_only_the_questions_authors_clarify_it(world, board):
    made = walk_to(world, board, Step.AIRING)
    with pytest.raises(Forbidden, match="authors"):
        services.submit_clarification(world.pupil_b, board.id, made["q_a"].id, "I meant lions.")
    with pytest.raises(Invalid, match="not on this board"):
        services.submit_clarification(world.pupil_a, board.id, 12345, "I meant lions.")
    item = services.submit_clarification(world.pupil_a, board.id, made["q_a"].id, "I meant lions.")
    services.approve_item(world.teacher_a, board.id, item.id)
    shown = services.board_snapshot(world.pupil_b, board.id)["clarifications"]
    assert [(c["question_id"], c["text"]) for c in shown] == [(made["q_a"].id, "I meant lions.")]


def test_group_members_may_clarify_their_groups_question(world, board):
    walk_to(world, board, Step.THINKING)
    services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    walk_to(world, board, Step.QUESTIONS)
    question = ask(world.pupil_a, world.teacher_a, board, "Is it fair to share?")
    assert question.group is not None
    step(world, board)
    assert services.submit_clarification(world.pupil_a2, board.id, question.id, "Share food.")


def contributions_at_building(world, board):
    made = walk_to(world, board, Step.FIRST_WORDS)
    first = services.submit_contribution(world.pupil_a, board.id, "first_words", "Lions take more.")
    services.approve_item(world.teacher_a, board.id, first.id)
    step(world, board)
    return made, db.session.scalar(select(Contribution).where(Contribution.item_id == first.id))


def test_first_words_belong_to_the_chosen_questions_authors(world, board):
    walk_to(world, board, Step.FIRST_WORDS)
    with pytest.raises(Forbidden, match="authors of the chosen question"):
        services.submit_contribution(world.pupil_b, board.id, "first_words", "Me first!")
    with pytest.raises(Invalid, match="first words"):
        services.submit_contribution(world.pupil_a, board.id, "example", "Like at lunch.")
    assert services.submit_contribution(
        world.pupil_a, board.id, "first_words", "I asked it because"
    )


def test_building_moves_reply_to_earlier_contributions(world, board):
    _made, first = contributions_at_building(world, board)
    reply = services.submit_contribution(
        world.pupil_b, board.id, "disagree", "the lion was hungriest.", reply_to_id=first.id
    )
    review = rule.review_entry(reply)
    assert review["text"] == "I disagree with Aisha K. because the lion was hungriest."
    assert review["reply_to"] == {"author": "Aisha K.", "text": "Lions take more."}
    assert review["context"] == "Enquiry “What is fair?”, at “Building”."
    assert review["url"] == f"/enquiries/{board.id}"
    services.approve_item(world.teacher_b, board.id, reply.id)
    shown = services.board_snapshot(world.pupil_a, board.id)["contributions"]
    assert [(c["move"], c["reply_to_id"], c["stem"]) for c in shown] == [
        ("first_words", None, "First words:"),
        ("disagree", first.id, "I disagree with Aisha K. because"),
    ]


@pytest.mark.parametrize(
    "move, reply, message",
    [
        ("agree", None, "whose idea"),
        ("build", None, "whose idea"),
        ("shout", None, "how your words join"),
        ("first_words", None, "agree, disagree"),
        ("prompt", None, "for teachers"),
        ("example", 99999, "not on this board"),
    ],
)
def test_bad_contributions_are_refused(world, board, move, reply, message):
    contributions_at_building(world, board)
    before = count(Contribution)
    with pytest.raises((Invalid, Forbidden), match=message):
        services.submit_contribution(world.pupil_b, board.id, move, "Because.", reply_to_id=reply)
    assert count(Contribution) == before


def test_contribution_length_limit(world, board):
    contributions_at_building(world, board)
    with pytest.raises(Invalid, match="at most 500"):
        services.submit_contribution(world.pupil_b, board.id, "example", "x" * 501)


def test_replying_to_a_pending_contribution_is_refused(world, board):
    contributions_at_building(world, board)
    pending = services.submit_contribution(world.pupil_b, board.id, "example", "At lunch.")
    row = db.session.scalar(select(Contribution).where(Contribution.item_id == pending.id))
    with pytest.raises(Conflict, match="not on the board"):
        services.submit_contribution(world.pupil_a, board.id, "agree", "yes", reply_to_id=row.id)


def test_teachers_prompts_go_straight_through(world, board):
    _made, first = contributions_at_building(world, board)
    prompt = services.post_prompt(
        world.teacher_b, board.id, text="Can you give an example?", reply_to_id=first.id
    )
    assert prompt.state == ItemState.APPROVED
    with pytest.raises(Forbidden, match="prompts"):
        services.submit_contribution(
            world.teacher_b, board.id, "agree", "Yes", reply_to_id=first.id
        )


def test_one_last_words_per_pupil_or_group(world, board):
    walk_to(world, board, Step.THINKING)
    services.create_group(world.teacher_b, board.id, [world.pupil_b.id, _another_b(world).id])
    walk_to(world, board, Step.LAST_WORDS)
    services.submit_last_words(world.pupil_a, board.id, "Fair is not always equal.")
    with pytest.raises(Conflict, match="You have already sent last words"):
        services.submit_last_words(world.pupil_a, board.id, "Another thought.")
    services.submit_last_words(world.pupil_b, board.id, "Sharing takes thought.")
    mate = next(p for p in world.class_b.pupils if p.id != world.pupil_b.id)
    with pytest.raises(Conflict, match="Your group has already sent last words"):
        services.submit_last_words(mate, board.id, "Me too.")
    assert count(LastWords) == 2


def _another_b(world):
    from tests import factories

    pupil = factories.make_pupil(world.class_b, "Mia L.")
    db.session.commit()
    return pupil


def test_returned_last_words_are_edited_not_sent_twice(world, board):
    walk_to(world, board, Step.LAST_WORDS)
    item = services.submit_last_words(world.pupil_a, board.id, "My address is 12 Elm Road")
    services.return_item(world.teacher_a, board.id, item.id, "No addresses, please.")
    with pytest.raises(Conflict, match="came back with a note"):
        services.submit_last_words(world.pupil_a, board.id, "Fair is kind.")
    services.edit_item(world.pupil_a, board.id, item.id, "Fair is kind.")
    assert item.state == ItemState.PENDING


def test_last_words_and_reflections_only_in_their_steps(world, board):
    walk_to(world, board, Step.BUILDING)
    with pytest.raises(Conflict, match="“Last words”"):
        services.submit_last_words(world.pupil_a, board.id, "Too soon.")
    with pytest.raises(Conflict, match="“Reflection”"):
        services.submit_reflection(world.pupil_a, board.id, "Too soon.")
    with pytest.raises(Conflict, match="“Reflection”"):
        services.set_thumb(world.pupil_a, board.id, "up")


def test_reflections_are_moderated_and_thumbs_are_counted_per_class(world, board):
    walk_to(world, board, Step.REFLECTION)
    item = services.submit_reflection(world.pupil_b, board.id, "We listened well.")
    assert item.state == ItemState.PENDING
    services.set_thumb(world.pupil_a, board.id, "up")
    services.set_thumb(world.pupil_a2, board.id, "down")
    services.set_thumb(world.pupil_a2, board.id, "sideways")
    services.set_thumb(world.pupil_b, board.id, "up")
    with pytest.raises(Invalid, match="thumbs"):
        services.set_thumb(world.pupil_b, board.id, "meh")
    summary = services.summary(world.teacher_b, board.id)
    assert [(t["up"], t["sideways"], t["down"]) for t in summary["thumbs"]] == [
        (1, 1, 0),
        (1, 0, 0),
    ]
    assert summary["reflections"] == [] and summary["reflections_waiting"] == 1
    services.approve_item(world.teacher_b, board.id, item.id)
    summary = services.summary(world.facilitator, board.id)
    assert [r["text"] for r in summary["reflections"]] == ["We listened well."]
    assert [c["questions"] for c in summary["classes"]] == [1, 1]
    with pytest.raises(Forbidden):
        services.summary(world.pupil_a, board.id)
    assert count(Reflection) == 1
