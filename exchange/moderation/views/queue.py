"""The moderation queue pages: a teacher's queue and a district's facilitator-stage approvals."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from exchange import authz, realtime
from exchange.authz import moderation as may
from exchange.errors import DomainError, Forbidden
from exchange.moderation import queues, services
from exchange.moderation.models import ModerationItem
from exchange.moderation.present import STAGE_LABELS, entry_for, kind_label
from exchange.moderation.views import bp
from exchange.moderation.views.helpers import QUICK_PHRASES, actor, back_to, staff_page

# The oldest first, a working session's worth: the count says how many more wait.
QUEUE_LIMIT = 50


@bp.get("/queue")
@staff_page
def queue_page():  # noqa: ANN201
    """The teacher's queue: everything waiting for them, oldest first."""
    user = actor()
    if authz.is_facilitator_of(user, user.district_id):
        return redirect(url_for("moderation.approvals", district_id=user.district_id))
    if not may.has_teacher_queue(user):
        raise Forbidden("The moderation queue is for teachers; admins open a district's approvals.")
    return _render_queue(user)


@bp.get("/districts/<int:district_id>/approvals")
@staff_page
def approvals(district_id: int):  # noqa: ANN201
    """A district's facilitator-stage queue (celebration events), for its facilitators."""
    user = actor()
    if not may.can_decide_facilitator_stage(user, district_id):
        raise Forbidden("Only the district's facilitators can see its approvals.")
    return _render_queue(user, district_id=district_id)


def _render_queue(
    user: Any,
    *,
    district_id: int | None = None,
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The queue page: streams read before the items, so nothing between is missed."""
    if district_id is None:
        streams = queues.queue_streams(user)
        follow = [{"stream": s, "after": n} for s, n in realtime.last_seqs(streams).items()]
        items = services.queue(user, limit=QUEUE_LIMIT)
        total = services.queue_count(user)
    else:
        stream = realtime.district_stream(district_id)
        follow = [{"stream": stream, "after": realtime.last_seq(stream)}]
        items = queues.facilitator_queue(user, district_id, limit=QUEUE_LIMIT)
        total = queues.facilitator_queue_count(user, district_id)
    entries = [entry_for(item, user) for item in items]
    shown = {e["id"] for e in entries}
    # A refusal about an item that has left the queue (decided by someone else) shows on top.
    page_errors = [message for item_id, message in (errors or {}).items() if item_id not in shown]
    page = render_template(
        "moderation/queue.html",
        entries=entries,
        total=total,
        follow=follow,
        district_id=district_id,
        bulk_ids=[e["id"] for e in entries if e["bulk_ok"] and e["can_decide"]],
        errors=errors or {},
        page_errors=page_errors,
        typed=typed or {},
        phrases=QUICK_PHRASES,
        here=request.path if request.method == "GET" else _queue_path(district_id),
        log_classes=user.classrooms if district_id is None else [],
        may_raise=may.can_raise_concern(user),
    )
    return page, status


def _queue_path(district_id: int | None) -> str:
    """The queue page a decision form came from."""
    if district_id is None:
        return url_for("moderation.queue_page")
    return url_for("moderation.approvals", district_id=district_id)


@bp.get("/queue/items/<int:item_id>")
@staff_page
def queue_entry(item_id: int):  # noqa: ANN201
    """One queue entry as HTML, for the page to insert when a new item arrives live."""
    user = actor()
    item = services.get_item(item_id)
    if not services.can_decide(user, item):
        abort(404)
    district = request.args.get("district_id", "")
    return render_template(
        "moderation/_entry.html",
        e=entry_for(item, user),
        errors={},
        typed={},
        here=back_to(url_for("moderation.queue_page")),
        district_id=int(district) if district.isdigit() else None,
    )


@bp.post("/queue/<int:item_id>/approve")
@staff_page
def approve(item_id: int):  # noqa: ANN201
    """Approve one item (for pictures, after the photo-consent confirmation)."""
    user = actor()
    confirmed = request.form.get("photos_confirmed") == "yes"
    try:
        item = services.approve(user, item_id, photos_confirmed=confirmed)
    except DomainError as exc:
        return _refused(user, item_id, exc)
    flash(_decided_message(item, "Approved"), "success")
    return redirect(back_to(url_for("moderation.queue_page")), code=303)


@bp.post("/queue/<int:item_id>/return")
@staff_page
def return_item(item_id: int):  # noqa: ANN201
    """Return one item to its author with feedback they will see."""
    user = actor()
    feedback = request.form.get("feedback", "")
    try:
        item = services.return_item(user, item_id, feedback)
    except DomainError as exc:
        return _refused(user, item_id, exc, typed=feedback)
    flash(_decided_message(item, "Returned"), "success")
    return redirect(back_to(url_for("moderation.queue_page")), code=303)


@bp.post("/queue/approve-unflagged")
@staff_page
def approve_unflagged():  # noqa: ANN201
    """Approve, in one go, the unflagged items without pictures that the page listed."""
    user = actor()
    ids = [int(v) for v in request.form.getlist("item_id") if v.isdigit()]
    if not ids:
        flash("There was nothing to approve in one go.", "warning")
        return redirect(back_to(url_for("moderation.queue_page")), code=303)
    done = services.approve_many(user, ids)
    left = len(set(ids)) - len(done)
    message = f"Approved {len(done)} {'item' if len(done) == 1 else 'items'}."
    if left:
        message += f" {left} could not be approved in one go: please look at them one by one."
    flash(message, "success" if done else "warning")
    return redirect(back_to(url_for("moderation.queue_page")), code=303)


def _refused(user: Any, item_id: int, exc: DomainError, typed: str = "") -> tuple[str, int]:
    """Show the queue again with the refusal next to the item (and what was typed kept)."""
    district_id = _district_of_page()
    if exc.status == 404 or (
        district_id is not None and not may.can_decide_facilitator_stage(user, district_id)
    ):
        raise exc
    return _render_queue(
        user,
        district_id=district_id,
        errors={item_id: exc.message},
        typed={item_id: typed} if typed else {},
        status=exc.status,
    )


def _district_of_page() -> int | None:
    """Which queue page posted the form: a district's approvals, or the teacher's queue."""
    value = request.form.get("district_id", "")
    return int(value) if value.isdigit() else None


def _decided_message(item: ModerationItem, verb: str) -> str:
    """'Approved Aisha K.'s reflection.' and where it goes next."""
    message = f"{verb} {item.author_name}'s {kind_label(item.kind.value)}."
    if verb == "Approved" and item.stage is not None:
        message += f" It is now {STAGE_LABELS[item.stage.value]}."
    return message
