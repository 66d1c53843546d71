"""Insights records: co-planning checklists, work chosen for the report, pupil-voice surveys.

Survey answers are stored so that they cannot be traced back to a pupil: whether a pupil has
answered a round is kept in `SurveyAnswered` (pupil, survey), and what was answered in
`SurveyResponse`/`SurveyAnswer`, which carry only the survey and the class. Neither side has a
timestamp or an ordered id that would let the two be matched up again.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import District, Link, User
from exchange.extensions import db
from exchange.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their values in a short string column."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class ChecklistStep(enum.StrEnum):
    """The co-planning steps of a linking year, in order."""

    GROUND_RULES = "ground_rules"
    FIRST_EXCHANGE = "first_exchange"
    FIRST_LIVE = "first_live"
    ENQUIRY = "enquiry"
    CELEBRATION = "celebration"


class ChecklistTick(db.Model):  # type: ignore[name-defined]
    """A step of a link's co-planning checklist, ticked by one of its two teachers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    step: Mapped[ChecklistStep] = mapped_column(_enum(ChecklistStep))
    ticked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[Link] = relationship()
    ticked_by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("link_id", "step"),)


class ReportPick(db.Model):  # type: ignore[name-defined]
    """An approved item a teacher of the link chose to show in the end-of-year report."""

    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chosen_by: Mapped[User] = relationship()


class SurveyRound(enum.StrEnum):
    """When in the year a survey is taken."""

    BEFORE = "before"
    AFTER = "after"


class Survey(db.Model):  # type: ignore[name-defined]
    """One round of the pupil-voice survey, published to a district's linked classes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    academic_year: Mapped[str] = mapped_column(String(9))
    round: Mapped[SurveyRound] = mapped_column(_enum(SurveyRound))
    # Keys of the built-in statements (exchange.insights.template), in the order pupils see them.
    statements: Mapped[list] = mapped_column(JSON, default=list)
    question: Mapped[str] = mapped_column(String(200), default="")
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship()

    __table_args__ = (UniqueConstraint("district_id", "academic_year", "round"),)

    def is_open(self, now: datetime) -> bool:
        """Pupils can answer: not closed by the facilitator and before its closing time."""
        return self.closed_at is None and (self.closes_at is None or now < self.closes_at)


class SurveyAnswered(db.Model):  # type: ignore[name-defined]
    """The marker that a pupil has answered a round: nothing about what they answered."""

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True, index=True)


def _random_id() -> str:
    """A random key: unlike a counter, it says nothing about the order answers arrived in."""
    return secrets.token_hex(16)


class SurveyResponse(db.Model):  # type: ignore[name-defined]
    """One pupil's anonymous answers: the survey and the class, never the pupil or a time."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"), index=True)
    free_text: Mapped[str | None] = mapped_column(Text)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyAnswer(db.Model):  # type: ignore[name-defined]
    """One statement's answer on the 5-point scale (1 disagree a lot ... 5 agree a lot)."""

    response_id: Mapped[str] = mapped_column(ForeignKey("survey_response.id"), primary_key=True)
    statement: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")

    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 5", name="scale"),)
