"""Live-session fixtures: sessions at any moment of their life, a post channel for the stage,
signals sent at once (no debounce) so tests see them straight away."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from flask import g

from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ModerationItem
from exchange.rooms.live.models import LiveSegment, LiveSession, SegmentKind, SessionStatus
from exchange.types import utcnow

_n = itertools.count(1)
STAGE_POSTS: dict[int, dict[str, Any]] = {}


def forget_signed_in_user() -> None:
    """The app fixture's app context is shared by every request and socket of a test, and
    Flask-Login caches the user on `g`: forget it so each request loads its own user."""
    g.pop("_login_user", None)


@pytest.fixture(autouse=True)
def immediate_signals(app):
    """Presence and counters are announced at once, not debounced; each request loads its user."""
    app.config["PRESENCE_DEBOUNCE"] = 0
    app.config["LIVE_SIGNAL_COALESCE"] = 0
    app.before_request_funcs.setdefault(None, []).insert(0, forget_signed_in_user)
    yield


@pytest.fixture
def live_socket(socket_for):
    """`live_socket(actor)`: a Socket.IO test client connected as that account."""

    def connect(actor: Any) -> Any:
        forget_signed_in_user()
        return socket_for(actor)

    return connect


def make_session(
    world: Any,
    *,
    starts_in: timedelta = timedelta(minutes=-5),
    minutes: int = 60,
    status: SessionStatus = SessionStatus.CONFIRMED,
    link: Any = None,
    title: str = "Our linking day",
) -> LiveSession:
    """A session of the world's link (live now by default), committed."""
    now = utcnow()
    link = link or world.link
    confirmed = status != SessionStatus.PROPOSED
    session = LiveSession(
        link=link,
        title=title,
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(minutes=minutes),
        status=status,
        proposed_by_id=world.teacher_a.id,
        proposed_by_class_id=link.class_a_id,
        confirmed_by_id=world.teacher_b.id if confirmed else None,
        confirmed_at=now if confirmed else None,
        calendar_uid=f"live-test-{next(_n)}@linking-exchange",
    )
    for position, (kind, name) in enumerate(
        [
            (SegmentKind.WELCOME, "Welcome"),
            (SegmentKind.GAME, "Warm-up game"),
            (SegmentKind.GOODBYE, "Goodbye"),
        ]  # fmt: skip
    ):
        session.segments.append(LiveSegment(position=position, kind=kind, title=name))
    db.session.add(session)
    db.session.commit()
    return session


class StagePostChannel:
    """A stand-in for the space area's posts, so the stage can be tested on its own."""

    kind = ItemKind.POST

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        return {"title": STAGE_POSTS[item.id]["title"], "text": STAGE_POSTS[item.id]["text"],
                "author": item.author_name}  # fmt: skip

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        return {"text": STAGE_POSTS[item.id]["text"], "title": STAGE_POSTS[item.id]["title"]}

    def streams(self, item: ModerationItem) -> list[str]:
        from exchange import realtime

        return [realtime.link_stream(item.link_id)]

    def has_images(self, item: ModerationItem) -> bool:
        return False


@pytest.fixture
def stage_posts(app):
    """Register the stand-in post channel for one test, restoring the real one afterwards."""
    previous = rule._CHANNELS.get(ItemKind.POST)
    rule.register_channel(StagePostChannel())
    STAGE_POSTS.clear()
    yield STAGE_POSTS
    if previous is not None:
        rule.register_channel(previous)
    else:
        rule._CHANNELS.pop(ItemKind.POST, None)


def make_post(author: Any, link: Any, classroom: Any, title: str = "Our school garden",
              text: str = "We grow beans.") -> ModerationItem:  # fmt: skip
    """A post through the rule (stage_posts must be active); committed."""

    def attach(item: ModerationItem) -> None:
        STAGE_POSTS[item.id] = {"title": title, "text": text}

    item = rule.submit(
        author,
        rule.Submission(kind=ItemKind.POST, classroom_id=classroom.id, link=link, text=text),
        attach,
    )
    db.session.commit()
    return item


def acked(sock: Any, event: str, payload: Any = None) -> dict[str, Any]:
    """Send a command from a test socket and return its acknowledgement."""
    forget_signed_in_user()
    return sock.emit(event, payload, callback=True)


def received(sock: Any, name: str | None = None) -> list[dict[str, Any]]:
    """The events a test socket received since the last call (optionally of one name)."""
    out = []
    for packet in sock.get_received():
        if name is None or packet["name"] == name:
            out.append(packet["args"][0] if packet["args"] else None)
    return out
