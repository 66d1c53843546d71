"""Socket.IO commands of the enquiry board: the live actions, validated by the API's own schemas
(plus `enquiry_id`), calling the same services. Acknowledged as {"ok": true, ...}."""

from __future__ import annotations

from typing import Any

from exchange.enquiry import schemas, services
from exchange.sockets import socket_command

S = schemas.socket_schema


def _item(item: Any) -> dict[str, Any]:
    return {"item": services.item_view(item)}


def _card(enquiry: Any) -> dict[str, Any]:
    return {"enquiry": services.enquiry_card(enquiry)}


@socket_command("enquiry_move_step", S(schemas.MoveStepSchema))
def move_step(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A teacher moves the board to the next step or back one."""
    return _card(services.move_step(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_pause", S(schemas.PauseSchema))
def pause(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A teacher pauses the board or carries on."""
    return _card(services.set_paused(actor, data["enquiry_id"], data["paused"]))


@socket_command("enquiry_set_timer", S(schemas.TimerSchema))
def set_timer(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A teacher starts, pauses, resumes or stops the timer."""
    enquiry = services.set_timer(actor, data["enquiry_id"], data["action"], data["seconds"])
    return {"timer": services.timer_view(enquiry)}


@socket_command("enquiry_send_concept", S(schemas.TextSchema))
def send_concept(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Name a big idea."""
    return _item(services.submit_concept(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_send_question", S(schemas.TextSchema))
def send_question(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Write a question."""
    return _item(services.submit_question(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_send_clarification", S(schemas.ClarificationSchema))
def send_clarification(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Clarify one's own question."""
    return _item(services.submit_clarification(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_send_contribution", S(schemas.ContributionSchema))
def send_contribution(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Add to the talk with a move."""
    return _item(services.submit_contribution(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_send_last_words", S(schemas.TextSchema))
def send_last_words(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Give last words."""
    return _item(services.submit_last_words(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_send_reflection", S(schemas.TextSchema))
def send_reflection(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Write a reflection."""
    return _item(services.submit_reflection(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_save_jotting", S(schemas.JottingSchema))
def save_jotting(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Save one's private jotting."""
    return {"jotting": services.save_jotting(actor, data["enquiry_id"], data["text"])}


@socket_command("enquiry_cast_vote", S(schemas.QuestionIdSchema))
def cast_vote(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Vote for a question."""
    return {"my_votes": services.cast_vote(actor, data["enquiry_id"], data["question_id"])}


@socket_command("enquiry_withdraw_vote", S(schemas.QuestionIdSchema))
def withdraw_vote(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Take a vote back."""
    return {"my_votes": services.withdraw_vote(actor, data["enquiry_id"], data["question_id"])}


@socket_command("enquiry_raise_hand", schemas.EnquiryIdSchema)
def raise_hand(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Put one's hand up."""
    return {"queue": services.raise_hand(actor, data["enquiry_id"])}


@socket_command("enquiry_lower_hand", S(schemas.LowerHandSchema))
def lower_hand(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Lower one's hand (teachers: anyone's)."""
    return {"queue": services.lower_hand(actor, data["enquiry_id"], data["pupil_id"])}


@socket_command("enquiry_call_next", schemas.EnquiryIdSchema)
def call_next(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A teacher calls the next speaker."""
    return {"queue": services.call_next(actor, data["enquiry_id"])}


@socket_command("enquiry_post_prompt", S(schemas.PostPromptSchema))
def post_prompt(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A teacher puts a facilitation prompt on the board."""
    return _item(services.post_prompt(actor, data.pop("enquiry_id"), **data))


@socket_command("enquiry_set_thumb", S(schemas.ThumbSchema))
def set_thumb(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Thumbs up, sideways or down."""
    return services.set_thumb(actor, data["enquiry_id"], data["value"])
