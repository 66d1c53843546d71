"""When many pupils vote at once, the board's tally is published once per short interval
rather than once per vote.

Each vote commits on its own (the database enforces the rules) and then asks for a tally.
The first request in a burst schedules one publication a moment later; requests arriving before
it runs are already covered, because it reads the votes only after they committed. The last
tally of a burst therefore counts every vote. This only coalesces notifications: nothing about
the votes themselves is kept in memory. `ENQUIRY_TALLY_SECONDS = 0` publishes at once, in the
request (the default under `app.testing`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask, current_app

from exchange.extensions import db, socketio

log = logging.getLogger(__name__)
DEFAULT_SECONDS = 0.2
_pending: set[int] = set()
_lock = threading.Lock()


Publisher = Callable[[int], None]


def request_tally(enquiry_id: int, publish: Publisher) -> None:
    """Ask for the board's tally to be published by `publish(enquiry_id)`: now, or coalesced
    with the other requests of a burst shortly."""
    # In-process tests (app.testing) publish at once: their handlers run inline, and nothing may
    # be left running after a test ends.
    default = 0.0 if current_app.testing else DEFAULT_SECONDS
    delay = float(current_app.config.get("ENQUIRY_TALLY_SECONDS", default))
    if delay <= 0:
        publish(enquiry_id)
        return
    with _lock:
        if enquiry_id in _pending:
            return
        _pending.add(enquiry_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    socketio.start_background_task(_publish_later, app, enquiry_id, delay, publish)


def _publish_later(app: Flask, enquiry_id: int, delay: float, publish: Publisher) -> None:
    """Wait for the burst to gather, then publish one tally that counts it all."""
    socketio.sleep(delay)
    with _lock:
        # Cleared before reading: a vote committing from now on asks for another tally.
        _pending.discard(enquiry_id)
    try:
        with app.app_context():
            publish(enquiry_id)
            db.session.remove()
    except Exception:  # a lost tally is recovered by the next vote or a page load
        log.exception("tally publication failed for enquiry %s", enquiry_id)
