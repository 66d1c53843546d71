"""Demo content for the enquiry board: a finished enquiry to read and print, and an open one
waiting at question making, with a question for each teacher to approve."""

from __future__ import annotations

from sqlalchemy import select

from exchange.accounts.seed import Demo, demo_seeder
from exchange.enquiry import services
from exchange.enquiry.models import Contribution, Question
from exchange.extensions import db


def _advance(teacher: object, enquiry_id: int, times: int = 1) -> None:
    """Move a board forward."""
    for _ in range(times):
        enquiry = services.get_enquiry(teacher, enquiry_id)
        services.move_step(teacher, enquiry_id, direction="next", from_step=enquiry.step)


def _approved_question(demo: Demo, key: str, pupil: int, enquiry_id: int, text: str) -> Question:
    """A pupil's question, approved by their own teacher."""
    item = services.submit_question(demo.pupils[key][pupil], enquiry_id, text)
    services.approve_item(demo.teachers[key], enquiry_id, item.id)
    return db.session.scalar(select(Question).where(Question.item_id == item.id))


def _said(
    demo: Demo, key: str, pupil: int, enquiry_id: int, move: str, text: str, to: int | None = None
) -> int:
    """A pupil's contribution, approved by their own teacher; returns its id."""
    item = services.submit_contribution(
        demo.pupils[key][pupil], enquiry_id, move, text, reply_to_id=to
    )
    services.approve_item(demo.teachers[key], enquiry_id, item.id)
    return db.session.scalar(select(Contribution.id).where(Contribution.item_id == item.id))


def _finished_enquiry(demo: Demo) -> None:
    """ "Is it fair?": every step walked, ready to read and print."""
    a, b = demo.teachers["a"], demo.teachers["b"]
    link_id = demo.link.id
    services.set_ground_rules(
        a,
        link_id,
        [
            "We listen when someone is speaking.",
            "We give reasons: “I think … because …”.",
            "We can disagree with ideas, kindly, never with people.",
            "Everyone is welcome to speak; nobody has to.",
        ],
    )
    enquiry = services.open_enquiry(a, link_id, title="Is it fair?")
    _advance(a, enquiry.id)
    services.set_stimulus(
        a,
        enquiry.id,
        kind="story",
        title="The Lion's Share",
        text=(
            "The animals hunted together. When the food was shared out, the lion said: "
            "“One quarter is mine because I am king, one because I am strongest, one because "
            "I led the hunt, and the last quarter… take it if you dare.”"
        ),
        theme="How do we all live together?",
    )
    _advance(b, enquiry.id, 2)
    for key, pupil, text in (("a", 0, "fairness"), ("b", 1, "power"), ("a", 2, "sharing")):
        item = services.submit_concept(demo.pupils[key][pupil], enquiry.id, text)
        services.approve_item(demo.teachers[key], enquiry.id, item.id)
    _advance(a, enquiry.id)
    chosen = _approved_question(
        demo, "a", 0, enquiry.id, "Is it ever fair to keep more than others?"
    )
    other = _approved_question(
        demo, "b", 0, enquiry.id, "Does being strongest give you more rights?"
    )
    parked = _approved_question(demo, "b", 2, enquiry.id, "Why do people share at all?")
    _advance(b, enquiry.id)
    services.sort_question(a, enquiry.id, chosen.id, "open", "reasoning")
    services.sort_question(a, enquiry.id, other.id, "open", "reasoning")
    services.park_question(b, enquiry.id, parked.id)
    _advance(a, enquiry.id)
    services.configure_voting(a, enquiry.id, method="single", equal_weight=True)
    services.open_voting(a, enquiry.id)
    for key, pupils, question in (("a", range(0, 4), chosen), ("b", range(0, 2), chosen)):
        for n in pupils:
            services.cast_vote(demo.pupils[key][n], enquiry.id, question.id)
    for n in range(2, 5):
        services.cast_vote(demo.pupils["b"][n], enquiry.id, other.id)
    services.close_voting(a, enquiry.id)
    services.choose_question(a, enquiry.id, chosen.id)
    _advance(a, enquiry.id)
    first = _said(
        demo, "a", 0, enquiry.id, "first_words", "I asked it because my brother always gets more."
    )
    _advance(b, enquiry.id)
    reply = _said(
        demo, "b", 0, enquiry.id, "disagree", "he might need more, like the lion.", to=first
    )
    services.post_prompt(
        b, enquiry.id, text="What is the difference between fair and equal?", reply_to_id=reply
    )
    _said(demo, "a", 2, enquiry.id, "build", "fair can mean what each one needs.", to=reply)
    _said(demo, "b", 1, enquiry.id, "example", "At sports day everyone got the same medal.")
    _advance(a, enquiry.id)
    for key, n, text in (
        ("a", 0, "Fair is not always the same as equal."),
        ("b", 0, "Being strong is not a reason."),
    ):
        item = services.submit_last_words(demo.pupils[key][n], enquiry.id, text)
        services.approve_item(demo.teachers[key], enquiry.id, item.id)
    _advance(a, enquiry.id)
    for key, n, value in (("a", 0, "up"), ("a", 1, "up"), ("b", 0, "up"), ("b", 1, "sideways")):
        services.set_thumb(demo.pupils[key][n], enquiry.id, value)
    item = services.submit_reflection(demo.pupils["b"][1], enquiry.id, "We listened to each other.")
    services.approve_item(b, enquiry.id, item.id)
    services.close_enquiry(a, enquiry.id)


def _open_enquiry(demo: Demo) -> None:
    """An open board at question making, started from the parked question."""
    b = demo.teachers["b"]
    parked = services.parked_questions(b, demo.link.id)
    enquiry = services.open_enquiry(
        b, demo.link.id, title="Why do we share?", from_question_id=parked[0].id if parked else None
    )
    _advance(b, enquiry.id, 4)
    _approved_question(demo, "a", 3, enquiry.id, "Is sharing always kind?")
    services.submit_question(demo.pupils["a"][4], enquiry.id, "Would you share your last sweet?")
    services.submit_question(demo.pupils["b"][3], enquiry.id, "Do animals share like people do?")


@demo_seeder(order=40)
def seed_enquiry(demo: Demo) -> None:
    """A finished enquiry and an open one on the demo link."""
    _finished_enquiry(demo)
    _open_enquiry(demo)
    demo.notes.append(
        "Enquiries: “Is it fair?” is finished (see its printable page); “Why do we share?” is "
        "open at question making, with a question waiting for each teacher."
    )
