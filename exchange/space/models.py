"""The shared space's content: posts, comments (and replies), pictures and reactions.

Each post and comment points at one ModerationItem, which says who may see it; these tables
keep only the content.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.types import UTCDateTime, utcnow

TITLE_MAX = 120
BODY_MAX = 5000
COMMENT_MAX = 1000
DESCRIPTION_MAX = 300
MAX_IMAGES = 6

# The programme's four questions, in the order the year takes them.
QUESTIONS: dict[str, str] = {
    "who_am_i": "Who am I?",
    "who_are_we": "Who are we?",
    "where_do_we_live": "Where do we live?",
    "how_do_we_live_together": "How do we all live together?",
}


class Reaction(enum.StrEnum):
    """The fixed set of reactions: no free text, one of each per person per item."""

    STAR = "star"
    CLAP = "clap"
    HEART = "heart"
    WOW = "wow"
    THINKING = "thinking"
    SMILE = "smile"


# What each reaction looks like and is called (the label is what screen readers say).
REACTION_FACES: dict[Reaction, tuple[str, str]] = {
    Reaction.STAR: ("⭐", "Star"),
    Reaction.CLAP: ("👏", "Clap"),
    Reaction.HEART: ("❤️", "Love it"),
    Reaction.WOW: ("😮", "Wow"),
    Reaction.THINKING: ("🤔", "Makes me think"),
    Reaction.SMILE: ("😊", "Smile"),
}


class Post(db.Model):  # type: ignore[name-defined]
    """A piece of work shared in a link's space: a title, text and up to six pictures."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list] = mapped_column(JSON, default=list)
    phase: Mapped[int | None] = mapped_column(Integer)
    picture_description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[ModerationItem] = relationship(lazy="joined")
    images: Mapped[list[PostImage]] = relationship(
        back_populates="post", order_by="PostImage.position, PostImage.id"
    )


class Comment(db.Model):  # type: ignore[name-defined]
    """A comment on a post, or a reply to a comment (one level of threading)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[ModerationItem] = relationship(lazy="joined")
    post: Mapped[Post] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])


class PostImage(db.Model):  # type: ignore[name-defined]
    """A re-encoded picture and its thumbnail, kept under random storage keys.

    A picture is uploaded before its post exists (so a refused file does not lose the others):
    until the post is sent it belongs to its uploader (owner_key) and has no post.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), index=True)
    owner_key: Mapped[str] = mapped_column(String(40), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumb_key: Mapped[str] = mapped_column(String(64))
    thumb_type: Mapped[str] = mapped_column(String(20))
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post | None] = relationship(back_populates="images")


class ItemReaction(db.Model):  # type: ignore[name-defined]
    """One person's reaction to an approved post or comment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_item.id"))
    actor_key: Mapped[str] = mapped_column(String(40))
    reaction: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("item_id", "actor_key", "reaction"),
        Index("ix_item_reaction_item", "item_id", "reaction"),
    )
