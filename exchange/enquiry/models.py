"""Models of the P4C enquiry board: enquiries, their steps, pupils' content, votes and talk.

Pupil content (concepts, questions, clarifications, contributions, last words, reflections) keeps
its text here and points at one ModerationItem, which decides who may see it. Votes, hands and
thumbs carry no free text; their limits are unique constraints so the database, not the server's
memory, enforces them under concurrency.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
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
    """Enums stored as their values in a short string column on every engine."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Step(enum.IntEnum):
    """The steps a community of enquiry walks through, in order."""

    GROUND_RULES = 0
    STIMULUS = 1
    THINKING = 2
    CONCEPTS = 3
    QUESTIONS = 4
    AIRING = 5
    VOTING = 6
    FIRST_WORDS = 7
    BUILDING = 8
    LAST_WORDS = 9
    REFLECTION = 10


class EnquiryState(enum.StrEnum):
    """An enquiry is open until a teacher closes it; closed enquiries stay readable."""

    OPEN = "open"
    CLOSED = "closed"


class StimulusKind(enum.StrEnum):
    """What a teacher can share as the stimulus."""

    TEXT = "text"
    PICTURE = "picture"
    STORY = "story"
    VIDEO = "video"
    POST = "post"
    QUESTION = "question"  # a question parked in an earlier enquiry


class VoteMethod(enum.StrEnum):
    """How pupils choose the question."""

    SINGLE = "single"
    MULTI = "multi"
    OMNI = "omni"


class VotingState(enum.StrEnum):
    """Voting is set up, then open, then closed (tallies shown even when blind)."""

    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


class TalkMove(enum.StrEnum):
    """How a contribution joins the talk."""

    FIRST_WORDS = "first_words"
    AGREE = "agree"
    DISAGREE = "disagree"
    BUILD = "build"
    EXAMPLE = "example"
    QUESTION = "question"
    PROMPT = "prompt"  # a teacher's facilitation prompt


class Thumb(enum.StrEnum):
    """How well we thought together."""

    UP = "up"
    SIDEWAYS = "sideways"
    DOWN = "down"


class HandState(enum.StrEnum):
    """A raised hand in the speaker queue."""

    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    LOWERED = "lowered"


class GroundRules(db.Model):  # type: ignore[name-defined]
    """The two classes' agreed guidelines for talking together, one set per link."""

    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), primary_key=True)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Enquiry(db.Model):  # type: ignore[name-defined]
    """One enquiry on a link's board: its step, stimulus, timer and voting rules."""

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    title: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[EnquiryState] = mapped_column(_enum(EnquiryState), default=EnquiryState.OPEN)
    # 1 while open, NULL once closed: the unique constraint allows one open enquiry per link.
    open_slot: Mapped[int | None] = mapped_column(Integer, default=1)
    step: Mapped[int] = mapped_column(Integer, default=int(Step.GROUND_RULES))
    use_concepts: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    theme: Mapped[str | None] = mapped_column(String(60))
    stimulus_kind: Mapped[StimulusKind | None] = mapped_column(_enum(StimulusKind))
    stimulus_title: Mapped[str] = mapped_column(String(120), default="")
    stimulus_text: Mapped[str] = mapped_column(Text, default="")
    stimulus_url: Mapped[str | None] = mapped_column(String(500))
    stimulus_image: Mapped[str | None] = mapped_column(String(80))
    stimulus_alt: Mapped[str] = mapped_column(String(300), default="")
    stimulus_item_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_item.id"))
    timer_seconds: Mapped[int | None] = mapped_column(Integer)
    timer_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timer_remaining: Mapped[int | None] = mapped_column(Integer)
    vote_method: Mapped[VoteMethod] = mapped_column(_enum(VoteMethod), default=VoteMethod.MULTI)
    votes_per_voter: Mapped[int] = mapped_column(Integer, default=3)
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    equal_weight: Mapped[bool] = mapped_column(Boolean, default=False)
    voting_state: Mapped[VotingState] = mapped_column(
        _enum(VotingState), default=VotingState.NOT_OPEN
    )
    # Bumped by every change made under the board's lock (common.lock_enquiry): the update takes
    # the row lock that serialises votes and step changes on one board.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    link: Mapped[Link] = relationship()
    stimulus_item: Mapped[ModerationItem | None] = relationship()
    opened_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("link_id", "open_slot"),
        CheckConstraint("step BETWEEN 0 AND 10", name="step_range"),
        CheckConstraint("votes_per_voter BETWEEN 1 AND 20", name="votes_range"),
    )


class EnquiryGroup(db.Model):  # type: ignore[name-defined]
    """Pupils of one class working together in one enquiry, named by their first names."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    name: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    classroom: Mapped[Classroom] = relationship()
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class GroupMember(db.Model):  # type: ignore[name-defined]
    """A pupil's place in a group; a pupil is in at most one group per enquiry."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("enquiry_group.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))

    group: Mapped[EnquiryGroup] = relationship(back_populates="members")
    pupil: Mapped[Pupil] = relationship()

    __table_args__ = (UniqueConstraint("enquiry_id", "pupil_id"),)


class Jotting(db.Model):  # type: ignore[name-defined]
    """A pupil's or group's private thinking space: never shared, never on a shared stream."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"))
    owner_key: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("enquiry_id", "owner_key"),)


class Concept(db.Model):  # type: ignore[name-defined]
    """A big idea pupils found in the stimulus."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry_group.id"))
    text: Mapped[str] = mapped_column(String(60))

    item: Mapped[ModerationItem] = relationship()
    group: Mapped[EnquiryGroup | None] = relationship()


class Question(db.Model):  # type: ignore[name-defined]
    """A philosophical question; teachers may reword, merge, sort or park it (originals kept)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry_group.id"))
    text: Mapped[str] = mapped_column(String(200))
    reworded_text: Mapped[str | None] = mapped_column(String(200))
    reworded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    openness: Mapped[str | None] = mapped_column(String(10))  # closed / open
    basis: Mapped[str | None] = mapped_column(String(10))  # text / reasoning
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    carried_into_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[ModerationItem] = relationship()
    group: Mapped[EnquiryGroup | None] = relationship()
    merged_into: Mapped[Question | None] = relationship(remote_side=[id])

    @property
    def current_text(self) -> str:
        """The wording shown on the board: the teacher's rewording, or the original."""
        return self.reworded_text or self.text


class QuestionLink(db.Model):  # type: ignore[name-defined]
    """Two similar questions a teacher linked during airing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    question_a_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    question_b_id: Mapped[int] = mapped_column(ForeignKey("question.id"))

    __table_args__ = (
        UniqueConstraint("question_a_id", "question_b_id"),
        CheckConstraint("question_a_id < question_b_id", name="ordered_pair"),
    )


class ChosenQuestion(db.Model):  # type: ignore[name-defined]
    """The question the classes chose; the primary key allows one per enquiry."""

    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()


class Clarification(db.Model):  # type: ignore[name-defined]
    """What a question's authors add to explain it during airing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    text: Mapped[str] = mapped_column(String(300))

    question: Mapped[Question] = relationship()
    item: Mapped[ModerationItem] = relationship()


class Vote(db.Model):  # type: ignore[name-defined]
    """One vote of a pupil or group. `slot` numbers a voter's votes 0..N-1 (NULL for omnivote):
    unique (enquiry, voter, slot) caps votes at N and unique (enquiry, question, voter) allows
    one per question, whatever arrives at the same moment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    voter_key: Mapped[str] = mapped_column(String(24))
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    slot: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("enquiry_id", "question_id", "voter_key", name="uq_vote_question_voter"),
        UniqueConstraint("enquiry_id", "voter_key", "slot", name="uq_vote_voter_slot"),
        CheckConstraint("slot >= 0", name="slot_positive"),
    )


class Contribution(db.Model):  # type: ignore[name-defined]
    """A turn in the talk, with its move and the contribution it builds on."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry_group.id"))
    move: Mapped[TalkMove] = mapped_column(_enum(TalkMove))
    text: Mapped[str] = mapped_column(String(600))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"))

    item: Mapped[ModerationItem] = relationship()
    group: Mapped[EnquiryGroup | None] = relationship()
    reply_to: Mapped[Contribution | None] = relationship(remote_side=[id])


class LastWords(db.Model):  # type: ignore[name-defined]
    """One final thought per pupil or group (unique per owner)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    owner_key: Mapped[str] = mapped_column(String(24))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry_group.id"))
    text: Mapped[str] = mapped_column(String(300))

    item: Mapped[ModerationItem] = relationship()
    group: Mapped[EnquiryGroup | None] = relationship()

    __table_args__ = (UniqueConstraint("enquiry_id", "owner_key"),)


class Reflection(db.Model):  # type: ignore[name-defined]
    """A written reflection on how well we thought together (one per pupil or group)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    owner_key: Mapped[str] = mapped_column(String(24))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("enquiry_group.id"))
    text: Mapped[str] = mapped_column(String(500))

    item: Mapped[ModerationItem] = relationship()
    group: Mapped[EnquiryGroup | None] = relationship()

    __table_args__ = (UniqueConstraint("enquiry_id", "owner_key"),)


class ThumbVote(db.Model):  # type: ignore[name-defined]
    """A thumbs up, sideways or down from a pupil or group (changeable, one per owner)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    owner_key: Mapped[str] = mapped_column(String(24))
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    value: Mapped[Thumb] = mapped_column(_enum(Thumb))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("enquiry_id", "owner_key"),)


class Hand(db.Model):  # type: ignore[name-defined]
    """A hand up in the speaker queue. `active` is 1 while waiting or speaking, else NULL, so a
    pupil has at most one hand up at a time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiry.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id"))
    state: Mapped[HandState] = mapped_column(_enum(HandState), default=HandState.WAITING)
    active: Mapped[int | None] = mapped_column(Integer, default=1)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pupil: Mapped[Pupil] = relationship()

    __table_args__ = (UniqueConstraint("enquiry_id", "pupil_id", "active"),)


class FacilitationPrompt(db.Model):  # type: ignore[name-defined]
    """One prompt in a teacher's own prompt bank."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
