"""Each role's home page."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from exchange import authz
from exchange.accounts import services
from exchange.accounts.forms import DistrictForm
from exchange.accounts.models import Role
from exchange.accounts.views import bp
from exchange.accounts.views.helpers import actor, refused
from exchange.errors import DomainError, Forbidden


@bp.get("/")
def home():  # noqa: ANN201
    """Each role lands on its own home page."""
    user = actor()
    if not authz.is_signed_in(user):
        return redirect(url_for("accounts.sign_in"))
    if authz.is_pupil(user):
        link = services.pupil_home_link(user)
        if link is not None:
            return redirect(url_for("space.link_space", link_id=link.id))
        return render_template("accounts/home_pupil.html")
    if user.role == Role.ADMIN:
        return _admin_home(DistrictForm())
    if user.role == Role.FACILITATOR:
        if user.district_id is None:
            return render_template("accounts/home_waiting.html")
        return redirect(url_for("accounts.district", district_id=user.district_id))
    return render_template(
        "accounts/home_teacher.html",
        summaries=services.teacher_home(user),
        queue_total=services.queue_total(user),
    )


def _admin_home(form: DistrictForm, status: int = 200):  # noqa: ANN202
    """The admin's home: every district, and a form to create one."""
    districts = services.districts_for(actor())
    return render_template("accounts/home_admin.html", districts=districts, form=form), status


@bp.post("/districts")
@login_required
def create_district():  # noqa: ANN201
    """An admin creates a district."""
    if not authz.is_admin(current_user):
        raise Forbidden("Only an admin can create districts.")
    form = DistrictForm()
    status = 422
    if form.validate_on_submit():
        try:
            district = services.create_district(actor(), form.name.data)
        except DomainError as exc:
            status = refused(form, exc)
        else:
            return redirect(url_for("accounts.district", district_id=district.id))
    return _admin_home(form, status)
