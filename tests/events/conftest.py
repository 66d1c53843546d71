"""Events test helpers: a planned event with the standard world's link invited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ModerationItem
from exchange.rooms.events import services, showcase, stage
from exchange.types import utcnow


def plan_event(world, **kw):
    """A scheduled event hosted by the world's facilitator, with the link (A and B) invited."""
    starts = kw.pop("starts_at", utcnow() + timedelta(days=7))
    event = services.create_event(
        world.facilitator,
        title=kw.pop("title", "Summer celebration"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(hours=1)),
        description=kw.pop("description", "Our year together"),
        **kw,
    )
    services.invite(world.facilitator, event.id, link_ids=[world.link.id])
    return event


@pytest.fixture
def event(world):
    """A scheduled event with classes A and B invited (class C is not)."""
    return plan_event(world)


@pytest.fixture
def live_event(world, event):
    """The event on air, at its first segment."""
    stage.act(world.facilitator, event.id, "start")
    return event


def ready_showcase(world, event, classroom=None, title="Our poem"):
    """A teacher's new showcase item, approved by the facilitator: ready for the stage."""
    teacher = world.teacher_a if classroom in (None, world.class_a) else world.teacher_b
    item = showcase.add_new_showcase(teacher, event.id, title=title, text="Roses and rain")
    rule.approve(world.facilitator, item.item_id)
    return item


def approved_post(world, classroom=None, text="Our class map"):
    """Approved work of class A in the link (a teacher's note through the rule)."""
    from tests.moderation.conftest import NOTES, NoteChannel

    rule.register_channel(NoteChannel())

    def attach(item):
        NOTES[item.id] = {"text": text}

    item = rule.submit(
        world.teacher_a,
        rule.Submission(
            kind=ItemKind.REFLECTION,
            classroom_id=(classroom or world.class_a).id,
            link=world.link,
            text=text,
        ),
        attach,
    )
    db.session.commit()
    return db.session.get(ModerationItem, item.id)
