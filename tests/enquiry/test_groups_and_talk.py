"""Groups and private jottings; airing tools; the fair speaker queue; the prompt bank; parked
questions starting the next enquiry; the export; the function other areas put on a stage."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.enquiry import services
from exchange.enquiry.models import Step
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.realtime import StreamEvent
from tests import factories
from tests.enquiry.walk import step, walk_to


@pytest.fixture
def class_b_pupils(world):
    extra = [factories.make_pupil(world.class_b, name) for name in ("Oliver S.", "Mia L.")]
    db.session.commit()
    return [world.pupil_b, *extra]


def test_groups_are_named_by_first_names(world, board, class_b_pupils):
    group = services.create_group(world.teacher_b, board.id, [p.id for p in class_b_pupils])
    assert group.name == "Mia, Oliver P. and Oliver S."
    published = db.session.scalars(
        select(StreamEvent).where(StreamEvent.kind == "groups_changed")
    ).one()
    assert published.payload["groups"][0]["name"] == group.name


@pytest.mark.parametrize(
    "who, pupils, error",
    [
        ("teacher_a", lambda w: [w.pupil_b.id, w.pupil_a.id], Forbidden),
        ("teacher_b", lambda w: [w.pupil_b.id], Invalid),
        ("teacher_b", lambda w: [w.pupil_b.id, 99999], Invalid),
        ("teacher_a", lambda w: [w.pupil_b.id, w.pupil_b.id + 0], Invalid),
        ("pupil_a", lambda w: [w.pupil_a.id, w.pupil_a2.id], Forbidden),
        ("teacher_c", lambda w: [w.pupil_c.id, w.pupil_c.id], NotFound),
    ],
)
def test_bad_groups_are_refused(world, board, who, pupils, error):
    with pytest.raises(error):
        services.create_group(world.actor(who), board.id, pupils(world))
    assert services.groups_of(board) == []


def test_a_pupil_is_in_one_group_per_enquiry(world, board):
    services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    third = factories.make_pupil(world.class_a, "Sam T.")
    db.session.commit()
    with pytest.raises(Conflict, match="already in another group"):
        services.create_group(world.teacher_a, board.id, [world.pupil_a.id, third.id])
    assert len(services.groups_of(board)) == 1


def test_groups_are_fixed_once_voting_starts_and_kept_when_they_have_work(world, board):
    group = services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    walk_to(world, board, Step.THINKING)
    services.save_jotting(world.pupil_a, board.id, "Lions are strong")
    with pytest.raises(Conflict, match="already written"):
        services.delete_group(world.teacher_a, board.id, group.id)
    walk_to(world, board, Step.VOTING)
    with pytest.raises(Conflict, match="before voting"):
        services.update_group(
            world.teacher_a, board.id, group.id, [world.pupil_a.id, world.pupil_a2.id]
        )


def test_an_unused_group_can_be_broken_up(world, board):
    group = services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    with pytest.raises(Forbidden):
        services.delete_group(world.teacher_b, board.id, group.id)
    services.delete_group(world.teacher_a, board.id, group.id)
    assert services.groups_of(board) == []


def test_jottings_are_private_to_their_owner_and_shared_within_a_group(world, board):
    group = services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    with pytest.raises(Conflict, match="thinking time"):
        services.save_jotting(world.pupil_a, board.id, "too early")
    walk_to(world, board, Step.THINKING)
    services.save_jotting(world.pupil_a, board.id, "Is the lion greedy?")
    services.save_jotting(world.pupil_b, board.id, "Lions need more food")
    assert services.get_jotting(world.pupil_a2, board.id)["text"] == "Is the lion greedy?"
    assert services.get_jotting(world.pupil_b, board.id)["text"] == "Lions need more food"
    with pytest.raises(Forbidden):
        services.get_jotting(world.teacher_a, board.id)
    with pytest.raises(Invalid, match="2000"):
        services.save_jotting(world.pupil_b, board.id, "x" * 2001)
    saved = db.session.scalars(select(StreamEvent).where(StreamEvent.kind == "jotting_saved")).all()
    assert sorted(e.stream for e in saved) == sorted(
        [f"enquiry-own:{board.id}:g{group.id}", f"enquiry-own:{board.id}:p{world.pupil_b.id}"]
    )
    for role in ("teacher_a", "teacher_b", "facilitator", "pupil_b"):
        assert "Is the lion greedy?" not in str(
            services.board_snapshot(world.actor(role), board.id)
        )


def test_jottings_can_be_saved_while_paused(world, board):
    walk_to(world, board, Step.THINKING)
    services.set_paused(world.teacher_a, board.id, True)
    assert (
        services.save_jotting(world.pupil_a, board.id, "still thinking")["text"] == "still thinking"
    )


def test_airing_rewords_merges_links_sorts_and_keeps_originals(world, board):
    made = walk_to(world, board, Step.AIRING)
    q_a, q_b = made["q_a"], made["q_b"]
    services.reword_question(
        world.teacher_b, board.id, q_a.id, "Is it ever fair to keep more than others?"
    )
    view = services.question_public_view(q_a.id)
    assert view["text"] == "Is it ever fair to keep more than others?"
    assert view["original_text"] == "Is it ever fair to keep more?" and view["reworded"] is True
    with pytest.raises(Invalid, match="question mark"):
        services.reword_question(world.teacher_b, board.id, q_a.id, "Fairness")
    assert services.link_questions(world.teacher_a, board.id, [q_b.id, q_a.id]) == [
        [q_a.id, q_b.id]
    ]
    assert services.link_questions(world.teacher_a, board.id, [q_a.id, q_b.id], linked=False) == []
    services.sort_question(world.teacher_a, board.id, q_b.id, "open", "reasoning")
    with pytest.raises(Invalid, match="closed or open"):
        services.sort_question(world.teacher_a, board.id, q_b.id, "ajar", None)
    merged = services.merge_questions(
        world.teacher_a, board.id, [q_a.id, q_b.id], "What is a fair share?"
    )
    assert services.question_public_view(merged.id)["merged_from"] == [q_a.id, q_b.id]
    assert services.question_public_view(q_a.id)["merged_into_id"] == merged.id
    with pytest.raises(Conflict, match="merged into another"):
        services.reword_question(world.teacher_a, board.id, q_a.id, "Is it?")
    step(world, board)
    services.configure_voting(world.teacher_a, board.id, method="single")
    services.open_voting(world.teacher_a, board.id)
    with pytest.raises(Conflict, match="not up for voting"):
        services.cast_vote(world.pupil_a, board.id, q_a.id)
    services.cast_vote(world.pupil_a, board.id, merged.id)
    services.close_voting(world.teacher_a, board.id)
    services.choose_question(world.teacher_a, board.id, merged.id)
    step(world, board)
    invited = db.session.scalars(select(StreamEvent).order_by(StreamEvent.id.desc())).first()
    assert invited.payload["invited"] == ["Aisha K.", "Oliver P."]
    assert services.submit_contribution(world.pupil_b, board.id, "first_words", "We both asked it.")


@pytest.mark.parametrize("role", ["pupil_a", "facilitator", "teacher_c"])
def test_only_the_links_teachers_use_airing_tools(world, board, role):
    made = walk_to(world, board, Step.AIRING)
    with pytest.raises((Forbidden, NotFound)):
        services.park_question(world.actor(role), board.id, made["q_a"].id)


def test_airing_tools_only_during_airing(world, board):
    made = walk_to(world, board, Step.QUESTIONS + 1)
    step(world, board, "back")
    with pytest.raises(Conflict, match="“Question airing”"):
        services.reword_question(world.teacher_a, board.id, made["q_a"].id, "Is it?")


def test_a_parked_question_starts_the_next_enquiry(world, board):
    made = walk_to(world, board, Step.AIRING)
    services.park_question(world.teacher_a, board.id, made["q_b"].id)
    assert [q.id for q in services.parked_questions(world.pupil_a, world.link.id)] == [
        made["q_b"].id
    ]
    walk_to(world, board, Step.REFLECTION)
    with pytest.raises(Conflict, match="open enquiry"):
        services.open_enquiry(world.teacher_b, world.link.id, from_question_id=made["q_b"].id)
    services.close_enquiry(world.teacher_a, board.id)
    with pytest.raises(Conflict, match="Only parked"):
        services.open_enquiry(world.teacher_b, world.link.id, from_question_id=made["q_a"].id)
    nxt = services.open_enquiry(world.teacher_b, world.link.id, from_question_id=made["q_b"].id)
    assert nxt.title == "What makes a share fair?"
    assert services.stimulus_view(nxt)["kind"] == "question"
    assert services.parked_questions(world.teacher_a, world.link.id) == []
    snapshot = services.board_snapshot(world.pupil_a, nxt.id)
    assert [q["question_id"] for q in snapshot["questions"]] == [made["q_b"].id]
    walk_to(world, nxt, Step.VOTING)
    services.configure_voting(world.teacher_b, nxt.id, method="single")
    services.open_voting(world.teacher_b, nxt.id)
    services.cast_vote(world.pupil_a, nxt.id, made["q_b"].id)
    assert services.tally(nxt)["questions"][0]["question_id"] == made["q_b"].id


def test_speaker_queue_alternates_fairly_between_classes(world, board):
    a3 = factories.make_pupil(world.class_a, "Sam T.")
    b2 = factories.make_pupil(world.class_b, "Mia L.")
    db.session.commit()
    walk_to(world, board, Step.FIRST_WORDS)
    for pupil in (world.pupil_a, world.pupil_a2, a3, world.pupil_b, b2):
        services.raise_hand(pupil, board.id)
    with pytest.raises(Conflict, match="already up"):
        services.raise_hand(world.pupil_a, board.id)
    queue = services.call_next(world.teacher_a, board.id)
    assert queue["speaking"]["name"] == "Aisha K."
    assert [h["name"] for h in queue["waiting"]] == ["Oliver P.", "Tom R.", "Mia L.", "Sam T."]
    with pytest.raises(Conflict, match="your turn"):
        services.raise_hand(world.pupil_a, board.id)
    queue = services.call_next(world.teacher_b, board.id)
    assert queue["speaking"]["name"] == "Oliver P."
    queue = services.raise_hand(world.pupil_a, board.id)  # Aisha again, having spoken once
    assert [h["name"] for h in queue["waiting"]] == ["Tom R.", "Mia L.", "Sam T.", "Aisha K."]
    services.lower_hand(world.pupil_a2, board.id)
    queue = services.lower_hand(world.teacher_a, board.id, pupil_id=a3.id)
    assert [h["name"] for h in queue["waiting"]] == ["Aisha K.", "Mia L."]
    with pytest.raises(Forbidden):
        services.call_next(world.pupil_b, board.id)


def test_hands_go_down_when_the_talk_ends(world, board):
    walk_to(world, board, Step.BUILDING)
    services.raise_hand(world.pupil_b, board.id)
    step(world, board)
    assert services.speaker_queue(board) == {"speaking": None, "waiting": []}
    with pytest.raises(Conflict, match="“First words” or “Building”"):
        services.raise_hand(world.pupil_b, board.id)


def test_prompt_bank_starts_with_suggestions_and_is_each_teachers_own(world, board):
    bank = services.prompt_bank(world.teacher_a)
    assert bank[0].text == "What do you mean by that?"
    added = services.add_prompt(world.teacher_a, "  Who has  a different idea? ")
    assert added.text == "Who has a different idea?"
    services.update_prompt(world.teacher_a, bank[0].id, "What do you mean?")
    services.delete_prompt(world.teacher_a, bank[1].id)
    with pytest.raises(NotFound):
        services.update_prompt(world.teacher_b, bank[0].id, "Mine now")
    with pytest.raises(Invalid):
        services.add_prompt(world.teacher_a, " ")
    with pytest.raises(Forbidden):
        services.prompt_bank(world.pupil_a)
    texts = [p.text for p in services.prompt_bank(world.teacher_a)]
    assert texts[0] == "What do you mean?" and texts[-1] == "Who has a different idea?"
    walk_to(world, board, Step.BUILDING)
    item = services.post_prompt(world.teacher_a, board.id, prompt_id=added.id)
    assert services.board_snapshot(world.pupil_b, board.id)["contributions"][-1]["text"] == (
        "Who has a different idea?"
    )
    assert item.author_staff_id == world.teacher_a.id


def test_export_holds_the_whole_enquiry_as_it_reached_both_classes(world, board):
    made = walk_to(world, board, Step.FIRST_WORDS)
    first = services.submit_contribution(world.pupil_a, board.id, "first_words", "Lions take more.")
    services.approve_item(world.teacher_a, board.id, first.id)
    step(world, board)
    row = db.session.scalars(
        select(StreamEvent)
        .where(StreamEvent.kind == "item_approved")
        .order_by(StreamEvent.id.desc())
        .limit(1)
    ).one()
    reply = services.submit_contribution(
        world.pupil_b,
        board.id,
        "build",
        "they are hungry.",
        reply_to_id=row.payload["contribution_id"],
    )
    services.approve_item(world.teacher_b, board.id, reply.id)
    services.submit_contribution(world.pupil_b, board.id, "example", "Pending, not exported.")
    step(world, board)
    last = services.submit_last_words(world.pupil_b, board.id, "Fair can mean different things.")
    services.approve_item(world.teacher_b, board.id, last.id)
    step(world, board)
    services.set_thumb(world.pupil_a, board.id, "up")
    services.close_enquiry(world.teacher_a, board.id)
    export = services.export_enquiry(world.pupil_b, board.id)
    assert export["stimulus"]["title"] == "The Lion's Share"
    assert [q["votes"] for q in export["questions"]] == [1, 0]
    assert export["chosen"]["question"]["question_id"] == made["q_a"].id
    thread = export["contributions"]
    assert len(thread) == 1 and thread[0]["replies"][0]["text"] == "they are hungry."
    assert [w["text"] for w in export["last_words"]] == ["Fair can mean different things."]
    assert export["reflection"]["thumbs"][0]["up"] == 1
    assert "Pending, not exported." not in str(export)


def test_question_public_view_is_for_approved_questions_only(world, board):
    walk_to(world, board, Step.QUESTIONS)
    item = services.submit_question(world.pupil_a, board.id, "Is this on stage?")
    from exchange.enquiry.models import Question

    question = db.session.scalar(select(Question).where(Question.item_id == item.id))
    with pytest.raises(NotFound):
        services.question_public_view(question.id)
    services.approve_item(world.teacher_a, board.id, item.id)
    view = services.question_public_view(question.id)
    assert (
        view["text"] == "Is this on stage?" and view["class_label"] == "Class 5A, Oakfield Primary"
    )
    from exchange.authz.enquiry import can_stage_question

    assert can_stage_question(world.teacher_b, question) and can_stage_question(
        world.facilitator, question
    )
    assert not can_stage_question(world.pupil_a, question)
    assert not can_stage_question(world.teacher_c, question)
