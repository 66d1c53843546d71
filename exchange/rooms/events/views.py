"""Pages of the events area: list and planning (facilitator), invitations (teacher), showcase
preparation (teachers and pupils), the console (facilitator), the class screen, the souvenir."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from exchange import authz, realtime
from exchange.accounts.models import Role
from exchange.authz import events as event_authz
from exchange.errors import DomainError
from exchange.nav import NavItem, nav_source
from exchange.rooms.events import access, forms, services, showcase, stage
from exchange.rooms.events.calendar import event_calendar
from exchange.rooms.events.live import REACTIONS

bp = Blueprint("events", __name__)


@nav_source
def events_nav(actor: Any) -> list[NavItem]:
    """Everyone who can take part in events sees the events list."""
    return [NavItem("Events", url_for("events.index"), order=60, key="events")]


def _me() -> Any:
    return current_user._get_current_object()


def _do(action: Callable[[], Any], success: str, back: str) -> Response:
    """Run a service from a form; say what happened (or why not) on the page it came from."""
    try:
        action()
        flash(success, "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(back, code=303)


def _context(event_id: int) -> dict[str, Any]:
    """What every event page needs: the event and what this user may do with it."""
    me = _me()
    event = services.event_for(me, event_id)
    found = access.of(event)
    my_classes = event_authz.classes_in_event(me, found)
    return {
        "event": event,
        "my_classes": my_classes,
        "can_manage": event_authz.can_manage_event(me, found),
        "can_run_stage": event_authz.can_run_stage(me, found),
        "can_backchannel": event_authz.can_use_backchannel(me, found),
        "is_pupil": authz.is_pupil(me),
        "is_teacher": authz.is_staff(me) and me.role == Role.TEACHER,
    }


@bp.get("/events")
@login_required
def index():  # noqa: ANN201
    """Events I host, am invited to, or take part in; invitations to answer."""
    me = _me()
    can_create = authz.is_admin(me) or (authz.is_staff(me) and me.role == Role.FACILITATOR)
    return render_template(
        "events/index.html",
        events=services.events_for(me),
        invitations=services.invitations_for(me),
        can_create=can_create,
    )


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():  # noqa: ANN201
    """Plan a new event (facilitators; admins may span districts and name the host)."""
    me = _me()
    if not (authz.is_admin(me) or (authz.is_staff(me) and me.role == Role.FACILITATOR)):
        return render_template(
            "error.html", status=403, message="Only facilitators plan events."
        ), 403
    if request.method == "POST":
        try:
            event = services.create_event(
                me,
                title=request.form.get("title", ""),
                description=request.form.get("description", ""),
                starts_at=forms.london_time(request.form, "starts_at", "start"),
                ends_at=forms.london_time(request.form, "ends_at", "end"),
                district_ids=forms.int_list(request.form, "district_ids") or None,
                host_id=forms.int_or_none(request.form.get("host_id")),
            )
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("events/new.html", form=request.form, **_new_choices(me)), 422
        flash("Event created. Now invite links and classes.", "success")
        return redirect(url_for("events.show", event_id=event.id), code=303)
    return render_template("events/new.html", form={}, **_new_choices(me))


def _new_choices(me: Any) -> dict[str, Any]:
    return services.planning_choices(me)


@bp.get("/events/<int:event_id>")
@login_required
def show(event_id: int):  # noqa: ANN201
    """The event: details, run of show (when each class is on), invitations, helper."""
    ctx = _context(event_id)
    event = ctx["event"]
    return render_template(
        "events/event.html",
        segments=services.run_of_show(event, ctx["my_classes"]),
        invited=services.invited_classes(event),
        invitable=services.invitable(event) if ctx["can_manage"] else None,
        helpers=services.helper_choices(event) if ctx["can_manage"] else [],
        my_invitations=[i for i in event.invitations if i.classroom_id in ctx["my_classes"]],
        accepted_ids=access.of(event).accepted_ids,
        kinds=["welcome", "showcase", "activity", "goodbye"],
        **ctx,
    )


@bp.post("/events/<int:event_id>/details")
@login_required
def update(event_id: int):  # noqa: ANN201
    """Change the title, description or times."""
    back = url_for("events.show", event_id=event_id)
    form = request.form

    def change() -> None:
        services.update_event(
            _me(),
            event_id,
            title=form.get("title"),
            description=form.get("description"),
            starts_at=forms.london_time(form, "starts_at", "start"),
            ends_at=forms.london_time(form, "ends_at", "end"),
        )

    return _do(change, "Event details saved.", back)


@bp.post("/events/<int:event_id>/run-of-show")
@login_required
def run_of_show(event_id: int):  # noqa: ANN201
    """Replace the run of show."""
    back = url_for("events.show", event_id=event_id) + "#run-of-show"
    plans = forms.segments(request.form)
    return _do(lambda: services.set_run_of_show(_me(), event_id, plans), "Run of show saved.", back)


@bp.post("/events/<int:event_id>/invite")
@login_required
def invite(event_id: int):  # noqa: ANN201
    """Invite links and classes."""
    back = url_for("events.show", event_id=event_id) + "#invited"
    links, classes = (
        forms.int_list(request.form, "link_ids"),
        forms.int_list(request.form, "class_ids"),
    )
    return _do(
        lambda: services.invite(_me(), event_id, link_ids=links, class_ids=classes),
        "Invitations sent.",
        back,
    )


@bp.post("/events/<int:event_id>/uninvite")
@login_required
def uninvite(event_id: int):  # noqa: ANN201
    """Withdraw a class's invitation."""
    back = url_for("events.show", event_id=event_id) + "#invited"
    class_id = forms.int_or_none(request.form.get("classroom_id")) or 0
    return _do(lambda: services.uninvite(_me(), event_id, class_id), "Invitation withdrawn.", back)


@bp.post("/events/<int:event_id>/answer")
@login_required
def answer(event_id: int):  # noqa: ANN201
    """A teacher accepts or declines for their class."""
    back = url_for("events.show", event_id=event_id)
    accept = request.form.get("accept") == "yes"
    class_id = forms.int_or_none(request.form.get("classroom_id")) or 0
    message = "Accepted: download the calendar file below." if accept else "Declined."
    return _do(lambda: services.answer_invitation(_me(), event_id, class_id, accept), message, back)


@bp.post("/events/<int:event_id>/helper")
@login_required
def helper(event_id: int):  # noqa: ANN201
    """Name the helper teacher for shout-outs."""
    back = url_for("events.show", event_id=event_id) + "#helper"
    teacher_id = forms.int_or_none(request.form.get("teacher_id"))
    return _do(lambda: services.name_helper(_me(), event_id, teacher_id), "Helper saved.", back)


@bp.post("/events/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):  # noqa: ANN201
    """Call the event off."""
    back = url_for("events.show", event_id=event_id)
    return _do(lambda: services.cancel_event(_me(), event_id), "Event cancelled.", back)


@bp.get("/events/<int:event_id>/calendar.ics")
@login_required
def calendar(event_id: int):  # noqa: ANN201
    """The calendar file for a class that accepted (and for the event's facilitators)."""
    ctx = _context(event_id)
    event, found = ctx["event"], access.of(ctx["event"])
    if ctx["is_pupil"]:
        return render_template(
            "error.html", status=403, message="The calendar file is for teachers."
        ), 403
    accepted = [c for c in ctx["my_classes"] if c in found.accepted_ids]
    if not (accepted or ctx["can_manage"]):
        return render_template(
            "error.html", status=409, message="Accept the invitation to get the calendar file."
        ), 409
    label = next((i.classroom.label for i in event.invitations if i.classroom_id in accepted), None)
    body = event_calendar(event, url_for("events.screen", event_id=event.id, _external=True), label)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'},
    )


@bp.get("/events/<int:event_id>/showcase")
@login_required
def showcase_page(event_id: int):  # noqa: ANN201
    """Prepare showcase items and shout-outs; the facilitator approves them for the stage."""
    ctx = _context(event_id)
    me, event = _me(), ctx["event"]
    return render_template(
        "events/showcase.html",
        items=[showcase.showcase_entry(s) for s in showcase.showcase_for(me, event)],
        choosable=showcase.choosable_work(me, event),
        pending=showcase.pending_for_facilitator(me, event),
        mine=showcase.my_items(me, event),
        can_prepare=bool(ctx["my_classes"]),
        **ctx,
    )


@bp.post("/events/<int:event_id>/showcase/new")
@login_required
def showcase_new(event_id: int):  # noqa: ANN201
    """A new showcase item (a pupil's goes to their teacher first)."""
    back = url_for("events.showcase_page", event_id=event_id)
    form = request.form
    return _do(
        lambda: showcase.add_new_showcase(
            _me(),
            event_id,
            title=form.get("title", ""),
            text=form.get("text", ""),
            classroom_id=forms.int_or_none(form.get("classroom_id")),
            client_id=form.get("client_id") or None,
        ),
        "Sent: it waits for approval before it can go on the stage.",
        back,
    )


@bp.post("/events/<int:event_id>/showcase/choose")
@login_required
def showcase_choose(event_id: int):  # noqa: ANN201
    """A teacher chooses approved work for the showcase."""
    back = url_for("events.showcase_page", event_id=event_id)
    item_id = forms.int_or_none(request.form.get("item_id")) or 0
    title = request.form.get("title", "")
    return _do(
        lambda: showcase.choose_existing_work(_me(), event_id, item_id, title),
        "Chosen: it waits for the facilitator's approval.",
        back,
    )


@bp.post("/events/<int:event_id>/showcase/<int:showcase_id>/<decision>")
@login_required
def showcase_decide(event_id: int, showcase_id: int, decision: str):  # noqa: ANN201
    """Approve, return or withdraw a showcase item."""
    back = url_for("events.showcase_page", event_id=event_id)
    me, feedback = _me(), request.form.get("feedback", "")
    actions = {
        "approve": (lambda: showcase.approve_showcase(me, event_id, showcase_id), "Approved."),
        "return": (
            lambda: showcase.return_showcase(me, event_id, showcase_id, feedback),
            "Returned with your feedback.",
        ),
        "withdraw": (lambda: showcase.withdraw_showcase(me, event_id, showcase_id), "Withdrawn."),
    }
    if decision not in actions:
        return render_template("error.html", status=404, message="No such action."), 404
    action, message = actions[decision]
    return _do(action, message, back)


@bp.post("/events/<int:event_id>/items/<int:item_id>")
@login_required
def decide_item(event_id: int, item_id: int):  # noqa: ANN201
    """The facilitator (or helper, for shout-outs) approves or returns an event item."""
    back = request.form.get("back") or url_for("events.showcase_page", event_id=event_id)
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("events.showcase_page", event_id=event_id)
    approve = request.form.get("decision") == "approve"
    feedback = request.form.get("feedback", "")
    return _do(
        lambda: showcase.decide_item(_me(), event_id, item_id, approve, feedback),
        "Approved." if approve else "Returned with your feedback.",
        back,
    )


@bp.post("/events/<int:event_id>/shoutouts")
@login_required
def shoutout(event_id: int):  # noqa: ANN201
    """Send a shout-out for the wall (from the showcase page, without JavaScript)."""
    back = request.form.get("back") == "screen"
    url = url_for("events.screen" if back else "events.showcase_page", event_id=event_id)
    text, client_id = request.form.get("text", ""), request.form.get("client_id") or None
    return _do(
        lambda: showcase.send_shoutout(_me(), event_id, text, client_id=client_id),
        "Sent: your teacher reads it first.",
        url,
    )


@bp.get("/events/<int:event_id>/console")
@login_required
def console(event_id: int):  # noqa: ANN201
    """The facilitator's console: run of show, roll call, ready items, stage controls."""
    ctx = _context(event_id)
    if not ctx["can_run_stage"]:
        return render_template(
            "error.html", status=403, message="Only the event's facilitator runs the console."
        ), 403
    me, event = _me(), ctx["event"]
    staff_seq, messages = stage.staff_messages(event)
    ready = [s for s in showcase.showcase_for(me, event) if showcase.is_ready(s)]
    return render_template(
        "events/console.html",
        segments=services.run_of_show(event),
        ready=[showcase.showcase_entry(s) for s in ready],
        pending=showcase.pending_for_facilitator(me, event),
        invited=services.invited_classes(event),
        staff_seq=staff_seq,
        messages=messages,
        staff_stream=realtime.event_staff_stream(event.id),
        **ctx,
    )


@bp.get("/events/<int:event_id>/screen")
@login_required
def screen(event_id: int):  # noqa: ANN201
    """The class screen: large, for a projector; it follows the stage live."""
    ctx = _context(event_id)
    event = ctx["event"]
    staff_seq, messages = (
        stage.staff_messages(event) if ctx["can_backchannel"] and ctx["is_teacher"] else (0, [])
    )
    return render_template(
        "events/screen.html",
        reactions=REACTIONS,
        staff_seq=staff_seq,
        messages=messages,
        staff_stream=realtime.event_staff_stream(event.id),
        my_class=ctx["my_classes"][0] if ctx["my_classes"] else None,
        **ctx,
    )


@bp.get("/events/<int:event_id>/souvenir")
@login_required
def souvenir(event_id: int):  # noqa: ANN201
    """The printable souvenir of an ended event."""
    ctx = _context(event_id)
    try:
        data = stage.souvenir_for(_me(), event_id)
    except DomainError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    return render_template("events/souvenir.html", souvenir=data, **ctx)


@bp.app_template_filter("london_iso")
def london_iso(value: str, fmt: str = "%H:%M") -> str:
    """An ISO time from a service's dict, shown in UK time (default: hours and minutes)."""
    from datetime import datetime

    from exchange.rooms.events.forms import LONDON

    try:
        return datetime.fromisoformat(value).astimezone(LONDON).strftime(fmt)
    except (TypeError, ValueError):
        return ""
