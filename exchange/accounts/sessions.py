"""Signed-in sessions: loading the user behind a cookie, and revoking every session of a user."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from exchange import realtime
from exchange.accounts.models import Classroom, Pupil, User
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


# What a process forgets when an account changed (exchange.sockets: the users its sockets keep;
# exchange.nav: the kept navigation entries). Called after a commit that changed one in this
# process, and by each process's socket sweeper when realtime.ACCOUNT_CHANGES moved.
ACCOUNT_CHANGE_HOOKS: list[Callable[[], None]] = []
_CHANGED = "exchange.accounts_changed"


@event.listens_for(Session, "before_flush")
def _count_account_changes(session: Session, flush_context: Any, instances: Any) -> None:
    """A change to an account moves realtime.ACCOUNT_CHANGES in its own transaction.

    An account change is any update or deletion of a staff user, a pupil or a class (a new
    session version, a disabled user, a class's teachers, a name). Every process's socket
    sweeper (exchange.sockets) reads that one counter twice a second: when it moved, the
    process compares its sockets' sessions with the database (revoked ones are closed) and
    forgets the users its sockets keep, so no socket acts on an account older than half a
    second; when it did not, the tick costs one primary-key read. Deletions that bypass the
    ORM (privacy.retention) call note_account_change themselves.
    """
    if session.info.get(_CHANGED):
        return  # counted once a transaction
    changed = any(
        isinstance(obj, User | Pupil | Classroom) and session.is_modified(obj)
        for obj in session.dirty
    ) or any(isinstance(obj, User | Pupil | Classroom) for obj in session.deleted)
    if changed:
        note_account_change(session)


def note_account_change(session: Session | None = None) -> None:
    """Move realtime.ACCOUNT_CHANGES in the current transaction (see _count_account_changes)."""
    session = session or db.session()
    realtime.bump_counter(session.connection(), realtime.ACCOUNT_CHANGES)
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _account_changed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        for hook in ACCOUNT_CHANGE_HOOKS:
            hook()


@event.listens_for(Session, "after_soft_rollback")
def _account_unchanged(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_CHANGED, None)
