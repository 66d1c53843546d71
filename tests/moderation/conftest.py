"""A minimal channel so the rule can be tested on its own, without any area's content."""

from __future__ import annotations

from typing import Any

import pytest

from exchange import realtime
from exchange.moderation import services
from exchange.moderation.models import ItemKind, ModerationItem

NOTES: dict[int, dict[str, Any]] = {}


class NoteChannel:
    """Content kept in a dict: title, text and whether it has photos."""

    kind = ItemKind.REFLECTION

    def public_view(self, item: ModerationItem) -> dict[str, Any]:
        return {"text": NOTES[item.id]["text"]}

    def review_view(self, item: ModerationItem) -> dict[str, Any]:
        note = NOTES[item.id]
        title = note.get("title")
        return {"text": note["text"], **({"title": title} if title else {})}

    def streams(self, item: ModerationItem) -> list[str]:
        return [realtime.link_stream(item.link_id)]

    def has_images(self, item: ModerationItem) -> bool:
        return NOTES[item.id].get("photos", False)


@pytest.fixture
def notes(app):
    """Register the note channel for one test, restoring whatever was there before."""
    previous = services._CHANNELS.get(ItemKind.REFLECTION)
    services.register_channel(NoteChannel())
    NOTES.clear()
    yield NOTES
    if previous is not None:
        services.register_channel(previous)
    else:
        services._CHANNELS.pop(ItemKind.REFLECTION, None)


def send_note(
    author, world_link, classroom, text="Hello partner class!", photos=False, title=None, **kw
):
    """Submit a note through the rule and commit. With a title, the scanned and reviewed text is
    "title, blank line, text", as the space's posts do."""
    from exchange.extensions import db

    if title:
        text = f"{title}\n\n{text}"

    def attach(item):
        NOTES[item.id] = {"text": text, "photos": photos, "title": title}

    item = services.submit(
        author,
        services.Submission(
            kind=ItemKind.REFLECTION, classroom_id=classroom.id, link=world_link, text=text, **kw
        ),
        attach,
    )
    db.session.commit()
    return item


class Scene:
    """Moderation records for page, API and authorisation tests, on top of the standard world."""

    def __init__(self, world, notes):
        from tests.factories import make_teacher

        self.world = world
        self.lead = make_teacher(world.class_a, is_dsl=True, display_name="Mrs Dee Lead")
        world.district.watch_words = ["Moorside"]
        self.pending = send_note(world.pupil_a, world.link, world.class_a, text="Call 07700 900123")
        self.plain = send_note(world.pupil_a2, world.link, world.class_a, text="Hello!")
        self.approved = send_note(world.pupil_a, world.link, world.class_a, text="Our school")
        services.approve(world.teacher_a, self.approved.id)
        self.hidden = send_note(world.pupil_a2, world.link, world.class_a, text="Unkind words")
        services.approve(world.teacher_a, self.hidden.id)
        self.report = services.hide_and_report(world.teacher_b, self.hidden.id, "unkind")
        self.concern = services.raise_concern(
            world.teacher_a, "Worried about what Aisha wrote", item_id=self.pending.id
        )


@pytest.fixture
def scene(world, notes):
    """A pending flagged item, a plain one, an approved one, a hidden and reported one, and a
    safeguarding concern raised by teacher A to school A's lead."""
    return Scene(world, notes)


class FreshSocket:
    """A test socket whose events load their own user.

    Every client of one test shares the test's app context, so Flask-Login's user cached in `g`
    by one socket's event would be reused by the next socket's; a real server has one context
    per event. Dropping the cache before each event gives each socket its own user again.
    """

    def __init__(self, sock: Any) -> None:
        self.sock = sock

    def emit(self, *args: Any, **kwargs: Any) -> Any:
        """Emit as this socket's user."""
        from flask import g

        g.pop("_login_user", None)
        return self.sock.emit(*args, **kwargs)

    def get_received(self) -> list[dict[str, Any]]:
        """What the server sent this socket so far."""
        return self.sock.get_received()


@pytest.fixture
def sockets(socket_for):
    """`sockets(actor)` gives a Socket.IO test client that acts as `actor` on every event."""
    from flask import g

    def connect(actor: Any) -> FreshSocket:
        g.pop("_login_user", None)
        return FreshSocket(socket_for(actor))

    return connect
