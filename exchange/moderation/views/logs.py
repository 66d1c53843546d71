"""Audit log pages: a class's log for its teachers, a district's for its facilitators."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from exchange.accounts.models import Classroom, District
from exchange.authz import moderation as may
from exchange.errors import Forbidden, NotFound
from exchange.extensions import db
from exchange.moderation import services
from exchange.moderation.present import ACTION_LABELS, audit_row
from exchange.moderation.views import bp
from exchange.moderation.views.helpers import actor, staff_page

PAGE_SIZE = 100


@bp.get("/classes/<int:classroom_id>/moderation-log")
@staff_page
def class_log(classroom_id: int):  # noqa: ANN201
    """Every state change of the class's items, and the shared ones of its partners' items."""
    user = actor()
    classroom = db.session.get(Classroom, classroom_id)
    if classroom is None:
        raise NotFound("That class does not exist.")
    if not may.can_read_class_log(user, classroom_id):
        raise Forbidden("Only the class's teachers can read its moderation log.")
    return _render_log(user, f"Moderation log: {classroom.label}", classroom_id=classroom_id)


@bp.get("/districts/<int:district_id>/moderation-log")
@staff_page
def district_log(district_id: int):  # noqa: ANN201
    """Every state change in the district, for its facilitators."""
    user = actor()
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    if not may.can_read_district_log(user, district_id):
        raise Forbidden("Only the district's facilitators can read its moderation log.")
    return _render_log(user, f"Moderation log: {district.name}", district_id=district_id)


def _render_log(user: Any, title: str, **scope: int) -> str:
    """One page of the log, newest first, optionally narrowed to one action."""
    action = request.args.get("action") or None
    if action is not None and action not in ACTION_LABELS:
        action = None
    before = request.args.get("before", "")
    entries = services.audit_log(
        user,
        limit=PAGE_SIZE + 1,
        before_id=int(before) if before.isdigit() else None,
        action=action,
        **scope,
    )
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    older = (
        url_for(request.endpoint, **request.view_args, before=entries[-1].id, action=action)
        if more and request.endpoint and request.view_args is not None
        else None
    )
    return render_template(
        "moderation/log.html",
        title=title,
        rows=[audit_row(e) for e in entries],
        actions=ACTION_LABELS,
        action=action,
        older=older,
        paged=bool(before),
        district_id=scope.get("district_id"),
    )
