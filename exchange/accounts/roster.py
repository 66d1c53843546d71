"""A class's roster: pupils, their credentials, consent, locks and login cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from exchange import authz
from exchange.accounts import credentials, passwords, sessions, throttle
from exchange.accounts.directory import find_class
from exchange.accounts.lookup import commit_or_conflict, find, parse_enum, require
from exchange.accounts.models import Classroom, CredentialKind, Pupil
from exchange.errors import Conflict, Invalid
from exchange.extensions import db


@dataclass(frozen=True)
class IssuedCredential:
    """A credential just set: shown to the teacher once, never stored in the clear."""

    pupil: Pupil
    kind: CredentialKind
    secret: str

    @property
    def pictures(self) -> list[str]:
        """The pictures of a picture password, in order (empty for a PIN)."""
        return credentials.picture_names(self.secret) if self.kind == CredentialKind.PICTURE else []


@dataclass(frozen=True)
class Card:
    """A freshly printed login card: its token (only here, never stored) and maybe a credential."""

    pupil: Pupil
    token: str
    credential: IssuedCredential | None


@dataclass(frozen=True)
class RosterRow:
    """A pupil as the roster shows them."""

    pupil: Pupil
    locked_until: datetime | None
    has_card: bool


def manageable_class(teacher: Any, classroom_id: int) -> Classroom:
    """A class whose roster this user manages (its teachers); others are refused."""
    classroom = find_class(teacher, classroom_id)
    require(
        authz.can_manage_class(teacher, classroom), "Only the class's teachers manage its roster."
    )
    return classroom


def manageable_pupil(teacher: Any, pupil_id: int) -> Pupil:
    """A pupil this user manages (a teacher of their class)."""
    pupil = find(Pupil, pupil_id, "pupil", lambda p: authz.can_view_class(teacher, p.classroom))
    require(authz.can_manage_pupil(teacher, pupil), "Only the pupil's teachers can do that.")
    return pupil


def _check_name_free(classroom: Classroom, name: str, pupil_id: int | None = None) -> None:
    """Refuse a display name another pupil of the class already has."""
    stmt = select(Pupil.id).where(
        Pupil.classroom_id == classroom.id, func.lower(Pupil.display_name) == name.lower()
    )
    if pupil_id is not None:
        stmt = stmt.where(Pupil.id != pupil_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict(
            f"There is already a {name} in {classroom.name}. Add a second letter, like "
            f'"{name[:-1]}{name[-2]}."',
            field="display_name",
        )


def add_pupil(
    teacher: Any,
    classroom_id: int,
    display_name: str,
    credential_kind: str | CredentialKind = CredentialKind.PIN,
) -> IssuedCredential:
    """Add a pupil (first name and initial) with a fresh PIN or picture password."""
    classroom = manageable_class(teacher, classroom_id)
    name = credentials.normalise_display_name(display_name)
    kind = parse_enum(CredentialKind, credential_kind, "kind of credential", "credential_kind")
    _check_name_free(classroom, name)
    secret = credentials.new_secret(kind)
    pupil = Pupil(
        classroom_id=classroom.id,
        display_name=name,
        credential_kind=kind,
        credential_hash=passwords.hash_secret(secret),
    )
    db.session.add(pupil)
    commit_or_conflict(f"There is already a {name} in {classroom.name}.", field="display_name")
    return IssuedCredential(pupil, kind, secret)


def rename_pupil(teacher: Any, pupil_id: int, display_name: str) -> Pupil:
    """Change a pupil's display name."""
    pupil = manageable_pupil(teacher, pupil_id)
    name = credentials.normalise_display_name(display_name)
    _check_name_free(pupil.classroom, name, pupil.id)
    pupil.display_name = name
    commit_or_conflict(f"There is already a {name} in {pupil.classroom.name}.")
    return pupil


def reset_credential(
    teacher: Any, pupil_id: int, credential_kind: str | CredentialKind | None = None
) -> IssuedCredential:
    """Give a pupil a new PIN or picture password; their other sessions end."""
    pupil = manageable_pupil(teacher, pupil_id)
    issued = _new_credential(pupil, credential_kind)
    db.session.commit()
    return issued


def _new_credential(pupil: Pupil, credential_kind: str | CredentialKind | None) -> IssuedCredential:
    """Set a new credential on a pupil (caller commits)."""
    kind = pupil.credential_kind
    if credential_kind is not None:
        kind = parse_enum(CredentialKind, credential_kind, "kind of credential", "credential_kind")
    secret = credentials.new_secret(kind)
    pupil.credential_kind = kind
    pupil.credential_hash = passwords.hash_secret(secret)
    sessions.revoke_sessions(pupil)
    throttle.clear(throttle.pupil_key(pupil.id))
    return IssuedCredential(pupil, kind, secret)


def set_pupil_active(teacher: Any, pupil_id: int, active: bool) -> Pupil:
    """Disable a pupil (signed out everywhere, cannot sign in) or enable them again."""
    pupil = manageable_pupil(teacher, pupil_id)
    pupil.active = bool(active)
    if not pupil.active:
        sessions.revoke_sessions(pupil)
    db.session.commit()
    return pupil


def set_consent(
    teacher: Any, pupil_id: int, *, photo: bool | None = None, work: bool | None = None
) -> Pupil:
    """Record whether the pupil's photos and work may be shared with the partner class."""
    pupil = manageable_pupil(teacher, pupil_id)
    if photo is not None:
        pupil.consent_photo = bool(photo)
    if work is not None:
        pupil.consent_work = bool(work)
    db.session.commit()
    return pupil


def unlock_pupil(teacher: Any, pupil_id: int) -> Pupil:
    """Lift a pupil's sign-in lock after too many wrong tries."""
    pupil = manageable_pupil(teacher, pupil_id)
    throttle.clear(throttle.pupil_key(pupil.id))
    db.session.commit()
    return pupil


def unlock_class(teacher: Any, classroom_id: int) -> Classroom:
    """Lift the lock on the class code and on the tablets last used to sign in to it."""
    classroom = manageable_class(teacher, classroom_id)
    throttle.clear(throttle.class_key(classroom.id))
    throttle.clear_devices_of_class(classroom.id)
    db.session.commit()
    return classroom


def class_locked_until(classroom: Classroom) -> datetime | None:
    """When the class code's lock ends, if it is locked."""
    key = throttle.class_key(classroom.id)
    return throttle.locked_until([key], throttle.CLASS).get(key)


def roster(teacher: Any, classroom_id: int) -> list[RosterRow]:
    """The class's pupils with their lock state, for its teachers."""
    classroom = manageable_class(teacher, classroom_id)
    pupils = list(classroom.pupils)
    locks = throttle.locked_until([throttle.pupil_key(p.id) for p in pupils], throttle.PUPIL)
    return [
        RosterRow(p, locks.get(throttle.pupil_key(p.id)), p.card_token_hash is not None)
        for p in pupils
    ]


def issue_cards(
    teacher: Any,
    classroom_id: int,
    pupil_ids: list[int] | None = None,
    reset_credentials: bool = False,
) -> list[Card]:
    """New login cards for some or all active pupils; earlier cards of those pupils stop working."""
    classroom = manageable_class(teacher, classroom_id)
    pupils = [p for p in classroom.pupils if p.active]
    if pupil_ids is not None:
        wanted = set(pupil_ids)
        unknown = wanted - {p.id for p in pupils}
        if unknown:
            raise Invalid(f"Choose active pupils of {classroom.name}.", field="pupil_ids")
        pupils = [p for p in pupils if p.id in wanted]
    if not pupils:
        raise Invalid("Choose at least one pupil to print a card for.", field="pupil_ids")
    cards = []
    for pupil in pupils:
        token = credentials.new_card_token()
        pupil.card_token_hash = passwords.token_digest(token)
        issued = _new_credential(pupil, None) if reset_credentials else None
        cards.append(Card(pupil, token, issued))
    db.session.commit()
    return cards


def revoke_card(teacher: Any, pupil_id: int) -> Pupil:
    """Stop a pupil's printed card from working (a lost card, say)."""
    pupil = manageable_pupil(teacher, pupil_id)
    pupil.card_token_hash = None
    db.session.commit()
    return pupil
