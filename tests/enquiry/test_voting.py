"""Voting: single, multi and omnivote, blind, equal weight per class, ties, the choice, and the
database constraints that hold whatever arrives at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange.enquiry import services
from exchange.enquiry.models import ChosenQuestion, Step, Vote, VotingState
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.realtime import StreamEvent
from tests import factories
from tests.enquiry.walk import ask, open_board, step, walk_to


def votes():
    return db.session.scalar(select(func.count()).select_from(Vote))


@pytest.fixture
def voting(world, board):
    """A board at the voting step with three approved questions (two from A, one from B)."""
    made = walk_to(world, board, Step.AIRING)
    made["q_a2"] = _approved_teacher_question(world, board)
    step(world, board)
    return made


def _approved_teacher_question(world, board):
    """A third question, from class A (written at question making, approved late)."""
    services.move_step(world.teacher_a, board.id, direction="back", from_step=Step.AIRING)
    q = ask(world.pupil_a2, world.teacher_a, board, "Can a lion be fair?")
    services.move_step(world.teacher_a, board.id, direction="next", from_step=Step.QUESTIONS)
    return q


def open_with(world, board, **rules):
    services.configure_voting(world.teacher_a, board.id, **rules)
    services.open_voting(world.teacher_a, board.id)


def test_single_vote_allows_one_vote_each(world, board, voting):
    open_with(world, board, method="single")
    mine = services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    assert mine == {"question_ids": [voting["q_a"].id], "votes_left": 0}
    with pytest.raises(Conflict, match="You have used your vote"):
        services.cast_vote(world.pupil_a, board.id, voting["q_b"].id)
    with pytest.raises(Conflict, match="already voted for this question"):
        services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    assert votes() == 1


def test_multi_vote_gives_n_votes_at_most_one_per_question(world, board, voting):
    open_with(world, board, method="multi", votes_per_voter=2)
    services.cast_vote(world.pupil_b, board.id, voting["q_a"].id)
    with pytest.raises(Conflict, match="already voted for this question"):
        services.cast_vote(world.pupil_b, board.id, voting["q_a"].id)
    assert services.cast_vote(world.pupil_b, board.id, voting["q_b"].id)["votes_left"] == 0
    with pytest.raises(Conflict, match="used all 2 votes"):
        services.cast_vote(world.pupil_b, board.id, voting["q_a2"].id)
    assert votes() == 2


def test_a_vote_taken_back_frees_its_slot(world, board, voting):
    open_with(world, board, method="multi", votes_per_voter=2)
    services.cast_vote(world.pupil_b, board.id, voting["q_a"].id)
    services.cast_vote(world.pupil_b, board.id, voting["q_b"].id)
    assert services.withdraw_vote(world.pupil_b, board.id, voting["q_a"].id)["votes_left"] == 1
    assert services.cast_vote(world.pupil_b, board.id, voting["q_a2"].id)["votes_left"] == 0
    with pytest.raises(Conflict, match="no vote of yours"):
        services.withdraw_vote(world.pupil_b, board.id, voting["q_a"].id)


def test_omnivote_allows_every_question_once(world, board, voting):
    open_with(world, board, method="omni")
    for key in ("q_a", "q_b", "q_a2"):
        assert services.cast_vote(world.pupil_a, board.id, voting[key].id)["votes_left"] is None
    with pytest.raises(Conflict, match="already voted"):
        services.cast_vote(world.pupil_a, board.id, voting["q_b"].id)
    assert votes() == 3


@pytest.mark.parametrize(
    "rules, message",
    [
        ({"method": "approval"}, "single vote, multi-vote or omnivote"),
        ({"method": "multi", "votes_per_voter": 1}, "2 to 10"),
        ({"method": "multi", "votes_per_voter": 11}, "2 to 10"),
        ({"method": "multi"}, "2 to 10"),
    ],
)
def test_bad_voting_rules_are_refused(world, board, voting, rules, message):
    with pytest.raises(Invalid, match=message):
        services.configure_voting(world.teacher_a, board.id, **rules)
    assert services.voting_view(board)["method"] == "multi"


def test_rules_cannot_change_while_open_or_after_votes(world, board, voting):
    open_with(world, board, method="single")
    with pytest.raises(Conflict, match="Voting is open"):
        services.configure_voting(world.teacher_a, board.id, method="omni")
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    services.close_voting(world.teacher_a, board.id)
    with pytest.raises(Conflict, match="Clear the votes"):
        services.configure_voting(world.teacher_a, board.id, method="omni")
    services.clear_votes(world.teacher_b, board.id)
    assert votes() == 0 and board.voting_state == VotingState.NOT_OPEN
    services.configure_voting(world.teacher_a, board.id, method="omni")


def test_voting_closed_or_not_yet_open_refuses_votes(world, board, voting):
    with pytest.raises(Conflict, match="not open"):
        services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    open_with(world, board, method="single")
    services.close_voting(world.teacher_a, board.id)
    with pytest.raises(Conflict, match="not open"):
        services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    assert votes() == 0


def test_voting_outside_the_voting_step_is_refused(world, board, voting):
    open_with(world, board, method="single")
    services.close_voting(world.teacher_a, board.id)
    services.choose_question(world.teacher_a, board.id, voting["q_a"].id)
    step(world, board)
    with pytest.raises(Conflict, match="only during “Voting”"):
        services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)


def test_a_question_from_another_enquiry_or_link_cannot_be_voted_on(world, board, voting):
    open_with(world, board, method="omni")
    other_link = factories.make_link(world.class_c, factories.make_classroom(world.school_b))
    teacher = factories.make_teacher(other_link.class_b)
    pupil = factories.make_pupil(other_link.class_a)
    factories.make_teacher(other_link.class_a, email="c2@example.org")
    db.session.commit()
    other = services.open_enquiry(teacher, other_link.id)
    walk_world = type("W", (), {"teacher_a": teacher})
    step(walk_world, other)
    services.set_stimulus(teacher, other.id, kind="text", text="Is it ever right to lie?")
    for _ in range(3):
        step(walk_world, other)
    foreign = services.submit_question(teacher, other.id, "Is a kind lie still a lie?")
    from exchange.enquiry.models import Question

    foreign_q = db.session.scalar(select(Question).where(Question.item_id == foreign.id))
    with pytest.raises(Invalid, match="not on this board"):
        services.cast_vote(world.pupil_a, board.id, foreign_q.id)
    with pytest.raises(Invalid, match="not on this board"):
        services.cast_vote(world.pupil_a, board.id, 999999)
    with pytest.raises(NotFound):
        services.cast_vote(pupil, board.id, voting["q_a"].id)
    assert votes() == 0


@pytest.mark.parametrize("role", ["teacher_a", "teacher_b", "facilitator", "admin"])
def test_only_pupils_vote(world, board, voting, role):
    open_with(world, board, method="omni")
    with pytest.raises(Forbidden):
        services.cast_vote(world.actor(role), board.id, voting["q_a"].id)
    assert votes() == 0


def test_parked_merged_or_pending_questions_are_not_up_for_voting(world, board, voting):
    services.move_step(world.teacher_a, board.id, direction="back", from_step=Step.VOTING)
    services.park_question(world.teacher_a, board.id, voting["q_a2"].id)
    step(world, board)
    open_with(world, board, method="omni")
    with pytest.raises(Conflict, match="not up for voting"):
        services.cast_vote(world.pupil_a, board.id, voting["q_a2"].id)


def test_tally_counts_raw_votes_per_class_and_leaders(world, board, voting):
    open_with(world, board, method="omni")
    services.cast_vote(world.pupil_a, board.id, voting["q_b"].id)
    services.cast_vote(world.pupil_a2, board.id, voting["q_b"].id)
    services.cast_vote(world.pupil_b, board.id, voting["q_a"].id)
    tally = services.tally(board)
    first = tally["questions"][0]
    assert first["question_id"] == voting["q_b"].id and first["votes"] == 2
    assert first["by_class"] == [
        {"classroom_id": world.class_a.id, "votes": 2},
        {"classroom_id": world.class_b.id, "votes": 0},
    ]
    assert tally["leaders"] == [voting["q_b"].id] and tally["tie"] is False
    published = db.session.scalars(
        select(StreamEvent).where(StreamEvent.kind == "tally_changed").order_by(StreamEvent.seq)
    ).all()
    assert published[-1].payload["tally"]["questions"][0]["votes"] == 2


def test_equal_weight_scales_each_class_to_the_same_total(world, board, voting):
    """Class A casts 3 votes, class B 1: B's vote counts 3, so B's question ties A's favourite."""
    extra = [factories.make_pupil(world.class_a, f"Extra {n}.") for n in range(1)]
    db.session.commit()
    open_with(world, board, method="single", equal_weight=True)
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    services.cast_vote(world.pupil_a2, board.id, voting["q_a"].id)
    services.cast_vote(extra[0], board.id, voting["q_a2"].id)
    services.cast_vote(world.pupil_b, board.id, voting["q_b"].id)
    tally = services.tally(board)
    scores = {q["question_id"]: (q["votes"], q["score"]) for q in tally["questions"]}
    assert scores[voting["q_a"].id] == (2, "2")
    assert scores[voting["q_a2"].id] == (1, "1")
    assert scores[voting["q_b"].id] == (1, "3")
    assert [c["weight"] for c in tally["classes"]] == ["1", "3"]
    assert tally["leaders"] == [voting["q_b"].id]


def test_equal_weight_keeps_exact_fractions_so_ties_are_true_ties(world, board, voting):
    """A casts 3 votes (2 + 1), B casts 2 (1 + 1): B's weight is 3/2. q_a gets A's 2 votes (2)
    and q_b gets... scores are compared as fractions, never rounded floats."""
    pupils_a = [world.pupil_a, world.pupil_a2, factories.make_pupil(world.class_a, "Sam T.")]
    pupils_b = [world.pupil_b, factories.make_pupil(world.class_b, "Mia L.")]
    db.session.commit()
    open_with(world, board, method="single", equal_weight=True)
    services.cast_vote(pupils_a[0], board.id, voting["q_a"].id)
    services.cast_vote(pupils_a[1], board.id, voting["q_a2"].id)
    services.cast_vote(pupils_a[2], board.id, voting["q_b"].id)
    services.cast_vote(pupils_b[0], board.id, voting["q_a"].id)
    services.cast_vote(pupils_b[1], board.id, voting["q_b"].id)
    tally = services.tally(board)
    scores = {q["question_id"]: q["score"] for q in tally["questions"]}
    # q_a: 1 (A) + 3/2 (B) = 5/2; q_b: 1 + 3/2 = 5/2; q_a2: 1
    assert scores == {voting["q_a"].id: "5/2", voting["q_b"].id: "5/2", voting["q_a2"].id: "1"}
    assert tally["tie"] is True and set(tally["leaders"]) == {voting["q_a"].id, voting["q_b"].id}
    assert {q["score_display"] for q in tally["questions"]} == {"2.5", "1"}


def test_without_equal_weight_the_larger_class_outvotes_the_smaller(world, board, voting):
    open_with(world, board, method="single")
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    services.cast_vote(world.pupil_a2, board.id, voting["q_a"].id)
    services.cast_vote(world.pupil_b, board.id, voting["q_b"].id)
    assert services.tally(board)["leaders"] == [voting["q_a"].id]


def test_blind_voting_hides_tallies_until_voting_closes(world, board, voting):
    open_with(world, board, method="single", blind=True)
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    services.cast_vote(world.pupil_b, board.id, voting["q_b"].id)
    hidden = services.tally_for_viewers(board)
    assert hidden["hidden"] is True
    assert [c["voters"] for c in hidden["progress"]] == [1, 1]
    kinds = [e.kind for e in db.session.scalars(select(StreamEvent).order_by(StreamEvent.id))]
    tallies_while_open = kinds[kinds.index("voting_changed") + 1 :]
    assert "tally_changed" not in tallies_while_open and "voting_progress" in tallies_while_open
    for role in ("pupil_a", "teacher_a", "facilitator"):
        assert services.board_snapshot(world.actor(role), board.id)["tally"]["hidden"] is True
    services.close_voting(world.teacher_a, board.id)
    shown = services.tally_for_viewers(board)
    assert shown["hidden"] is False and shown["tie"] is True
    last = db.session.scalars(select(StreamEvent).order_by(StreamEvent.id.desc())).first()
    assert last.kind == "tally_changed" and last.payload["tally"]["tie"] is True


def test_ties_are_shown_and_the_teacher_picks_among_the_leaders(world, board, voting):
    open_with(world, board, method="single")
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    services.cast_vote(world.pupil_b, board.id, voting["q_b"].id)
    with pytest.raises(Conflict, match="Close voting first"):
        services.choose_question(world.teacher_a, board.id, voting["q_a"].id)
    services.close_voting(world.teacher_a, board.id)
    assert services.tally(board)["tie"] is True
    with pytest.raises(Conflict, match="not among the most voted"):
        services.choose_question(world.teacher_b, board.id, voting["q_a2"].id)
    services.choose_question(world.teacher_b, board.id, voting["q_b"].id)
    assert db.session.get(ChosenQuestion, board.id).question_id == voting["q_b"].id
    chosen = db.session.scalars(
        select(StreamEvent).where(StreamEvent.kind == "question_chosen")
    ).one()
    assert chosen.payload["was_tie"] is True and chosen.payload["authors"] == ["Oliver P."]


def test_reopening_voting_undoes_the_choice(world, board, voting):
    open_with(world, board, method="single")
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    services.close_voting(world.teacher_a, board.id)
    services.choose_question(world.teacher_a, board.id, voting["q_a"].id)
    services.open_voting(world.teacher_a, board.id)
    assert db.session.get(ChosenQuestion, board.id) is None
    with pytest.raises(Conflict, match="already voted"):
        services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)


def test_leaving_voting_closes_it(world, board, voting):
    open_with(world, board, method="single")
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    with pytest.raises(Conflict, match="confirm the chosen question"):
        step(world, board)
    assert board.voting_state == VotingState.OPEN


def test_a_group_votes_as_one(world, board, voting):
    services.move_step(world.teacher_a, board.id, direction="back", from_step=Step.VOTING)
    group = services.create_group(world.teacher_a, board.id, [world.pupil_a.id, world.pupil_a2.id])
    step(world, board)
    open_with(world, board, method="single")
    services.cast_vote(world.pupil_a, board.id, voting["q_b"].id)
    with pytest.raises(Conflict, match="Your group has used its vote"):
        services.cast_vote(world.pupil_a2, board.id, voting["q_a"].id)
    vote = db.session.scalars(select(Vote)).one()
    assert vote.voter_key == f"g{group.id}" and vote.cast_by_id == world.pupil_a.id


def test_database_refuses_a_second_vote_on_one_question(world, board, voting):
    open_with(world, board, method="omni")
    services.cast_vote(world.pupil_a, board.id, voting["q_a"].id)
    db.session.add(
        Vote(
            enquiry_id=board.id,
            question_id=voting["q_a"].id,
            voter_key=f"p{world.pupil_a.id}",
            classroom_id=world.class_a.id,
            cast_by_id=world.pupil_a.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_slot_used_twice(world, board, voting):
    """Two tabs that both saw slot 0 free: the second insert fails in the database."""
    open_with(world, board, method="single")
    for question in (voting["q_a"], voting["q_b"]):
        db.session.add(
            Vote(
                enquiry_id=board.id,
                question_id=question.id,
                voter_key=f"p{world.pupil_b.id}",
                classroom_id=world.class_b.id,
                cast_by_id=world.pupil_b.id,
                slot=0,
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert votes() == 0


def test_a_lost_race_for_a_slot_is_retried_with_the_rules_applied(
    world, board, voting, monkeypatch
):
    """Another tab took slot 0 after this request looked: the insert fails in the database, and
    the vote is looked at again and takes the next free slot."""
    open_with(world, board, method="multi", votes_per_voter=2)
    services.cast_vote(world.pupil_b, board.id, voting["q_a2"].id)  # the other tab's vote
    from exchange.enquiry import voting as voting_module

    real = voting_module.free_slot
    calls = []

    def stale_first(enquiry, mine, who):
        calls.append(real(enquiry, mine, who))
        return 0 if len(calls) == 1 else calls[-1]  # the first look had not seen slot 0 go

    monkeypatch.setattr(voting_module, "free_slot", stale_first)
    assert services.cast_vote(world.pupil_b, board.id, voting["q_a"].id)["votes_left"] == 0
    assert len(calls) == 2
    assert sorted(db.session.scalars(select(Vote.slot))) == [0, 1]


def test_first_words_invite_the_chosen_questions_authors_from_either_class(world, board, voting):
    open_with(world, board, method="single")
    services.cast_vote(world.pupil_a, board.id, voting["q_b"].id)
    services.close_voting(world.teacher_a, board.id)
    services.choose_question(world.teacher_a, board.id, voting["q_b"].id)
    step(world, board)
    last = db.session.scalars(select(StreamEvent).order_by(StreamEvent.id.desc())).first()
    assert last.kind == "board_step" and last.payload["invited"] == ["Oliver P."]


def test_nobody_voted_lets_the_teacher_choose_any_question(world, board, voting):
    open_with(world, board, method="single")
    services.close_voting(world.teacher_a, board.id)
    services.choose_question(world.teacher_a, board.id, voting["q_a2"].id)
    assert services.chosen_question(board).id == voting["q_a2"].id


def test_opening_voting_needs_questions(world):
    enquiry = open_board(world)
    walk_to(world, enquiry, Step.AIRING)
    assert enquiry.step == Step.AIRING
    with pytest.raises(Conflict, match="only during “Voting”"):
        services.open_voting(world.teacher_a, enquiry.id)
