"""What a screen loads: the whole board as one user may see it, and the printable export.

Stream positions are read before anything else, so a page rendered from this snapshot and then
following its streams from those positions misses nothing (handlers are idempotent by id).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import authz, realtime
from exchange.authz import enquiry as enquiry_authz
from exchange.enquiry import board, voting
from exchange.enquiry.airing import question_links
from exchange.enquiry.channels import (
    CHANNELS,
    clarification_view,
    concept_view,
    contribution_view,
    last_words_view,
    question_view,
    reflection_view,
)
from exchange.enquiry.common import (
    STEPS,
    board_stream,
    class_label,
    get_enquiry,
    own_stream,
    owner_of,
)
from exchange.enquiry.groups import get_jotting, group_view, groups_of
from exchange.enquiry.models import (
    Clarification,
    Concept,
    Contribution,
    Enquiry,
    LastWords,
    Question,
    Reflection,
)
from exchange.enquiry.reflection import my_thumb, thumbs
from exchange.enquiry.talk import prompt_bank, speaker_queue
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemState, ModerationItem

VIEWS = {
    Concept: concept_view,
    Question: question_view,
    Clarification: clarification_view,
    Contribution: contribution_view,
    LastWords: last_words_view,
    Reflection: reflection_view,
}
KEYS = {
    Concept: "concepts",
    Question: "questions",
    Clarification: "clarifications",
    Contribution: "contributions",
    LastWords: "last_words",
    Reflection: "reflections",
}


def _on_board(model: type, enquiry: Enquiry) -> Any:
    """The filter for one kind of content on this board."""
    if model is Question:
        return voting.on_board(enquiry.id)
    if model is Clarification:
        return Clarification.question_id.in_(select(Question.id).where(voting.on_board(enquiry.id)))
    return model.enquiry_id == enquiry.id


def _rows(model: type, enquiry: Enquiry, visible: Any) -> list[tuple[Any, ModerationItem]]:
    """Rows of one kind that pass a filter on their items, oldest first."""
    stmt = (
        select(model, ModerationItem)
        .join(ModerationItem, ModerationItem.id == model.item_id)
        .where(visible, _on_board(model, enquiry))
        .order_by(model.id)
    )
    return [(row, item) for row, item in db.session.execute(stmt).all()]


def item_state_view(row: Any, item: ModerationItem) -> dict[str, Any]:
    """An item its author or teacher sees while it waits: the view plus where it is in the rule."""
    return {
        **VIEWS[type(row)](row),
        "item_kind": item.kind.value,
        "state": item.state.value,
        "stage": item.stage.value if item.stage else None,
        "feedback": item.feedback,
        "version": item.version,
    }


def item_view(item: ModerationItem) -> dict[str, Any]:
    """One item of the board with its place in the rule (for its author or a teacher)."""
    return item_state_view(CHANNELS[item.kind].row(item), item)


def enquiry_card(enquiry: Enquiry) -> dict[str, Any]:
    """An enquiry in a list."""
    chosen = voting.chosen_question(enquiry)
    info = STEPS[enquiry.step]
    return {
        "enquiry_id": enquiry.id,
        "link_id": enquiry.link_id,
        "title": enquiry.title,
        "state": enquiry.state.value,
        "step": info.number,
        "step_key": info.key,
        "step_name": info.name,
        "pupil_words": info.pupil_words,
        "use_concepts": enquiry.use_concepts,
        "paused": enquiry.paused,
        "theme": enquiry.theme,
        "chosen_question": chosen.current_text if chosen else None,
        "created_at": enquiry.created_at.isoformat(),
        "closed_at": enquiry.closed_at.isoformat() if enquiry.closed_at else None,
    }


def _viewer(actor: Any, enquiry: Enquiry) -> dict[str, Any]:
    """Who is looking, and what their screen offers."""
    viewer: dict[str, Any] = {
        "name": actor.display_name,
        "role": "observer",
        "can_run": enquiry_authz.can_run_enquiry(actor, enquiry),
        "takes_part": enquiry_authz.takes_part(actor, enquiry),
        "classroom_id": authz.class_of_actor_in_link(actor, enquiry.link),
        "pupil_id": None,
        "owner_key": None,
        "group": None,
        "is_chosen_author": False,
    }
    if viewer["can_run"]:
        viewer["role"] = "teacher"
    if viewer["takes_part"]:
        group, key = owner_of(enquiry, actor)
        viewer.update(
            role="pupil",
            pupil_id=actor.id,
            owner_key=key,
            group=group_view(group) if group else None,
            is_chosen_author=voting.is_chosen_author(enquiry, actor.id),
        )
    return viewer


def _stream(name: str) -> dict[str, Any]:
    return {"stream": name, "seq": realtime.last_seq(name)}


def board_snapshot(actor: Any, enquiry_id: int) -> dict[str, Any]:
    """The whole board as this user may see it now."""
    enquiry = get_enquiry(actor, enquiry_id)
    viewer = _viewer(actor, enquiry)
    streams: dict[str, Any] = {"board": _stream(board_stream(enquiry.id))}
    if viewer["role"] == "pupil":
        streams["own"] = _stream(own_stream(enquiry.id, viewer["owner_key"]))
        streams["pupil"] = _stream(realtime.pupil_stream(actor.id))
    if viewer["role"] == "teacher":
        mine = [cid for cid in enquiry.link.class_ids if authz.teaches(actor, cid)]
        streams["queues"] = [_stream(realtime.queue_stream(cid)) for cid in mine]
    db.session.expire_all()  # read the board after the stream positions
    enquiry = get_enquiry(actor, enquiry_id)
    visible = rule.visible_in_link(actor, enquiry.link)
    snapshot: dict[str, Any] = {
        "enquiry": enquiry_card(enquiry),
        "steps": [
            {"step": s.number, "key": s.key, "name": s.name, "pupil_words": s.pupil_words}
            for s in STEPS.values()
        ],
        "ground_rules": board.ground_rules(enquiry.link),
        "stimulus": board.stimulus_view(enquiry),
        "timer": board.timer_view(enquiry),
        "classes": [
            {"classroom_id": cid, "class_label": class_label(cid)} for cid in enquiry.link.class_ids
        ],
        "viewer": viewer,
        "streams": streams,
        "my_items": [],
        "pending": [],
    }
    for model, key in KEYS.items():
        snapshot[key] = []
        for row, item in _rows(model, enquiry, visible):
            if item.state == ItemState.APPROVED:
                snapshot[key].append(VIEWS[model](row))
            elif viewer["role"] == "pupil" and item.author_pupil_id == actor.id:
                snapshot["my_items"].append(item_state_view(row, item))
            elif item.state == ItemState.PENDING and rule.can_decide(actor, item):
                snapshot["pending"].append(rule.review_entry(item))
    chosen = voting.chosen_question(enquiry)
    if chosen is not None and chosen.item.state != ItemState.APPROVED:
        chosen = None  # hidden since it was chosen: its words are no longer shown
    snapshot.update(
        question_links=question_links(enquiry),
        voting=voting.voting_view(enquiry),
        tally=voting.tally_for_viewers(enquiry),
        chosen=(
            {"question": question_view(chosen), "authors": voting.chosen_author_names(enquiry)}
            if chosen
            else None
        ),
        speaker_queue=speaker_queue(enquiry),
        thumbs=thumbs(enquiry),
        groups=[group_view(g) for g in groups_of(enquiry)],
    )
    if viewer["role"] == "pupil":
        snapshot["mine_question_ids"] = _own_question_ids(actor, enquiry, viewer)
        snapshot["my_votes"] = voting.my_votes(enquiry, viewer["owner_key"])
        snapshot["my_thumb"] = my_thumb(enquiry, viewer["owner_key"])
        snapshot["jotting"] = get_jotting(actor, enquiry.id)
    if viewer["role"] == "teacher":
        snapshot["prompts"] = [{"prompt_id": p.id, "text": p.text} for p in prompt_bank(actor)]
        snapshot["roster"] = [
            {"pupil_id": p.id, "name": p.display_name, "classroom_id": p.classroom_id}
            for cid in enquiry.link.class_ids
            if authz.teaches(actor, cid)
            for p in enquiry.link.classroom(cid).pupils
            if p.active
        ]
    return snapshot


def _own_question_ids(actor: Any, enquiry: Enquiry, viewer: dict[str, Any]) -> list[int]:
    """The approved questions a pupil wrote, alone or with their group (they may clarify them)."""
    group_id = viewer["group"]["group_id"] if viewer["group"] else None
    mine = ModerationItem.author_pupil_id == actor.id
    if group_id is not None:
        mine = mine | (Question.group_id == group_id)
    approved = (ModerationItem.state == ItemState.APPROVED) & mine
    return [row.id for row, _item in _rows(Question, enquiry, approved)]


# ----- the printable export -----------------------------------------------------------------


def _thread(contributions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contributions as a tree: each with the replies that built on it, in order."""
    by_id = {c["contribution_id"]: {**c, "replies": []} for c in contributions}
    roots = []
    for entry in by_id.values():
        parent = by_id.get(entry["reply_to_id"]) if entry["reply_to_id"] else None
        (parent["replies"] if parent else roots).append(entry)
    return roots


def export_enquiry(actor: Any, enquiry_id: int) -> dict[str, Any]:
    """The whole enquiry as it reached both classes, for the classroom wall: approved words only."""
    enquiry = get_enquiry(actor, enquiry_id)
    approved = ModerationItem.state == ItemState.APPROVED
    content = {
        key: [VIEWS[model](row) for row, _item in _rows(model, enquiry, approved)]
        for model, key in KEYS.items()
    }
    result = voting.tally_for_viewers(enquiry)
    scores = {q["question_id"]: q for q in result.get("questions", [])}
    questions = []
    for question in content["questions"]:
        score = scores.get(question["question_id"])
        questions.append(
            {
                **question,
                "clarifications": [
                    c
                    for c in content["clarifications"]
                    if c["question_id"] == question["question_id"]
                ],
                "votes": score["votes"] if score else None,
                "by_class": score["by_class"] if score else None,
                "score_display": score["score_display"] if score else None,
            }
        )
    chosen = voting.chosen_question(enquiry)
    return {
        "enquiry": enquiry_card(enquiry),
        "classes": [
            {"classroom_id": cid, "class_label": class_label(cid)} for cid in enquiry.link.class_ids
        ],
        "ground_rules": board.ground_rules(enquiry.link),
        "stimulus": board.stimulus_view(enquiry),
        "concepts": content["concepts"],
        "questions": questions,
        "voting": voting.voting_view(enquiry),
        "tally": result,
        "chosen": (
            {"question": question_view(chosen), "authors": voting.chosen_author_names(enquiry)}
            if chosen and chosen.item.state == ItemState.APPROVED
            else None
        ),
        "contributions": _thread(content["contributions"]),
        "last_words": content["last_words"],
        "reflection": {"thumbs": thumbs(enquiry), "reflections": content["reflections"]},
    }
