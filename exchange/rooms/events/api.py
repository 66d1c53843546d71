"""JSON API of the events area, under /api/v1: everything the pages and sockets do."""

from __future__ import annotations

from typing import Any

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from exchange.authz import events as event_authz
from exchange.errors import Forbidden
from exchange.rooms.events import access, schemas, services, showcase, stage
from exchange.rooms.events.models import CelebrationEvent

blp = Blueprint(
    "api_events",
    __name__,
    url_prefix="/api/v1",
    description="District-wide celebration events hosted by facilitators.",
)


def _me() -> Any:
    return current_user._get_current_object()


def _ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}


def event_dict(event: CelebrationEvent, actor: Any) -> dict[str, Any]:
    """An event with its run of show and invitations, as this user sees it."""
    found = access.of(event)
    mine = event_authz.classes_in_event(actor, found)
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "state": event.state.value,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "district_ids": event.district_ids,
        "host": event.host.display_name,
        "helper": event.helper.display_name if event.helper else None,
        "my_class_ids": mine,
        "segments": services.run_of_show(event, mine),
        "invitations": services.invited_classes(event),
    }


def _plans(rows: list[dict[str, Any]] | None) -> list[services.SegmentPlan] | None:
    return None if rows is None else [services.SegmentPlan(**row) for row in rows]


@blp.route("/events", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def list_events() -> dict[str, Any]:
    """The events this user hosts, is invited to, or takes part in."""
    me = _me()
    return _ok([event_dict(e, me) for e in services.events_for(me)])


@blp.route("/events", methods=["POST"])
@login_required
@blp.arguments(schemas.EventCreateSchema)
@blp.response(201, schemas.ResultSchema)
def create_event(args: dict[str, Any]) -> dict[str, Any]:
    """Plan an event (facilitators for their district; admins across districts with a host)."""
    me = _me()
    segments = _plans(args.pop("segments"))
    event = services.create_event(me, segments=segments, **args)
    return _ok(event_dict(event, me))


@blp.route("/events/<int:event_id>", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def get_event(event_id: int) -> dict[str, Any]:
    """One event: details, run of show (with when my class is on), invitations."""
    me = _me()
    return _ok(event_dict(services.event_for(me, event_id), me))


@blp.route("/events/<int:event_id>", methods=["PATCH"])
@login_required
@blp.arguments(schemas.EventUpdateSchema)
@blp.response(200, schemas.ResultSchema)
def update_event(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Change the title, description or times."""
    me = _me()
    return _ok(event_dict(services.update_event(me, event_id, **args), me))


@blp.route("/events/<int:event_id>/cancel", methods=["POST"])
@login_required
@blp.response(200, schemas.ResultSchema)
def cancel_event(event_id: int) -> dict[str, Any]:
    """Call off an event that has not started."""
    me = _me()
    return _ok(event_dict(services.cancel_event(me, event_id), me))


@blp.route("/events/<int:event_id>/run-of-show", methods=["PUT"])
@login_required
@blp.arguments(schemas.RunOfShowSchema)
@blp.response(200, schemas.ResultSchema)
def put_run_of_show(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Replace the run of show (before the event starts)."""
    me = _me()
    event = services.set_run_of_show(me, event_id, _plans(args["segments"]) or [])
    return _ok(event_dict(event, me))


@blp.route("/events/<int:event_id>/invitations", methods=["POST"])
@login_required
@blp.arguments(schemas.InviteSchema)
@blp.response(201, schemas.ResultSchema)
def invite(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Invite links (both classes) and classes."""
    me = _me()
    services.invite(me, event_id, link_ids=args["link_ids"], class_ids=args["class_ids"])
    return _ok(event_dict(services.event_for(me, event_id), me))


@blp.route("/events/<int:event_id>/invitations/<int:classroom_id>", methods=["DELETE"])
@login_required
@blp.response(200, schemas.ResultSchema)
def uninvite(event_id: int, classroom_id: int) -> dict[str, Any]:
    """Withdraw a class's invitation."""
    services.uninvite(_me(), event_id, classroom_id)
    return _ok(None)


@blp.route("/events/<int:event_id>/answer", methods=["POST"])
@login_required
@blp.arguments(schemas.AnswerSchema)
@blp.response(200, schemas.ResultSchema)
def answer(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """A teacher accepts or declines for their class (then GET the page's calendar.ics)."""
    invitation = services.answer_invitation(_me(), event_id, args["classroom_id"], args["accept"])
    return _ok({"classroom_id": invitation.classroom_id, "status": invitation.status.value})


@blp.route("/events/<int:event_id>/helper", methods=["PUT"])
@login_required
@blp.arguments(schemas.HelperSchema)
@blp.response(200, schemas.ResultSchema)
def put_helper(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Name (or clear) the helper teacher who may approve shout-outs."""
    me = _me()
    return _ok(event_dict(services.name_helper(me, event_id, args["teacher_id"]), me))


@blp.route("/events/<int:event_id>/showcase", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def list_showcase(event_id: int) -> dict[str, Any]:
    """Showcase items this user may see, with their status."""
    me = _me()
    event = services.event_for(me, event_id)
    return _ok([showcase.showcase_entry(s) for s in showcase.showcase_for(me, event)])


@blp.route("/events/<int:event_id>/showcase", methods=["POST"])
@login_required
@blp.arguments(schemas.ShowcaseNewSchema)
@blp.response(201, schemas.ResultSchema)
def add_showcase(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """A new showcase item (through the approval rule, then the facilitator)."""
    made = showcase.add_new_showcase(_me(), event_id, **args)
    return _ok(showcase.showcase_entry(made))


@blp.route("/events/<int:event_id>/showcase/choose", methods=["POST"])
@login_required
@blp.arguments(schemas.ShowcaseChooseSchema)
@blp.response(201, schemas.ResultSchema)
def choose_showcase(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """A teacher chooses their class's approved work for the showcase."""
    made = showcase.choose_existing_work(_me(), event_id, args["item_id"], args["title"])
    return _ok(showcase.showcase_entry(made))


@blp.route("/events/<int:event_id>/showcase/<int:showcase_id>/approve", methods=["POST"])
@login_required
@blp.response(200, schemas.ResultSchema)
def approve_showcase(event_id: int, showcase_id: int) -> dict[str, Any]:
    """The facilitator approves an item for the stage."""
    return _ok(showcase.showcase_entry(showcase.approve_showcase(_me(), event_id, showcase_id)))


@blp.route("/events/<int:event_id>/showcase/<int:showcase_id>/return", methods=["POST"])
@login_required
@blp.arguments(schemas.FeedbackSchema)
@blp.response(200, schemas.ResultSchema)
def return_showcase(args: dict[str, Any], event_id: int, showcase_id: int) -> dict[str, Any]:
    """The facilitator returns an item with feedback."""
    made = showcase.return_showcase(_me(), event_id, showcase_id, args["feedback"])
    return _ok(showcase.showcase_entry(made))


@blp.route("/events/<int:event_id>/showcase/<int:showcase_id>/withdraw", methods=["POST"])
@login_required
@blp.response(200, schemas.ResultSchema)
def withdraw_showcase(event_id: int, showcase_id: int) -> dict[str, Any]:
    """A teacher of the class withdraws its item."""
    return _ok(showcase.showcase_entry(showcase.withdraw_showcase(_me(), event_id, showcase_id)))


@blp.route("/events/<int:event_id>/pending", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def pending(event_id: int) -> dict[str, Any]:
    """Items of this event waiting for my decision at the facilitator stage."""
    me = _me()
    return _ok(showcase.pending_for_facilitator(me, services.event_for(me, event_id)))


@blp.route("/events/<int:event_id>/shoutouts", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def list_shoutouts(event_id: int) -> dict[str, Any]:
    """The shout-out wall (approved only)."""
    return _ok(showcase.approved_shoutouts(services.event_for(_me(), event_id)))


@blp.route("/events/<int:event_id>/shoutouts", methods=["POST"])
@login_required
@blp.arguments(schemas.ShoutoutSchema)
@blp.response(201, schemas.ResultSchema)
def send_shoutout(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Send a shout-out (own teacher, then the facilitator or helper)."""
    shout = showcase.send_shoutout(_me(), event_id, args["text"], client_id=args["client_id"])
    return _ok({"shoutout_id": shout.id, "item_id": shout.item_id, "state": shout.item.state.value})


@blp.route("/events/<int:event_id>/stage", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def get_stage(event_id: int) -> dict[str, Any]:
    """The current snapshot: stage, run of show, wall, with its sequence number."""
    services.event_for(_me(), event_id)
    return _ok(stage.snapshot(event_id))


@blp.route("/events/<int:event_id>/stage", methods=["POST"])
@login_required
@blp.arguments(schemas.StageActionSchema)
@blp.response(200, schemas.ResultSchema)
def stage_action(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """A stage action of the event's facilitator (the same as the console's socket command)."""
    args.pop("event_id", None)
    return _ok(stage.act(_me(), event_id, args.pop("action"), **args))


@blp.route("/events/<int:event_id>/staff-messages", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def staff_messages(event_id: int) -> dict[str, Any]:
    """The backchannel (teachers and the facilitator)."""
    me = _me()
    event = services.event_for(me, event_id)
    if not event_authz.can_use_backchannel(me, access.of(event)):
        raise Forbidden("The backchannel is for teachers and the facilitator.")
    seq, messages = stage.staff_messages(event)
    return _ok({"seq": seq, "messages": messages})


@blp.route("/events/<int:event_id>/staff-messages", methods=["POST"])
@login_required
@blp.arguments(schemas.StaffMessageSchema)
@blp.response(201, schemas.ResultSchema)
def post_staff_message(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Write on the backchannel."""
    return _ok(stage.send_staff_message(_me(), event_id, args["text"]))


@blp.route("/events/<int:event_id>/souvenir", methods=["GET"])
@login_required
@blp.response(200, schemas.ResultSchema)
def get_souvenir(event_id: int) -> dict[str, Any]:
    """The souvenir of an ended event."""
    return _ok(stage.souvenir_for(_me(), event_id))
