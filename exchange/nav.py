"""The navigation bar: each area registers the entries it offers a user.

Every page shows it, so a source that reads the database (a user's links, a pupil's open
surveys, a teacher's sessions to confirm) would cost its statements on every page. Such a
source registers with `keep=True`: a process reuses a user's entries from it for up to
NAV_SECONDS. They are forgotten sooner when it matters: the user's own change (any commit of
theirs in this process: answering a survey, confirming a session) forgets theirs at once, and
an account change (a class's teachers, a renamed class) forgets everyone's in the committing
process at once and in the others at their socket sweeper's next tick (a process that has had
no socket yet runs no sweeper: there the entries live out their seconds). What the navigation
leads to is checked by the page itself, so an entry a few seconds old can only show a link
that answers "not found". A source whose figure someone is waiting on (the queue's count)
does not keep: it runs for every page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from exchange import authz
from exchange.accounts.sessions import ACCOUNT_CHANGE_HOOKS


@dataclass(frozen=True)
class NavItem:
    """One entry in the navigation bar."""

    label: str
    url: str
    order: int = 50
    count: int = 0
    key: str = ""
    current: bool = False


NavSource = Callable[[Any], list[NavItem]]
_SOURCES: list[NavSource] = []
_KEPT: set[NavSource] = set()
# How long a process may reuse a user's entries from the sources that keep them (the app's
# NAV_CACHE_SECONDS overrides it; the tests' configuration sets 0, reading every time).
NAV_SECONDS = 15.0
# A process holds about this many users' entries before it drops the expired ones.
_PRUNE_AT = 5000
_STORE = "exchange_nav"
_clock = time.monotonic


def nav_source(
    source: NavSource | None = None, *, keep: bool = False
) -> Callable[[NavSource], NavSource] | NavSource:
    """Register a function that returns an area's entries for a signed-in user (as
    `@nav_source`, or `@nav_source(keep=True)` for one whose entries may be a few seconds
    old: see the module's docstring)."""

    def register(found: NavSource) -> NavSource:
        if found not in _SOURCES:
            _SOURCES.append(found)
        if keep:
            _KEPT.add(found)
        return found

    return register if source is None else register(source)


def items_for(actor: Any) -> list[NavItem]:
    """All entries for this user, in order, with the current page marked."""
    if not authz.is_signed_in(actor):
        return []
    kept = _kept_entries(actor)
    found = [
        item for source in _SOURCES for item in (kept[source] if source in kept else source(actor))
    ]
    path = request.path
    marked = [NavItem(**{**item.__dict__, "current": item.url == path}) for item in found]
    return sorted(marked, key=lambda item: item.order)


def _kept_entries(actor: Any) -> dict[NavSource, list[NavItem]]:
    """The entries of the sources that keep theirs, reused while fresh, else read now."""
    seconds = current_app.config.get("NAV_CACHE_SECONDS", NAV_SECONDS)
    if not seconds:
        return {}
    key = _key(actor)
    if key is None:
        return {}  # not a stored account: nothing to keep it under
    store: dict[Any, tuple[float, dict[NavSource, list[NavItem]]]]
    store = current_app.extensions.setdefault(_STORE, {})
    now = _clock()
    held = store.get(key)
    if held is not None and held[0] > now:
        return held[1]
    entries = {source: source(actor) for source in _SOURCES if source in _KEPT}
    if len(store) >= _PRUNE_AT:
        for stale in [k for k, (until, _) in store.items() if until <= now]:
            del store[stale]
        if len(store) >= _PRUNE_AT:
            store.clear()  # that many users within NAV_SECONDS: start again rather than grow
    store[key] = (now + seconds, entries)
    return entries


def _key(actor: Any) -> tuple[str, Any] | None:
    """Whose entries: the account's class and primary key, read without a query (a user's own
    change forgets theirs just after a commit, which expired the user's attributes)."""
    identity = getattr(inspect(actor, raiseerr=False), "identity", None)
    return (actor.__class__.__name__, identity) if identity else None  # through a proxy too


def forget(actor: Any = None) -> None:
    """Forget the kept entries of one user, or of everyone."""
    if not has_app_context():
        return
    store = current_app.extensions.get(_STORE)
    if not store:
        return
    if actor is None:
        store.clear()
    else:
        store.pop(_key(actor), None)


ACCOUNT_CHANGE_HOOKS.append(forget)


@event.listens_for(Session, "after_commit")
def _forget_own_change(session: Session) -> None:
    """A user's own change shows in their navigation on the next page (a survey answered
    leaves it, a session confirmed stops being counted)."""
    if not has_request_context():
        return
    user = g.get("_login_user")  # an anonymous user has no key: nobody's entries go
    if user is not None:
        forget(user)


class LazyNav:
    """The navigation of the signed-in user, read when a template first shows it. Every
    render gets `nav`, but only pages (base.html) show it: a fragment (a card fetched when a
    post reaches a screen, a list refreshed live) read it for nothing, two statements and a
    quarter of its time."""

    def __init__(self, actor: Any) -> None:
        self._actor = actor

    @cached_property
    def items(self) -> list[NavItem]:
        """The entries, read at the first use."""
        return items_for(self._actor)

    def __iter__(self) -> Iterator[NavItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def init_nav(app: Flask) -> None:
    """Give every template the navigation of the signed-in user."""

    @app.context_processor
    def inject_nav() -> dict[str, Any]:
        """Templates get `nav`; they display it and decide nothing."""
        return {"nav": LazyNav(current_user)}
