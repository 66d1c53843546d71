"""Pages of the live area: session lists with countdowns, planning, the session room, the
calendar file and the transcript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from exchange import authz, realtime
from exchange.accounts.models import Classroom, Link
from exchange.errors import Conflict, DomainError, Forbidden, NotFound
from exchange.extensions import db
from exchange.nav import NavItem, nav_source
from exchange.rooms.live import calendar, services, timing
from exchange.rooms.live.forms import CancelForm, ConfirmForm, ScheduleForm

bp = Blueprint("live", __name__)


def _me() -> Any:
    """The signed-in user itself (not the proxy)."""
    return current_user._get_current_object()


@nav_source(keep=True)
def live_nav(actor: Any) -> list[NavItem]:
    """ "Live sessions" for pupils, teachers and facilitators (with proposals to confirm)."""
    if authz.is_pupil(actor) or (authz.is_staff(actor) and actor.role.value != "admin"):
        waiting = len(services.awaiting_confirmation(actor)) if authz.is_staff(actor) else 0
        return [
            NavItem("Live sessions", url_for("live.index"), order=40, count=waiting, key="live")
        ]
    return []


@bp.get("/live")
@login_required
def index():  # noqa: ANN201
    """Everything coming up for this user, proposals to confirm, and past sessions."""
    me = _me()
    return render_template(
        "live/index.html",
        upcoming=[services.session_view(me, s) for s in services.sessions_for(me)],
        past=[services.session_view(me, s) for s in services.sessions_for(me, past=True, limit=20)],
        awaiting=[services.session_view(me, s) for s in services.awaiting_confirmation(me)],
        links=services.links_to_plan(me),
        server_now=timing.now().isoformat(),
    )


@bp.get("/classes/<int:class_id>/live")
@login_required
def class_sessions(class_id: int):  # noqa: ANN201
    """A class's upcoming sessions with countdowns (linked from the class's page)."""
    me = _me()
    classroom = db.session.get(Classroom, class_id)
    if classroom is None or not (
        authz.can_view_class(me, classroom) or authz.is_pupil_of(me, class_id)
    ):
        raise NotFound("That class does not exist.")
    sessions = services.sessions_for(me, classroom_id=class_id)
    return render_template(
        "live/class.html",
        classroom=classroom,
        upcoming=[services.session_view(me, s) for s in sessions],
        server_now=timing.now().isoformat(),
    )


@bp.route("/links/<int:link_id>/live/new", methods=["GET", "POST"])
@login_required
def schedule(link_id: int):  # noqa: ANN201
    """Propose a live session to the partner class's teacher."""
    me = _me()
    link = db.session.get(Link, link_id)
    if link is None or not authz.can_view_link(me, link):
        raise NotFound("That link does not exist.")
    if not authz.rooms.can_schedule_session(me, link):
        raise Forbidden("Only the two classes' teachers can plan sessions for an active link.")
    form = ScheduleForm()
    if request.method == "GET":
        form.fill_agenda(services.default_segments())
    if form.validate_on_submit():
        try:
            session = services.schedule(me, link.id, form.plan())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash("Session proposed. The partner class's teacher has been asked to confirm.")
            return redirect(url_for("live.session_page", session_id=session.id))
    return render_template("live/schedule.html", form=form, link=link, session=None), (
        422 if form.errors else 200
    )


@bp.route("/live/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):  # noqa: ANN201
    """Reschedule or change the agenda; a new time needs the other teacher's confirmation."""
    me = _me()
    session = services.viewable(me, session_id)
    if not authz.rooms.can_plan_session(me, session):
        raise Forbidden("Only the two classes' teachers can change a live session.")
    if not services.session_view(me, session)["can"]["plan"]:
        raise Conflict("A session can be changed only until its lobby opens.")
    form = ScheduleForm()
    if request.method == "GET":
        plan = services.plan_of(session)
        form.title.data, form.date.data = plan.title, plan.day
        form.start_time.data, form.end_time.data = plan.start, plan.end
        form.fill_agenda(plan.segments)
    if form.validate_on_submit():
        try:
            services.reschedule(me, session.id, form.plan())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash("Session updated. The other teacher has been told.")
            return redirect(url_for("live.session_page", session_id=session.id))
    return render_template("live/schedule.html", form=form, link=session.link, session=session), (
        422 if form.errors else 200
    )


def _form_error(form: ScheduleForm, exc: DomainError) -> None:
    """Show a service's refusal beside the field it is about."""
    target = getattr(form, exc.field or "", None) if exc.field != "segments" else None
    errors = target.errors if target is not None else form.form_errors
    if isinstance(errors, tuple):
        errors = list(errors)
        if target is not None:
            target.errors = errors
    errors.append(exc.message)


@bp.post("/live/<int:session_id>/confirm")
@login_required
def confirm(session_id: int):  # noqa: ANN201
    """Confirm the proposed session."""
    services.confirm(_me(), session_id)
    flash("Session confirmed. It now appears on both classes' pages.")
    return redirect(url_for("live.session_page", session_id=session_id))


@bp.route("/live/<int:session_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(session_id: int):  # noqa: ANN201
    """Call the session off, with a reason for the other teacher."""
    me = _me()
    session = services.viewable(me, session_id)
    if not authz.rooms.can_plan_session(me, session):
        raise Forbidden("Only the two classes' teachers can cancel a live session.")
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel(me, session.id, form.reason.data or "")
        flash("Session cancelled. The other teacher has been told.")
        return redirect(url_for("live.index"))
    return render_template(
        "live/cancel.html", form=form, session=services.session_view(me, session)
    )


@bp.get("/live/<int:session_id>")
@login_required
def session_page(session_id: int):  # noqa: ANN201
    """The session: its plan before it opens, the room while open, the record afterwards."""
    me = _me()
    session = services.viewable(me, session_id)
    view = services.session_view(me, session)
    room = None
    if view["can"]["join"]:
        room = services.snapshot(me, session)
        room["me"] = _me_view(me, session)
        room["server_now"] = timing.now().isoformat()
    return render_template(
        "live/session.html",
        session=view,
        room=room,
        reactions=services.REACTIONS,
        message_max=services.MESSAGE_MAX,
        confirm_form=ConfirmForm(),
        server_now=timing.now().isoformat(),
    )


def _me_view(me: Any, session: Any) -> dict[str, Any]:
    """Who the page's script is running for, and the streams it follows."""
    teacher = authz.teaches_in_link(me, session.link)
    class_id = authz.class_of_actor_in_link(me, session.link)
    streams = {}
    if authz.is_pupil(me):
        stream = realtime.pupil_stream(me.id)
        streams["pupil"] = {"stream": stream, "seq": realtime.last_seq(stream)}
    if teacher:
        stream = realtime.queue_stream(class_id)
        streams["queue"] = {"stream": stream, "seq": realtime.last_seq(stream)}
    return {
        "role": "teacher" if teacher else "pupil",
        "id": me.id,
        "name": me.display_name,
        "class_id": class_id,
        "streams": streams,
    }


@bp.get("/live/<int:session_id>/calendar.ics")
@login_required
def calendar_file(session_id: int):  # noqa: ANN201
    """The session's calendar entry for the teachers (same UID, newer SEQUENCE on changes)."""
    me = _me()
    session = services.viewable(me, session_id)
    if not authz.rooms.can_download_calendar(me, session):
        raise NotFound("There is no calendar file like that for you.")
    body = calendar.session_calendar(
        session, url_for("live.session_page", session_id=session.id, _external=True)
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{calendar.filename(session)}"',
        },
    )


@bp.get("/live/<int:session_id>/transcript")
@login_required
def transcript(session_id: int):  # noqa: ANN201
    """The record of the session: approved messages and stage moments, in order."""
    return render_template("live/transcript.html", data=services.transcript(_me(), session_id))


@bp.get("/live/<int:session_id>/transcript.<any(txt, csv):fmt>")
@login_required
def transcript_export(session_id: int, fmt: str):  # noqa: ANN201
    """The transcript as a text or CSV file."""
    data = services.transcript(_me(), session_id)
    body = services.as_text(data) if fmt == "txt" else services.as_csv(data)
    mimetype = "text/plain" if fmt == "txt" else "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": (
                f'attachment; filename="live-session-{session_id}-transcript.{fmt}"'
            )
        },
    )
