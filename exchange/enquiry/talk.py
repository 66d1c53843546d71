"""The spoken enquiry: a speaker queue that alternates fairly between the two classes, and the
teachers' facilitation prompts (from a prompt bank each teacher edits)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange import authz
from exchange.accounts.models import Role
from exchange.enquiry.common import (
    atomic,
    class_label,
    get_enquiry,
    lock_enquiry,
    publish,
    require_pupil_action,
    require_runner,
    require_step,
)
from exchange.enquiry.content import submit_contribution
from exchange.enquiry.models import Enquiry, FacilitationPrompt, Hand, HandState, Step
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.types import utcnow

SPEAKING_STEPS = (Step.FIRST_WORDS, Step.BUILDING)
PROMPT_STEPS = (Step.FIRST_WORDS, Step.BUILDING)
PROMPT_MAX = 200
PROMPTS_MAX = 60

# A new teacher's bank: prompts P4C facilitators reach for, to edit and add to.
DEFAULT_PROMPTS = [
    "What do you mean by that?",
    "Can you give us an example?",
    "Can anyone think of a counter-example?",
    "What is your reason for saying that?",
    "Who agrees or disagrees, and why?",
    "Can someone build on that idea?",
    "What is the difference between … and …?",
    "Is that always true?",
    "What would happen if …?",
    "How does this help us answer our question?",
    "Has anyone changed their mind? What changed it?",
    "Can someone from the other class add to that?",
]


# ----- speaker queue ------------------------------------------------------------------------


def _hands(enquiry: Enquiry) -> list[Hand]:
    return list(
        db.session.scalars(
            select(Hand).where(Hand.enquiry_id == enquiry.id).order_by(Hand.raised_at, Hand.id)
        )
    )


def fair_order(enquiry: Enquiry) -> tuple[Hand | None, list[Hand]]:
    """Who is speaking, and the waiting hands in the order they will be called.

    Turns alternate between the two classes, starting with the class that did not speak last;
    within a class, pupils who have spoken less go first, then whoever raised their hand first.
    """
    hands = _hands(enquiry)
    speaking = next((h for h in hands if h.state == HandState.SPEAKING), None)
    spoken: dict[int, int] = {}
    last_class = None
    for hand in sorted((h for h in hands if h.called_at), key=lambda h: (h.called_at, h.id)):
        spoken[hand.pupil_id] = spoken.get(hand.pupil_id, 0) + 1
        last_class = hand.classroom_id
    waiting = [h for h in hands if h.state == HandState.WAITING]
    queues = {
        cid: sorted(
            (h for h in waiting if h.classroom_id == cid),
            key=lambda h: (spoken.get(h.pupil_id, 0), h.raised_at, h.id),
        )
        for cid in enquiry.link.class_ids
    }
    first = enquiry.link.partner_of(last_class) if last_class else enquiry.link.class_a_id
    order_of_classes = [first, enquiry.link.partner_of(first)]
    ordered: list[Hand] = []
    while any(queues.values()):
        for cid in order_of_classes:
            if queues[cid]:
                ordered.append(queues[cid].pop(0))
    return speaking, ordered


def _hand_view(hand: Hand) -> dict[str, Any]:
    return {
        "hand_id": hand.id,
        "pupil_id": hand.pupil_id,
        "name": hand.pupil.display_name,
        "classroom_id": hand.classroom_id,
        "class_label": class_label(hand.classroom_id),
    }


def speaker_queue(enquiry: Enquiry) -> dict[str, Any]:
    """The queue as every screen shows it."""
    speaking, waiting = fair_order(enquiry)
    return {
        "speaking": _hand_view(speaking) if speaking else None,
        "waiting": [_hand_view(h) for h in waiting],
    }


def _publish_queue(enquiry: Enquiry) -> dict[str, Any]:
    db.session.flush()
    view = speaker_queue(enquiry)
    publish(enquiry, "speaker_queue", {"queue": view})
    db.session.commit()
    return view


@atomic
def raise_hand(actor: Any, enquiry_id: int) -> dict[str, Any]:
    """A pupil puts their hand up to speak."""
    enquiry = get_enquiry(actor, enquiry_id)
    pupil = require_pupil_action(actor, enquiry, *SPEAKING_STEPS, doing="put your hand up")
    lock_enquiry(enquiry)
    current = _active_hand(enquiry, pupil.id)
    if current is not None and current.state == HandState.SPEAKING:
        raise Conflict("It is your turn to speak now.")
    db.session.add(Hand(enquiry_id=enquiry.id, pupil_id=pupil.id, classroom_id=pupil.classroom_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Your hand is already up.") from None
    return _publish_queue(enquiry)


def _active_hand(enquiry: Enquiry, pupil_id: int) -> Hand | None:
    return db.session.scalar(
        select(Hand).where(
            Hand.enquiry_id == enquiry.id, Hand.pupil_id == pupil_id, Hand.active.is_not(None)
        )
    )


@atomic
def lower_hand(actor: Any, enquiry_id: int, pupil_id: int | None = None) -> dict[str, Any]:
    """A pupil lowers their own hand; a teacher may lower anyone's."""
    enquiry = get_enquiry(actor, enquiry_id)
    if authz.is_pupil(actor):
        require_pupil_action(actor, enquiry, *SPEAKING_STEPS, doing="lower your hand")
        pupil_id = actor.id
    else:
        require_runner(actor, enquiry)
        require_step(enquiry, *SPEAKING_STEPS, doing="manage the speaker queue")
        if pupil_id is None:
            raise Invalid("Say whose hand to lower.", field="pupil_id")
    lock_enquiry(enquiry)
    hand = _active_hand(enquiry, pupil_id)
    if hand is None:
        raise Conflict("That hand is not up.")
    hand.state, hand.active, hand.done_at = (
        (HandState.DONE if hand.state == HandState.SPEAKING else HandState.LOWERED),
        None,
        utcnow(),
    )
    return _publish_queue(enquiry)


@atomic
def call_next(actor: Any, enquiry_id: int) -> dict[str, Any]:
    """The teacher calls the next speaker in the fair order (the current speaker is done)."""
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, *SPEAKING_STEPS, doing="call the next speaker")
    lock_enquiry(enquiry)
    speaking, waiting = fair_order(enquiry)
    now = utcnow()
    if speaking is not None:
        speaking.state, speaking.active, speaking.done_at = HandState.DONE, None, now
    if not waiting and speaking is None:
        raise Conflict("Nobody has their hand up.")
    if waiting:
        waiting[0].state, waiting[0].called_at = HandState.SPEAKING, now
    return _publish_queue(enquiry)


# ----- prompt bank --------------------------------------------------------------------------


def _require_teacher(actor: Any) -> None:
    if not (authz.is_staff(actor) and actor.role == Role.TEACHER):
        raise Forbidden("Prompt banks belong to teachers.")


def prompt_bank(actor: Any) -> list[FacilitationPrompt]:
    """The teacher's prompts; a new (or emptied) bank starts with the common P4C prompts."""
    _require_teacher(actor)
    stmt = (
        select(FacilitationPrompt)
        .where(FacilitationPrompt.user_id == actor.id)
        .order_by(FacilitationPrompt.position, FacilitationPrompt.id)
    )
    prompts = list(db.session.scalars(stmt))
    if prompts:
        return prompts
    for position, text in enumerate(DEFAULT_PROMPTS):
        db.session.add(FacilitationPrompt(user_id=actor.id, text=text, position=position))
    db.session.commit()
    return list(db.session.scalars(stmt))


def _clean_prompt(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise Invalid("Please write the prompt.", field="text")
    if len(text) > PROMPT_MAX:
        raise Invalid(f"A prompt can be at most {PROMPT_MAX} characters.", field="text")
    return text


def _own_prompt(actor: Any, prompt_id: int) -> FacilitationPrompt:
    _require_teacher(actor)
    prompt = db.session.get(FacilitationPrompt, prompt_id)
    if prompt is None or prompt.user_id != actor.id:
        raise NotFound("That prompt is not in your bank.")
    return prompt


@atomic
def add_prompt(actor: Any, text: str) -> FacilitationPrompt:
    """Add a prompt at the end of the teacher's bank."""
    prompts = prompt_bank(actor)
    if len(prompts) >= PROMPTS_MAX:
        raise Conflict(f"A prompt bank holds at most {PROMPTS_MAX} prompts.")
    position = max((p.position for p in prompts), default=-1) + 1
    prompt = FacilitationPrompt(user_id=actor.id, text=_clean_prompt(text), position=position)
    db.session.add(prompt)
    db.session.commit()
    return prompt


@atomic
def update_prompt(actor: Any, prompt_id: int, text: str) -> FacilitationPrompt:
    """Reword a prompt in the teacher's bank."""
    prompt = _own_prompt(actor, prompt_id)
    prompt.text = _clean_prompt(text)
    db.session.commit()
    return prompt


@atomic
def delete_prompt(actor: Any, prompt_id: int) -> None:
    """Remove a prompt (an emptied bank starts again from the suggested prompts)."""
    prompt = _own_prompt(actor, prompt_id)
    db.session.delete(prompt)
    db.session.commit()


def post_prompt(
    actor: Any,
    enquiry_id: int,
    *,
    prompt_id: int | None = None,
    text: str | None = None,
    reply_to_id: int | None = None,
) -> ModerationItem:
    """A teacher puts a facilitation prompt on the board (straight through, as teachers' words)."""
    if prompt_id is not None:
        text = _own_prompt(actor, prompt_id).text
    enquiry = get_enquiry(actor, enquiry_id)
    require_runner(actor, enquiry)
    require_step(enquiry, *PROMPT_STEPS, doing="add a prompt")
    return submit_contribution(actor, enquiry.id, "prompt", text or "", reply_to_id=reply_to_id)
