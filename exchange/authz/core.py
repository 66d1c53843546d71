"""Who is asking: the role questions every area's authorisation is built from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exchange.accounts.models import Classroom, Link, Pupil, Role, User

StreamRule = Callable[[Any, str], bool]
_STREAM_RULES: dict[str, StreamRule] = {}


def is_signed_in(actor: Any) -> bool:
    """A real, active account (not Flask-Login's anonymous user)."""
    return bool(getattr(actor, "is_authenticated", False)) and getattr(actor, "active", False)


def is_pupil(actor: Any) -> bool:
    """A signed-in pupil."""
    return is_signed_in(actor) and isinstance(actor, Pupil)


def is_staff(actor: Any) -> bool:
    """A signed-in admin, facilitator or teacher."""
    return is_signed_in(actor) and isinstance(actor, User)


def is_admin(actor: Any) -> bool:
    """An installation admin."""
    return is_staff(actor) and actor.role == Role.ADMIN


def is_facilitator_of(actor: Any, district_id: int | None) -> bool:
    """A facilitator of this district."""
    return (
        is_staff(actor)
        and actor.role == Role.FACILITATOR
        and district_id is not None
        and actor.district_id == district_id
    )


def oversees_district(actor: Any, district_id: int | None) -> bool:
    """Admin, or a facilitator of this district."""
    return is_admin(actor) or is_facilitator_of(actor, district_id)


def teaches(actor: Any, classroom_id: int | None) -> bool:
    """A teacher of this class."""
    if not (is_staff(actor) and actor.role == Role.TEACHER) or classroom_id is None:
        return False
    return any(c.id == classroom_id for c in actor.classrooms)


def is_pupil_of(actor: Any, classroom_id: int | None) -> bool:
    """A pupil of this class."""
    return is_pupil(actor) and actor.classroom_id == classroom_id


def in_class(actor: Any, classroom_id: int | None) -> bool:
    """A pupil or teacher of this class."""
    return is_pupil_of(actor, classroom_id) or teaches(actor, classroom_id)


def class_of_actor_in_link(actor: Any, link: Link) -> int | None:
    """The class through which a pupil or teacher belongs to a link, if any."""
    for cid in link.class_ids:
        if in_class(actor, cid):
            return cid
    return None


def teaches_in_link(actor: Any, link: Link) -> bool:
    """A teacher of either class of the link."""
    return any(teaches(actor, cid) for cid in link.class_ids)


def member_of_link(actor: Any, link: Link) -> bool:
    """A pupil or teacher of either class of the link."""
    return class_of_actor_in_link(actor, link) is not None


def classroom_district(classroom: Classroom) -> int:
    """The district of a class."""
    return classroom.school.district_id


def stream_rule(prefix: str) -> Callable[[StreamRule], StreamRule]:
    """Register who may join streams named `prefix:...` (one rule per stream kind)."""

    def register(rule: StreamRule) -> StreamRule:
        _STREAM_RULES[prefix] = rule
        return rule

    return register


def can_join_stream(actor: Any, stream: str) -> bool:
    """May this user's socket join this room? Unknown stream kinds are refused."""
    if not is_signed_in(actor) or not isinstance(stream, str) or len(stream) > 80:
        return False
    prefix, _, rest = stream.partition(":")
    rule = _STREAM_RULES.get(prefix)
    return bool(rule and rest and rule(actor, rest))


def parse_id(text: str) -> int | None:
    """A positive integer id from a stream name part, or None."""
    return int(text) if text.isdigit() and len(text) < 12 else None
