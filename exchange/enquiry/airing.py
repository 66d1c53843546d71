"""Question airing: teachers link similar questions, merge or reword them (originals kept),
sort them on the question quadrant and park the ones not chosen for a later enquiry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange.enquiry.board import get_link
from exchange.enquiry.channels import question_view
from exchange.enquiry.common import (
    atomic,
    get_enquiry,
    lock_enquiry,
    publish,
    require_runner,
    require_step,
    teacher_class_id,
)
from exchange.enquiry.content import clean_question
from exchange.enquiry.models import (
    ChosenQuestion,
    Enquiry,
    Question,
    QuestionLink,
    Step,
    VotingState,
)
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ItemState, ModerationItem
from exchange.types import utcnow

OPENNESS = ("closed", "open")
BASES = ("text", "reasoning")
AIRING = (Step.AIRING,)
# Questions not chosen can be parked from airing until the enquiry closes.
PARKING = tuple(Step(n) for n in range(Step.AIRING, Step.REFLECTION + 1))


def _question(enquiry: Enquiry, question_id: int) -> Question:
    """An approved question on this board that has not been merged into another."""
    question = db.session.get(Question, question_id)
    if question is None or enquiry.id not in (question.enquiry_id, question.carried_into_id):
        raise Invalid("That question is not on this board.", field="question_id")
    if question.item.state != ItemState.APPROVED:
        raise Conflict("That question is not on the board.", field="question_id")
    if question.merged_into_id is not None:
        raise Conflict("That question was merged into another one.", field="question_id")
    return question


def _start(actor: Any, enquiry_id: int, steps: tuple[Step, ...], doing: str) -> Enquiry:
    """Teachers only, during the right step."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, *steps, doing=doing)
    return lock_enquiry(enquiry)


def _updated(enquiry: Enquiry, *questions: Question) -> None:
    """Tell every screen how the questions look now, then commit."""
    db.session.flush()
    for question in questions:
        publish(enquiry, "question_updated", {"question": question_view(question)})
    db.session.commit()


def _audit(actor: Any, action: str, question: Question, reason: str) -> None:
    """Changes to a pupil's question are kept in the moderation audit log."""
    rule.audit(actor, action, question.item, reason=reason)


@atomic
def reword_question(actor: Any, enquiry_id: int, question_id: int, text: str) -> Question:
    """A teacher rewords a question; the pupil's original wording is kept and shown."""
    enquiry = _start(actor, enquiry_id, AIRING, "reword questions")
    question = _question(enquiry, question_id)
    text = clean_question(text)
    before = question.current_text
    question.reworded_text = None if text == question.text else text
    question.reworded_by_id = actor.id if question.reworded_text else None
    _audit(actor, "reworded", question, f"{before} → {question.current_text}")
    _updated(enquiry, question)
    return question


@atomic
def merge_questions(actor: Any, enquiry_id: int, question_ids: list[int], text: str) -> Question:
    """A teacher merges similar questions into one new wording; the originals stay, marked as
    merged, and their authors are the merged question's authors."""
    enquiry = _start(actor, enquiry_id, AIRING, "merge questions")
    ids = list(dict.fromkeys(question_ids or []))
    if len(ids) < 2:
        raise Invalid("Choose at least two questions to merge.", field="question_ids")
    originals = [_question(enquiry, qid) for qid in ids]
    if any(q.parked_at is not None for q in originals):
        raise Conflict("Parked questions cannot be merged.", field="question_ids")
    text = clean_question(text)
    merged = rule.submit(
        actor,
        rule.Submission(
            kind=ItemKind.QUESTION,
            classroom_id=teacher_class_id(actor, enquiry),
            link=enquiry.link,
            text=text,
        ),
        attach=lambda item: db.session.add(
            Question(enquiry_id=enquiry.id, item_id=item.id, text=text)
        ),
    )
    db.session.flush()
    merged_question = db.session.scalar(select(Question).where(Question.item_id == merged.id))
    for original in originals:
        original.merged_into_id = merged_question.id
        _audit(actor, "merged", original, f"into “{text}”")
    # The merged question's view lists its originals: publish it again now they point at it.
    _updated(enquiry, merged_question, *originals)
    return merged_question


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def question_links(enquiry: Enquiry) -> list[list[int]]:
    """The pairs of similar questions on this board."""
    rows = db.session.execute(
        select(QuestionLink.question_a_id, QuestionLink.question_b_id)
        .where(QuestionLink.enquiry_id == enquiry.id)
        .order_by(QuestionLink.id)
    ).all()
    return [[a, b] for a, b in rows]


@atomic
def link_questions(
    actor: Any, enquiry_id: int, question_ids: list[int], linked: bool = True
) -> list[list[int]]:
    """Show two questions as similar (or no longer similar)."""
    enquiry = _start(actor, enquiry_id, AIRING, "link questions")
    ids = list(dict.fromkeys(question_ids or []))
    if len(ids) != 2:
        raise Invalid("Choose two different questions to link.", field="question_ids")
    a, b = _pair(*(_question(enquiry, qid).id for qid in ids))
    existing = db.session.scalar(
        select(QuestionLink).where(QuestionLink.question_a_id == a, QuestionLink.question_b_id == b)
    )
    if linked and existing is None:
        db.session.add(QuestionLink(enquiry_id=enquiry.id, question_a_id=a, question_b_id=b))
    elif not linked and existing is not None:
        db.session.delete(existing)
    db.session.flush()
    links = question_links(enquiry)
    publish(enquiry, "questions_linked", {"links": links})
    db.session.commit()
    return links


@atomic
def sort_question(
    actor: Any, enquiry_id: int, question_id: int, openness: str | None, basis: str | None
) -> Question:
    """Place a question on the quadrant: closed or open, text-based or reasoning-based."""
    enquiry = _start(actor, enquiry_id, AIRING, "sort questions")
    question = _question(enquiry, question_id)
    if openness not in (None, *OPENNESS):
        raise Invalid("A question is closed or open.", field="openness")
    if basis not in (None, *BASES):
        raise Invalid("A question is text-based or reasoning-based.", field="basis")
    question.openness, question.basis = openness, basis
    _updated(enquiry, question)
    return question


@atomic
def park_question(actor: Any, enquiry_id: int, question_id: int, parked: bool = True) -> Question:
    """Park a question for a later enquiry (or bring it back)."""
    enquiry = _start(actor, enquiry_id, PARKING, "park questions")
    question = _question(enquiry, question_id)
    if question.carried_into_id == enquiry.id:
        raise Conflict("This question came from the parked list; it stays on this board.")
    chosen = db.session.get(ChosenQuestion, enquiry.id)
    if parked and chosen is not None and chosen.question_id == question.id:
        raise Conflict("The chosen question cannot be parked.", field="question_id")
    if enquiry.voting_state == VotingState.OPEN:
        raise Conflict("Close voting before parking questions.")
    question.parked_at = utcnow() if parked else None
    _updated(enquiry, question)
    return question


def parked_questions(actor: Any, link_id: int) -> list[Question]:
    """A link's parked questions that no later enquiry has taken up yet."""
    link = get_link(actor, link_id)
    stmt = (
        select(Question)
        .join(ModerationItem, ModerationItem.id == Question.item_id)
        .join(Enquiry, Enquiry.id == Question.enquiry_id)
        .where(
            Enquiry.link_id == link.id,
            ModerationItem.state == ItemState.APPROVED,
            Question.parked_at.is_not(None),
            Question.carried_into_id.is_(None),
        )
        .order_by(Question.parked_at, Question.id)
    )
    return list(db.session.scalars(stmt))
