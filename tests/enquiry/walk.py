"""Helpers that walk an enquiry through its steps the way teachers and pupils would."""

from __future__ import annotations

from typing import Any

from exchange.enquiry import services, voting
from exchange.enquiry.models import Enquiry, Question, Step
from exchange.extensions import db


def open_board(world: Any, **kw: Any) -> Enquiry:
    """Teacher A opens an enquiry on the world's link."""
    return services.open_enquiry(world.teacher_a, world.link.id, title="What is fair?", **kw)


def step(world: Any, enquiry: Enquiry, direction: str = "next", teacher: Any = None) -> Enquiry:
    """Move one step as a teacher."""
    teacher = teacher or world.teacher_a
    return services.move_step(teacher, enquiry.id, direction=direction, from_step=enquiry.step)


def ask(pupil: Any, teacher: Any, enquiry: Enquiry, text: str) -> Question:
    """A pupil writes a question and their teacher approves it."""
    item = services.submit_question(pupil, enquiry.id, text)
    services.approve_item(teacher, enquiry.id, item.id)
    return db.session.query(Question).filter_by(item_id=item.id).one()


def walk_to(
    world: Any, enquiry: Enquiry, target: int, made: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Walk the board to `target`, doing the least each step needs; returns what was made
    (pass it back in to carry on walking the same board)."""
    made = {} if made is None else made
    while enquiry.step < target:
        if enquiry.step == Step.STIMULUS and enquiry.stimulus_kind is None:
            services.set_stimulus(
                world.teacher_a,
                enquiry.id,
                kind="story",
                title="The Lion's Share",
                text="A lion shares out the food and keeps most of it for himself.",
                theme="How do we all live together?",
            )
        if enquiry.step == Step.QUESTIONS and "q_a" not in made:
            made["q_a"] = ask(
                world.pupil_a, world.teacher_a, enquiry, "Is it ever fair to keep more?"
            )
            made["q_b"] = ask(world.pupil_b, world.teacher_b, enquiry, "What makes a share fair?")
        if enquiry.step == Step.VOTING and services.chosen_question(enquiry) is None:
            services.configure_voting(world.teacher_a, enquiry.id, method="single")
            services.open_voting(world.teacher_a, enquiry.id)
            favourite = made.get("q_a") or voting.votable_questions(enquiry)[0]
            services.cast_vote(world.pupil_a, enquiry.id, favourite.id)
            services.close_voting(world.teacher_a, enquiry.id)
            services.choose_question(world.teacher_a, enquiry.id, favourite.id)
        step(world, enquiry)
    return made
