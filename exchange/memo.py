"""Once per request: a figure several parts of one page ask for (the queue count in the page
and in the navigation) is read from the database once.

A remembered value holds only until the request next writes: any flush, commit or rollback
forgets everything remembered, so a request that changes the data and then shows it never
sees a figure from before its own change. Outside a request nothing is remembered.

The store hangs on the request object, not on its WSGI environ or on `g`: Flask-SocketIO makes
a new request object for each socket event but shares one environ across a connection's events,
and tests keep one `g` across requests.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEY = "exchange.memo"


def per_request(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave earlier in this request for the same key and data."""
    if not has_request_context():
        return compute()
    holder = vars(request._get_current_object())  # noqa: SLF001 - the request itself, not the proxy
    store: dict[Hashable, object] = holder.setdefault(_KEY, {})
    if key not in store:
        store[key] = compute()
    return store[key]  # type: ignore[return-value]


def forget() -> None:
    """Forget what this request remembered (its data changed)."""
    if has_request_context():
        vars(request._get_current_object()).pop(_KEY, None)  # noqa: SLF001


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_on_write(session: Session, *_args: object) -> None:
    forget()
