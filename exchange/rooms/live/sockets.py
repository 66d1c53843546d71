"""Socket.IO commands of the live area: each validates its payload, calls one service and
acknowledges (`{"ok": true, ...}` or `{"ok": false, "error", "message"}`); see docs/live.md."""

from __future__ import annotations

from typing import Any

from exchange.rooms.live import schemas, services
from exchange.sockets import socket_command


@socket_command("live_join", schemas.SessionRefSchema)
def live_join(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Enter a session's room: presence while open, and the snapshot of its screen."""
    return services.join(actor, data["session_id"])


@socket_command("live_leave", schemas.SessionRefSchema)
def live_leave(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Leave the room."""
    return services.leave(actor, data["session_id"])


@socket_command("live_send_message", schemas.SendMessageSchema)
def live_send_message(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Send a chat message; acknowledged once it is stored."""
    return services.send_message(actor, data["session_id"], data["text"], data["client_id"])


@socket_command("live_approve", schemas.DecideSchema)
def live_approve(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Approve a message from the live queue."""
    return services.approve_message(actor, data["session_id"], data["item_id"])


@socket_command("live_return", schemas.ReturnSchema)
def live_return(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Return a message to its pupil with feedback."""
    return services.return_message(actor, data["session_id"], data["item_id"], data["feedback"])


@socket_command("live_react", schemas.ReactSchema)
def live_react(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Send a reaction from the safe set."""
    return services.react(actor, data["session_id"], data["reaction"])


@socket_command("live_raise_hand", schemas.SessionRefSchema)
def live_raise_hand(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A pupil puts their hand up."""
    return services.raise_hand(actor, data["session_id"])


@socket_command("live_lower_hand", schemas.LowerHandSchema)
def live_lower_hand(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Lower a hand (or, for a teacher without pupil_id, all of their class's)."""
    return services.lower_hand(actor, data["session_id"], data["pupil_id"])


@socket_command("live_show_on_stage", schemas.StageSchema)
def live_show_on_stage(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Put an approved post or question on every screen (item_id null clears the stage)."""
    return services.show_on_stage(actor, data["session_id"], data["item_id"])


@socket_command("live_goto_segment", schemas.SegmentSchema)
def live_goto_segment(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Move every screen to an agenda segment."""
    return services.goto_segment(actor, data["session_id"], data["position"])


@socket_command("live_pause_chat", schemas.PauseSchema)
def live_pause_chat(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Pause or resume pupils' chat."""
    return services.pause_chat(actor, data["session_id"], data["paused"])


@socket_command("live_end_session", schemas.SessionRefSchema)
def live_end_session(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """End the session for everyone."""
    return services.end_session(actor, data["session_id"])


@socket_command("live_send_teacher_message", schemas.TeacherNoteSchema)
def live_send_teacher_message(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Write to the partner teacher on the private channel."""
    return services.send_teacher_note(actor, data["session_id"], data["text"], data["client_id"])


@socket_command("live_queue", schemas.SessionRefSchema)
def live_queue(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Re-read the teacher's live queue (after a reconnect)."""
    session = services.teacher_session(actor, data["session_id"])
    return {"items": services.live_queue(actor, session)}
