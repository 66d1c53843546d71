"""Authorisation for celebration events: one function per question, and their stream rules.

Questions take an `EventAccess` (exchange.rooms.events.access), so joining a screen or a stream
costs no database query beyond loading the signed-in user (the access facts carry which
invited classes each teacher teaches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exchange.accounts.models import Role
from exchange.authz.core import (
    is_admin,
    is_facilitator_of,
    is_pupil,
    is_staff,
    oversees_district,
    parse_id,
    stream_rule,
    teaches,
)

if TYPE_CHECKING:
    from exchange.rooms.events.access import EventAccess


def can_create_event(actor: Any, district_ids: list[int]) -> bool:
    """A facilitator for their own district; only an admin across several districts."""
    if is_admin(actor):
        return bool(district_ids)
    return len(district_ids) == 1 and is_facilitator_of(actor, district_ids[0])


def is_host(actor: Any, event: EventAccess) -> bool:
    """The event's facilitator: the one who runs the stage."""
    return is_staff(actor) and actor.id == event.host_id


def is_helper(actor: Any, event: EventAccess) -> bool:
    """The helper teacher the facilitator named for the shout-out wall."""
    return is_staff(actor) and event.helper_id is not None and actor.id == event.helper_id


def can_manage_event(actor: Any, event: EventAccess) -> bool:
    """Change the plan, invitations and helper: the host, the host district's facilitators,
    admins."""
    return is_host(actor, event) or oversees_district(actor, event.district_id)


def can_run_stage(actor: Any, event: EventAccess) -> bool:
    """Stage actions (segment, stage item, spotlight, applause, pause, end): the host only."""
    return is_host(actor, event)


def can_approve_showcase(actor: Any, event: EventAccess) -> bool:
    """Approve showcase items for the stage: the event's facilitators."""
    return can_manage_event(actor, event)


def can_decide_shoutouts(actor: Any, event: EventAccess) -> bool:
    """Decide the facilitator stage of shout-outs: the event's facilitators or its helper."""
    return can_manage_event(actor, event) or is_helper(actor, event)


def class_in_event(actor: Any, event: EventAccess) -> int | None:
    """The invited class through which a pupil or teacher takes part, if any."""
    if is_pupil(actor):
        return actor.classroom_id if actor.classroom_id in event.class_ids else None
    if is_staff(actor) and actor.role == Role.TEACHER:
        for classroom_id in event.teacher_classes.get(actor.id, ()):
            if classroom_id in event.class_ids:
                return classroom_id
    return None


def classes_in_event(actor: Any, event: EventAccess) -> list[int]:
    """Every invited class this teacher teaches (or the pupil's own class)."""
    if is_pupil(actor):
        return [actor.classroom_id] if actor.classroom_id in event.class_ids else []
    if is_staff(actor) and actor.role == Role.TEACHER:
        return [c for c in event.teacher_classes.get(actor.id, ()) if c in event.class_ids]
    return []


def oversees_event(actor: Any, event: EventAccess) -> bool:
    """The host, admins, and facilitators of any participating district."""
    if is_host(actor, event) or is_admin(actor):
        return True
    return any(is_facilitator_of(actor, d) for d in event.district_ids)


def can_view_event(actor: Any, event: EventAccess) -> bool:
    """See the event (page, run of show, stage, souvenir)."""
    if oversees_event(actor, event) or is_helper(actor, event):
        return True
    return class_in_event(actor, event) is not None


def can_join_screen(actor: Any, event: EventAccess) -> bool:
    """Open the class screen or console and follow the stage."""
    return can_view_event(actor, event)


def can_use_backchannel(actor: Any, event: EventAccess) -> bool:
    """The teachers' backchannel: the host, the helper, facilitators, invited classes' teachers."""
    if is_pupil(actor):
        return False
    if oversees_event(actor, event) or is_helper(actor, event):
        return True
    return is_staff(actor) and class_in_event(actor, event) is not None


def can_answer_invitation(actor: Any, classroom_id: int) -> bool:
    """Accept or decline an invitation: a teacher of the invited class."""
    return teaches(actor, classroom_id)


def can_prepare_showcase(actor: Any, event: EventAccess, classroom_id: int) -> bool:
    """Prepare showcase items or shout-outs for a class: its pupils and teachers, if invited."""
    if classroom_id not in event.class_ids:
        return False
    if is_pupil(actor):
        return actor.classroom_id == classroom_id
    return teaches(actor, classroom_id)


@stream_rule("event")
def _event_stream(actor: Any, rest: str) -> bool:
    """`event:<id>` for everyone on the event; `event:<id>:staff` for its backchannel;
    `event:<id>:console` (the per-class roll call) for the event's facilitators."""
    ident, _, suffix = rest.partition(":")
    event_id = parse_id(ident)
    if event_id is None or suffix not in ("", "staff", "console"):
        return False
    from exchange.rooms.events import access as event_access  # the area imports authz

    event = event_access.access(event_id)
    if event is None:
        return False
    if suffix == "staff":
        return can_use_backchannel(actor, event)
    if suffix == "console":
        return oversees_event(actor, event)
    return can_join_screen(actor, event)
