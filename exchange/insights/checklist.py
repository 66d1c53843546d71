"""The co-planning checklist of a link: five steps across the three phases, ticked by either
teacher, with what the link's own records say about each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange import authz
from exchange import types as clock
from exchange.accounts.models import Link, LinkStatus
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.insights import sources
from exchange.insights.dates import short_date
from exchange.insights.figures import LinkFigures
from exchange.insights.models import ChecklistStep, ChecklistTick


@dataclass(frozen=True)
class StepInfo:
    """A step of the co-planning checklist: its phase, name and what it means."""

    step: ChecklistStep
    phase: int
    title: str
    hint: str


STEPS: tuple[StepInfo, ...] = (
    StepInfo(
        ChecklistStep.GROUND_RULES,
        1,
        "Agree ground rules",
        "Both teachers agree how the classes will talk and listen to each other, and share "
        "the rules with their pupils.",
    ),
    StepInfo(
        ChecklistStep.FIRST_EXCHANGE,
        1,
        "First exchange",
        "Each class has sent the other something about who they are.",
    ),
    StepInfo(
        ChecklistStep.FIRST_LIVE,
        2,
        "First live session",
        "The classes have met live, on a linking day or online.",
    ),
    StepInfo(
        ChecklistStep.ENQUIRY,
        2,
        "A P4C enquiry together",
        "The classes have thought through a question together in a P4C enquiry.",
    ),
    StepInfo(
        ChecklistStep.CELEBRATION,
        3,
        "Celebration",
        "The classes have celebrated their year together.",
    ),
)
STEP_INFO = {info.step: info for info in STEPS}


@dataclass(frozen=True)
class ChecklistEntry:
    """A step as a link's page shows it: ticked by whom and when, and what the data shows."""

    info: StepInfo
    ticked_at: datetime | None
    ticked_by: str | None
    evidence: str | None  # what the link's own records show, as a hint to the teachers

    @property
    def done(self) -> bool:
        """Ticked by one of the teachers."""
        return self.ticked_at is not None


def parse_step(value: str) -> ChecklistStep:
    """A checklist step from its name, or Invalid."""
    try:
        return ChecklistStep(value)
    except ValueError:
        names = ", ".join(s.value for s in ChecklistStep)
        raise Invalid(
            f"There is no checklist step called {value!r}; use one of: {names}."
        ) from None


def entries(link: Link, figures: LinkFigures) -> list[ChecklistEntry]:
    """The link's checklist in phase order, with each step's evidence from its records."""
    ticks = {
        t.step: t
        for t in db.session.scalars(select(ChecklistTick).where(ChecklistTick.link_id == link.id))
    }
    evidence = _evidence(link, figures)
    return [
        ChecklistEntry(
            info=info,
            ticked_at=ticks[info.step].ticked_at if info.step in ticks else None,
            ticked_by=ticks[info.step].ticked_by.display_name if info.step in ticks else None,
            evidence=evidence.get(info.step),
        )
        for info in STEPS
    ]


def _evidence(link: Link, figures: LinkFigures) -> dict[ChecklistStep, str]:
    """What the records say about each step (a hint; only a teacher's tick counts)."""
    found: dict[ChecklistStep, str] = {}
    rules = sources.ground_rules_at(link.id)
    if rules:
        found[ChecklistStep.GROUND_RULES] = (
            f"Ground rules are written on the P4C board (last changed {short_date(rules)})."
        )
    first = sources.first_exchange_at(link.id)
    if first:
        found[ChecklistStep.FIRST_EXCHANGE] = f"The first exchange arrived on {short_date(first)}."
    for kind, step in (
        ("live", ChecklistStep.FIRST_LIVE),
        ("celebration", ChecklistStep.CELEBRATION),
    ):
        held = [m for m in figures.meetings if m.kind == kind and m.held]
        if held:
            found[step] = f"{held[0].title} took place on {short_date(held[0].at)}."
    if figures.enquiries:
        first_enquiry = min(figures.enquiries, key=lambda e: e.at)
        found[ChecklistStep.ENQUIRY] = (
            f"The enquiry “{first_enquiry.title}” started on {short_date(first_enquiry.at)}."
        )
    return found


def _link_for_teacher(actor: Any, link_id: int) -> Link:
    """A link one of whose classes the actor teaches, or NotFound/Forbidden."""
    link = db.session.get(Link, link_id)
    if link is None or not authz.insights.can_view_link_health(actor, link):
        raise NotFound("That link does not exist.")
    if not authz.insights.can_plan_link(actor, link):
        raise Forbidden("Only the two teachers of the link can tick its checklist.")
    if link.status == LinkStatus.ARCHIVED:
        raise Conflict("This link is archived, so its checklist can no longer change.")
    return link


def tick(actor: Any, link_id: int, step: str) -> ChecklistTick:
    """A teacher of either class ticks a step (ticking it again changes nothing)."""
    which = parse_step(step)
    link = _link_for_teacher(actor, link_id)
    existing = db.session.scalar(
        select(ChecklistTick).where(ChecklistTick.link_id == link.id, ChecklistTick.step == which)
    )
    if existing is not None:
        return existing
    ticked = ChecklistTick(
        link_id=link.id, step=which, ticked_by_id=actor.id, ticked_at=clock.utcnow()
    )
    db.session.add(ticked)
    try:
        db.session.commit()
    except IntegrityError:
        # The partner teacher ticked the same step at the same moment: theirs stands.
        db.session.rollback()
        return db.session.scalars(
            select(ChecklistTick).where(
                ChecklistTick.link_id == link.id, ChecklistTick.step == which
            )
        ).one()
    return ticked


def untick(actor: Any, link_id: int, step: str) -> None:
    """A teacher of either class clears a step (clearing a clear step changes nothing)."""
    which = parse_step(step)
    link = _link_for_teacher(actor, link_id)
    existing = db.session.scalar(
        select(ChecklistTick).where(ChecklistTick.link_id == link.id, ChecklistTick.step == which)
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()
