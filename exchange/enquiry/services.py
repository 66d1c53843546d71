"""Services of the enquiry area: the one place views, API, sockets and other areas import from.

The rules live in board.py (opening, ground rules, steps, pause, timer, stimulus, closing),
groups.py (groups and private jottings), content.py (pupils' words through the approval rule),
airing.py (reword, merge, link, sort, park), voting.py (rules, votes, tallies, the choice),
talk.py (speaker queue, prompt bank), reflection.py (thumbs, summary) and snapshot.py (what a
screen loads, the printable export). Every function takes the acting user first, refuses with an
`exchange.errors` exception in plain words, and commits itself.
"""

from __future__ import annotations

from typing import Any

from exchange.enquiry import channels
from exchange.enquiry.airing import (
    link_questions,
    merge_questions,
    park_question,
    parked_questions,
    question_links,
    reword_question,
    sort_question,
)
from exchange.enquiry.board import (
    SUGGESTED_RULES,
    close_enquiry,
    enquiries_of,
    get_link,
    ground_rules,
    links_for,
    move_step,
    open_enquiry,
    open_enquiry_of,
    picture_of,
    set_ground_rules,
    set_paused,
    set_picture_stimulus,
    set_stimulus,
    set_timer,
    stimulus_view,
    timer_view,
)
from exchange.enquiry.common import STEPS, THEMES, board_stream, get_enquiry, own_stream
from exchange.enquiry.content import (
    approve_item,
    edit_item,
    hide_item,
    return_item,
    submit_clarification,
    submit_concept,
    submit_contribution,
    submit_last_words,
    submit_question,
    submit_reflection,
)
from exchange.enquiry.groups import (
    create_group,
    delete_group,
    get_jotting,
    group_view,
    groups_of,
    save_jotting,
    update_group,
)
from exchange.enquiry.models import ChosenQuestion, Question
from exchange.enquiry.reflection import set_thumb, summary
from exchange.enquiry.snapshot import (
    board_snapshot,
    enquiry_card,
    export_enquiry,
    item_state_view,
    item_view,
)
from exchange.enquiry.talk import (
    add_prompt,
    call_next,
    delete_prompt,
    lower_hand,
    post_prompt,
    prompt_bank,
    raise_hand,
    speaker_queue,
    update_prompt,
)
from exchange.enquiry.voting import (
    cast_vote,
    choose_question,
    chosen_question,
    clear_votes,
    close_voting,
    configure_voting,
    my_votes,
    open_voting,
    tally,
    tally_for_viewers,
    voting_view,
    withdraw_vote,
)
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.moderation.models import ItemState


def question_public_view(question_id: int) -> dict[str, Any]:
    """An approved question as any stage may show it (live sessions, celebration events).

    The caller decides who sees its stage; `exchange.authz.enquiry.can_stage_question` says who
    may put a question there. Pending, returned or hidden questions are NotFound.
    """
    question = db.session.get(Question, question_id)
    if question is None or question.item.state != ItemState.APPROVED:
        raise NotFound("That question does not exist.")
    return channels.question_view(question)


def chosen_question_view(enquiry_id: int) -> dict[str, Any] | None:
    """An enquiry's chosen question, for another area's stage (None before it is chosen)."""
    chosen = db.session.get(ChosenQuestion, enquiry_id)
    return question_public_view(chosen.question_id) if chosen else None


__all__ = [
    "STEPS",
    "SUGGESTED_RULES",
    "THEMES",
    "add_prompt",
    "approve_item",
    "board_snapshot",
    "board_stream",
    "call_next",
    "cast_vote",
    "choose_question",
    "chosen_question",
    "chosen_question_view",
    "clear_votes",
    "close_enquiry",
    "close_voting",
    "configure_voting",
    "create_group",
    "delete_group",
    "delete_prompt",
    "edit_item",
    "enquiries_of",
    "enquiry_card",
    "export_enquiry",
    "get_enquiry",
    "get_jotting",
    "get_link",
    "ground_rules",
    "group_view",
    "groups_of",
    "hide_item",
    "item_state_view",
    "item_view",
    "link_questions",
    "links_for",
    "lower_hand",
    "merge_questions",
    "move_step",
    "my_votes",
    "open_enquiry",
    "open_enquiry_of",
    "open_voting",
    "own_stream",
    "park_question",
    "parked_questions",
    "picture_of",
    "post_prompt",
    "prompt_bank",
    "question_links",
    "question_public_view",
    "raise_hand",
    "return_item",
    "reword_question",
    "save_jotting",
    "set_ground_rules",
    "set_paused",
    "set_picture_stimulus",
    "set_stimulus",
    "set_thumb",
    "set_timer",
    "sort_question",
    "speaker_queue",
    "stimulus_view",
    "submit_clarification",
    "submit_concept",
    "submit_contribution",
    "submit_last_words",
    "submit_question",
    "submit_reflection",
    "summary",
    "tally",
    "tally_for_viewers",
    "timer_view",
    "update_group",
    "update_prompt",
    "voting_view",
    "withdraw_vote",
]
