"""A district's page: schools, classes, staff, invitations and links, for its facilitators."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from exchange import authz
from exchange.accounts import services
from exchange.accounts.forms import (
    ClassForm,
    InviteFacilitatorForm,
    InviteTeacherForm,
    LinkForm,
    SchoolForm,
)
from exchange.accounts.models import District, Role
from exchange.accounts.views import bp
from exchange.accounts.views.helpers import actor, public_url, refused
from exchange.errors import DomainError, Forbidden

FORMS = {
    "school_form": SchoolForm,
    "class_form": ClassForm,
    "invite_form": InviteTeacherForm,
    "facilitator_form": InviteFacilitatorForm,
    "link_form": LinkForm,
}


def _forms(district: District, **given: Any) -> dict[str, Any]:
    """The page's forms (those given keep their input and errors), with their choices filled."""
    forms = {name: given.get(name) or cls(formdata=None) for name, cls in FORMS.items()}
    schools = [(s.id, s.name) for s in district.schools]
    classes = [(c.id, c.label) for s in district.schools for c in s.classrooms]
    forms["class_form"].school_id.choices = schools
    forms["invite_form"].school_id.choices = schools
    forms["invite_form"].classroom_id.choices = [(0, "No class yet"), *classes]
    forms["link_form"].class_a_id.choices = classes
    forms["link_form"].class_b_id.choices = classes
    if not forms["link_form"].academic_year.data:
        forms["link_form"].academic_year.data = services.current_academic_year()
    return forms


def _page(district_id: int, status: int = 200, **given: Any):  # noqa: ANN202
    """Render the district page."""
    user = actor()
    district = services.find_district(user, district_id)
    return render_template(
        "accounts/district.html",
        district=district,
        links=services.links_of_district(user, district.id),
        staff=services.staff_of_district(district.id),
        invitations=services.pending_invitations(user, district.id),
        can_invite_facilitators=authz.is_admin(user),
        **_forms(district, **given),
    ), status


@bp.get("/districts/<int:district_id>")
@login_required
def district(district_id: int):  # noqa: ANN201
    """The district's schools, classes, staff and links."""
    return _page(district_id)


def _submit(district_id: int, form_name: str, action: Any, done: str, anchor: str):  # noqa: ANN202
    """Validate a district form, call the service, then redirect (or show the refusal)."""
    district = services.find_district(actor(), district_id)
    form = FORMS[form_name]()
    _forms(district, **{form_name: form})
    status = 422
    if form.validate_on_submit():
        try:
            result = action(form)
        except DomainError as exc:
            if isinstance(exc, Forbidden):
                raise
            status = refused(form, exc)
        else:
            flash(done.format(result=result), "success")
            return redirect(url_for("accounts.district", district_id=district_id, _anchor=anchor))
    return _page(district_id, status, **{form_name: form})


@bp.post("/districts/<int:district_id>/schools")
@login_required
def create_school(district_id: int):  # noqa: ANN201
    """Register a school."""
    return _submit(
        district_id,
        "school_form",
        lambda f: services.create_school(actor(), district_id, f.name.data, f.kind.data),
        "{result.name} is registered.",
        "schools",
    )


@bp.post("/districts/<int:district_id>/classes")
@login_required
def create_class(district_id: int):  # noqa: ANN201
    """Register a class in one of the district's schools."""
    return _submit(
        district_id,
        "class_form",
        lambda f: services.create_class(actor(), f.school_id.data, f.name.data, f.year_group.data),
        "{result.name} is registered; its class code is {result.code}.",
        "schools",
    )


@bp.post("/districts/<int:district_id>/links")
@login_required
def create_link(district_id: int):  # noqa: ANN201
    """Propose a link between two classes; both teachers then confirm it."""
    return _submit(
        district_id,
        "link_form",
        lambda f: services.create_link(
            actor(),
            f.class_a_id.data,
            f.class_b_id.data,
            f.academic_year.data,
            f.approval_policy.data,
            int(f.phase.data),
        ),
        "The link is proposed. It becomes active when both teachers have confirmed it.",
        "links",
    )


def _invite(district_id: int, form_name: str, role: Role):  # noqa: ANN202
    """Invite a teacher or facilitator and show the single-use link once."""
    district = services.find_district(actor(), district_id)
    form = FORMS[form_name]()
    _forms(district, **{form_name: form})
    status = 422
    if form.validate_on_submit():
        school_id = getattr(form, "school_id", None)
        classroom_id = getattr(form, "classroom_id", None)
        try:
            invitation, token = services.invite_staff(
                actor(),
                district_id,
                form.email.data,
                role,
                school_id=school_id.data if school_id else None,
                classroom_id=(classroom_id.data or None) if classroom_id else None,
            )
        except DomainError as exc:
            if isinstance(exc, Forbidden):
                raise
            status = refused(form, exc)
        else:
            url = public_url(url_for("accounts.join")) + f"#token={token}"  # never in a path
            return render_template(
                "accounts/invitation_created.html", invitation=invitation, url=url
            )
    return _page(district_id, status, **{form_name: form})


@bp.post("/districts/<int:district_id>/invitations")
@login_required
def invite_teacher(district_id: int):  # noqa: ANN201
    """Invite a teacher by a single-use, expiring link."""
    return _invite(district_id, "invite_form", Role.TEACHER)


@bp.post("/districts/<int:district_id>/facilitator-invitations")
@login_required
def invite_facilitator(district_id: int):  # noqa: ANN201
    """An admin invites a facilitator to the district."""
    if not authz.is_admin(current_user):
        services.find_district(actor(), district_id)  # 404 for those who cannot see it
        raise Forbidden("Only an admin can invite facilitators.")
    return _invite(district_id, "facilitator_form", Role.FACILITATOR)


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):  # noqa: ANN201
    """Withdraw an invitation that has not been used."""
    invitation = services.revoke_invitation(actor(), invitation_id)
    flash(f"The invitation for {invitation.email} is withdrawn.", "success")
    return redirect(
        url_for("accounts.district", district_id=invitation.district_id, _anchor="staff")
    )


@bp.post("/staff/<int:user_id>/dsl")
@login_required
def set_dsl(user_id: int):  # noqa: ANN201
    """Mark a teacher as the school's designated safeguarding lead, or unmark them."""
    teacher = services.set_dsl(actor(), user_id, request.form.get("is_dsl") == "1")
    state = "is now" if teacher.is_dsl else "is no longer"
    flash(f"{teacher.display_name} {state} a designated safeguarding lead.", "success")
    return redirect(url_for("accounts.district", district_id=teacher.district_id, _anchor="staff"))
