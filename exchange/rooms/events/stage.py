"""During the event: the facilitator's stage actions, the snapshot every screen starts from,
the teachers' backchannel, and the souvenir afterwards.

Each stage action is one transaction that bumps the stage version and publishes one
`stage_changed` fact (with the whole stage, so a screen never has to combine facts) on
`event:<id>`; it is emitted after the commit. A screen that joins late or reconnects gets the
cached snapshot with its sequence number and catches up from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from exchange import authz, realtime
from exchange.accounts.models import Classroom
from exchange.authz import events as event_authz
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.rooms.events import access as event_access
from exchange.rooms.events import live as live_counters
from exchange.rooms.events.channels import showcase_view
from exchange.rooms.events.models import (
    ApplauseWindow,
    CelebrationEvent,
    EventState,
    InvitationStatus,
    ShowcaseItem,
    StageMoment,
)
from exchange.rooms.events.services import get_event, run_of_show
from exchange.rooms.events.showcase import approved_shoutouts, get_showcase, is_ready
from exchange.types import utcnow

ACTIONS = (
    "start",
    "next",
    "goto",
    "show",
    "clear",
    "spotlight",
    "applause_open",
    "applause_close",
    "pause",
    "resume",
    "end",
)
SNAPSHOT_TTL = 1.0
VIEW_TTL = 10.0  # a snapshot this young is reused as is; the client catches up after its seq
STAFF_MESSAGE_MAX = 500
WALL_SIZE = 50


def _views() -> dict[Any, tuple[float, Any]]:
    """This app's cache of rendered stage pieces (items, class labels)."""
    return current_app.extensions.setdefault("events_views", {})


def _cached(key: Any, build: Callable[[], Any]) -> Any:
    """A piece of the stage that rarely changes, rebuilt after VIEW_TTL seconds.

    A stage action then costs a handful of queries instead of a dozen lazy loads, which
    matters at twenty changes a second.
    """
    now = time.monotonic()
    found = _views().get(key)
    if found is None or now - found[0] > VIEW_TTL:
        found = (now, build())
        _views()[key] = found
    return found[1]


def _item_view(showcase_id: int) -> dict[str, Any] | None:
    showcase = db.session.get(ShowcaseItem, showcase_id)
    return showcase_view(showcase) if showcase is not None else None


def _class_label(classroom_id: int) -> dict[str, Any] | None:
    classroom = db.session.get(Classroom, classroom_id)
    return {"class_id": classroom.id, "label": classroom.label} if classroom else None


def stage_view(event: CelebrationEvent) -> dict[str, Any]:
    """The whole stage as one object: what every screen shows."""
    segment = event.current_segment
    item_id, spot_id = event.stage_showcase_id, event.spotlight_class_id
    return {
        "version": event.stage_version,
        "state": event.state.value,
        "segment": None
        if segment is None
        else {
            "position": segment.position,
            "kind": segment.kind.value,
            "title": segment.title,
            "minutes": segment.minutes,
            "class_ids": list(segment.class_ids),
        },
        "item": _cached(("item", item_id), lambda: _item_view(item_id)) if item_id else None,
        "spotlight": _cached(("class", spot_id), lambda: _class_label(spot_id))
        if spot_id
        else None,
        "applause_open": event.applause_open,
    }


def act(
    actor: Any,
    event_id: int,
    action: str,
    *,
    position: int | None = None,
    showcase_id: int | None = None,
    classroom_id: int | None = None,
) -> dict[str, Any]:
    """Carry out one stage action of the event's facilitator and tell every screen; returns
    the new stage (so the caller need not reload the event after the commit)."""
    event = get_event(event_id)
    found = event_access.of(event)
    if not event_authz.can_run_stage(actor, found):
        if event_authz.can_view_event(actor, found):
            raise Forbidden("Only the event's facilitator can run the stage.")
        raise NotFound("That event does not exist.")
    if action not in ACTIONS:
        raise Invalid("That is not a stage action.", field="action")
    _require_state(event, action)
    before = (event.segment_position, event.stage_showcase_id, event.spotlight_class_id)
    _apply(event, action, position, showcase_id, classroom_id, found)
    event.stage_version += 1
    if (event.segment_position, event.stage_showcase_id, event.spotlight_class_id) != before:
        _remember_moment(event)
    view = stage_view(event)
    realtime.publish(
        realtime.event_stream(event.id),
        "stage_changed",
        {"event_id": event.id, "action": action, "stage": view},
    )
    window = _open_window(event) if action == "applause_open" else None
    window_id = window.id if window else live_counters.hub().live_event(event.id).window_id
    db.session.commit()
    # event_id, not event.id: the commit expired the event, and reading it back costs a query.
    forget_snapshot(event_id)
    live_counters.hub().set_state(
        event_id, view["state"], view["applause_open"], window_id if view["applause_open"] else None
    )
    if action == "end":
        event_access.forget(event_id)
    return view


def _require_state(event: CelebrationEvent, action: str) -> None:
    state = event.state
    if action == "start":
        if state != EventState.SCHEDULED:
            raise Conflict(
                "The event has already started." if event.is_on_air else "This event is over."
            )
        if not event.segments:
            raise Conflict("Add a run of show before starting.")
        return
    if state == EventState.SCHEDULED:
        raise Conflict("Start the event first.")
    if state in (EventState.ENDED, EventState.CANCELLED):
        raise Conflict("This event is over.")
    if action == "pause" and state != EventState.LIVE:
        raise Conflict("The event is already paused.")
    if action == "resume" and state != EventState.PAUSED:
        raise Conflict("The event is not paused.")
    if action == "applause_open" and state != EventState.LIVE:
        raise Conflict("Resume the event before opening applause.")


def _apply(
    event: CelebrationEvent,
    action: str,
    position: int | None,
    showcase_id: int | None,
    classroom_id: int | None,
    found: event_access.EventAccess,
) -> None:
    positions = [s.position for s in event.segments]
    if action == "start":
        event.state, event.started_at = EventState.LIVE, utcnow()
        event.segment_position = positions[0]
    elif action in ("next", "goto"):
        if action == "next":
            later = [p for p in positions if p > (event.segment_position or 0)]
            if not later:
                raise Conflict("This is the last segment: end the event when you are ready.")
            position = later[0]
        if position not in positions:
            raise Invalid("There is no such segment in the run of show.", field="position")
        if position != event.segment_position:
            event.segment_position = position
            event.stage_showcase_id = None
            event.spotlight_class_id = None
    elif action == "show":
        if showcase_id is None:
            raise Invalid("Choose the item to put on the stage.", field="showcase_id")
        showcase = get_showcase(event, showcase_id)
        if not is_ready(showcase):
            raise Conflict("That item has not been approved for the stage yet.")
        event.stage_showcase_id = showcase.id
        showcase.shown_at = showcase.shown_at or utcnow()
    elif action == "clear":
        event.stage_showcase_id = None
    elif action == "spotlight":
        if classroom_id is not None and classroom_id not in found.class_ids:
            raise Invalid("That class is not invited to the event.", field="classroom_id")
        event.spotlight_class_id = classroom_id
    elif action == "applause_open":
        if event.applause_open:
            raise Conflict("Applause is already open.")
        event.applause_open = True
        db.session.add(
            ApplauseWindow(
                event_id=event.id,
                segment_title=event.current_segment.title if event.current_segment else "",
                showcase_id=event.stage_showcase_id,
                spotlight_class_id=event.spotlight_class_id,
            )
        )
    elif action == "applause_close":
        if not event.applause_open:
            raise Conflict("Applause is not open.")
        _close_applause(event)
    elif action == "pause":
        event.state = EventState.PAUSED
        if event.applause_open:
            _close_applause(event)
    elif action == "resume":
        event.state = EventState.LIVE
    elif action == "end":
        if event.applause_open:
            _close_applause(event)
        event.state, event.ended_at = EventState.ENDED, utcnow()
        _save_totals(event)


def _open_window(event: CelebrationEvent) -> ApplauseWindow | None:
    if not event.applause_open:
        return None
    return db.session.scalar(
        select(ApplauseWindow)
        .where(ApplauseWindow.event_id == event.id, ApplauseWindow.closed_at.is_(None))
        .order_by(ApplauseWindow.id.desc())
    )


def _close_applause(event: CelebrationEvent) -> None:
    window = _open_window(event)
    event.applause_open = False
    if window is not None:
        window.closed_at = utcnow()
        totals = live_counters.hub().totals(event.id)
        window.total = totals.get(live_counters.applause_key(window.id), 0)


def _save_totals(event: CelebrationEvent) -> None:
    """Keep the counters for the souvenir page (clicks from other processes included)."""
    totals = live_counters.hub().totals(event.id)
    event.reaction_totals = {k: totals.get(f"r:{k}", 0) for k in live_counters.REACTIONS}
    windows = db.session.scalars(select(ApplauseWindow).where(ApplauseWindow.event_id == event.id))
    for window in windows:
        window.total = max(window.total, totals.get(live_counters.applause_key(window.id), 0))


def _remember_moment(event: CelebrationEvent) -> None:
    segment = event.current_segment
    db.session.add(
        StageMoment(
            event_id=event.id,
            segment_title=segment.title if segment else "",
            showcase_id=event.stage_showcase_id,
            spotlight_class_id=event.spotlight_class_id,
        )
    )


# ----- joining and the snapshot -------------------------------------------------------------


@dataclass
class _Cached:
    seq: int
    at: float
    data: dict[str, Any]


def _snapshots() -> dict[int, _Cached]:
    """This app's snapshot cache."""
    return current_app.extensions.setdefault("events_snapshots", {})


def forget_snapshot(event_id: int) -> None:
    """Drop the cached snapshot after a change made in this process."""
    _snapshots().pop(event_id, None)


def snapshot(event_id: int) -> dict[str, Any]:
    """Everything a screen shows, with the stream's sequence number it is current at.

    Cached per event: reused as is for SNAPSHOT_TTL, then kept as long as the stream's
    sequence number has not moved (one primary-key read), so a thousand joins cost a handful
    of queries. Any process's change moves the sequence, which rebuilds it.
    """
    now = time.monotonic()
    cached = _snapshots().get(event_id)
    if cached is not None and now - cached.at < SNAPSHOT_TTL:
        return cached.data
    seq = realtime.last_seq(realtime.event_stream(event_id))
    if cached is not None and cached.seq == seq:
        cached.at = now
        return cached.data
    event = get_event(event_id)
    data = {
        "event_id": event.id,
        "title": event.title,
        "seq": seq,
        "stage": stage_view(event),
        "segments": run_of_show(event),
        "shoutouts": approved_shoutouts(event, WALL_SIZE),
    }
    _snapshots()[event_id] = _Cached(seq, now, data)
    return data


def join_screen(
    actor: Any,
    event_id: int,
    sid: str,
    classroom_id: int | None = None,
    join: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """A screen joins an event: authorised from the cached access facts, counted in the roll
    call (as a class screen for pupils and teachers of invited classes), given the snapshot.

    `join` (the socket joining the room) runs after the checks and before the snapshot is
    read, so a change committed meanwhile arrives as a fact rather than being missed.
    """
    found = event_access.access(event_id)
    if found is None or not event_authz.can_join_screen(actor, found):
        raise NotFound("That event does not exist.")
    if found.state == EventState.CANCELLED:
        raise Conflict("This event was cancelled.")
    mine = event_authz.classes_in_event(actor, found)
    if classroom_id is not None and classroom_id not in mine:
        raise Forbidden("You can only join as one of your own invited classes.")
    class_id = classroom_id if classroom_id is not None else (mine[0] if mine else None)
    if join is not None:
        join()
    hub = live_counters.hub()
    live = hub.add_screen(sid, event_id, class_id)
    data = snapshot(event_id)
    return {
        **data,
        "class_id": class_id,
        "counters": hub.counters_view(live),
        "roll_call": hub.roll_call_summary(live),
        "can_run_stage": event_authz.can_run_stage(actor, found),
        "can_backchannel": event_authz.can_use_backchannel(actor, found),
    }


def leave_screen(sid: str) -> None:
    """A screen leaves the event."""
    live_counters.hub().remove_screen(sid)


# ----- the backchannel ----------------------------------------------------------------------


def send_staff_message(actor: Any, event_id: int, text: str) -> dict[str, Any]:
    """A teacher or the facilitator writes on the backchannel (teachers only; not moderated)."""
    event = get_event(event_id)
    found = event_access.of(event)
    if not event_authz.can_use_backchannel(actor, found):
        if authz.is_pupil(actor) and event_authz.can_view_event(actor, found):
            raise Forbidden("The backchannel is for teachers and the facilitator.")
        raise NotFound("That event does not exist.")
    text = (text or "").strip()
    if not text:
        raise Invalid("Write your message first.", field="text")
    if len(text) > STAFF_MESSAGE_MAX:
        raise Invalid(f"A message can be at most {STAFF_MESSAGE_MAX} characters.", field="text")
    if event.state in (EventState.ENDED, EventState.CANCELLED):
        raise Conflict("This event is over.")
    classes = event_authz.classes_in_event(actor, found)
    label = db.session.get(Classroom, classes[0]).label if classes else None
    message = {
        "event_id": event.id,
        "author": actor.display_name,
        "role": "facilitator" if event_authz.is_host(actor, found) else actor.role.value,
        "class_label": label,
        "text": text,
        "at": utcnow().isoformat(),
    }
    seq = realtime.publish(realtime.event_staff_stream(event.id), "staff_message", message)
    db.session.commit()
    return {**message, "seq": seq}


def staff_messages(event: CelebrationEvent, limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
    """The backchannel's latest messages and the stream's sequence number."""
    stream = realtime.event_staff_stream(event.id)
    last = realtime.last_seq(stream)
    events = realtime.events_after(stream, max(0, last - limit), limit)
    return last, [e.as_message() for e in events if e.kind == "staff_message"]


# ----- afterwards ---------------------------------------------------------------------------


def souvenir(event: CelebrationEvent) -> dict[str, Any]:
    """What the event was: the stage timeline, items shown, shout-outs, applause, reactions."""
    moments = db.session.scalars(
        select(StageMoment)
        .where(StageMoment.event_id == event.id)
        .order_by(StageMoment.at, StageMoment.id)
    ).all()
    shown = db.session.scalars(
        select(ShowcaseItem)
        .where(ShowcaseItem.event_id == event.id, ShowcaseItem.shown_at.is_not(None))
        .order_by(ShowcaseItem.shown_at, ShowcaseItem.id)
    ).all()
    windows = db.session.scalars(
        select(ApplauseWindow)
        .where(ApplauseWindow.event_id == event.id)
        .order_by(ApplauseWindow.id)
    ).all()
    took_part = sorted(
        i.classroom.label for i in event.invitations if i.status != InvitationStatus.DECLINED
    )
    return {
        "event_id": event.id,
        "title": event.title,
        "description": event.description,
        "started_at": event.started_at.isoformat() if event.started_at else None,
        "ended_at": event.ended_at.isoformat() if event.ended_at else None,
        "classes": took_part,
        "segments": [{"title": s.title, "kind": s.kind.value} for s in event.segments],
        "timeline": [
            {
                "at": m.at.isoformat(),
                "segment": m.segment_title,
                "item": m.showcase.title if m.showcase else None,
                "spotlight": m.spotlight_class.label if m.spotlight_class else None,
            }
            for m in moments
        ],
        "shown": [showcase_view(s) for s in shown],
        "shoutouts": approved_shoutouts(event, 1000),
        "applause": [
            {
                "segment": w.segment_title,
                "item": w.showcase.title if w.showcase else None,
                "spotlight": w.spotlight_class.label if w.spotlight_class else None,
                "total": w.total,
            }
            for w in windows
        ],
        "applause_total": sum(w.total for w in windows),
        "reactions": {
            k: {"emoji": e, "total": int((event.reaction_totals or {}).get(k, 0))}
            for k, e in live_counters.REACTIONS.items()
        },
    }


def souvenir_for(actor: Any, event_id: int) -> dict[str, Any]:
    """The souvenir of an ended event, for anyone who could see the event."""
    event = get_event(event_id)
    if not event_authz.can_view_event(actor, event_access.of(event)):
        raise NotFound("That event does not exist.")
    if event.state != EventState.ENDED:
        raise Conflict("The souvenir page is ready once the event has ended.")
    return souvenir(event)
