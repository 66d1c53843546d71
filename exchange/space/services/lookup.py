"""Finding posts, comments and links for a user: what they may see (the rule decides) and
what they may change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import authz
from exchange.accounts.models import Link
from exchange.errors import Conflict, Forbidden, NotFound
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemKind, ModerationItem
from exchange.space.models import Comment, Post


def get_link(actor: Any, link_id: int) -> Link:
    """A link whose space this user may open, or NotFound. Its two classes (and their
    schools) come in the same statement: every card names its class."""
    link = db.session.get(Link, link_id, options=moderation.LINK_WITH_CLASSES)
    if link is None or not authz.space.can_view_space(actor, link):
        raise NotFound("That shared space does not exist.")
    return link


def can_see_post(actor: Any, post: Post) -> bool:
    """The rule's answer for the post's item."""
    return moderation.can_view_item(actor, post.item)


def can_see_comment(actor: Any, comment: Comment) -> bool:
    """A comment is seen only with the post (and comment) it answers."""
    chain = [comment.item, comment.post.item] + ([comment.parent.item] if comment.parent else [])
    return all(moderation.can_view_item(actor, item) for item in chain)


def get_post(actor: Any, post_id: int) -> Post:
    """A post this user may see, or NotFound (never Forbidden: that would say it exists)."""
    post = db.session.get(Post, post_id)
    if post is not None:
        moderation.attach_links([post.item])  # the card names both classes
    if post is None or not can_see_post(actor, post):
        raise NotFound("That post does not exist.")
    return post


def get_comment(actor: Any, comment_id: int) -> Comment:
    """A comment this user may see, or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is not None:
        moderation.attach_links([comment.item])  # the card names both classes
    if comment is None or not can_see_comment(actor, comment):
        raise NotFound("That comment does not exist.")
    return comment


def get_space_item(actor: Any, item_id: int) -> tuple[ModerationItem, Post | Comment]:
    """A post's or comment's item this user may see, with its content row."""
    item = db.session.get(ModerationItem, item_id)
    if item is not None and item.kind == ItemKind.POST:
        post = db.session.scalar(select(Post).where(Post.item_id == item_id))
        if post is not None and can_see_post(actor, post):
            return item, post
    if item is not None and item.kind == ItemKind.COMMENT:
        comment = db.session.scalar(select(Comment).where(Comment.item_id == item_id))
        if comment is not None and can_see_comment(actor, comment):
            return item, comment
    raise NotFound("That post or comment does not exist.")


def posting_class(actor: Any, link: Link) -> int:
    """The class this user shares from, or the reason they cannot."""
    classroom_id = authz.space.posting_class(actor, link)
    if classroom_id is not None:
        return classroom_id
    if not link.is_active:
        raise Conflict("This link is not active, so nothing can be shared in it.")
    raise Forbidden("Only the pupils and teachers of the two classes can share here.")


def editable_post(author: Any, post_id: int) -> Post:
    """One's own post, to change it (Forbidden for others who can see it)."""
    post = get_post(author, post_id)
    require_editable(author, post.item, "post")
    return post


def editable_comment(author: Any, comment_id: int) -> Comment:
    """One's own comment, to change it."""
    comment = get_comment(author, comment_id)
    require_editable(author, comment.item, "comment")
    return comment


def require_editable(author: Any, item: ModerationItem, what: str) -> None:
    """Only the author changes an item, and not once a teacher has hidden it."""
    if not authz.space.is_author(author, item):
        raise Forbidden(f"Only the person who wrote this {what} can change it.")
    if not authz.space.can_edit(author, item):
        raise Conflict(f"A teacher hid this {what}, so it cannot be changed.")
