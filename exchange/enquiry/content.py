"""Pupils' words on the board, all through the approval rule: big ideas, questions,
clarifications, contributions, last words and written reflections; edits after a return; the
teachers' approve, return and hide on the board itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange import authz
from exchange.enquiry.channels import CHANNELS, move_stem
from exchange.enquiry.common import (
    atomic,
    author_label,
    get_enquiry,
    owner_of,
    require_not_paused,
    require_pupil,
    require_step,
    teacher_class_id,
)
from exchange.enquiry.models import (
    Clarification,
    Concept,
    Contribution,
    Enquiry,
    LastWords,
    Question,
    Reflection,
    Step,
    TalkMove,
)
from exchange.enquiry.voting import is_chosen_author
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ItemState, ModerationItem

CONCEPT_MAX = 40
QUESTION_MAX = 200
CLARIFICATION_MAX = 300
CONTRIBUTION_MAX = 500
LAST_WORDS_MAX = 300
REFLECTION_MAX = 500
QUESTION_MARKS = ("?", "？", "؟")  # noqa: RUF001 - full-width and Arabic question marks count
REPLY_MOVES = (TalkMove.AGREE, TalkMove.DISAGREE, TalkMove.BUILD)
BUILDING_MOVES = (*REPLY_MOVES, TalkMove.EXAMPLE, TalkMove.QUESTION)

# The steps during which each kind can be written (and edited after a return).
KIND_STEPS = {
    ItemKind.CONCEPT: (Step.CONCEPTS,),
    ItemKind.QUESTION: (Step.QUESTIONS,),
    ItemKind.CLARIFICATION: (Step.AIRING,),
    ItemKind.CONTRIBUTION: (Step.FIRST_WORDS, Step.BUILDING),
    ItemKind.LAST_WORDS: (Step.LAST_WORDS,),
    ItemKind.REFLECTION: (Step.REFLECTION,),
}
DOING = {
    ItemKind.CONCEPT: "name big ideas",
    ItemKind.QUESTION: "write questions",
    ItemKind.CLARIFICATION: "add a clarification",
    ItemKind.CONTRIBUTION: "add to the talk",
    ItemKind.LAST_WORDS: "give last words",
    ItemKind.REFLECTION: "write a reflection",
}


# ----- checking the words -------------------------------------------------------------------


def _words(text: str | None) -> str:
    """Text with runs of spaces and line breaks made single spaces."""
    return " ".join((text or "").split())


def clean_concept(text: str | None) -> str:
    """A big idea: a word or a few."""
    text = _words(text)
    if not text:
        raise Invalid("Please write the big idea.", field="text")
    if len(text) > CONCEPT_MAX:
        raise Invalid(f"A big idea can be at most {CONCEPT_MAX} characters.", field="text")
    return text


def clean_question(text: str | None) -> str:
    """A philosophical question: words, at most QUESTION_MAX characters, ending with '?'."""
    text = _words(text)
    if not text.rstrip("".join(QUESTION_MARKS)).strip():
        raise Invalid("Please write your question.", field="text")
    if len(text) > QUESTION_MAX:
        raise Invalid(
            f"A question can be at most {QUESTION_MAX} characters; yours has {len(text)}.",
            field="text",
        )
    if not text.endswith(QUESTION_MARKS):
        raise Invalid(
            "A question ends with a question mark (?). Can you turn yours into a question?",
            field="text",
        )
    if sum(ch.isalpha() for ch in text) < 3:
        raise Invalid("Please write your question in words.", field="text")
    return text


def _clean_sentence(text: str | None, limit: int, what: str) -> str:
    """Free words with a length limit."""
    text = (text or "").strip()
    text = "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
    if not text:
        raise Invalid(f"Please write your {what}.", field="text")
    if len(text) > limit:
        raise Invalid(
            f"Your {what} can be at most {limit} characters; it has {len(text)}.", field="text"
        )
    return text


CLEANERS: dict[ItemKind, Callable[[str | None], str]] = {
    ItemKind.CONCEPT: clean_concept,
    ItemKind.QUESTION: clean_question,
    ItemKind.CLARIFICATION: lambda t: _clean_sentence(t, CLARIFICATION_MAX, "clarification"),
    ItemKind.CONTRIBUTION: lambda t: _clean_sentence(t, CONTRIBUTION_MAX, "contribution"),
    ItemKind.LAST_WORDS: lambda t: _clean_sentence(t, LAST_WORDS_MAX, "last words"),
    ItemKind.REFLECTION: lambda t: _clean_sentence(t, REFLECTION_MAX, "reflection"),
}


# ----- submitting through the rule ----------------------------------------------------------


def _author_class(actor: Any, enquiry: Enquiry) -> int:
    """The class an item is sent from: the pupil's, or the teacher's class in this link."""
    if authz.is_pupil(actor):
        return actor.classroom_id
    return teacher_class_id(actor, enquiry)


def _submit(
    actor: Any,
    enquiry: Enquiry,
    kind: ItemKind,
    scan_text: str,
    make_row: Callable[[ModerationItem], Any],
    client_id: str | None,
) -> ModerationItem:
    """Send through the approval rule and commit; a retried send with the same client id is
    stored once."""
    submission = rule.Submission(
        kind=kind,
        classroom_id=_author_class(actor, enquiry),
        link=enquiry.link,
        text=scan_text,
        client_id=client_id,
    )
    try:
        item = rule.submit(actor, submission, attach=lambda item: db.session.add(make_row(item)))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        item = rule.existing_for_client_id(actor, client_id)
        if item is None:
            raise
    return item


def _already_sent(actor: Any, kind: ItemKind, client_id: str | None) -> ModerationItem | None:
    """The item a retried send already stored, if any."""
    item = rule.existing_for_client_id(actor, client_id)
    if item is not None and item.kind != kind:
        raise Conflict("That message id was already used for something else.", field="client_id")
    return item


def _start(actor: Any, enquiry_id: int, kind: ItemKind, *, pupils_only: bool = True) -> Enquiry:
    """The checks every submission makes: who, which step, paused."""
    enquiry = get_enquiry(actor, enquiry_id)
    if pupils_only or authz.is_pupil(actor):
        require_pupil(actor, enquiry)
    elif not authz.teaches_in_link(actor, enquiry.link):
        raise Forbidden("Only pupils and teachers of the two classes can do that.")
    require_step(enquiry, *KIND_STEPS[kind], doing=DOING[kind])
    if authz.is_pupil(actor):
        require_not_paused(enquiry)
    return enquiry


@atomic
def submit_concept(
    actor: Any, enquiry_id: int, text: str, client_id: str | None = None
) -> ModerationItem:
    """Name a big idea in the stimulus (teachers' go straight onto the board)."""
    if (done := _already_sent(actor, ItemKind.CONCEPT, client_id)) is not None:
        return done
    enquiry = _start(actor, enquiry_id, ItemKind.CONCEPT, pupils_only=False)
    text = clean_concept(text)
    group = owner_of(enquiry, actor)[0] if authz.is_pupil(actor) else None

    def row(item: ModerationItem) -> Concept:
        return Concept(
            enquiry_id=enquiry.id, item_id=item.id, group_id=group.id if group else None, text=text
        )

    return _submit(actor, enquiry, ItemKind.CONCEPT, text, row, client_id)


@atomic
def submit_question(
    actor: Any, enquiry_id: int, text: str, client_id: str | None = None
) -> ModerationItem:
    """Write a philosophical question; it goes to the pupil's own teacher first."""
    if (done := _already_sent(actor, ItemKind.QUESTION, client_id)) is not None:
        return done
    enquiry = _start(actor, enquiry_id, ItemKind.QUESTION, pupils_only=False)
    text = clean_question(text)
    group = owner_of(enquiry, actor)[0] if authz.is_pupil(actor) else None

    def row(item: ModerationItem) -> Question:
        return Question(
            enquiry_id=enquiry.id, item_id=item.id, group_id=group.id if group else None, text=text
        )

    return _submit(actor, enquiry, ItemKind.QUESTION, text, row, client_id)


def _board_question(enquiry: Enquiry, question_id: int) -> Question:
    """An approved question on this board."""
    question = db.session.get(Question, question_id)
    if question is None or enquiry.id not in (question.enquiry_id, question.carried_into_id):
        raise Invalid("That question is not on this board.", field="question_id")
    if question.item.state != ItemState.APPROVED:
        raise Conflict("That question is not on the board.", field="question_id")
    return question


def wrote_question(pupil: Any, question: Question) -> bool:
    """Is this pupil the question's author, or in the group that wrote it?"""
    if question.item.author_pupil_id == pupil.id:
        return True
    return question.group is not None and any(
        m.pupil_id == pupil.id for m in question.group.members
    )


@atomic
def submit_clarification(
    actor: Any, enquiry_id: int, question_id: int, text: str, client_id: str | None = None
) -> ModerationItem:
    """A question's authors explain what they meant."""
    if (done := _already_sent(actor, ItemKind.CLARIFICATION, client_id)) is not None:
        return done
    enquiry = _start(actor, enquiry_id, ItemKind.CLARIFICATION)
    question = _board_question(enquiry, question_id)
    if not wrote_question(actor, question):
        raise Forbidden("Only the question's authors can add a clarification.")
    text = CLEANERS[ItemKind.CLARIFICATION](text)

    def row(item: ModerationItem) -> Clarification:
        return Clarification(question_id=question.id, item_id=item.id, text=text)

    return _submit(actor, enquiry, ItemKind.CLARIFICATION, text, row, client_id)


def _reply_target(enquiry: Enquiry, reply_to_id: int | None) -> Contribution | None:
    """The approved contribution on this board that a new one builds on."""
    if reply_to_id is None:
        return None
    target = db.session.get(Contribution, reply_to_id)
    if target is None or target.enquiry_id != enquiry.id:
        raise Invalid("That contribution is not on this board.", field="reply_to_id")
    if target.item.state != ItemState.APPROVED:
        raise Conflict("That contribution is not on the board.", field="reply_to_id")
    return target


@atomic
def submit_contribution(
    actor: Any,
    enquiry_id: int,
    move: str,
    text: str,
    reply_to_id: int | None = None,
    client_id: str | None = None,
) -> ModerationItem:
    """Add to the talk with a talk move, replying to an earlier contribution.

    First words: only the chosen question's authors. Building: everyone, and agreeing,
    disagreeing or building on needs the contribution it answers. Teachers add prompts.
    """
    if (done := _already_sent(actor, ItemKind.CONTRIBUTION, client_id)) is not None:
        return done
    enquiry = _start(actor, enquiry_id, ItemKind.CONTRIBUTION, pupils_only=False)
    try:
        talk_move = TalkMove(move)
    except ValueError:
        raise Invalid("Choose how your words join the talk.", field="move") from None
    pupil = authz.is_pupil(actor)
    if not pupil and talk_move != TalkMove.PROMPT:
        raise Forbidden("Teachers join the talk with facilitation prompts.")
    if pupil and talk_move == TalkMove.PROMPT:
        raise Forbidden("Prompts are for teachers. Choose another way to join the talk.")
    if pupil and enquiry.step == Step.FIRST_WORDS:
        if not is_chosen_author(enquiry, actor.id):
            raise Forbidden(
                "First words belong to the authors of the chosen question. Your turn comes next!"
            )
        if talk_move != TalkMove.FIRST_WORDS:
            raise Invalid("Now is the time for first words.", field="move")
    if pupil and enquiry.step == Step.BUILDING and talk_move not in BUILDING_MOVES:
        raise Invalid("Choose: agree, disagree, build on, an example or a question.", field="move")
    target = _reply_target(enquiry, reply_to_id)
    if talk_move in REPLY_MOVES and target is None:
        raise Invalid("Choose whose idea you are answering.", field="reply_to_id")
    text = CLEANERS[ItemKind.CONTRIBUTION](text)
    group = owner_of(enquiry, actor)[0] if pupil else None
    reply_name = author_label(target.item, target.group) if target else None
    scan = f"{move_stem(talk_move, reply_name)} {text}".strip()

    def row(item: ModerationItem) -> Contribution:
        return Contribution(
            enquiry_id=enquiry.id,
            item_id=item.id,
            group_id=group.id if group else None,
            move=talk_move,
            text=text,
            reply_to_id=target.id if target else None,
        )

    return _submit(actor, enquiry, ItemKind.CONTRIBUTION, scan, row, client_id)


def _one_per_owner(model: type, enquiry: Enquiry, key: str, noun: str, grouped: bool) -> None:
    """Last words and reflections: one each per pupil or group."""
    existing = db.session.scalar(
        select(model).where(model.enquiry_id == enquiry.id, model.owner_key == key)
    )
    if existing is None:
        return
    if existing.item.state == ItemState.RETURNED:
        whose = "Your group's" if grouped else "Your"
        raise Conflict(
            f"{whose} {noun} came back with a note from your teacher: change it and send it again."
        )
    raise Conflict(f"{'Your group has' if grouped else 'You have'} already sent {noun}.")


@atomic
def submit_last_words(
    actor: Any, enquiry_id: int, text: str, client_id: str | None = None
) -> ModerationItem:
    """One final thought per pupil or group."""
    return _submit_owned(actor, enquiry_id, ItemKind.LAST_WORDS, LastWords, text, client_id)


@atomic
def submit_reflection(
    actor: Any, enquiry_id: int, text: str, client_id: str | None = None
) -> ModerationItem:
    """A written reflection on how well we thought together (one per pupil or group)."""
    return _submit_owned(actor, enquiry_id, ItemKind.REFLECTION, Reflection, text, client_id)


def _submit_owned(
    actor: Any, enquiry_id: int, kind: ItemKind, model: type, text: str, client_id: str | None
) -> ModerationItem:
    """Submit last words or a reflection: one per pupil or group, even from two tabs at once."""
    if (done := _already_sent(actor, kind, client_id)) is not None:
        return done
    enquiry = _start(actor, enquiry_id, kind)
    text = CLEANERS[kind](text)
    group, key = owner_of(enquiry, actor)
    noun = "last words" if kind == ItemKind.LAST_WORDS else "a reflection"
    _one_per_owner(model, enquiry, key, noun, group is not None)

    def row(item: ModerationItem) -> Any:
        return model(
            enquiry_id=enquiry.id,
            item_id=item.id,
            owner_key=key,
            group_id=group.id if group else None,
            text=text,
        )

    try:
        return _submit(actor, enquiry, kind, text, row, client_id)
    except IntegrityError:
        # A second tab or a groupmate sent theirs at the same moment: one per owner holds.
        db.session.rollback()
        who = "Your group has" if group else "You have"
        raise Conflict(f"{who} already sent {noun}.") from None


# ----- after sending: edit a returned item; teachers decide on the board ---------------------


def board_item(enquiry: Enquiry, item_id: int) -> tuple[ModerationItem, Any]:
    """An item of this board and its content row, or NotFound."""
    item = db.session.get(ModerationItem, item_id)
    channel = CHANNELS.get(item.kind) if item is not None else None
    if item is None or channel is None:
        raise NotFound("That item does not exist.")
    row = channel.row(item)
    if enquiry.id not in channel.enquiry_ids(row):
        raise NotFound("That item does not exist.")
    return item, row


@atomic
def edit_item(actor: Any, enquiry_id: int, item_id: int, text: str) -> ModerationItem:
    """The author changes an item that is waiting or was returned, and sends it again."""
    enquiry = get_enquiry(actor, enquiry_id)
    item, row = board_item(enquiry, item_id)
    if not rule.can_view_item(actor, item):
        raise NotFound("That item does not exist.")
    mine = (authz.is_pupil(actor) and item.author_pupil_id == actor.id) or (
        authz.is_staff(actor) and item.author_staff_id == actor.id
    )
    if not mine:
        raise Forbidden("Only the author can change this.")
    if item.state not in (ItemState.PENDING, ItemState.RETURNED):
        raise Conflict("Only work that is waiting or came back to you can be changed.")
    require_step(
        enquiry, *KIND_STEPS[item.kind], doing=f"change {DOING[item.kind].split(' ', 1)[1]}"
    )
    if authz.is_pupil(actor):
        require_not_paused(enquiry)
    row.text = CLEANERS[item.kind](text)
    scan = row.text
    if isinstance(row, Contribution):
        reply = author_label(row.reply_to.item, row.reply_to.group) if row.reply_to else None
        scan = f"{move_stem(row.move, reply)} {row.text}".strip()
    rule.resubmit(actor, item, scan)
    db.session.commit()
    return item


@atomic
def approve_item(actor: Any, enquiry_id: int, item_id: int) -> ModerationItem:
    """A teacher approves a pupil's item from the board (the rule decides who may)."""
    enquiry = get_enquiry(actor, enquiry_id)
    board_item(enquiry, item_id)
    return rule.approve(actor, item_id)


@atomic
def return_item(actor: Any, enquiry_id: int, item_id: int, feedback: str) -> ModerationItem:
    """A teacher returns a pupil's item with feedback, from the board."""
    enquiry = get_enquiry(actor, enquiry_id)
    board_item(enquiry, item_id)
    return rule.return_item(actor, item_id, feedback)


@atomic
def hide_item(actor: Any, enquiry_id: int, item_id: int, reason: str) -> Any:
    """A teacher hides an approved item that turned out to be unsuitable (and it is reported)."""
    enquiry = get_enquiry(actor, enquiry_id)
    board_item(enquiry, item_id)
    return rule.hide_and_report(actor, item_id, reason)
