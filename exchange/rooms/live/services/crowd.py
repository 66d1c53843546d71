"""The crowd in a live room: reactions from the safe set as live counters, and hands up.

Both are state a screen re-reads on (re)joining (`live_join`); changes are signalled, not stored.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from exchange import authz, realtime
from exchange.errors import Forbidden, Invalid
from exchange.extensions import db, socketio
from exchange.rooms.live import limits
from exchange.rooms.live.models import LiveHand, LiveReaction
from exchange.rooms.live.services.common import member_session, require_live

# The fixed safe set: no free text, nothing a pupil can misuse.
REACTIONS = {
    "clap": ("👏", "Clap"),
    "heart": ("❤️", "Love it"),
    "laugh": ("😂", "Funny"),
    "wow": ("😮", "Wow"),
    "thumbs_up": ("👍", "Thumbs up"),
    "party": ("🎉", "Hooray"),
}
_pending_counts: set[int] = set()
_pending_lock = threading.Lock()


# ----- reactions ----------------------------------------------------------------------------


def reaction_counts(session_id: int) -> dict[str, int]:
    """How many of each reaction the session has had."""
    counts = dict.fromkeys(REACTIONS, 0)
    rows = db.session.execute(
        select(LiveReaction.reaction, LiveReaction.count).where(
            LiveReaction.session_id == session_id
        )
    )
    counts.update({name: count for name, count in rows})
    return counts


def react(actor: Any, session_id: int, reaction: str) -> dict[str, Any]:
    """Send a reaction from the safe set; every screen's counter goes up."""
    session = member_session(actor, session_id)
    if reaction not in REACTIONS:
        raise Invalid("Please choose one of the reactions shown.", field="reaction")
    require_live(session, "react")
    if authz.is_pupil(actor):
        limits.check(limits.REACTION, actor.actor_key)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(LiveReaction)
        .values(session_id=session.id, reaction=reaction, count=1)
        .on_conflict_do_update(
            index_elements=[LiveReaction.session_id, LiveReaction.reaction],
            set_={"count": LiveReaction.count + 1},
        )
    )
    db.session.commit()
    _signal_counts(session.id)
    return {"reaction": reaction}


def _signal_counts(session_id: int) -> None:
    """Tell the room the new totals; bursts are coalesced into one signal per interval."""
    delay = float(current_app.config.get("LIVE_SIGNAL_COALESCE", 0.2))
    if delay <= 0:
        _emit_counts(session_id)
        return
    with _pending_lock:
        if session_id in _pending_counts:
            return
        _pending_counts.add(session_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def later() -> None:
        """Emit once for the whole burst."""
        socketio.sleep(delay)
        with _pending_lock:
            _pending_counts.discard(session_id)
        with app.app_context():
            try:
                _emit_counts(session_id)
            finally:
                db.session.remove()

    socketio.start_background_task(later)


def _emit_counts(session_id: int) -> None:
    """Signal the current reaction totals to the room."""
    realtime.signal(
        realtime.live_stream(session_id),
        "reactions_changed",
        {"counts": reaction_counts(session_id)},
    )


# ----- hands up -----------------------------------------------------------------------------


def hand_of(session_id: int, pupil_id: int) -> LiveHand | None:
    """A pupil's raised hand in a session, if it is up."""
    return db.session.scalars(
        select(LiveHand).where(LiveHand.session_id == session_id, LiveHand.pupil_id == pupil_id)
    ).first()


def hands_view(session_id: int, names: bool) -> dict[str, Any]:
    """Raised hands: a count and pupils' ids for everyone, names for teachers."""
    hands = list(
        db.session.scalars(
            select(LiveHand)
            .where(LiveHand.session_id == session_id)
            .order_by(LiveHand.raised_at, LiveHand.id)
        )
    )
    view: dict[str, Any] = {"count": len(hands), "raised": [h.pupil_id for h in hands]}
    if names:
        view["people"] = [
            {
                "pupil_id": h.pupil_id,
                "name": h.pupil.display_name,
                "class_id": h.classroom_id,
                "raised_at": h.raised_at.isoformat(),
            }  # fmt: skip
            for h in hands
        ]
    return view


def _signal_hands(session_id: int) -> None:
    """Signal raised hands: numbers to everyone, names to the teachers."""
    room = realtime.live_stream(session_id)
    realtime.signal(room, "hands_changed", hands_view(session_id, names=False))
    realtime.signal(f"{room}:teachers", "hands_changed", hands_view(session_id, names=True))


def raise_hand(actor: Any, session_id: int) -> dict[str, Any]:
    """A pupil puts their hand up."""
    session = member_session(actor, session_id)
    if not authz.is_pupil(actor):
        raise Forbidden("Hands up is for pupils.")
    require_live(session, "put your hand up")
    if hand_of(session.id, actor.id) is None:
        limits.check(limits.HAND, actor.actor_key)
        db.session.add(
            LiveHand(session_id=session.id, pupil_id=actor.id, classroom_id=actor.classroom_id)
        )
        db.session.commit()
        _signal_hands(session.id)
    return {"hand_up": True}


def lower_hand(actor: Any, session_id: int, pupil_id: int | None = None) -> dict[str, Any]:
    """A pupil lowers their own hand; a teacher lowers one pupil's, or all their class's."""
    session = member_session(actor, session_id)
    stmt = delete(LiveHand).where(LiveHand.session_id == session.id)
    if authz.is_pupil(actor):
        if pupil_id not in (None, actor.id):
            raise Forbidden("You can only lower your own hand.")
        stmt = stmt.where(LiveHand.pupil_id == actor.id)
    else:
        mine = [cid for cid in session.link.class_ids if authz.teaches(actor, cid)]
        if not mine:
            raise Forbidden("Only the classes' teachers can lower hands.")
        stmt = stmt.where(LiveHand.classroom_id.in_(mine))
        if pupil_id is not None:
            hand = hand_of(session.id, pupil_id)
            if hand is None:
                return {"lowered": 0}
            if hand.classroom_id not in mine:
                raise Forbidden("The partner class's teacher lowers their pupils' hands.")
            stmt = stmt.where(LiveHand.pupil_id == pupil_id)
    lowered = db.session.execute(stmt).rowcount or 0
    db.session.commit()
    if lowered:
        _signal_hands(session.id)
    return {"lowered": lowered}
