"""The enquiry's channels on the approval rule: how each kind of pupil content is shown.

Each kind (concept, question, clarification, contribution, last words, reflection) keeps its text
in its own table; the rule asks the channel for the public view (what both classes see once it is
approved), the review view (what the approving teacher sees) and the streams it appears on (the
enquiry's board stream).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange.enquiry.common import author_label, board_stream, class_label, step_name
from exchange.enquiry.models import (
    Clarification,
    Concept,
    Contribution,
    Enquiry,
    LastWords,
    Question,
    Reflection,
    TalkMove,
)
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ModerationItem

MOVE_LABELS = {
    TalkMove.FIRST_WORDS: "First words",
    TalkMove.AGREE: "I agree",
    TalkMove.DISAGREE: "I disagree",
    TalkMove.BUILD: "Building on",
    TalkMove.EXAMPLE: "I have an example",
    TalkMove.QUESTION: "I have a question",
    TalkMove.PROMPT: "Teacher's prompt",
}

KIND_LABELS = {
    ItemKind.CONCEPT: "Big idea",
    ItemKind.QUESTION: "Question",
    ItemKind.CLARIFICATION: "Clarification",
    ItemKind.CONTRIBUTION: "Contribution",
    ItemKind.LAST_WORDS: "Last words",
    ItemKind.REFLECTION: "Reflection",
}


def move_stem(move: TalkMove, reply_name: str | None) -> str:
    """The sentence stem a talk move starts with ("I agree with Aisha K. because")."""
    who = reply_name or "…"
    return {
        TalkMove.FIRST_WORDS: "First words:",
        TalkMove.AGREE: f"I agree with {who} because",
        TalkMove.DISAGREE: f"I disagree with {who} because",
        TalkMove.BUILD: f"Building on what {who} said,",
        TalkMove.EXAMPLE: "I have an example:",
        TalkMove.QUESTION: "I have a question:",
        TalkMove.PROMPT: "",
    }[move]


def _base(item: ModerationItem, group: Any, enquiry_id: int) -> dict[str, Any]:
    """Fields every piece of enquiry content shows: who wrote it, from which class."""
    return {
        "item_id": item.id,
        "enquiry_id": enquiry_id,
        "author": author_label(item, group),
        "group": group.name if group is not None else None,
        "by_teacher": not item.by_pupil,
        "classroom_id": item.classroom_id,
        "class_label": class_label(item.classroom_id),
        "created_at": item.created_at.isoformat(),
    }


def concept_view(row: Concept) -> dict[str, Any]:
    """A big idea as the board shows it."""
    return {**_base(row.item, row.group, row.enquiry_id), "concept_id": row.id, "text": row.text}


def question_view(row: Question) -> dict[str, Any]:
    """A question with its wording, original wording, quadrant place, merges and parking."""
    merged_from = list(
        db.session.scalars(
            select(Question.id).where(Question.merged_into_id == row.id).order_by(Question.id)
        )
    )
    return {
        **_base(row.item, row.group, row.enquiry_id),
        "question_id": row.id,
        "text": row.current_text,
        "original_text": row.text,
        "reworded": row.reworded_text is not None,
        "openness": row.openness,
        "basis": row.basis,
        "parked": row.parked_at is not None,
        "merged_into_id": row.merged_into_id,
        "merged_from": merged_from,
        "carried_into_id": row.carried_into_id,
    }


def clarification_view(row: Clarification) -> dict[str, Any]:
    """An author's clarification of their question."""
    return {
        **_base(row.item, row.question.group, row.question.enquiry_id),
        "clarification_id": row.id,
        "question_id": row.question_id,
        "text": row.text,
    }


def contribution_view(row: Contribution) -> dict[str, Any]:
    """A turn in the talk, with who it builds on."""
    reply_name = None
    if row.reply_to is not None:
        reply_name = author_label(row.reply_to.item, row.reply_to.group)
    return {
        **_base(row.item, row.group, row.enquiry_id),
        "contribution_id": row.id,
        "move": row.move.value,
        "move_label": MOVE_LABELS[row.move],
        "stem": move_stem(row.move, reply_name),
        "text": row.text,
        "reply_to_id": row.reply_to_id,
        "reply_to_author": reply_name,
    }


def last_words_view(row: LastWords) -> dict[str, Any]:
    """A final thought."""
    return {**_base(row.item, row.group, row.enquiry_id), "last_words_id": row.id, "text": row.text}


def reflection_view(row: Reflection) -> dict[str, Any]:
    """A written reflection."""
    return {**_base(row.item, row.group, row.enquiry_id), "reflection_id": row.id, "text": row.text}


class EnquiryChannel:
    """One kind of enquiry content on the approval rule."""

    def __init__(self, kind: ItemKind, model: type, view: Any) -> None:
        self.kind = kind
        self.model = model
        self.view = view

    def row(self, item: ModerationItem) -> Any:
        """The content row behind an item."""
        row = db.session.scalar(select(self.model).where(self.model.item_id == item.id))
        if row is None:
            raise LookupError(f"no {self.kind} content for item {item.id}")
        return row

    def enquiry_ids(self, row: Any) -> list[int]:
        """The boards the content appears on (a carried question appears on two)."""
        if isinstance(row, Clarification):
            question = row.question
            return [question.enquiry_id] + (
                [question.carried_into_id] if question.carried_into_id else []
            )
        if isinstance(row, Question) and row.carried_into_id:
            return [row.enquiry_id, row.carried_into_id]
        return [row.enquiry_id]

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """What both classes see once the item is approved."""
        return self.view(self.row(item))

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """What the approving teacher sees: the full sentence as scanned, and where it sits on
        the board (the enquiry and its step; the question clarified; the words answered)."""
        row = self.row(item)
        enquiry = db.session.get(Enquiry, self.enquiry_ids(row)[0])
        view = self.view(row)
        text = view["text"]
        context = f"Enquiry “{enquiry.title}”, at “{step_name(enquiry.step)}”"
        if view.get("group"):
            context += f", for the group {view['group']}"
        review: dict[str, Any] = {}
        if isinstance(row, Contribution):
            text = f"{view['stem']} {row.text}".strip()
            if row.reply_to is not None:
                review["reply_to"] = {"author": view["reply_to_author"], "text": row.reply_to.text}
        if isinstance(row, Clarification):
            context += f". Explaining the question “{row.question.current_text}”"
        return {
            **review,
            "title": f"{KIND_LABELS[self.kind]} for the enquiry board",
            "text": text,
            "group": view.get("group"),
            "context": context + ".",
            "enquiry_id": enquiry.id,
            "step": enquiry.step,
            "url": f"/enquiries/{enquiry.id}",
        }

    def streams(self, item: ModerationItem) -> list[str]:
        """The board streams the item appears on."""
        return [board_stream(eid) for eid in self.enquiry_ids(self.row(item))]

    def has_images(self, item: ModerationItem) -> bool:
        """Enquiry content is words only."""
        return False


CHANNELS = {
    channel.kind: rule.register_channel(channel)
    for channel in (
        EnquiryChannel(ItemKind.CONCEPT, Concept, concept_view),
        EnquiryChannel(ItemKind.QUESTION, Question, question_view),
        EnquiryChannel(ItemKind.CLARIFICATION, Clarification, clarification_view),
        EnquiryChannel(ItemKind.CONTRIBUTION, Contribution, contribution_view),
        EnquiryChannel(ItemKind.LAST_WORDS, LastWords, last_words_view),
        EnquiryChannel(ItemKind.REFLECTION, Reflection, reflection_view),
    )
}


def view_of(item: ModerationItem) -> dict[str, Any]:
    """The public view of any enquiry item."""
    return CHANNELS[item.kind].public_view(item)
