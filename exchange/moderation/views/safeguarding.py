"""Safeguarding pages: a teacher raises a concern; the school's designated safeguarding lead
reads the restricted log and acknowledges. Nobody else can open the log or a concern."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from exchange import authz, realtime
from exchange.accounts.models import Pupil
from exchange.authz import moderation as may
from exchange.errors import DomainError, Forbidden, NotFound
from exchange.extensions import db
from exchange.moderation import safeguarding, services
from exchange.moderation.models import ModerationItem
from exchange.moderation.present import concern_row, entry_for
from exchange.moderation.views import bp
from exchange.moderation.views.helpers import actor, staff_page


def _teacher(user: Any) -> Any:
    """Only teachers with a school raise concerns (to that school's lead)."""
    if not may.can_raise_concern(user):
        raise Forbidden("Safeguarding concerns are raised by teachers, to their school's lead.")
    return user


def _form_context(user: Any, item_id: int | None, pupil_id: int | None) -> dict[str, Any]:
    """What the concern is about (an item the teacher can see, or one of their pupils)."""
    context: dict[str, Any] = {"item": None, "pupil": None}
    if item_id is not None:
        item = db.session.get(ModerationItem, item_id)
        if item is None or not services.can_view_item(user, item):
            raise NotFound("That item does not exist.")
        context["item"] = entry_for(item, user)
    if pupil_id is not None:
        pupil = db.session.get(Pupil, pupil_id)
        if pupil is None or not authz.teaches(user, pupil.classroom_id):
            raise NotFound("That pupil is not in your class.")
        context["pupil"] = pupil
    return context


def _render_form(
    user: Any,
    item_id: int | None,
    pupil_id: int | None,
    *,
    error: str | None = None,
    details: str = "",
    status: int = 200,
) -> tuple[str, int]:
    """The concern form, with the teacher's own earlier concerns and who will read it."""
    pupils = [p for c in user.classrooms for p in c.pupils if p.active]
    page = render_template(
        "moderation/concern_new.html",
        **_form_context(user, item_id, pupil_id),
        pupils=pupils,
        leads=safeguarding.leads_of(user.school_id),
        mine=[concern_row(c) for c in safeguarding.concerns_for(user) if c.raised_by_id == user.id],
        error=error,
        details=details,
        item_id=item_id,
        pupil_id=pupil_id,
    )
    return page, status


def _id_arg(name: str) -> int | None:
    """A positive id from the query string or form, or None."""
    value = request.values.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/concerns/new")
@staff_page
def new_concern():  # noqa: ANN201
    """The form to raise a concern about an item (?item=) or a pupil (?pupil=)."""
    user = _teacher(actor())
    return _render_form(user, _id_arg("item"), _id_arg("pupil"))


@bp.post("/concerns")
@staff_page
def raise_concern():  # noqa: ANN201
    """Raise the concern to the school's designated safeguarding lead."""
    user = _teacher(actor())
    item_id, pupil_id = _id_arg("item"), _id_arg("pupil")
    details = request.form.get("details", "")
    try:
        safeguarding.raise_concern(user, details, item_id=item_id, pupil_id=pupil_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _render_form(
            user, item_id, pupil_id, error=exc.message, details=details, status=exc.status
        )
    leads = safeguarding.leads_of(user.school_id)
    if leads:
        names = ", ".join(lead.display_name for lead in leads)
        flash(f"Your concern was passed to your designated safeguarding lead ({names}).", "success")
    else:
        flash(
            "Your concern is recorded, but your school has no designated safeguarding lead in "
            "Linking Exchange yet: please also tell your DSL in person today.",
            "warning",
        )
    return redirect(url_for("moderation.new_concern"), code=303)


@bp.get("/safeguarding")
@staff_page
def safeguarding_log():  # noqa: ANN201
    """The restricted log of the school's concerns, for its safeguarding leads only."""
    user = actor()
    concerns = safeguarding.concern_log(user)
    stream = realtime.staff_stream(user.id)
    return render_template(
        "moderation/safeguarding.html",
        concerns=[concern_row(c) for c in concerns],
        stream=stream,
        after=realtime.last_seq(stream),
    )


@bp.get("/safeguarding/<int:concern_id>")
@staff_page
def concern_page(concern_id: int, error: str | None = None, status: int = 200):  # noqa: ANN201
    """One concern in full, for a safeguarding lead of its school."""
    concern = safeguarding.get_concern(actor(), concern_id)
    page = render_template("moderation/concern.html", c=concern_row(concern), error=error)
    return page, status


@bp.post("/safeguarding/<int:concern_id>/acknowledge")
@staff_page
def acknowledge_concern(concern_id: int):  # noqa: ANN201
    """The lead records that they have picked the concern up, with an optional note."""
    user = actor()
    try:
        safeguarding.acknowledge_concern(user, concern_id, request.form.get("note", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return concern_page(concern_id, error=exc.message, status=exc.status)
    flash("Concern acknowledged.", "success")
    return redirect(url_for("moderation.concern_page", concern_id=concern_id), code=303)
