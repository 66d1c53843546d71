"""Comments and replies (one level), sent through the approval rule."""

from __future__ import annotations

from typing import Any

from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemKind, ItemState, ModerationItem
from exchange.space import channels
from exchange.space.models import COMMENT_MAX, Comment
from exchange.space.services.lookup import editable_comment, get_comment, get_post, posting_class
from exchange.space.text import checked
from exchange.types import utcnow


def create_comment(
    author: Any,
    post_id: int,
    text: str,
    *,
    parent_id: int | None = None,
    client_id: str | None = None,
) -> Comment:
    """Comment on a post (or reply to a comment); a pupil's waits for their teacher."""
    post = get_post(author, post_id)
    link = post.item.link
    classroom_id = posting_class(author, link)
    if post.item.state != ItemState.APPROVED:
        raise Conflict("Comments can be added once the post has been approved.")
    parent = None
    if parent_id is not None:
        parent = get_comment(author, parent_id)
        if parent.post_id != post.id:
            raise Invalid("That comment belongs to another post.", field="parent_id")
        if parent.parent is not None:  # one level of threading: answer the thread's start
            parent = parent.parent
        if parent.item.state != ItemState.APPROVED:
            raise Conflict("Replies can be added once the comment has been approved.")
    earlier = moderation.existing_for_client_id(author, client_id)
    if earlier is not None and earlier.kind == ItemKind.COMMENT:
        return channels.comment_for_item(earlier)
    body = checked(text, field="text", label="a comment", limit=COMMENT_MAX, required=True)
    comment = Comment(post=post, parent=parent, link_id=link.id, body=body)

    def attach(item: ModerationItem) -> None:
        comment.item = item
        db.session.add(comment)
        channels.remember_content(item, comment)

    moderation.submit(
        author,
        moderation.Submission(
            kind=ItemKind.COMMENT,
            classroom_id=classroom_id,
            link=link,
            text=body,
            client_id=client_id,
        ),
        attach,
    )
    db.session.commit()
    return comment


def edit_comment(author: Any, comment_id: int, text: str) -> Comment:
    """Change one's own comment and send it again (back to the teacher for a pupil)."""
    comment = editable_comment(author, comment_id)
    body = checked(text, field="text", label="a comment", limit=COMMENT_MAX, required=True)
    if body == comment.body and comment.item.state != ItemState.RETURNED:
        return comment
    comment.body = body
    comment.edited_at = utcnow()
    db.session.flush()
    moderation.resubmit(author, comment.item, body)
    db.session.commit()
    return comment
