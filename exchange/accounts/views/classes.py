"""A class's page and roster: pupils, credentials, consent, locks and login cards."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from exchange import authz
from exchange.accounts import credentials, services
from exchange.accounts.forms import (
    AddPupilForm,
    AssignTeacherForm,
    CardsForm,
    ConsentForm,
)
from exchange.accounts.models import Role
from exchange.accounts.views import bp
from exchange.accounts.views.helpers import actor, public_url, refused
from exchange.errors import DomainError


def _page(classroom_id: int, status: int = 200, **given: Any):  # noqa: ANN202
    """Render a class page: the roster for its teachers, an overview for facilitators."""
    user = actor()
    classroom = services.find_class(user, classroom_id)
    can_manage = authz.can_manage_class(user, classroom)
    can_assign = authz.oversees_district(user, classroom.district_id)
    assign_form = given.get("assign_form") or AssignTeacherForm(formdata=None)
    assign_form.teacher_id.choices = [
        (t.id, t.display_name)
        for t in services.staff_of_district(classroom.district_id)
        if t.role == Role.TEACHER
        and t.school_id == classroom.school_id
        and t not in classroom.teachers
    ]
    return render_template(
        "accounts/class.html",
        classroom=classroom,
        links=services.links_of_class(classroom.id, include_archived=True),
        can_manage=can_manage,
        can_assign=can_assign,
        rows=services.roster(user, classroom.id) if can_manage else [],
        class_locked_until=services.class_locked_until(classroom) if can_manage else None,
        add_form=given.get("add_form") or AddPupilForm(formdata=None),
        assign_form=assign_form,
        pupil_count=len([p for p in classroom.pupils if p.active]),
    ), status


@bp.get("/classes/<int:classroom_id>")
@login_required
def classroom(classroom_id: int):  # noqa: ANN201
    """A class: its roster for its teachers, an overview for the district's facilitators."""
    return _page(classroom_id)


def _credential_page(issued: services.IssuedCredential, heading: str):  # noqa: ANN202
    """Show a just-set credential, once."""
    return render_template("accounts/credential.html", issued=issued, heading=heading)


@bp.post("/classes/<int:classroom_id>/pupils")
@login_required
def add_pupil(classroom_id: int):  # noqa: ANN201
    """Add a pupil and show their new credential once."""
    services.manageable_class(actor(), classroom_id)
    form = AddPupilForm()
    status = 422
    if form.validate_on_submit():
        try:
            issued = services.add_pupil(
                actor(), classroom_id, form.display_name.data, form.credential_kind.data
            )
        except DomainError as exc:
            status = refused(form, exc)
        else:
            return _credential_page(issued, f"{issued.pupil.display_name} is on the roster")
    return _page(classroom_id, status, add_form=form)


@bp.post("/pupils/<int:pupil_id>/credential")
@login_required
def reset_credential(pupil_id: int):  # noqa: ANN201
    """Give a pupil a new PIN or picture password and show it once."""
    kind = request.form.get("credential_kind") or None
    issued = services.reset_credential(actor(), pupil_id, kind)
    return _credential_page(issued, f"A new way in for {issued.pupil.display_name}")


def _back_to_roster(pupil_id: int, message: str):  # noqa: ANN202
    """Flash a message and go back to the pupil's row on the roster."""
    pupil = services.manageable_pupil(actor(), pupil_id)
    flash(message, "success")
    return redirect(
        url_for("accounts.classroom", classroom_id=pupil.classroom_id, _anchor=f"pupil-{pupil.id}")
    )


@bp.post("/pupils/<int:pupil_id>/unlock")
@login_required
def unlock_pupil(pupil_id: int):  # noqa: ANN201
    """Lift a pupil's sign-in lock."""
    pupil = services.unlock_pupil(actor(), pupil_id)
    return _back_to_roster(pupil_id, f"{pupil.display_name} can sign in again.")


@bp.post("/pupils/<int:pupil_id>/active")
@login_required
def set_pupil_active(pupil_id: int):  # noqa: ANN201
    """Disable a pupil (signed out everywhere) or enable them again."""
    pupil = services.set_pupil_active(actor(), pupil_id, request.form.get("active") == "1")
    state = "can sign in again" if pupil.active else "is disabled and signed out everywhere"
    return _back_to_roster(pupil_id, f"{pupil.display_name} {state}.")


@bp.post("/pupils/<int:pupil_id>/consent")
@login_required
def set_consent(pupil_id: int):  # noqa: ANN201
    """Record a pupil's consent for sharing photos and work."""
    form = ConsentForm()
    pupil = services.set_consent(
        actor(), pupil_id, photo=form.consent_photo.data, work=form.consent_work.data
    )
    return _back_to_roster(pupil_id, f"Consent for {pupil.display_name} is saved.")


@bp.post("/pupils/<int:pupil_id>/name")
@login_required
def rename_pupil(pupil_id: int):  # noqa: ANN201
    """Change a pupil's display name."""
    pupil = services.rename_pupil(actor(), pupil_id, request.form.get("display_name", ""))
    return _back_to_roster(pupil_id, f"The pupil is now called {pupil.display_name}.")


@bp.post("/pupils/<int:pupil_id>/card/revoke")
@login_required
def revoke_card(pupil_id: int):  # noqa: ANN201
    """Stop a pupil's printed login card from working."""
    pupil = services.revoke_card(actor(), pupil_id)
    return _back_to_roster(pupil_id, f"{pupil.display_name}'s login card no longer works.")


@bp.post("/classes/<int:classroom_id>/unlock")
@login_required
def unlock_class(classroom_id: int):  # noqa: ANN201
    """Lift the lock on the class code and on the class's tablets."""
    classroom = services.unlock_class(actor(), classroom_id)
    flash(f"Sign-in for {classroom.name} is unlocked.", "success")
    return redirect(url_for("accounts.classroom", classroom_id=classroom_id))


@bp.post("/classes/<int:classroom_id>/teachers")
@login_required
def assign_teacher(classroom_id: int):  # noqa: ANN201
    """A facilitator adds a teacher of the school to the class."""
    classroom = services.find_class(actor(), classroom_id)
    form = AssignTeacherForm()
    try:
        services.assign_teacher(actor(), classroom.id, form.teacher_id.data)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _page(classroom_id, refused(form, exc), assign_form=form)
    flash(f"The teacher now teaches {classroom.name}.", "success")
    return redirect(url_for("accounts.classroom", classroom_id=classroom_id))


def _cards_form(classroom_id: int, form: CardsForm | None = None) -> tuple[Any, CardsForm]:
    """The cards form with the class's active pupils as choices (all chosen by default)."""
    classroom = services.manageable_class(actor(), classroom_id)
    pupils = [p for p in classroom.pupils if p.active]
    if form is None:
        form = CardsForm(formdata=None, pupil_ids=[p.id for p in pupils])
    form.pupil_ids.choices = [(p.id, p.display_name) for p in pupils]
    return classroom, form


@bp.get("/classes/<int:classroom_id>/cards")
@login_required
def cards_form(classroom_id: int):  # noqa: ANN201
    """Choose whose login cards to print."""
    classroom, form = _cards_form(classroom_id)
    return render_template("accounts/cards_form.html", classroom=classroom, form=form)


@bp.post("/classes/<int:classroom_id>/cards")
@login_required
def print_cards(classroom_id: int):  # noqa: ANN201
    """Issue new cards (old ones stop working) and show the printable page, once."""
    classroom, form = _cards_form(classroom_id, CardsForm())
    try:
        cards = services.issue_cards(
            actor(), classroom_id, form.pupil_ids.data or [], form.reset_credentials.data
        )
    except DomainError as exc:
        status = refused(form, exc)
        return render_template("accounts/cards_form.html", classroom=classroom, form=form), status
    base = public_url(url_for("accounts.card"))
    printable = [
        {"card": c, "qr": credentials.qr_data_uri(f"{base}#token={c.token}")} for c in cards
    ]
    return render_template("accounts/cards.html", classroom=classroom, cards=printable)
