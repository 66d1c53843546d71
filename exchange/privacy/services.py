"""Children's data: a teacher exports their class's content and deletes a pupil completely."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from flask import render_template
from sqlalchemy import select

from exchange import authz
from exchange.accounts.models import Classroom, Pupil
from exchange.errors import Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation.models import ModerationItem
from exchange.moderation.services import channel_for
from exchange.privacy import retention
from exchange.types import utcnow


def delete_pupil(teacher: Any, pupil_id: int, confirm_name: str) -> retention.PurgeResult:
    """Delete a pupil with everything they wrote, files included; the teacher types the name."""
    pupil = db.session.get(Pupil, pupil_id)
    if pupil is None or not authz.teaches(teacher, pupil.classroom_id):
        raise NotFound("That pupil is not in your class.")
    if (confirm_name or "").strip() != pupil.display_name:
        raise Invalid(
            f"To delete, type the pupil's name exactly as shown: {pupil.display_name}",
            field="confirm_name",
        )
    return retention.delete_pupil_everywhere(pupil)


def class_items(classroom_id: int) -> list[ModerationItem]:
    """Everything written in a class, oldest first."""
    stmt = (
        select(ModerationItem)
        .where(ModerationItem.classroom_id == classroom_id)
        .order_by(ModerationItem.created_at, ModerationItem.id)
    )
    return list(db.session.scalars(stmt))


def export_class(teacher: Any, classroom_id: int) -> tuple[str, bytes]:
    """A zip of the class's content: index.html to read, content.json, and the pictures."""
    classroom = db.session.get(Classroom, classroom_id)
    if classroom is None:
        raise NotFound("That class does not exist.")
    if not authz.teaches(teacher, classroom_id):
        raise Forbidden("Only the class's teachers can export its content.")
    entries = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in class_items(classroom_id):
            entry = _entry(item)
            closure = retention.collect("moderation_item", {item.id})
            pictures = []
            for n, key in enumerate(retention.file_keys(closure), start=1):
                data = _read(key)
                if data is not None:
                    name = f"pictures/item-{item.id}-{n}.{_extension(data)}"
                    archive.writestr(name, data)
                    pictures.append(name)
            entry["pictures"] = pictures
            entries.append(entry)
        document = {
            "class": classroom.label,
            "exported_at": utcnow().isoformat(),
            "exported_by": teacher.display_name,
            "pupils": [
                {
                    "display_name": p.display_name,
                    "consent_photo": p.consent_photo,
                    "consent_work": p.consent_work,
                }
                for p in classroom.pupils
            ],
            "items": entries,
        }
        archive.writestr("content.json", json.dumps(document, indent=2, default=str))
        archive.writestr("index.html", render_template("privacy/export.html", doc=document))
    stamp = utcnow().strftime("%Y-%m-%d")
    return f"class-{classroom.code}-{stamp}.zip", buffer.getvalue()


def _entry(item: ModerationItem) -> dict[str, Any]:
    try:
        view = channel_for(item).review_view(item)
    except LookupError:
        view = {}
    return {
        "id": item.id,
        "kind": item.kind.value,
        "state": item.state.value,
        "author": item.author_name,
        "created_at": item.created_at.isoformat(),
        "approved_at": item.approved_at.isoformat() if item.approved_at else None,
        "feedback": item.feedback,
        "title": view.get("title"),
        "text": view.get("text", ""),
    }


def _extension(data: bytes) -> str:
    """Stored pictures are re-encoded JPEG or PNG."""
    return "png" if data.startswith(b"\x89PNG") else "jpg"


def _read(key: str) -> bytes | None:
    from exchange.space.storage import get_storage

    try:
        with get_storage().open(key) as handle:
            return handle.read()
    except (FileNotFoundError, ValueError):
        return None
