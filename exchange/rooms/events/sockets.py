"""Socket.IO handlers of the events area: join a screen, run the stage, react, backchannel."""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from exchange import realtime
from exchange.extensions import socketio
from exchange.rooms.events import live, showcase, stage
from exchange.rooms.events.schemas import (
    JoinEventSchema,
    ShoutoutSchema,
    StaffMessageSchema,
    StageActionSchema,
)
from exchange.sockets import DISCONNECT_HOOKS, current_sid, socket_command


@socket_command("join_event", JoinEventSchema)
def join_event(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Join an event's screen: the room, the roll call and the snapshot in one answer."""
    event_id = data["event_id"]
    joined = stage.join_screen(
        actor,
        event_id,
        current_sid(),
        data.get("classroom_id"),
        join=lambda: join_room(realtime.event_stream(event_id)),
    )
    return {"snapshot": joined}


@socket_command("leave_event", JoinEventSchema)
def leave_event(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Leave an event's screen."""
    stage.leave_screen(current_sid())
    leave_room(realtime.event_stream(data["event_id"]))
    return {}


@socket_command("stage_action", StageActionSchema)
def stage_action(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The facilitator changes the stage; every screen follows."""
    view = stage.act(
        actor,
        data["event_id"],
        data["action"],
        position=data.get("position"),
        showcase_id=data.get("showcase_id"),
        classroom_id=data.get("classroom_id"),
    )
    return {"stage_version": view["version"], "state": view["state"]}


@socket_command("send_staff_message", StaffMessageSchema)
def send_staff_message(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Write on the teachers' backchannel."""
    return {"message": stage.send_staff_message(actor, data["event_id"], data["text"])}


@socket_command("send_shoutout", ShoutoutSchema)
def send_shoutout(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Send a shout-out for the wall (it waits for the teacher, then the facilitator)."""
    shout = showcase.send_shoutout(
        actor, data["event_id"], data["text"], client_id=data.get("client_id")
    )
    return {"shoutout_id": shout.id, "item_id": shout.item_id, "state": shout.item.state.value}


def react(sid: str, payload: Any = None) -> dict[str, Any]:
    """A reaction or applause click: the hot path, so no query, no broadcast, no Flask context.

    Deliberately not a @socket_command: it runs up to a thousand times a second, and the
    screen's authorisation was checked when it joined (the hub only counts joined screens).
    """
    environ = socketio.server.get_environ(sid) or {}
    hub = live.existing_hub(environ.get("flask.app"))
    if hub is None:  # no screen of this app has joined an event yet
        return live.not_joined()
    return hub.react(sid, payload)


def _forget_screen(sid: str) -> None:
    """A closing socket leaves the roll call at the next tick."""
    stage.leave_screen(sid)


# Registered on python-socketio's own server rather than through Flask-SocketIO, whose wrapper
# builds a Flask request context (URL matching, the session, teardown) for every event: a
# quarter of a millisecond, times a thousand clicks a second. Flask-SocketIO registers its
# `handlers` again on every init_app, so the handler survives a re-bound app.
socketio.handlers.append(("react", react, "/"))
if socketio.server is not None:
    socketio.server.on("react", react, namespace="/")
DISCONNECT_HOOKS.append(_forget_screen)
