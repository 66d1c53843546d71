"""One item's moderation page (its words, state and history) and the actions on approved items:
withdraw, and hide and report to the facilitator."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from exchange import authz
from exchange.errors import DomainError, NotFound
from exchange.moderation import reports, services
from exchange.moderation.models import ModerationItem
from exchange.moderation.present import entry_for, history_of, item_actions, kind_label
from exchange.moderation.views import bp
from exchange.moderation.views.helpers import actor, back_to, staff_page


def _visible_item(user: Any, item_id: int) -> ModerationItem:
    """The item, if this staff member may see it; anyone else is told it does not exist."""
    item = services.get_item(item_id)
    if not services.can_view_item(user, item):
        raise NotFound("That item does not exist.")
    return item


@bp.get("/items/<int:item_id>")
@staff_page
def item_page(item_id: int, error: str | None = None, status: int = 200):  # noqa: ANN201
    """An item's words, flags, state and history, with what this user may do about it."""
    user = actor()
    item = _visible_item(user, item_id)
    page = render_template(
        "moderation/item.html",
        e=entry_for(item, user),
        item=item,
        actions=item_actions(user, item),
        history=history_of(user, item),
        reports=reports.reports_of_item(item.id)
        if authz.oversees_district(user, item.district_id)
        else [],
        error=error,
        errors={},
        typed={},
        here=request.path,
    )
    return page, status


@bp.post("/items/<int:item_id>/withdraw")
@staff_page
def withdraw(item_id: int):  # noqa: ANN201
    """A teacher of the author's class takes an item back; the partner class loses it."""
    user = actor()
    try:
        item = services.withdraw(user, item_id, request.form.get("reason", ""))
    except DomainError as exc:
        return _refused(user, item_id, exc)
    flash(f"Withdrew {item.author_name}'s {kind_label(item.kind.value)}.", "success")
    return redirect(back_to(url_for("moderation.item_page", item_id=item_id)), code=303)


@bp.post("/items/<int:item_id>/hide")
@staff_page
def hide(item_id: int):  # noqa: ANN201
    """A teacher of either class hides an item and reports it to the facilitator."""
    user = actor()
    try:
        services.hide_and_report(user, item_id, request.form.get("reason", ""))
    except DomainError as exc:
        return _refused(user, item_id, exc)
    flash("Hidden from both classes and reported to the facilitator.", "success")
    return redirect(back_to(url_for("moderation.item_page", item_id=item_id)), code=303)


def _refused(user: Any, item_id: int, exc: DomainError) -> Any:
    """Show the item page with the refusal, or say it does not exist to those who cannot see it."""
    item = services.get_item(item_id)
    if not services.can_view_item(user, item):
        raise NotFound("That item does not exist.")
    return item_page(item_id, error=exc.message, status=exc.status)
