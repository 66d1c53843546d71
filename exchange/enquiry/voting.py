"""Choosing the question: voting rules, votes enforced by the database, exact tallies, the choice.

A voter is a pupil alone (`p<id>`) or their group (`g<id>`). Each vote takes a slot 0..N-1 under
unique (enquiry, voter, slot), and unique (enquiry, question, voter) allows one vote per question;
omnivotes take no slot. The board's row lock (common.lock_enquiry) queues votes on one board so
each published tally includes every vote committed before it; the constraints hold regardless.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.exc import IntegrityError

from exchange.enquiry import tallies
from exchange.enquiry.channels import question_view
from exchange.enquiry.common import (
    atomic,
    author_label,
    class_label,
    get_enquiry,
    lock_enquiry,
    owner_of,
    publish,
    publish_own,
    require_pupil_action,
    require_runner,
    require_step,
    share_lock_enquiry,
)
from exchange.enquiry.models import (
    ChosenQuestion,
    Enquiry,
    Question,
    Step,
    Vote,
    VoteMethod,
    VotingState,
)
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.moderation.models import ItemState, ModerationItem
from exchange.types import utcnow

MULTI_MIN, MULTI_MAX = 2, 10
ATTEMPTS = MULTI_MAX + 2  # enough for every tab of one voter racing for the last slot


# ----- which questions, whose questions -----------------------------------------------------


def on_board(enquiry_id: int) -> Any:
    """Questions written for this board, or carried into it from a parked list."""
    return (Question.enquiry_id == enquiry_id) | (Question.carried_into_id == enquiry_id)


def votable_questions(enquiry: Enquiry) -> list[Question]:
    """Approved questions on this board that are neither merged into another nor parked."""
    return list(db.session.scalars(_votable_stmt(enquiry).order_by(Question.id)))


def _votable_stmt(enquiry: Enquiry) -> Any:
    """The query for votable questions."""
    return (
        select(Question)
        .join(ModerationItem, ModerationItem.id == Question.item_id)
        .where(
            on_board(enquiry.id),
            ModerationItem.state == ItemState.APPROVED,
            Question.merged_into_id.is_(None),
            Question.parked_at.is_(None) | (Question.carried_into_id == enquiry.id),
        )
    )


def question_authors(question: Question) -> list[tuple[str, set[int]]]:
    """Who wrote a question: (label, pupil ids) per author; a merged question has its originals'."""
    originals = list(
        db.session.scalars(
            select(Question).where(Question.merged_into_id == question.id).order_by(Question.id)
        )
    )
    authors: list[tuple[str, set[int]]] = []
    for q in originals or [question]:
        if q.group is not None:
            ids = {m.pupil_id for m in q.group.members} | {q.item.author_pupil_id or 0}
            authors.append((q.group.name, ids - {0}))
        elif q.item.author_pupil_id is not None:
            authors.append((author_label(q.item, None), {q.item.author_pupil_id}))
    unique: dict[str, set[int]] = {}
    for label, ids in authors:
        unique.setdefault(label, set()).update(ids)
    return list(unique.items())


def chosen_question(enquiry: Enquiry) -> Question | None:
    """The question the classes chose, once a teacher confirmed it."""
    chosen = db.session.get(ChosenQuestion, enquiry.id)
    return chosen.question if chosen else None


def chosen_author_names(enquiry: Enquiry) -> list[str]:
    """The authors invited to give first words, whichever class they are in."""
    question = chosen_question(enquiry)
    return [label for label, _ids in question_authors(question)] if question else []


def is_chosen_author(enquiry: Enquiry, pupil_id: int) -> bool:
    """Did this pupil (alone or in their group) write the chosen question?"""
    question = chosen_question(enquiry)
    return question is not None and any(pupil_id in ids for _l, ids in question_authors(question))


# ----- rules --------------------------------------------------------------------------------


def voting_view(enquiry: Enquiry) -> dict[str, Any]:
    """The voting rules and state, with the rule in plain words."""
    method = enquiry.vote_method
    if method == VoteMethod.SINGLE:
        words = "Each of you has one vote."
    elif method == VoteMethod.MULTI:
        words = f"Each of you has {enquiry.votes_per_voter} votes, at most one per question."
    else:
        words = "Vote for as many questions as you like, once each."
    if enquiry.blind:
        words += " Nobody sees the votes until voting closes."
    if enquiry.equal_weight:
        words += " Both classes' votes count the same in total."
    return {
        "method": method.value,
        "votes_per_voter": None if method == VoteMethod.OMNI else enquiry.votes_per_voter,
        "blind": enquiry.blind,
        "equal_weight": enquiry.equal_weight,
        "state": enquiry.voting_state.value,
        "rule_words": words,
    }


def _vote_count(enquiry: Enquiry) -> int:
    return db.session.scalar(select(func.count()).where(Vote.enquiry_id == enquiry.id)) or 0


@atomic
def configure_voting(
    actor: Any,
    enquiry_id: int,
    *,
    method: str,
    votes_per_voter: int | None = None,
    blind: bool = False,
    equal_weight: bool = False,
) -> Enquiry:
    """Choose the voting method before voting opens."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.VOTING, doing="set up voting")
    try:
        vote_method = VoteMethod(method)
    except ValueError:
        raise Invalid("Choose single vote, multi-vote or omnivote.", field="method") from None
    if vote_method == VoteMethod.SINGLE:
        votes_per_voter = 1
    elif vote_method == VoteMethod.MULTI:
        if votes_per_voter is None or not MULTI_MIN <= votes_per_voter <= MULTI_MAX:
            raise Invalid(
                f"With multi-vote, each voter has {MULTI_MIN} to {MULTI_MAX} votes.",
                field="votes_per_voter",
            )
    else:
        votes_per_voter = enquiry.votes_per_voter
    lock_enquiry(enquiry)
    if enquiry.voting_state == VotingState.OPEN:
        raise Conflict("Voting is open. Close it before changing the rules.")
    if _vote_count(enquiry):
        raise Conflict("Votes were cast under the current rules. Clear the votes first.")
    enquiry.vote_method, enquiry.votes_per_voter = vote_method, votes_per_voter
    enquiry.blind, enquiry.equal_weight = bool(blind), bool(equal_weight)
    publish(enquiry, "voting_changed", {"voting": voting_view(enquiry)})
    db.session.commit()
    return enquiry


@atomic
def open_voting(actor: Any, enquiry_id: int) -> Enquiry:
    """Open voting (again, after closing, the votes so far are kept and the choice is undone)."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.VOTING, doing="open voting")
    lock_enquiry(enquiry)
    if enquiry.voting_state == VotingState.OPEN:
        raise Conflict("Voting is already open.")
    if not votable_questions(enquiry):
        raise Conflict("There are no approved questions to vote on.")
    enquiry.voting_state = VotingState.OPEN
    db.session.execute(delete(ChosenQuestion).where(ChosenQuestion.enquiry_id == enquiry.id))
    publish(enquiry, "voting_changed", {"voting": voting_view(enquiry)})
    _publish_tally(enquiry)
    db.session.commit()
    return enquiry


def close_voting_now(enquiry: Enquiry) -> None:
    """Close voting and reveal the tally (the caller holds the lock and commits)."""
    enquiry.voting_state = VotingState.CLOSED
    publish(enquiry, "voting_changed", {"voting": voting_view(enquiry)})
    publish(enquiry, "tally_changed", {"tally": tally(enquiry)})


@atomic
def close_voting(actor: Any, enquiry_id: int) -> Enquiry:
    """Close voting: tallies are shown to everyone, even when voting was blind."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.VOTING, doing="close voting")
    lock_enquiry(enquiry)
    if enquiry.voting_state != VotingState.OPEN:
        raise Conflict("Voting is not open.")
    close_voting_now(enquiry)
    db.session.commit()
    return enquiry


@atomic
def clear_votes(actor: Any, enquiry_id: int) -> Enquiry:
    """Remove every vote (to change the rules or vote again)."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.VOTING, doing="clear the votes")
    lock_enquiry(enquiry)
    if enquiry.voting_state == VotingState.OPEN:
        raise Conflict("Close voting before clearing the votes.")
    db.session.execute(delete(Vote).where(Vote.enquiry_id == enquiry.id))
    db.session.execute(delete(ChosenQuestion).where(ChosenQuestion.enquiry_id == enquiry.id))
    enquiry.voting_state = VotingState.NOT_OPEN
    publish(enquiry, "voting_changed", {"voting": voting_view(enquiry), "cleared": True})
    _publish_tally(enquiry)
    db.session.commit()
    return enquiry


# ----- casting votes ------------------------------------------------------------------------


def _votable(enquiry: Enquiry, question_id: int) -> Question:
    """A question of this board that is up for voting (one query), or a clear refusal."""
    question = db.session.scalar(_votable_stmt(enquiry).where(Question.id == question_id))
    if question is not None:
        return question
    other = db.session.get(Question, question_id)
    if other is None or enquiry.id not in (other.enquiry_id, other.carried_into_id):
        raise Invalid("That question is not on this board.", field="question_id")
    raise Conflict("That question is not up for voting.", field="question_id")


def my_votes(enquiry: Enquiry, voter_key: str) -> dict[str, Any]:
    """A voter's own votes and how many they have left."""
    ids = list(
        db.session.scalars(
            select(Vote.question_id)
            .where(Vote.enquiry_id == enquiry.id, Vote.voter_key == voter_key)
            .order_by(Vote.id)
        )
    )
    left = None if enquiry.vote_method == VoteMethod.OMNI else enquiry.votes_per_voter - len(ids)
    return {"question_ids": ids, "votes_left": left}


@atomic
def cast_vote(actor: Any, enquiry_id: int, question_id: int) -> dict[str, Any]:
    """A pupil (for themselves or their group) votes for a question, within the rules."""
    for attempt in range(ATTEMPTS):
        try:
            return _cast_vote(actor, enquiry_id, question_id)
        except IntegrityError:
            # Another request of the same voter won the slot or the question: look again.
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise Conflict("That vote could not be counted. Please try again.") from None
    raise AssertionError("unreachable")


def _cast_vote(actor: Any, enquiry_id: int, question_id: int) -> dict[str, Any]:
    enquiry = get_enquiry(actor, enquiry_id)
    pupil = require_pupil_action(actor, enquiry, Step.VOTING, doing="vote")
    share_lock_enquiry(enquiry)
    require_pupil_action(actor, enquiry, Step.VOTING, doing="vote")
    _votable(enquiry, question_id)
    if enquiry.voting_state != VotingState.OPEN:
        raise Conflict("Voting is not open.")
    group, voter_key = owner_of(enquiry, pupil)
    mine = list(
        db.session.scalars(
            select(Vote)
            .where(Vote.enquiry_id == enquiry.id, Vote.voter_key == voter_key)
            .order_by(Vote.id)
        )
    )
    who = "Your group has" if group else "You have"
    if any(v.question_id == question_id for v in mine):
        raise Conflict(f"{who} already voted for this question.")
    slot = free_slot(enquiry, mine, who)
    db.session.add(
        Vote(
            enquiry_id=enquiry.id,
            question_id=question_id,
            voter_key=voter_key,
            classroom_id=pupil.classroom_id,
            cast_by_id=pupil.id,
            slot=slot,
        )
    )
    db.session.flush()
    mine_now = [v.question_id for v in mine] + [question_id]
    return _after_vote_change(enquiry, voter_key, mine_now)


def free_slot(enquiry: Enquiry, mine: list[Vote], who: str) -> int | None:
    """The voter's lowest unused slot (None for omnivote, which has no slots); refused when
    every vote is used."""
    if enquiry.vote_method == VoteMethod.OMNI:
        return None
    used = {v.slot for v in mine}
    slot = next((s for s in range(enquiry.votes_per_voter) if s not in used), None)
    if slot is None:
        n = enquiry.votes_per_voter
        whose = "its" if who.startswith("Your group") else "your"
        raise Conflict(f"{who} used {f'{whose} vote' if n == 1 else f'all {n} votes'}.")
    return slot


@atomic
def withdraw_vote(actor: Any, enquiry_id: int, question_id: int) -> dict[str, Any]:
    """Take a vote back while voting is open."""
    enquiry = get_enquiry(actor, enquiry_id)
    pupil = require_pupil_action(actor, enquiry, Step.VOTING, doing="change your votes")
    share_lock_enquiry(enquiry)
    if enquiry.voting_state != VotingState.OPEN:
        raise Conflict("Voting is not open.")
    _group, voter_key = owner_of(enquiry, pupil)
    removed = db.session.execute(
        delete(Vote).where(
            Vote.enquiry_id == enquiry.id,
            Vote.voter_key == voter_key,
            Vote.question_id == question_id,
        )
    ).rowcount
    if not removed:
        raise Conflict("There is no vote of yours on that question to take back.")
    return _after_vote_change(enquiry, voter_key, None)


def _after_vote_change(
    enquiry: Enquiry, voter_key: str, question_ids: list[int] | None
) -> dict[str, Any]:
    """Tell the voter's screens and commit; the board's tally follows (see tallies.py)."""
    if question_ids is None:
        mine = my_votes(enquiry, voter_key)
    else:
        left = None if enquiry.vote_method == VoteMethod.OMNI else enquiry.votes_per_voter
        mine = {
            "question_ids": question_ids,
            "votes_left": None if left is None else left - len(question_ids),
        }
    publish_own(enquiry, voter_key, "my_votes", mine)
    enquiry_id = enquiry.id
    db.session.commit()
    tallies.request_tally(enquiry_id, publish_tally_now)
    return mine


def publish_tally_now(enquiry_id: int) -> None:
    """Publish the board's tally in its own transaction, after the votes it counts committed.

    The board's lock is taken before the tally is read, so each tally published reads every
    vote committed before it and carries a later number than the one before: the last tally a
    screen sees after a burst of votes is exact.
    """
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None:
        return
    lock_enquiry(enquiry)
    _publish_tally(enquiry)
    db.session.commit()


def _publish_tally(enquiry: Enquiry) -> None:
    """The tally for everyone, or only how many have voted while voting is blind."""
    if enquiry.blind and enquiry.voting_state != VotingState.CLOSED:
        publish(enquiry, "voting_progress", {"progress": progress(enquiry)})
    else:
        publish(enquiry, "tally_changed", {"tally": tally(enquiry)})


# ----- tallies ------------------------------------------------------------------------------


def progress(enquiry: Enquiry) -> list[dict[str, Any]]:
    """How many voters of each class have voted (shown while voting is blind)."""
    rows = db.session.execute(
        select(Vote.classroom_id, func.count(distinct(Vote.voter_key)), func.count())
        .where(Vote.enquiry_id == enquiry.id)
        .group_by(Vote.classroom_id)
    ).all()
    counted = {cid: (voters, votes) for cid, voters, votes in rows}
    return [
        {
            "classroom_id": cid,
            "class_label": class_label(cid),
            "voters": counted.get(cid, (0, 0))[0],
            "votes": counted.get(cid, (0, 0))[1],
        }
        for cid in enquiry.link.class_ids
    ]


def show_number(value: Fraction) -> str:
    """A score in words pupils read: whole numbers as they are, others to two places."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def tally(enquiry: Enquiry) -> dict[str, Any]:
    """Raw votes per class and (with equal weight) each class scaled to the same total weight.

    Scores are exact fractions, so ties are true ties. The larger class's votes count 1 each; the
    smaller class's count (larger total / smaller total) each.
    """
    questions = votable_questions(enquiry)
    counted_ids = {q.id for q in questions}
    rows = db.session.execute(
        select(Vote.question_id, Vote.classroom_id, func.count())
        .where(Vote.enquiry_id == enquiry.id)
        .group_by(Vote.question_id, Vote.classroom_id)
    ).all()
    raw: dict[int, dict[int, int]] = {}
    totals = dict.fromkeys(enquiry.link.class_ids, 0)
    for question_id, classroom_id, count in rows:
        if question_id in counted_ids:
            raw.setdefault(question_id, {})[classroom_id] = count
            totals[classroom_id] = totals.get(classroom_id, 0) + count
    weights = dict.fromkeys(totals, Fraction(1))
    if enquiry.equal_weight and all(totals.values()):
        target = max(totals.values())
        weights = {cid: Fraction(target, total) for cid, total in totals.items()}
    scored = []
    for question in questions:
        per_class = raw.get(question.id, {})
        score = sum((weights[c] * n for c, n in per_class.items()), Fraction(0))
        scored.append((question, per_class, score))
    best = max((s for _q, _p, s in scored), default=Fraction(0))
    leaders = [q.id for q, _p, s in scored if best > 0 and s == best]
    ordered = sorted(scored, key=lambda row: (-row[2], row[0].id))
    return {
        "method": enquiry.vote_method.value,
        "equal_weight": enquiry.equal_weight,
        "state": enquiry.voting_state.value,
        "classes": [
            {
                "classroom_id": cid,
                "class_label": class_label(cid),
                "votes": totals[cid],
                "weight": str(weights[cid]),
                "weight_display": show_number(weights[cid]),
            }
            for cid in enquiry.link.class_ids
        ],
        "questions": [
            {
                "question_id": q.id,
                "text": q.current_text,
                "votes": sum(per_class.values()),
                "by_class": [
                    {"classroom_id": cid, "votes": per_class.get(cid, 0)}
                    for cid in enquiry.link.class_ids
                ],
                "score": str(score),
                "score_display": show_number(score),
                "leader": q.id in leaders,
            }
            for q, per_class, score in ordered
        ],
        "leaders": leaders,
        "tie": len(leaders) > 1,
    }


def tally_for_viewers(enquiry: Enquiry) -> dict[str, Any]:
    """What screens may see now: the tally, or only progress while voting is blind."""
    if enquiry.blind and enquiry.voting_state != VotingState.CLOSED:
        return {"hidden": True, "progress": progress(enquiry)}
    return {"hidden": False, **tally(enquiry)}


# ----- the choice ---------------------------------------------------------------------------


@atomic
def choose_question(actor: Any, enquiry_id: int, question_id: int) -> Question:
    """A teacher confirms the chosen question: one of the most voted (ties are the teacher's
    to settle), or any question if nobody voted."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, Step.VOTING, doing="confirm the chosen question")
    question = _votable(enquiry, question_id)
    lock_enquiry(enquiry)
    if enquiry.voting_state != VotingState.CLOSED:
        raise Conflict("Close voting first, so everyone can see the result.")
    result = tally(enquiry)
    if result["leaders"] and question.id not in result["leaders"]:
        raise Conflict("That question is not among the most voted.", field="question_id")
    chosen = db.session.get(ChosenQuestion, enquiry.id) or ChosenQuestion(enquiry_id=enquiry.id)
    chosen.question_id, chosen.chosen_by_id, chosen.chosen_at = question.id, actor.id, utcnow()
    db.session.add(chosen)
    db.session.flush()
    db.session.expire(chosen, ["question"])
    publish(
        enquiry,
        "question_chosen",
        {
            "question": question_view(question),
            "authors": chosen_author_names(enquiry),
            "was_tie": result["tie"],
        },
    )
    db.session.commit()
    return question
