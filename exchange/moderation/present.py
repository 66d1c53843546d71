"""How moderation records are put into words for pages and the API (the same facts for both)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from exchange import authz
from exchange.accounts.models import Pupil
from exchange.authz import moderation as may
from exchange.extensions import db
from exchange.moderation import flags as flag_detector
from exchange.moderation import services
from exchange.moderation.models import (
    AuditEntry,
    ItemState,
    ModerationItem,
    Report,
    SafeguardingConcern,
    Stage,
)

LONDON = ZoneInfo("Europe/London")
STATE_LABELS = {
    "pending": "Waiting for approval",
    "returned": "Returned to the pupil",
    "approved": "Shared",
    "withdrawn": "Withdrawn",
    "hidden": "Hidden and reported",
    "removed": "Removed by the facilitator",
}
KIND_LABELS = {
    "post": "post",
    "comment": "comment",
    "concept": "P4C concept",
    "question": "P4C question",
    "clarification": "P4C clarification",
    "contribution": "P4C contribution",
    "last_words": "last words",
    "reflection": "reflection",
    "chat": "live chat message",
    "shoutout": "shout-out",
    "showcase": "celebration showcase",
}
ACTION_LABELS = {
    "created": "Sent",
    "flagged": "Flagged",
    "approved": "Approved",
    "returned": "Returned with feedback",
    "edited": "Edited and sent again",
    "withdrawn": "Withdrawn",
    "hidden": "Hidden",
    "reported": "Reported to the facilitator",
    "decided": "Report decided",
    "watch_word_added": "Watch-list word added",
    "watch_word_removed": "Watch-list word removed",
}
STAGE_LABELS = {
    Stage.OWN_TEACHER.value: "waiting for the pupil's teacher",
    Stage.PARTNER_TEACHER.value: "waiting for the receiving teacher",
    Stage.FACILITATOR.value: "waiting for the facilitator",
}


def when(moment: datetime | str | None) -> str:
    """A moment as London wall-clock time, the way people read it: '3 Mar 2026, 14:05'."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y, %H:%M}"


def iso(moment: datetime | None) -> str | None:
    """A moment for the API (ISO 8601, UTC)."""
    return moment.isoformat() if moment else None


def kind_label(kind: str | None) -> str:
    """An item kind in words."""
    return KIND_LABELS.get(kind or "", (kind or "item").replace("_", " "))


def entry_for(item: ModerationItem, viewer: Any) -> dict[str, Any]:
    """An item as the moderation pages and API show it: the rule's review entry plus what this
    viewer may do and needs to know (classmates without photo consent, at the sender's stage)."""
    try:
        entry = services.review_entry(item)
    except LookupError:
        # A kind whose channel is not installed: show what the rule knows, never crash the queue.
        entry = {
            "id": item.id,
            "kind": item.kind.value,
            "state": item.state.value,
            "stage": item.stage.value if item.stage else None,
            "author": item.author_name,
            "class_label": item.classroom.label,
            "classroom_id": item.classroom_id,
            "link_id": item.link_id,
            "version": item.version,
            "submitted_at": item.submitted_at.isoformat(),
            "flags": item.flags,
            "highlighted": [],
            "text": "",
            "has_images": False,
            "consent_work": True,
            "needs_photo_confirmation": False,
            "bulk_ok": False,
            "unavailable": True,
        }
    _display_text(entry)
    entry["state"] = item.state.value
    entry["state_label"] = STATE_LABELS[item.state.value]
    entry["kind_label"] = kind_label(entry["kind"])
    entry["stage_label"] = STAGE_LABELS.get(entry.get("stage") or "", "")
    entry["when"] = when(item.submitted_at)
    entry["can_decide"] = services.can_decide(viewer, item)
    entry["can_raise_concern"] = may.can_raise_concern(viewer)
    entry["no_photo_consent"] = (
        _without_photo_consent(item) if entry.get("needs_photo_confirmation") else []
    )
    return entry


def _display_text(entry: dict[str, Any]) -> None:
    """Channels may scan the title as part of the text ("Title\n\nBody"); the title is shown as
    its own heading, so it is not repeated above the body. Flags are found again in what is
    shown (highlight looks each flag's words up when its offset no longer fits)."""
    title, text = entry.get("title"), entry.get("text") or ""
    prefix = f"{title}\n\n" if title else None
    if prefix and text.startswith(prefix):
        shown = text[len(prefix) :]
        moved = [
            {**f, "start": int(f["start"]) - len(prefix), "end": int(f["end"]) - len(prefix)}
            for f in entry.get("flags") or []
        ]
        entry["highlighted"] = flag_detector.highlight(shown, moved)


def _without_photo_consent(item: ModerationItem) -> list[str]:
    """Names of the author's classmates whose families have not agreed to photos."""
    pupils = db.session.scalars(
        select(Pupil)
        .where(
            Pupil.classroom_id == item.classroom_id,
            Pupil.active.is_(True),
            Pupil.consent_photo.is_(False),
        )
        .order_by(Pupil.display_name)
    )
    return [p.display_name for p in pupils]


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """One audit log line in words (pages) and plain values (API)."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "when": when(entry.at),
        "actor": entry.actor_name,
        "who": entry.actor_name,
        "action": entry.action,
        "action_label": ACTION_LABELS.get(entry.action, entry.action.replace("_", " ")),
        "kind": entry.kind,
        "what": kind_label(entry.kind) if entry.kind else "watch list",
        "item_id": entry.item_id,
        "link_id": entry.link_id,
        "classroom_id": entry.classroom_id,
        "reason": entry.reason,
        "shared": entry.shared,
    }


def report_row(report: Report, viewer: Any, *, with_item: bool = True) -> dict[str, Any]:
    """A report in words, with the hidden item's review entry when asked."""
    item = report.item
    if item.link is not None:
        between = f"{item.link.class_a.label} and {item.link.class_b.label}"
    else:
        between = item.classroom.label
    return {
        "id": report.id,
        "item_id": report.item_id,
        "reason": report.reason,
        "reported_by": report.reported_by.display_name,
        "created_at": report.created_at.isoformat(),
        "when": when(report.created_at),
        "status": report.status.value,
        "decided_by": report.decided_by.display_name if report.decided_by else None,
        "decided_at": iso(report.decided_at),
        "decided_when": when(report.decided_at),
        "note": report.decision_note,
        "item": entry_for(item, viewer) if with_item else None,
        "between": between,
    }


def concern_row(concern: SafeguardingConcern) -> dict[str, Any]:
    """A concern in words; what it is about comes from the snapshot taken when it was raised."""
    snapshot = concern.snapshot or {}
    item = snapshot.get("item")
    pupil = snapshot.get("pupil")
    parts = []
    if item:
        parts.append(f"{item['author']}'s {kind_label(item['kind'])} ({item['class_label']})")
    if pupil:
        parts.append(f"{pupil['name']} ({pupil['class_label']})")
    return {
        "id": concern.id,
        "about": "; ".join(parts) or "Not recorded",
        "item": item,
        "item_kind_label": kind_label(item["kind"]) if item else None,
        "pupil": pupil,
        "details": concern.details,
        "raised_by": concern.raised_by.display_name,
        "created_at": concern.created_at.isoformat(),
        "when": when(concern.created_at),
        "status": concern.status,
        "acknowledged_by": concern.acknowledged_by.display_name
        if concern.acknowledged_by
        else None,
        "acknowledged_at": iso(concern.acknowledged_at),
        "acknowledged_when": when(concern.acknowledged_at),
        "note": concern.acknowledged_note,
    }


def item_actions(user: Any, item: ModerationItem) -> dict[str, bool]:
    """What this user may do with the item on its page (templates display, they do not decide)."""
    in_link = item.link is not None and authz.teaches_in_link(user, item.link)
    return {
        "decide": services.can_decide(user, item),
        "withdraw": authz.teaches(user, item.classroom_id)
        and item.state in (ItemState.APPROVED, ItemState.PENDING),
        "hide": in_link and item.state == ItemState.APPROVED,
        "concern": may.can_raise_concern(user),
    }


def history_of(user: Any, item: ModerationItem) -> list[dict[str, Any]]:
    """The item's audit entries this user may read: all of them for the author's class and the
    district, the shared ones for the partner class."""
    if authz.oversees_district(user, item.district_id):
        entries = services.audit_log(user, district_id=item.district_id, item_id=item.id)
    else:
        classes = [item.classroom_id, *(item.link.class_ids if item.link else ())]
        class_id = next((c for c in classes if authz.teaches(user, c)), None)
        if class_id is None:
            return []
        entries = services.audit_log(user, classroom_id=class_id, item_id=item.id)
    return [audit_row(e) for e in reversed(entries)]
