"""Authorisation for live sessions (and presence): one function per question, and stream rules.

A live session belongs to a link: its pupils and teachers take part, the district's facilitators
may see that it is planned (they follow how often classes meet) but do not join the room.
"""

from __future__ import annotations

from typing import Any

from exchange.authz.core import (
    is_pupil,
    member_of_link,
    oversees_district,
    parse_id,
    stream_rule,
    teaches,
    teaches_in_link,
)
from exchange.extensions import db


def _planned_for_pupils(session: Any) -> bool:
    """Pupils see sessions both teachers agreed on (and hear when one is cancelled)."""
    return session.status in ("confirmed", "cancelled") and session.confirmed_at is not None


def can_view_session(actor: Any, session: Any) -> bool:
    """See that a session is planned (title, times, agenda)."""
    if is_pupil(actor):
        return member_of_link(actor, session.link) and _planned_for_pupils(session)
    return member_of_link(actor, session.link) or oversees_district(actor, session.link.district_id)


def can_schedule_session(actor: Any, link: Any) -> bool:
    """Propose a live session: a teacher of either class of an active link."""
    return teaches_in_link(actor, link) and link.is_active


def can_plan_session(actor: Any, session: Any) -> bool:
    """Reschedule or cancel: a teacher of either class."""
    return teaches_in_link(actor, session.link)


def can_confirm_session(actor: Any, session: Any) -> bool:
    """Confirm a proposal: a teacher of the class that did not propose it."""
    return session.status == "proposed" and teaches(actor, session.confirming_class_id)


def can_join_session(actor: Any, session: Any) -> bool:
    """Take part in the room (presence, chat, reactions): pupils and teachers of the link."""
    return member_of_link(actor, session.link) and session.status == "confirmed"


def can_run_session(actor: Any, session: Any) -> bool:
    """Teacher controls (stage, agenda, pause, end, hands, live queue): either class's teacher."""
    return teaches_in_link(actor, session.link) and session.status == "confirmed"


def can_read_transcript(actor: Any, session: Any) -> bool:
    """Read and export the transcript: the two classes' teachers."""
    return teaches_in_link(actor, session.link)


def can_download_calendar(actor: Any, session: Any) -> bool:
    """Download the calendar file: the two classes' teachers."""
    return teaches_in_link(actor, session.link)


@stream_rule("live")
def _join_live(actor: Any, rest: str) -> bool:
    """`live:<id>` for the room's members; `live:<id>:teachers` for its teachers only."""
    from exchange.rooms.live.models import LiveSession

    ident, _, channel = rest.partition(":")
    session_id = parse_id(ident)
    session = db.session.get(LiveSession, session_id) if session_id else None
    if session is None:
        return False
    if channel == "":
        return member_of_link(actor, session.link) and session.status != "proposed"
    if channel == "teachers":
        return teaches_in_link(actor, session.link)
    return False
