"""Signed-in sessions: loading the user behind a cookie, and revoking every session of a user."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, joinedload

from exchange import realtime
from exchange.accounts.models import Pupil, User
from exchange.extensions import db


def forget_cached_user() -> None:
    """Make this request load its user from the session cookie again, once.

    Flask-Login caches the user on `g`, which lives as long as the app context; where an app
    context outlives one request (the test client inside a pushed context), a revoked session
    would otherwise still see the previous request's user. Called by more than one
    before-request hook, it forgets only the first time in a request: forgetting again would
    load the same user a second time (a query per page).
    """
    if request.environ.get(_FORGOTTEN):
        return
    request.environ[_FORGOTTEN] = True
    g.pop("_login_user", None)


_FORGOTTEN = "exchange.user_reloaded"


def load_user(user_id: str) -> User | Pupil | None:
    """Flask-Login loader: `kind:id:version`; a bumped version revokes older cookies."""
    kind, _, rest = user_id.partition(":")
    ident, _, version = rest.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    if kind == "staff":
        # With their classes in the same query: nearly every staff page and command asks
        # which classes they teach (navigation, queue, permissions).
        user = db.session.get(User, int(ident), options=[joinedload(User.classrooms)])
    elif kind == "pupil":
        user = db.session.get(Pupil, int(ident))
    else:
        return None
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


# Pupils sign in on shared class tablets: their sessions end sooner. Config keys override these.
TIMEOUTS = {
    "pupil": {"idle": 30 * 60, "absolute": 6 * 3600},
    "staff": {"idle": 2 * 3600, "absolute": 12 * 3600},
}
STARTED, SEEN = "_started", "_seen"


def start_session(user: User | Pupil) -> None:
    """Sign a user in on this browser (a fresh session, so a planted one is not reused)."""
    session.clear()
    login_user(user)
    session.permanent = True
    now = int(time.time())
    session[STARTED] = session[SEEN] = now


def end_session() -> None:
    """Sign out on this browser."""
    logout_user()
    session.clear()


def timeouts_for(user: Any) -> tuple[int, int]:
    """(idle seconds, absolute seconds) for this kind of account."""
    kind = "pupil" if getattr(user, "is_pupil", False) else "staff"
    config = current_app.config
    idle = config.get(f"{kind.upper()}_IDLE_SECONDS", TIMEOUTS[kind]["idle"])
    absolute = config.get(f"{kind.upper()}_MAX_SESSION_SECONDS", TIMEOUTS[kind]["absolute"])
    return int(idle), int(absolute)


def session_expired(user: Any, now: float | None = None) -> bool:
    """Has this browser's session run out (idle too long, or signed in too long ago)?

    Sessions without timestamps (made before this check existed) start their clocks now.
    """
    now = int(now if now is not None else time.time())
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        session[STARTED], session[SEEN] = started or now, seen or now
        return False
    idle, absolute = timeouts_for(user)
    if now - int(seen) > idle or now - int(started) > absolute:
        return True
    if now - int(seen) >= 60:  # refresh at most once a minute, not on every request
        session[SEEN] = now
    return False


def revoke_sessions(user: User | Pupil) -> None:
    """End every session of a user, everywhere (caller commits)."""
    user.session_version = (user.session_version or 1) + 1


# What ends a user's sessions: a new session version, being disabled, being deleted.
_ENDS_SESSIONS = ("session_version", "active")


@event.listens_for(Session, "before_flush")
def _count_revocations(session: Session, flush_context: Any, instances: Any) -> None:
    """A change that ends sessions moves realtime.REVOCATIONS in its own transaction.

    Every process's socket sweeper (exchange.sockets) reads that one counter twice a second and
    compares its sockets with the database only when it moved, so revoked sockets still close
    within a second while a quiet tick costs one primary-key read, not a query over every
    connected user. Deletions that bypass the ORM (privacy.retention) call note_revocation.
    """
    for obj in session.dirty:
        if isinstance(obj, User | Pupil):
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in _ENDS_SESSIONS):
                note_revocation(session)
                return
    if any(isinstance(obj, User | Pupil) for obj in session.deleted):
        note_revocation(session)


def note_revocation(session: Session | None = None) -> None:
    """Tell every process's sweeper that some session ended (in the current transaction)."""
    realtime.bump_counter((session or db.session).connection(), realtime.REVOCATIONS)
