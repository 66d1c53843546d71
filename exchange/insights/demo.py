"""Demo content for the insights area: a pupil-voice survey with answers, a ticked checklist
step and a post chosen for the report (run by `flask --app exchange seed-demo`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from exchange import types as clock
from exchange.accounts.seed import Demo, demo_seeder
from exchange.extensions import db
from exchange.insights import picks, surveys
from exchange.insights.models import ChecklistStep, ChecklistTick
from exchange.moderation.models import ItemKind, ItemState, ModerationItem

# Answers (statement order: comfortable, know_different, make_friends, alike, listen, belong),
# one row per pupil; fixed, so the demo shows the same figures every time.
BEFORE = [
    (2, 2, 4, 2, 3, 4), (3, 2, 3, 3, 3, 4), (2, 1, 4, 2, 4, 5), (3, 3, 3, 2, 3, 3),
    (4, 2, 5, 3, 4, 4), (2, 2, 3, 2, 2, 3), (3, 1, 4, 3, 3, 4), (2, 2, 4, 2, 3, 5),
    (3, 3, 3, 3, 4, 4), (1, 2, 4, 2, 3, 3), (3, 2, 5, 3, 3, 4), (2, 1, 3, 2, 4, 4),
]  # fmt: skip
AFTER = [
    (4, 3, 5, 3, 4, 5), (4, 4, 4, 4, 4, 4), (3, 3, 5, 3, 4, 5), (5, 3, 4, 3, 3, 4),
    (4, 4, 5, 4, 5, 5), (3, 3, 4, 3, 3, 4), (4, 2, 5, 4, 4, 4), (4, 3, 4, 3, 4, 5),
    (5, 4, 5, 4, 4, 4), (3, 3, 4, 3, 3, 4),
]  # fmt: skip
WORDS_BEFORE = [
    "I am a bit nervous but excited",
    "I hope they like football like me",
    "I want to know what their school is like",
]
WORDS_AFTER = [
    "Meeting Grace on the video call was the best",
    "We found out we both have a school garden",
]


def _answer(pupils, survey, rows, words) -> None:  # noqa: ANN001
    """Each pupil answers one row (and the first few write something)."""
    keys = survey.statements
    for n, (pupil, row) in enumerate(zip(pupils, rows, strict=False)):
        text = words[n] if n < len(words) else None
        surveys.answer(pupil, survey.id, dict(zip(keys, row, strict=True)), text)


@demo_seeder(order=90)
def seed_insights(demo: Demo) -> None:
    """A closed start-of-year round, an open end-of-year round two pupils have not answered
    yet, the first checklist step, and the newest approved post chosen for the report."""
    now = clock.utcnow()
    linked = demo.pupils["a"] + demo.pupils["b"]
    before = surveys.publish(demo.facilitator, demo.district.id, "before", now=now)
    _answer(linked, before, BEFORE, WORDS_BEFORE)
    surveys.close(demo.facilitator, before.id)
    after = surveys.publish(
        demo.facilitator, demo.district.id, "after", closes_at=now + timedelta(days=14), now=now
    )
    # Everyone but the first pupil of each class has answered: they can try it themselves.
    waiting = {demo.pupils["a"][0].id, demo.pupils["b"][0].id}
    _answer([p for p in linked if p.id not in waiting], after, AFTER, WORDS_AFTER)
    db.session.add(
        ChecklistTick(
            link_id=demo.link.id,
            step=ChecklistStep.GROUND_RULES,
            ticked_by_id=demo.teachers["a"].id,
            ticked_at=now,
        )
    )
    db.session.commit()
    post = db.session.scalar(
        select(ModerationItem)
        .where(
            ModerationItem.link_id == demo.link.id,
            ModerationItem.kind == ItemKind.POST,
            ModerationItem.state == ItemState.APPROVED,
        )
        .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
    )
    if post is not None:
        picks.pick(demo.teachers["b"], post.id)
    demo.notes.append(
        "Pupil voice: the start-of-year survey is closed with 12 answers; the end-of-year one "
        f"is open, and {demo.pupils['a'][0].display_name} and {demo.pupils['b'][0].display_name} "
        "have not answered it yet. The facilitator can close it to see the change."
    )
