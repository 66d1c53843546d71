"""Models of the live area: scheduled sessions, their agenda, chat rows, hands, reactions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import Classroom, Link, Pupil, User
from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their values in a short string column."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class SessionStatus(enum.StrEnum):
    """Where a session is in its planning: proposed by one teacher, confirmed by the other."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class SegmentKind(enum.StrEnum):
    """The kinds of agenda segment a linking day is made of."""

    WELCOME = "welcome"
    GAME = "game"
    SHARING = "sharing"
    P4C = "p4c"
    GOODBYE = "goodbye"
    OTHER = "other"


SEGMENT_LABELS = {
    SegmentKind.WELCOME: "Welcome",
    SegmentKind.GAME: "Game",
    SegmentKind.SHARING: "Sharing work",
    SegmentKind.P4C: "P4C enquiry",
    SegmentKind.GOODBYE: "Goodbye",
    SegmentKind.OTHER: "Something else",
}


class LiveSession(db.Model):  # type: ignore[name-defined]
    """A scheduled live session between the two classes of a link (times stored in UTC)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus), default=SessionStatus.PROPOSED
    )
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The class whose teacher proposed (or last rescheduled): the other class's teacher confirms.
    proposed_by_class_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    chat_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    segment_position: Mapped[int] = mapped_column(Integer, default=0)
    stage_item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"))
    calendar_uid: Mapped[str] = mapped_column(String(120), unique=True)
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[Link] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    proposed_by_class: Mapped[Classroom] = relationship(foreign_keys=[proposed_by_class_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    stage_item: Mapped[ModerationItem | None] = relationship()
    segments: Mapped[list[LiveSegment]] = relationship(
        back_populates="session",
        order_by="LiveSegment.position",
        cascade="all, delete-orphan",
    )

    @property
    def confirming_class_id(self) -> int:
        """The class whose teacher confirms the current proposal."""
        return self.link.partner_of(self.proposed_by_class_id)

    @property
    def current_segment(self) -> LiveSegment | None:
        """The agenda segment every screen is on."""
        for segment in self.segments:
            if segment.position == self.segment_position:
                return segment
        return None


class LiveSegment(db.Model):  # type: ignore[name-defined]
    """One part of a session's agenda (welcome, game, sharing work, P4C, goodbye ...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[SegmentKind] = mapped_column(_enum(SegmentKind), default=SegmentKind.OTHER)
    title: Mapped[str] = mapped_column(String(80))
    minutes: Mapped[int | None] = mapped_column(Integer)

    session: Mapped[LiveSession] = relationship(back_populates="segments")

    __table_args__ = (UniqueConstraint("session_id", "position"),)


class LiveMessage(db.Model):  # type: ignore[name-defined]
    """A chat message of a session; its ModerationItem (kind chat) carries it through the rule."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id"), index=True)
    author_key: Mapped[str] = mapped_column(String(40))
    # The sender's message id: a retried send (lost acknowledgement) is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[ModerationItem] = relationship()
    session: Mapped[LiveSession] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "author_key", "client_id"),)


class LiveTeacherNote(db.Model):  # type: ignore[name-defined]
    """A message on the private channel between the two teachers during a session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    client_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "author_id", "client_id"),)


class LiveHand(db.Model):  # type: ignore[name-defined]
    """A pupil's raised hand, until they or their teacher lower it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pupil: Mapped[Pupil] = relationship()

    __table_args__ = (
        UniqueConstraint("session_id", "pupil_id"),
        Index("ix_live_hand_session", "session_id", "raised_at"),
    )


class LiveReaction(db.Model):  # type: ignore[name-defined]
    """How many times a reaction from the safe set was sent in a session."""

    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id"), primary_key=True)
    reaction: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
