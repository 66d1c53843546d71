"""A link's page: its classes, confirmations, phase and approval policy."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import login_required

from exchange import authz
from exchange.accounts import services
from exchange.accounts.forms import LinkSettingsForm
from exchange.accounts.models import LinkStatus
from exchange.accounts.views import bp
from exchange.accounts.views.helpers import actor, refused
from exchange.errors import DomainError


def _page(link_id: int, status: int = 200, settings_form: LinkSettingsForm | None = None):  # noqa: ANN202
    """Render the link page."""
    user = actor()
    link = services.find_link(user, link_id)
    waiting_for_me = (
        link.status == LinkStatus.PROPOSED
        and authz.can_confirm_link(user, link)
        and any(
            authz.teaches(user, cid) and getattr(link, side) is None
            for cid, side in (
                (link.class_a_id, "confirmed_a_at"),
                (link.class_b_id, "confirmed_b_at"),
            )
        )
    )
    if settings_form is None:
        settings_form = LinkSettingsForm(
            formdata=None, phase=str(link.phase), approval_policy=link.approval_policy.value
        )
    return render_template(
        "accounts/link.html",
        link=link,
        can_confirm=waiting_for_me,
        can_manage=authz.can_manage_link(user, link) and link.status != LinkStatus.ARCHIVED,
        can_open_space=link.is_active and authz.member_of_link(user, link),
        settings_form=settings_form,
    ), status


@bp.get("/links/<int:link_id>")
@login_required
def link(link_id: int):  # noqa: ANN201
    """A link's classes, confirmations, phase and policy."""
    return _page(link_id)


@bp.post("/links/<int:link_id>/confirm")
@login_required
def confirm_link(link_id: int):  # noqa: ANN201
    """A teacher confirms the link for their class."""
    link = services.confirm_link(actor(), link_id)
    if link.is_active:
        flash("Both teachers have confirmed: the link is active.", "success")
    else:
        flash("Thank you. The link becomes active when the partner teacher confirms.", "success")
    return redirect(url_for("accounts.link", link_id=link_id))


@bp.post("/links/<int:link_id>/settings")
@login_required
def update_link(link_id: int):  # noqa: ANN201
    """A facilitator changes the link's phase or approval policy."""
    form = LinkSettingsForm()
    try:
        services.update_link(
            actor(), link_id, phase=form.phase.data, approval_policy=form.approval_policy.data
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _page(link_id, refused(form, exc), form)
    flash("The link's settings are saved.", "success")
    return redirect(url_for("accounts.link", link_id=link_id))


@bp.post("/links/<int:link_id>/archive")
@login_required
def archive_link(link_id: int):  # noqa: ANN201
    """A facilitator archives the link."""
    services.archive_link(actor(), link_id)
    flash("The link is archived. Its classes can be linked again.", "success")
    return redirect(url_for("accounts.link", link_id=link_id))
