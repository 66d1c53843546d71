"""The private channel between a live session's two teachers (`live:<id>:teachers`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import authz, realtime
from exchange.errors import Forbidden, Invalid
from exchange.extensions import db
from exchange.rooms.live.models import LiveSession, LiveTeacherNote
from exchange.rooms.live.services.common import (
    NotLive,
    class_in_session,
    phase,
    teacher_session,
)
from exchange.rooms.live.timing import Phase

NOTE_MAX = 1000


# ----- the teachers' private channel --------------------------------------------------------


def note_view(note: LiveTeacherNote, session: LiveSession) -> dict[str, Any]:
    """One private message between the teachers."""
    class_id = class_in_session(note.author, session)
    return {
        "note_id": note.id,
        "text": note.text,
        "author": note.author.display_name,
        "class_label": session.link.classroom(class_id).label if class_id else "",
        "sent_at": note.created_at.isoformat(),
        "client_id": note.client_id,
    }


def teacher_notes(actor: Any, session: LiveSession) -> list[dict[str, Any]]:
    """The private channel so far (teachers only)."""
    if not authz.teaches_in_link(actor, session.link):
        raise Forbidden("The teachers' channel is for the two classes' teachers.")
    notes = db.session.scalars(
        select(LiveTeacherNote)
        .where(LiveTeacherNote.session_id == session.id)
        .order_by(LiveTeacherNote.id)
    )
    return [note_view(n, session) for n in notes]


def send_teacher_note(
    actor: Any, session_id: int, text: Any, client_id: str | None = None
) -> dict[str, Any]:
    """A teacher writes to the partner teacher, from the lobby until the end."""
    session = teacher_session(actor, session_id)
    if client_id:
        earlier = db.session.scalars(
            select(LiveTeacherNote).where(
                LiveTeacherNote.session_id == session.id,
                LiveTeacherNote.author_id == actor.id,
                LiveTeacherNote.client_id == client_id,
            )
        ).first()
        if earlier is not None:
            return {**note_view(earlier, session), "repeated": True}
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise Invalid("Please write something before sending.", field="text")
    if len(text) > NOTE_MAX:
        raise Invalid(f"Messages can be at most {NOTE_MAX} characters.", field="text")
    if phase(session) not in (Phase.LOBBY, Phase.LIVE):
        raise NotLive("The teachers' channel is open from the lobby until the session ends.")
    note = LiveTeacherNote(session_id=session.id, author=actor, client_id=client_id, text=text)
    db.session.add(note)
    db.session.flush()
    view = note_view(note, session)
    realtime.publish(
        realtime.live_teachers_stream(session.id), "teacher_message", view, link_id=session.link_id
    )
    db.session.commit()
    return view
