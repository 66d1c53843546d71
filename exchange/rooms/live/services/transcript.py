"""The transcript of a session: approved messages and stage moments, in the order everyone saw
them (the session stream's sequence numbers), for the two teachers to read and export."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from exchange import realtime
from exchange.authz import rooms as rules
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.moderation.models import ItemState, ModerationItem
from exchange.realtime import StreamEvent
from exchange.rooms.live import timing
from exchange.rooms.live.models import LiveMessage, LiveSession
from exchange.rooms.live.services.common import get_session, segment_view, session_view

MOMENTS = ("stage_changed", "segment_changed", "chat_paused", "session_ended")


def readable(actor: Any, session_id: int) -> LiveSession:
    """A session whose transcript this user may read (its two classes' teachers)."""
    session = get_session(session_id)
    if not rules.can_read_transcript(actor, session):
        raise NotFound("There is no transcript like that for you.")
    return session


def entries(session: LiveSession) -> list[dict[str, Any]]:
    """The transcript's lines: messages still approved, and the stage moments, in order."""
    events = list(
        db.session.scalars(
            select(StreamEvent)
            .where(StreamEvent.stream == realtime.live_stream(session.id))
            .order_by(StreamEvent.seq)
        )
    )
    messages = {
        m.item_id: (m, item)
        for m, item in db.session.execute(
            select(LiveMessage, ModerationItem)
            .join(ModerationItem, ModerationItem.id == LiveMessage.item_id)
            .where(LiveMessage.session_id == session.id)
        )
    }
    latest_approval = {}
    for event in events:
        if event.kind == "item_approved":
            latest_approval[event.payload.get("item_id")] = event.seq
    lines = []
    for event in events:
        at = timing.in_london(event.created_at).strftime("%H:%M:%S")
        if event.kind == "item_approved":
            found = messages.get(event.payload.get("item_id"))
            if found is None or latest_approval.get(found[1].id) != event.seq:
                continue
            message, item = found
            if item.state != ItemState.APPROVED:
                continue  # withdrawn or hidden since: not part of the record pupils saw
            lines.append({"seq": event.seq, "at": at, "type": "message",
                          "who": item.author_name, "class_label": item.classroom.label,
                          "by_teacher": not item.by_pupil, "text": message.text})  # fmt: skip
        elif event.kind in MOMENTS:
            lines.append({"seq": event.seq, "at": at, "type": "moment",
                          "who": event.payload.get("by", ""), "class_label": "",
                          "by_teacher": True, "text": _moment_text(event)})  # fmt: skip
    return lines


def _moment_text(event: StreamEvent) -> str:
    """A stage moment in words."""
    payload = event.payload
    if event.kind == "stage_changed":
        stage = payload.get("stage")
        if not stage:
            return "Cleared the stage"
        view = stage.get("view") or {}
        what = view.get("title") or view.get("text") or ""
        return f"On the stage ({stage.get('kind_label', 'item')}): {what}".strip()
    if event.kind == "segment_changed":
        return f"Agenda: {payload.get('title')}"
    if event.kind == "chat_paused":
        return "Paused pupils' chat" if payload.get("paused") else "Resumed pupils' chat"
    return "Ended the session"


def transcript(actor: Any, session_id: int) -> dict[str, Any]:
    """The session with its transcript lines."""
    session = readable(actor, session_id)
    return {
        "session": session_view(actor, session),
        "agenda": [segment_view(s) for s in session.segments],
        "entries": entries(session),
    }


def as_text(data: dict[str, Any]) -> str:
    """A plain-text export a teacher can keep or print."""
    s = data["session"]
    head = [
        f"Live session: {s['title']}",
        f"{s['when']} to {s['until']} ({s['zone']})",
        "Classes: " + " and ".join(c["label"] for c in s["classes"]),
        "Agenda: " + "; ".join(seg["title"] for seg in data["agenda"]),
        "",
    ]
    body = []
    for line in data["entries"]:
        if line["type"] == "message":
            body.append(f"[{line['at']}] {line['who']} ({line['class_label']}): {line['text']}")
        else:
            body.append(f"[{line['at']}] -- {line['text']} ({line['who']})")
    if not body:
        body.append("No messages were shared.")
    return "\n".join(head + body) + "\n"


def as_csv(data: dict[str, Any]) -> str:
    """A spreadsheet export: one row per line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order", "time (UK)", "type", "who", "class", "text"])
    for line in data["entries"]:
        writer.writerow(
            [
                line["seq"],
                line["at"],
                line["type"],
                line["who"],
                line["class_label"],
                _safe_cell(line["text"]),
            ]  # fmt: skip
        )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
