"""Live chat under the approval rule: a pupil's message waits in their own teacher's live queue;
approved messages reach both classes' screens, in the order of their approval on the session's
stream; teachers' messages go straight through.

The database is the record: a message is acknowledged only once committed, a retried send
(same client message id) is stored once, and an approval is one transaction whose events are
emitted after the commit (exchange.realtime).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from exchange import authz, realtime
from exchange.accounts.models import Classroom
from exchange.errors import Conflict, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ItemState, ModerationItem
from exchange.realtime import StreamEvent
from exchange.rooms.live import faults, limits, timing
from exchange.rooms.live.models import LiveMessage, LiveSession
from exchange.rooms.live.services.common import (
    ChatPaused,
    class_in_session,
    member_session,
    require_live,
    teacher_session,
)

MESSAGE_MAX = 280
_SPACES = re.compile(r"[ \t]+")


def _message_of(item: ModerationItem) -> LiveMessage:
    """The chat row of an item (cached on the item for the rest of the request)."""
    cached = getattr(item, "_live_message", None)
    if cached is None:
        cached = db.session.scalars(select(LiveMessage).where(LiveMessage.item_id == item.id)).one()
        item._live_message = cached  # type: ignore[attr-defined]
    return cached


class ChatChannel:
    """Tells the approval rule how live chat looks and where it appears."""

    kind = ItemKind.CHAT

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        """What both classes' screens show."""
        message = _message_of(item)
        return {
            "session_id": message.session_id,
            "text": message.text,
            "author": item.author_name,
            "by_teacher": not item.by_pupil,
            "class_id": item.classroom_id,
            "class_label": item.classroom.label,
            "sent_at": item.submitted_at.isoformat(),
        }

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        """What the approving teacher sees in the live queue (and the moderation queue)."""
        message = _message_of(item)
        session = message.session
        return {
            "text": message.text,
            "title": f"Live chat: {session.title}",
            "context": f"Sent during “{session.title}”, {timing.london_label(session.starts_at)}",
            "session_id": session.id,
        }

    def streams(self, item: ModerationItem) -> list[str]:
        """Approved chat appears on the session's shared screen."""
        return [realtime.live_stream(_message_of(item).session_id)]

    def has_images(self, item: ModerationItem) -> bool:
        """Chat is text only."""
        return False


CHANNEL = ChatChannel()
rule.register_channel(CHANNEL)


def clean_text(text: Any) -> str:
    """Trim a message; refuse empty and over-long ones."""
    if not isinstance(text, str):
        raise Invalid("Please write a message.", field="text")
    text = _SPACES.sub(" ", text.replace("\r\n", "\n")).strip()
    if not text:
        raise Invalid("Please write something before sending.", field="text")
    if len(text) > MESSAGE_MAX:
        raise Invalid(
            f"Messages can be at most {MESSAGE_MAX} characters (this one has {len(text)}).",
            field="text",
        )
    return text


def _earlier(actor: Any, client_id: str | None) -> LiveMessage | None:
    """The actor's message already stored under this client message id, if any."""
    if not client_id:
        return None
    item = rule.existing_for_client_id(actor, client_id)
    if item is not None:
        if item.kind != ItemKind.CHAT:
            raise Conflict("That message id was already used for something else.")
        return _message_of(item)
    return db.session.scalars(
        select(LiveMessage).where(
            LiveMessage.author_key == actor.actor_key, LiveMessage.client_id == client_id
        )
    ).first()


def ack_view(item: ModerationItem) -> dict[str, Any]:
    """The acknowledgement of a stored message: its id and where it is in the rule."""
    message = _message_of(item)
    return {
        "item_id": item.id,
        "client_id": message.client_id,
        "state": item.state.value,
        "stage": item.stage.value if item.stage else None,
        "text": message.text,
    }


def send_message(
    actor: Any, session_id: int, text: Any, client_id: str | None = None
) -> dict[str, Any]:
    """Store a chat message (pending for a pupil, approved for a teacher); committed on return."""
    session = member_session(actor, session_id)
    earlier = _earlier(actor, client_id)
    if earlier is not None:
        if earlier.session_id != session.id:
            raise Conflict("That message id was already used in another session.")
        return {**ack_view(earlier.item), "repeated": True}
    text = clean_text(text)
    require_live(session, "send messages")
    if authz.is_pupil(actor):
        if session.chat_paused:
            raise ChatPaused("Your teacher has paused the chat for a moment.")
        limits.check(limits.CHAT, actor.actor_key)
    classroom_id = class_in_session(actor, session)
    assert classroom_id is not None  # member_session checked membership
    submission = rule.Submission(
        kind=ItemKind.CHAT,
        classroom_id=classroom_id,
        link=session.link,
        text=text,
        client_id=client_id,
    )
    try:
        item = rule.submit(
            actor, submission, attach=lambda item: _attach(item, session, actor, client_id, text)
        )
        faults.crash_point("before_store")
        db.session.commit()
    except IntegrityError:
        # The same send arrived twice at once (two processes): the first one stored it.
        db.session.rollback()
        earlier = _earlier(actor, client_id)
        if earlier is None:
            raise
        return {**ack_view(earlier.item), "repeated": True}
    faults.crash_point("after_store_before_ack")
    return ack_view(item)


def _attach(
    item: ModerationItem, session: LiveSession, actor: Any, client_id: str | None, text: str
) -> None:
    """Add the chat row to the rule's item (and cache it on the item)."""
    message = LiveMessage(
        item=item, session_id=session.id, author_key=actor.actor_key, client_id=client_id, text=text
    )
    db.session.add(message)
    item._live_message = message  # type: ignore[attr-defined]


def _deciding(actor: Any, session_id: int, item_id: int) -> LiveSession:
    """The session a teacher decides one of its messages in, with the message loaded in the
    same query as everything the rule and the channel read while deciding it (the session and
    its link, the item, its author, class and school): on PostgreSQL an approval makes one round
    trip fewer than loading the session first, on the path from the teacher's key press to both
    classes' screens.

    Who may decide is checked as before, and before anything is said about the message: the
    live session found with the message is then in the database session's identity map, so
    checking it asks nothing more; without the message, the live session is looked up as
    usual, and only a teacher who runs it learns that the message is not in it.
    """
    item_path = joinedload(LiveMessage.item)
    message = db.session.scalars(
        select(LiveMessage)
        .options(
            joinedload(LiveMessage.session).joinedload(LiveSession.link),
            item_path.joinedload(ModerationItem.author_pupil),
            item_path.joinedload(ModerationItem.classroom).joinedload(Classroom.school),
        )
        .where(LiveMessage.item_id == item_id, LiveMessage.session_id == session_id)
    ).first()
    session = teacher_session(actor, session_id)
    if message is None:
        raise NotFound("That message is not in this session.")
    message.item._live_message = message  # type: ignore[attr-defined]
    return session


def approve_message(actor: Any, session_id: int, item_id: int) -> dict[str, Any]:
    """A teacher approves a chat message from the live queue (one transaction, then emitted)."""
    session = _deciding(actor, session_id, item_id)
    require_live(session, "approve messages")
    item = rule.approve(actor, item_id)
    return {"item_id": item.id, "state": item.state.value,
            "stage": item.stage.value if item.stage else None}  # fmt: skip


def return_message(actor: Any, session_id: int, item_id: int, feedback: str) -> dict[str, Any]:
    """A teacher sends a message back to its pupil with a word of feedback."""
    _deciding(actor, session_id, item_id)
    item = rule.return_item(actor, item_id, feedback)
    return {"item_id": item.id, "state": item.state.value, "feedback": item.feedback}


def approval_order(session_id: int) -> dict[int, int]:
    """Item id -> the sequence number of its (latest) approval on the session's stream."""
    rows = db.session.execute(
        select(StreamEvent.item_id, StreamEvent.seq)
        .where(
            StreamEvent.stream == realtime.live_stream(session_id),
            StreamEvent.kind == "item_approved",
        )
        .order_by(StreamEvent.seq)  # a restored item was approved again: its latest seq wins
    )
    return {int(item_id): seq for item_id, seq in rows if item_id is not None}


def approved_messages(actor: Any, session: LiveSession) -> list[dict[str, Any]]:
    """Approved chat this user may see, in the order everyone sees it."""
    rows = db.session.execute(
        select(LiveMessage, ModerationItem)
        .join(ModerationItem, ModerationItem.id == LiveMessage.item_id)
        .where(
            LiveMessage.session_id == session.id,
            ModerationItem.state == ItemState.APPROVED,
            rule.visible_in_link(actor, session.link),
        )
    ).all()
    order = approval_order(session.id)
    out = []
    for message, item in rows:
        item._live_message = message  # type: ignore[attr-defined]
        view = CHANNEL.public_view(item)
        out.append({"item_id": item.id, "seq": order.get(item.id, 0), **view})
    return sorted(out, key=lambda m: (m["seq"], m["item_id"]))


def own_messages(actor: Any, session: LiveSession) -> list[dict[str, Any]]:
    """A pupil's messages still waiting or returned with feedback."""
    if not authz.is_pupil(actor):
        return []
    items = db.session.scalars(
        select(ModerationItem)
        .join(LiveMessage, LiveMessage.item_id == ModerationItem.id)
        .where(
            LiveMessage.session_id == session.id,
            ModerationItem.author_pupil_id == actor.id,
            ModerationItem.state.in_([ItemState.PENDING, ItemState.RETURNED]),
            rule.visible_in_link(actor, session.link),
        )
        .order_by(ModerationItem.submitted_at, ModerationItem.id)
    )
    return [{**ack_view(item), "feedback": item.feedback} for item in items]


def live_queue(actor: Any, session: LiveSession) -> list[dict[str, Any]]:
    """Chat messages of this session waiting for this teacher's decision, oldest first."""
    items = db.session.scalars(
        select(ModerationItem)
        .join(LiveMessage, LiveMessage.item_id == ModerationItem.id)
        .where(and_(LiveMessage.session_id == session.id, rule.queue_clause(actor)))
        .order_by(ModerationItem.submitted_at, ModerationItem.id)
    )
    return [rule.review_entry(item) for item in items]
