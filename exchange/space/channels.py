"""The space's two channels under the approval rule: posts and comments (replies included).

They tell the rule what an approved item looks like to everyone who may see it (public_view),
what the approving teacher reviews (review_view), where it appears (the link's stream) and
whether it shows pupils' photos.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from exchange import realtime
from exchange.accounts.models import PHASE_NAMES
from exchange.extensions import db
from exchange.idlists import one_of
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemKind, ItemState, ModerationItem
from exchange.space.models import QUESTIONS, Comment, Post, PostImage

IMAGE_PATH = "/api/v1/images/{id}/{size}"
SNIPPET = 140


def image_url(image_id: int, size: str) -> str:
    """Where a picture is served ("thumb" or "full"); the route checks who is asking."""
    return IMAGE_PATH.format(id=image_id, size=size)


def space_url(link_id: int, anchor: str = "") -> str:
    """The link's space page, optionally at one post or comment."""
    return f"/links/{link_id}/space" + (f"#{anchor}" if anchor else "")


def snippet(text: str, limit: int = SNIPPET) -> str:
    """The start of a text, for lists and announcements."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def post_scan_text(title: str, body: str, description: str = "") -> str:
    """Everything a pupil wrote in a post, as the rule scans it and the teacher reviews it.

    The flags' character spans point into exactly this text, so review_view returns it as is.
    """
    parts = [title, body]
    if description:
        parts.append(f"About the pictures: {description}")
    return "\n\n".join(p for p in parts if p)


def image_alt(post: Post, image: PostImage, position: int, total: int) -> str:
    """A text alternative: the pupil's description if given, else which picture of which post."""
    where = f"picture {position} of {total}" if total > 1 else "picture"
    if post.picture_description:
        return f"{post.picture_description} ({where})"
    return f"{where[0].upper()}{where[1:]} in “{post.title}” by {post.item.author_name}"


def image_views(post: Post) -> list[dict[str, Any]]:
    """The post's pictures with their URLs, sizes and text alternatives."""
    total = len(post.images)
    return [
        {
            "id": image.id,
            "thumb_url": image_url(image.id, "thumb"),
            "full_url": image_url(image.id, "full"),
            "alt": image_alt(post, image, n, total),
            "width": image.width,
            "height": image.height,
            "thumb_width": image.thumb_width,
            "thumb_height": image.thumb_height,
        }
        for n, image in enumerate(post.images, start=1)
    ]


def _author_fields(item: ModerationItem) -> dict[str, Any]:
    """Who wrote an item and from which class."""
    return {
        "author": item.author_name,
        "by_teacher": not item.by_pupil,
        "class_id": item.classroom_id,
        "class_label": item.classroom.label,
    }


# An item's content row never changes, so it is remembered on the loaded item (a plain,
# unmapped attribute): the rule asks a channel several times per decision (has_images,
# public_view, streams), and the approval's latency is what the partner class waits for.
_CONTENT = "_space_content"


def remember_content(item: ModerationItem, content: Post | Comment) -> None:
    """Remember the post or comment just attached to a new item (its announcements read it)."""
    item.__dict__[_CONTENT] = content


# The one query for a decision: the post with its pictures, the comment with what it answers.
_POST_QUERY = select(Post).options(joinedload(Post.images))
_COMMENT_QUERY = select(Comment).options(joinedload(Comment.post), joinedload(Comment.parent))


def post_for_item(item: ModerationItem) -> Post:
    """The post behind a moderation item."""
    post = item.__dict__.get(_CONTENT)
    if not isinstance(post, Post):
        stmt = _POST_QUERY.where(Post.item_id == item.id)
        post = db.session.scalars(stmt).unique().one_or_none()
        if post is None:
            raise LookupError(f"no post for item {item.id}")
        item.__dict__[_CONTENT] = post
    return post


def comment_for_item(item: ModerationItem) -> Comment:
    """The comment behind a moderation item."""
    comment = item.__dict__.get(_CONTENT)
    if not isinstance(comment, Comment):
        comment = db.session.scalar(_COMMENT_QUERY.where(Comment.item_id == item.id))
        if comment is None:
            raise LookupError(f"no comment for item {item.id}")
        item.__dict__[_CONTENT] = comment
    return comment


def load_contents(
    items: Sequence[ModerationItem], *, answered: bool = True
) -> list[ModerationItem]:
    """The posts and comments behind many items in one query per kind (lists show dozens):
    remembered on each item, as post_for_item and comment_for_item do one at a time.

    A comment comes with what it answers (its post and parent comment), as a decision shows
    it; with `answered=False`, with its post alone, for a list that names a comment by its
    post's title. Returns the items of what the comments answer, whose authors and classes the
    caller loads with the listed items' own (`moderation.preload` does)."""
    answers: list[ModerationItem] = []
    for kind, model in ((ItemKind.POST, Post), (ItemKind.COMMENT, Comment)):
        group = {i.id: i for i in items if i.kind == kind and _CONTENT not in i.__dict__}
        if not group:
            continue
        # The items are in hand: not joined again (model.item then comes from the session).
        stmt = select(model).where(one_of(model.item_id, group)).options(lazyload(model.item))
        if model is Post:
            stmt = stmt.options(selectinload(Post.images))
        elif answered:
            # The post in the same statement (one row each); a parent only for replies.
            stmt = stmt.options(joinedload(Comment.post), selectinload(Comment.parent))
        else:
            stmt = stmt.options(joinedload(Comment.post).lazyload(Post.item))
        for content in db.session.scalars(stmt):
            group[content.item_id].__dict__[_CONTENT] = content
        if model is Comment and answered:
            # A comment is shown with what it answers: that post's and comment's authors.
            loaded = [c.__dict__[_CONTENT] for c in group.values() if _CONTENT in c.__dict__]
            answers += [c.post.item for c in loaded]
            answers += [c.parent.item for c in loaded if c.parent]
    return answers


def post_public(post: Post) -> dict[str, Any]:
    """A post as everyone who may see it receives it (never pending data: the rule only
    sends this for approved items)."""
    item = post.item
    return {
        "post_id": post.id,
        "item_id": item.id,
        "link_id": post.link_id,
        "title": post.title,
        "text": post.body,
        "questions": [{"key": k, "label": QUESTIONS[k]} for k in post.questions if k in QUESTIONS],
        "phase": post.phase,
        "phase_name": PHASE_NAMES.get(post.phase) if post.phase else None,
        "images": image_views(post),
        **_author_fields(item),
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "approved_at": item.approved_at.isoformat() if item.approved_at else None,
        "version": item.version,
    }


def comment_public(comment: Comment) -> dict[str, Any]:
    """A comment or reply as everyone who may see it receives it."""
    item = comment.item
    return {
        "comment_id": comment.id,
        "item_id": item.id,
        "post_id": comment.post_id,
        "post_item_id": comment.post.item_id,
        "post_title": comment.post.title,
        "parent_id": comment.parent_id,
        "link_id": comment.link_id,
        "text": comment.body,
        **_author_fields(item),
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "approved_at": item.approved_at.isoformat() if item.approved_at else None,
        "version": item.version,
    }


class PostChannel:
    """Posts in a link's shared space."""

    kind = ItemKind.POST

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """The whole post, pictures included (as URLs that check the viewer)."""
        return post_public(post_for_item(item))

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """Title, the scanned text (title, text and picture description), thumbnails, tags."""
        post = post_for_item(item)
        link = item.link
        partner = link.classroom(link.partner_of(item.classroom_id)) if link else None
        return {
            "title": post.title,
            "text": post_scan_text(post.title, post.body, post.picture_description),
            "body": post.body,
            "images": image_views(post),
            "questions": [QUESTIONS[k] for k in post.questions if k in QUESTIONS],
            "phase_name": PHASE_NAMES.get(post.phase) if post.phase else None,
            "context": f"A post for {partner.label}" if partner else "A post",
            "url": space_url(post.link_id, f"post-{post.id}"),
            "post_id": post.id,
        }

    def streams(self, item: ModerationItem) -> list[str]:
        """Approved posts appear on the link's stream."""
        return [realtime.link_stream(item.link_id)] if item.link_id else []

    def preload(self, items: Sequence[ModerationItem]) -> list[ModerationItem]:
        """The posts of many items at once (a queue or a list shows dozens)."""
        return load_contents(items)

    def has_images(self, item: ModerationItem) -> bool:
        """Posts with pictures need the photo-consent confirmation."""
        return bool(post_for_item(item).images)


class CommentChannel:
    """Comments on posts and replies to comments."""

    kind = ItemKind.COMMENT

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """The comment with the post (and comment) it answers."""
        return comment_public(comment_for_item(item))

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """The comment's text, and what it answers so the teacher can judge it in context."""
        comment = comment_for_item(item)
        post = comment.post
        view: dict[str, Any] = {
            "text": comment.body,
            "title": f"Comment on “{post.title}”",
            "context": (
                f"On “{post.title}” by {post.item.author_name} ({post.item.classroom.label})"
            ),
            "post_title": post.title,
            "post_id": post.id,
            "url": space_url(comment.link_id, f"comment-{comment.id}"),
        }
        if comment.parent is not None:
            view["reply_to"] = {
                "author": comment.parent.item.author_name,
                "text": snippet(comment.parent.body),
            }
        return view

    def streams(self, item: ModerationItem) -> list[str]:
        """The link's stream, but only while what it answers is itself shown.

        A comment on a withdrawn post (or a reply to a withdrawn comment) is not announced:
        nobody but its own class could place it, and the partner class must not receive it.
        """
        comment = comment_for_item(item)
        answered = [comment.post.item] + ([comment.parent.item] if comment.parent else [])
        if any(a.state != ItemState.APPROVED for a in answered):
            return []
        return [realtime.link_stream(comment.link_id)]

    def preload(self, items: Sequence[ModerationItem]) -> list[ModerationItem]:
        """The comments of many items at once, with what they answer."""
        return load_contents(items)

    def has_images(self, item: ModerationItem) -> bool:
        """Comments are text only."""
        return False


POSTS = moderation.register_channel(PostChannel())
COMMENTS = moderation.register_channel(CommentChannel())
