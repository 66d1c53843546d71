"""Celebration events: the plan (run of show, invited classes), showcase items, shout-outs,
the live stage and what the souvenir page remembers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Enum,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import Classroom, District, Link, User
from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their values in a short string column."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class EventState(enum.StrEnum):
    """An event's life: planned, on air (or paused), over, or called off."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"
    CANCELLED = "cancelled"


class SegmentKind(enum.StrEnum):
    """The kinds of segment in a run of show."""

    WELCOME = "welcome"
    SHOWCASE = "showcase"
    ACTIVITY = "activity"
    GOODBYE = "goodbye"


class InvitationStatus(enum.StrEnum):
    """A class's answer to an invitation."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ShowcaseStatus(enum.StrEnum):
    """Where a showcase item is on its way to the stage.

    New items follow their moderation item (IN_REVIEW until the rule approves them); existing
    approved work waits for the facilitator here (AWAITING) before it is READY.
    """

    IN_REVIEW = "in_review"
    AWAITING = "awaiting"
    READY = "ready"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


event_district = Table(
    "event_district",
    db.metadata,
    Column("event_id", ForeignKey("celebration_event.id"), primary_key=True),
    Column("district_id", ForeignKey("district.id"), primary_key=True),
)


class CelebrationEvent(db.Model):  # type: ignore[name-defined]
    """A district-wide (or, set up by an admin, multi-district) celebration hosted by a
    facilitator, with the live state of its stage."""

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    state: Mapped[EventState] = mapped_column(_enum(EventState), default=EventState.SCHEDULED)
    # The live stage. Plain ids (not foreign keys) avoid a cycle with segments and showcase.
    segment_position: Mapped[int | None] = mapped_column(Integer)
    stage_showcase_id: Mapped[int | None] = mapped_column(Integer)
    spotlight_class_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"))
    applause_open: Mapped[bool] = mapped_column(Boolean, default=False)
    stage_version: Mapped[int] = mapped_column(Integer, default=0)
    reaction_totals: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship()
    districts: Mapped[list[District]] = relationship(
        secondary=event_district, order_by="District.id"
    )
    host: Mapped[User] = relationship(foreign_keys=[host_id])
    helper: Mapped[User | None] = relationship(foreign_keys=[helper_id])
    segments: Mapped[list[EventSegment]] = relationship(
        back_populates="event", order_by="EventSegment.position", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[EventInvitation]] = relationship(
        back_populates="event", order_by="EventInvitation.id", cascade="all, delete-orphan"
    )

    @property
    def district_ids(self) -> list[int]:
        """Every district taking part (the host's first)."""
        ids = [self.district_id]
        ids += [d.id for d in self.districts if d.id != self.district_id]
        return ids

    @property
    def current_segment(self) -> EventSegment | None:
        """The segment on air, if the event has started."""
        if self.segment_position is None:
            return None
        return next((s for s in self.segments if s.position == self.segment_position), None)

    @property
    def is_on_air(self) -> bool:
        """Live or paused: screens are following the stage."""
        return self.state in (EventState.LIVE, EventState.PAUSED)


class EventSegment(db.Model):  # type: ignore[name-defined]
    """One step of the run of show: welcome, a link's showcase, a shared activity, goodbye."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("celebration_event.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[SegmentKind] = mapped_column(_enum(SegmentKind))
    title: Mapped[str] = mapped_column(String(160))
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("link.id"))
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"))

    event: Mapped[CelebrationEvent] = relationship(back_populates="segments")
    link: Mapped[Link | None] = relationship()
    classroom: Mapped[Classroom | None] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "position"),)

    @property
    def class_ids(self) -> tuple[int, ...]:
        """The classes whose showcase this segment is."""
        if self.link is not None:
            return self.link.class_ids
        return (self.classroom_id,) if self.classroom_id else ()


class EventInvitation(db.Model):  # type: ignore[name-defined]
    """A class invited to an event (directly, or as one of a link's two classes)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("celebration_event.id"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("link.id"))
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus), default=InvitationStatus.INVITED
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[CelebrationEvent] = relationship(back_populates="invitations")
    classroom: Mapped[Classroom] = relationship()
    link: Mapped[Link | None] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "classroom_id"),)


class ShowcaseItem(db.Model):  # type: ignore[name-defined]
    """Something a class shows on the stage: a new item, or approved work chosen from its link."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("celebration_event.id"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text, default="")
    # A new item goes through the rule as its own moderation item (kind showcase) ...
    item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    # ... existing approved work (a post, an enquiry result) is referenced instead.
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"))
    status: Mapped[ShowcaseStatus] = mapped_column(_enum(ShowcaseStatus))
    feedback: Mapped[str | None] = mapped_column(Text)
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[CelebrationEvent] = relationship()
    classroom: Mapped[Classroom] = relationship()
    item: Mapped[ModerationItem | None] = relationship(foreign_keys=[item_id])
    source_item: Mapped[ModerationItem | None] = relationship(foreign_keys=[source_item_id])


class Shoutout(db.Model):  # type: ignore[name-defined]
    """A pupil's (or teacher's) short message for the shout-out wall."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("celebration_event.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    text: Mapped[str] = mapped_column(String(200))

    event: Mapped[CelebrationEvent] = relationship()
    item: Mapped[ModerationItem] = relationship()
    classroom: Mapped[Classroom] = relationship()


class StageMoment(db.Model):  # type: ignore[name-defined]
    """What was on the stage from one change to the next: the souvenir page's timeline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("celebration_event.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    segment_title: Mapped[str] = mapped_column(String(160), default="")
    showcase_id: Mapped[int | None] = mapped_column(ForeignKey("showcase_item.id"))
    spotlight_class_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"))

    showcase: Mapped[ShowcaseItem | None] = relationship()
    spotlight_class: Mapped[Classroom | None] = relationship()


class ApplauseWindow(db.Model):  # type: ignore[name-defined]
    """A round of applause: when it was open, for what, and how many claps it got."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("celebration_event.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    segment_title: Mapped[str] = mapped_column(String(160), default="")
    showcase_id: Mapped[int | None] = mapped_column(ForeignKey("showcase_item.id"))
    spotlight_class_id: Mapped[int | None] = mapped_column(ForeignKey("classroom.id"))
    total: Mapped[int] = mapped_column(Integer, default=0)

    showcase: Mapped[ShowcaseItem | None] = relationship()
    spotlight_class: Mapped[Classroom | None] = relationship()
