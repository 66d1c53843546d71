"""Helpers for the space tests: pictures as uploads, posts and comments sent through services."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select

from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.space import queries, services
from exchange.space.models import Comment, Post
from tests.space.corpus import drawing, encode, jpeg_with_everything


def upload(name: str = "drawing.jpg", data: bytes | None = None) -> services.Upload:
    """A file as a browser would send it."""
    return services.Upload(name, io.BytesIO(encode(drawing(), "JPEG") if data is None else data))


def camera_upload(name: str = "IMG_0042.JPG") -> services.Upload:
    """A camera photo carrying EXIF with GPS, XMP, a comment and a colour profile."""
    return services.Upload(name, io.BytesIO(jpeg_with_everything()))


def send_post(
    author: Any,
    link: Any,
    title: str = "My family",
    text: str = "We have a dog called Biscuit.",
    uploads: list[services.Upload] | None = None,
    **draft: Any,
) -> Post:
    """Send a post through the service."""
    return services.create_post(
        author, link.id, services.PostDraft(title=title, text=text, **draft), uploads or []
    )


def send_comment(author: Any, post: Post, text: str = "I like your dog!", **kw: Any) -> Comment:
    """Send a comment (or, with parent_id, a reply) through the service."""
    return services.create_comment(author, post.id, text, **kw)


def column_titles(actor: Any, link: Any) -> dict[str, list[str]]:
    """What each column of the viewer's space shows: {"own"/"partner": [titles]}."""
    view = queries.space_view(actor, link.id)
    return {
        ("own" if col["own"] else f"class{col['class_id']}"): [p["title"] for p in col["posts"]]
        for col in view["columns"]
    }


def all_titles(actor: Any, link: Any) -> list[str]:
    """Every post title in the viewer's columns."""
    view = queries.space_view(actor, link.id)
    return sorted(p["title"] for col in view["columns"] for p in col["posts"])


def item_count() -> int:
    """How many moderation items exist (to prove a refusal created nothing)."""
    return len(list(db.session.scalars(select(ModerationItem.id))))
