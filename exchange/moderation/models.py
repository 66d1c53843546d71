"""The approval rule's records: moderation items, reports, safeguarding concerns, the audit log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import Classroom, Link, Pupil, User
from exchange.extensions import db
from exchange.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their values in a short string column."""
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class ItemKind(enum.StrEnum):
    """Every channel whose content goes through the approval rule."""

    POST = "post"
    COMMENT = "comment"
    CONCEPT = "concept"
    QUESTION = "question"
    CLARIFICATION = "clarification"
    CONTRIBUTION = "contribution"
    LAST_WORDS = "last_words"
    REFLECTION = "reflection"
    CHAT = "chat"
    SHOUTOUT = "shoutout"
    SHOWCASE = "showcase"


class ItemState(enum.StrEnum):
    """Where an item is in the rule. Only APPROVED items reach the partner class."""

    PENDING = "pending"
    RETURNED = "returned"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"
    HIDDEN = "hidden"
    REMOVED = "removed"


class Stage(enum.StrEnum):
    """Whose approval a pending item waits for."""

    OWN_TEACHER = "own_teacher"
    PARTNER_TEACHER = "partner_teacher"
    FACILITATOR = "facilitator"


class ReportStatus(enum.StrEnum):
    """A report to the facilitator: open until decided."""

    OPEN = "open"
    RESTORED = "restored"
    REMOVED = "removed"


class ModerationItem(db.Model):  # type: ignore[name-defined]
    """One piece of pupil or teacher content under the rule; channels keep the content itself."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("link.id"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    author_pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"), index=True)
    author_staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[ItemState] = mapped_column(_enum(ItemState), default=ItemState.PENDING)
    stage: Mapped[Stage | None] = mapped_column(_enum(Stage))
    needs_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the facilitator stage is decided (a celebration event), for channels that use it.
    scope: Mapped[str | None] = mapped_column(String(80), index=True)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    feedback: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    client_id: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[Link | None] = relationship()
    classroom: Mapped[Classroom] = relationship()
    author_pupil: Mapped[Pupil | None] = relationship()
    author_staff: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_moderation_item_queue", "state", "stage", "classroom_id"),
        Index("ix_moderation_item_client", "author_pupil_id", "client_id", unique=True),
        # A link's space, one class's column newest first: read in index order, a page at a time.
        Index("ix_moderation_item_feed", "link_id", "kind", "classroom_id", "approved_at", "id"),
        # A pupil's own waiting and returned work ("My work not shared yet").
        Index("ix_moderation_item_author_state", "author_pupil_id", "state"),
    )

    @property
    def author_name(self) -> str:
        """The author's display name (pupils: first name and initial)."""
        author = self.author_pupil or self.author_staff
        return author.display_name if author else "Someone"

    @property
    def by_pupil(self) -> bool:
        """Written by a pupil (teachers' items go straight through)."""
        return self.author_pupil_id is not None

    @property
    def partner_classroom_id(self) -> int | None:
        """The other class of the item's link."""
        return self.link.partner_of(self.classroom_id) if self.link else None


class Report(db.Model):  # type: ignore[name-defined]
    """A teacher hid an item that reached their class and reported it to the facilitator."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[ModerationItem] = relationship()
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class SafeguardingConcern(db.Model):  # type: ignore[name-defined]
    """A concern raised to a school's safeguarding lead; kept out of the ordinary audit log."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    details: Mapped[str] = mapped_column(Text)
    # What the teacher saw when raising it (items can be edited, hidden or removed later).
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    acknowledged_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    item: Mapped[ModerationItem | None] = relationship()
    pupil: Mapped[Pupil | None] = relationship()


class AuditEntry(db.Model):  # type: ignore[name-defined]
    """Who did what to which item, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_key: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(24))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("link.id"), index=True)
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    # Shared entries also appear in the partner class's log: what happened once the item reached
    # (or waited for) that class. The sending stage (created, flagged, returned) stays private.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
