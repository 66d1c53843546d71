"""JSON API of the live area, under /api/v1: the same services and rules as pages and sockets."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from exchange import authz
from exchange.errors import NotFound
from exchange.rooms.live import calendar, schemas, services

blp = Blueprint(
    "api_live",
    __name__,
    url_prefix="/api/v1",
    description="Scheduled live sessions: the virtual linking day.",
)
SESSION = "/live/sessions/<int:session_id>"


def _me() -> Any:
    """The signed-in user, or 401."""
    if not authz.is_signed_in(current_user):
        abort(401)
    return current_user._get_current_object()


def _plan(data: dict[str, Any]) -> services.Plan:
    """A plan from an API body (the default agenda when none is given)."""
    segments = data.get("segments")
    return services.Plan(
        title=data["title"],
        day=data["date"],
        start=data["start_time"],
        end=data["end_time"],
        segments=services.default_segments()
        if segments is None
        else [services.SegmentPlan(s["kind"], s["title"], s["minutes"]) for s in segments],
    )


@blp.get("/live/sessions")
@blp.arguments(schemas.ListQuerySchema, location="query")
@blp.response(200, schemas.SessionListSchema)
def list_sessions(query: dict[str, Any]) -> dict[str, Any]:
    """Sessions this user may see: upcoming (default) or past, optionally of one class."""
    me = _me()
    found = services.sessions_for(me, classroom_id=query["class_id"], past=query["past"])
    return {"sessions": [services.session_view(me, s) for s in found]}


@blp.post("/links/<int:link_id>/live/sessions")
@blp.arguments(schemas.PlanSchema)
@blp.response(201, schemas.SessionOutSchema)
def schedule_session(data: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Propose a session (a teacher of either class); the other class's teacher confirms."""
    me = _me()
    return services.session_view(me, services.schedule(me, link_id, _plan(data)))


@blp.get(SESSION)
@blp.response(200, schemas.SessionOutSchema)
def get_session(session_id: int) -> dict[str, Any]:
    """One session: plan, phase and what this user may do."""
    me = _me()
    return services.session_view(me, services.viewable(me, session_id))


@blp.patch(SESSION)
@blp.arguments(schemas.PlanSchema)
@blp.response(200, schemas.SessionOutSchema)
def reschedule_session(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Change the plan; a new time goes back to the other teacher for confirmation."""
    me = _me()
    return services.session_view(me, services.reschedule(me, session_id, _plan(data)))


@blp.post(f"{SESSION}/confirm")
@blp.response(200, schemas.SessionOutSchema)
def confirm_session(session_id: int) -> dict[str, Any]:
    """Confirm a proposal (a teacher of the class that did not propose it)."""
    me = _me()
    return services.session_view(me, services.confirm(me, session_id))


@blp.post(f"{SESSION}/cancel")
@blp.arguments(schemas.CancelBodySchema)
@blp.response(200, schemas.SessionOutSchema)
def cancel_session(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Call a session off (or decline a proposal)."""
    me = _me()
    return services.session_view(me, services.cancel(me, session_id, data["reason"]))


@blp.get(f"{SESSION}/calendar.ics")
@blp.doc(responses={200: {"description": "An iCalendar file", "content": {"text/calendar": {}}}})
def session_calendar(session_id: int) -> Response:
    """The calendar file (teachers of the two classes)."""
    me = _me()
    session = services.viewable(me, session_id)
    if not authz.rooms.can_download_calendar(me, session):
        raise NotFound("There is no calendar file like that for you.")
    page = url_for("live.session_page", session_id=session.id, _external=True)
    return Response(calendar.session_calendar(session, page), mimetype="text/calendar")


@blp.get(f"{SESSION}/snapshot")
@blp.response(200, schemas.SnapshotSchema)
def session_snapshot(session_id: int) -> dict[str, Any]:
    """Everything the session screen shows now (members of the two classes)."""
    me = _me()
    return services.snapshot(me, services.member_session(me, session_id))


@blp.get(f"{SESSION}/messages")
@blp.response(200, schemas.ChatListSchema)
def list_messages(session_id: int) -> dict[str, Any]:
    """Approved chat in the order everyone sees it, and your own waiting or returned messages."""
    me = _me()
    session = services.member_session(me, session_id)
    return {
        "messages": services.approved_messages(me, session),
        "mine": services.own_messages(me, session),
    }


@blp.post(f"{SESSION}/messages")
@blp.arguments(schemas.MessageBodySchema)
@blp.response(201, schemas.MessageAckSchema)
def send_message(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Send a chat message (stored once per client_id; a pupil's waits for their teacher)."""
    return services.send_message(_me(), session_id, data["text"], data["client_id"])


@blp.get(f"{SESSION}/queue")
@blp.response(200, schemas.QueueSchema)
def live_queue(session_id: int) -> dict[str, Any]:
    """Messages of this session waiting for your decision (teachers)."""
    me = _me()
    return {"items": services.live_queue(me, services.teacher_session(me, session_id))}


@blp.post(f"{SESSION}/queue/<int:item_id>/approve")
@blp.response(200, schemas.ResultSchema)
def approve_message(session_id: int, item_id: int) -> dict[str, Any]:
    """Approve a waiting message: both classes' screens show it."""
    return services.approve_message(_me(), session_id, item_id)


@blp.post(f"{SESSION}/queue/<int:item_id>/return")
@blp.arguments(schemas.FeedbackBodySchema)
@blp.response(200, schemas.ResultSchema)
def return_message(data: dict[str, Any], session_id: int, item_id: int) -> dict[str, Any]:
    """Return a message to its pupil with a word of feedback."""
    return services.return_message(_me(), session_id, item_id, data["feedback"])


@blp.post(f"{SESSION}/reactions")
@blp.arguments(schemas.ReactionBodySchema)
@blp.response(200, schemas.ResultSchema)
def react(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Send a reaction from the safe set."""
    return services.react(_me(), session_id, data["reaction"])


@blp.post(f"{SESSION}/hands/raise")
@blp.response(200, schemas.ResultSchema)
def raise_hand(session_id: int) -> dict[str, Any]:
    """Put your hand up (pupils)."""
    return services.raise_hand(_me(), session_id)


@blp.post(f"{SESSION}/hands/lower")
@blp.arguments(schemas.LowerHandBodySchema)
@blp.response(200, schemas.ResultSchema)
def lower_hand(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Lower your hand, or (teachers) one pupil's or all of your class's."""
    return services.lower_hand(_me(), session_id, data["pupil_id"])


@blp.put(f"{SESSION}/stage")
@blp.arguments(schemas.StageBodySchema)
@blp.response(200, schemas.ResultSchema)
def set_stage(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Put an approved post or question on every screen (null clears it)."""
    return services.show_on_stage(_me(), session_id, data["item_id"])


@blp.put(f"{SESSION}/segment")
@blp.arguments(schemas.SegmentBodySchema)
@blp.response(200, schemas.ResultSchema)
def set_segment(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Move every screen to an agenda segment."""
    return services.goto_segment(_me(), session_id, data["position"])


@blp.put(f"{SESSION}/chat-paused")
@blp.arguments(schemas.PauseBodySchema)
@blp.response(200, schemas.ResultSchema)
def pause_chat(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Pause or resume pupils' chat."""
    return services.pause_chat(_me(), session_id, data["paused"])


@blp.post(f"{SESSION}/end")
@blp.response(200, schemas.ResultSchema)
def end_session(session_id: int) -> dict[str, Any]:
    """End the session for everyone."""
    return services.end_session(_me(), session_id)


@blp.get(f"{SESSION}/teacher-messages")
@blp.response(200, schemas.NoteListSchema)
def teacher_messages(session_id: int) -> dict[str, Any]:
    """The teachers' private channel so far."""
    me = _me()
    return {"notes": services.teacher_notes(me, services.teacher_session(me, session_id))}


@blp.post(f"{SESSION}/teacher-messages")
@blp.arguments(schemas.MessageBodySchema)
@blp.response(201, schemas.NoteSchema)
def send_teacher_message(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Write to the partner teacher."""
    return services.send_teacher_note(_me(), session_id, data["text"], data["client_id"])


@blp.get(f"{SESSION}/transcript")
@blp.response(200, schemas.TranscriptSchema)
def transcript(session_id: int) -> dict[str, Any]:
    """The transcript: approved messages and stage moments in order (the two teachers)."""
    return services.transcript(_me(), session_id)
