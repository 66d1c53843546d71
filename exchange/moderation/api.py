"""JSON API of the moderation area, under /api/v1: everything the moderation pages do, with the
same services and the same authorisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from exchange import authz, realtime
from exchange.authz import moderation as may
from exchange.errors import Forbidden, NotFound
from exchange.moderation import (
    navigation,
    queues,
    reports,
    safeguarding,
    schemas,
    services,
    watchlist,
)
from exchange.moderation.models import ModerationItem, ReportStatus
from exchange.moderation.present import (
    audit_row,
    concern_row,
    entry_for,
    history_of,
    item_actions,
    report_row,
)

blp = Blueprint(
    "api_moderation",
    __name__,
    url_prefix="/api/v1",
    description="The approval rule: queues, flags, reports, safeguarding and the audit log.",
)
REFUSALS = {
    401: "Not signed in.",
    403: "Signed in, but not allowed to do this.",
    404: "No such thing, or not one this user may see.",
    409: "Not in a state that allows this (already decided, hidden, removed).",
    422: "The input is wrong; nothing was changed.",
}


def refusals(*codes: int) -> Callable[[Any], Any]:
    """Document the refusals an endpoint may answer with (all share RefusalSchema)."""

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, schema=schemas.RefusalSchema, description=REFUSALS[code])(
                func
            )
        return func

    return decorate


def _staff() -> Any:
    """The signed-in staff member; pupils are refused (moderation is for adults)."""
    user = current_user._get_current_object()
    if not authz.is_staff(user):
        raise Forbidden("Moderation is for teachers and facilitators.")
    return user


def _streams(names: list[str]) -> list[dict[str, Any]]:
    """Streams with their current sequence numbers, read before the data they announce."""
    return [{"stream": s, "last_seq": n} for s, n in realtime.last_seqs(names).items()]


def _decision(item: ModerationItem) -> dict[str, Any]:
    """Where an item is after a decision."""
    stage = item.stage.value if item.stage else None
    return {"item_id": item.id, "state": item.state.value, "stage": stage, "version": item.version}


# ----- queues -------------------------------------------------------------------------------


@blp.route("/queue", methods=["GET"])
@login_required
@blp.response(200, schemas.QueueSchema)
@refusals(401, 403)
def get_queue() -> dict[str, Any]:
    """The signed-in teacher's queue, oldest first (facilitators: their district's approvals)."""
    user = _staff()
    streams = _streams(queues.queue_streams(user))
    if authz.is_facilitator_of(user, user.district_id):
        streams = _streams([realtime.district_stream(user.district_id)])
    elif not may.has_teacher_queue(user):
        raise Forbidden("The moderation queue is for teachers; admins use a district's approvals.")
    items = services.queue(user)
    return {
        "count": services.queue_count(user),
        "items": [entry_for(i, user) for i in items],
        "streams": streams,
    }


@blp.route("/districts/<int:district_id>/approvals", methods=["GET"])
@login_required
@blp.response(200, schemas.QueueSchema)
@refusals(401, 403)
def get_approvals(district_id: int) -> dict[str, Any]:
    """A district's facilitator-stage queue (celebration events)."""
    user = _staff()
    streams = _streams([realtime.district_stream(district_id)])
    items = queues.facilitator_queue(user, district_id)
    return {
        "count": queues.facilitator_queue_count(user, district_id),
        "items": [entry_for(i, user) for i in items],
        "streams": streams,
    }


@blp.route("/moderation/counts", methods=["GET"])
@login_required
@blp.response(200, schemas.CountsSchema)
@refusals(401)
def get_counts() -> dict[str, Any]:
    """This user's navigation counts (queue, approvals, reports, concerns) and their streams."""
    user = current_user._get_current_object()
    names: list[str] = []
    if may.has_teacher_queue(user):
        names += queues.queue_streams(user)
        if may.is_safeguarding_lead(user):
            names.append(realtime.staff_stream(user.id))
    elif authz.is_facilitator_of(user, user.district_id):
        names.append(realtime.district_stream(user.district_id))
    streams = _streams(names)
    entries = navigation.nav_entries(user) if authz.is_staff(user) else []
    return {"entries": entries, "streams": streams}


@blp.route("/items/<int:item_id>", methods=["GET"])
@login_required
@blp.response(200, schemas.ItemSchema)
@refusals(401, 403, 404)
def get_item(item_id: int) -> dict[str, Any]:
    """One item as its reviewers see it, its history, and what this user may do with it."""
    user = _staff()
    item = services.get_item(item_id)
    if not services.can_view_item(user, item):
        raise NotFound("That item does not exist.")
    return {
        "item": entry_for(item, user),
        "history": history_of(user, item),
        "actions": item_actions(user, item),
    }


# ----- decisions ----------------------------------------------------------------------------


@blp.route("/items/<int:item_id>/approve", methods=["POST"])
@login_required
@blp.arguments(schemas.ApproveArgs)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def approve_item(args: dict[str, Any], item_id: int) -> dict[str, Any]:
    """Approve an item at its current stage (pictures: photos_confirmed must be true)."""
    item = services.approve(_staff(), item_id, photos_confirmed=args["photos_confirmed"])
    return _decision(item)


@blp.route("/items/<int:item_id>/return", methods=["POST"])
@login_required
@blp.arguments(schemas.ReturnArgs)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def return_item(args: dict[str, Any], item_id: int) -> dict[str, Any]:
    """Return an item to its author with feedback they will see."""
    return _decision(services.return_item(_staff(), item_id, args["feedback"]))


@blp.route("/queue/approve-many", methods=["POST"])
@login_required
@blp.arguments(schemas.ApproveManyArgs)
@blp.response(200, schemas.ApproveManySchema)
@refusals(401, 403, 422)
def approve_many(args: dict[str, Any]) -> dict[str, Any]:
    """Approve the listed items that are unflagged, without pictures and with work consent;
    the others are skipped, left for one-by-one review."""
    wanted = list(dict.fromkeys(args["item_ids"]))
    done = {item.id for item in services.approve_many(_staff(), wanted)}
    return {
        "approved": [i for i in wanted if i in done],
        "skipped": [i for i in wanted if i not in done],
    }


@blp.route("/items/<int:item_id>/withdraw", methods=["POST"])
@login_required
@blp.arguments(schemas.ReasonArgs)
@blp.response(200, schemas.DecisionSchema)
@refusals(401, 403, 404, 409, 422)
def withdraw_item(args: dict[str, Any], item_id: int) -> dict[str, Any]:
    """A teacher of the author's class takes an approved or waiting item back."""
    return _decision(services.withdraw(_staff(), item_id, args["reason"]))


@blp.route("/items/<int:item_id>/hide", methods=["POST"])
@login_required
@blp.arguments(schemas.HideArgs)
@blp.response(201, schemas.ReportSchema)
@refusals(401, 403, 404, 409, 422)
def hide_item(args: dict[str, Any], item_id: int) -> dict[str, Any]:
    """A teacher of either class hides an item that reached them and reports it."""
    user = _staff()
    report = services.hide_and_report(user, item_id, args["reason"])
    return report_row(report, user, with_item=False)


# ----- reports ------------------------------------------------------------------------------


@blp.route("/districts/<int:district_id>/reports", methods=["GET"])
@login_required
@blp.arguments(schemas.ReportsQuery, location="query")
@blp.response(200, schemas.ReportSchema(many=True))
@refusals(401, 403, 422)
def list_reports(args: dict[str, Any], district_id: int) -> list[dict[str, Any]]:
    """A district's reports (open ones oldest first), each with the hidden item."""
    user = _staff()
    status = ReportStatus(args["status"]) if args.get("status") else None
    found = reports.reports_for(user, district_id, status=status)
    return [report_row(r, user) for r in found]


@blp.route("/reports/<int:report_id>/decide", methods=["POST"])
@login_required
@blp.arguments(schemas.DecideArgs)
@blp.response(200, schemas.ReportSchema)
@refusals(401, 403, 404, 409, 422)
def decide_report(args: dict[str, Any], report_id: int) -> dict[str, Any]:
    """Restore the hidden item to both classes, or remove it for good, with a note."""
    user = _staff()
    reports.get_report(user, report_id)
    report = services.decide_report(
        user, report_id, restore=args["decision"] == "restore", note=args["note"]
    )
    return report_row(report, user)


# ----- audit logs ---------------------------------------------------------------------------


@blp.route("/classes/<int:classroom_id>/moderation-log", methods=["GET"])
@login_required
@blp.arguments(schemas.LogQuery, location="query")
@blp.response(200, schemas.AuditEntrySchema(many=True))
@refusals(401, 403, 422)
def class_log(args: dict[str, Any], classroom_id: int) -> list[dict[str, Any]]:
    """A class's moderation log, newest first (`before` pages back)."""
    return _log(_staff(), args, classroom_id=classroom_id)


@blp.route("/districts/<int:district_id>/moderation-log", methods=["GET"])
@login_required
@blp.arguments(schemas.LogQuery, location="query")
@blp.response(200, schemas.AuditEntrySchema(many=True))
@refusals(401, 403, 422)
def district_log(args: dict[str, Any], district_id: int) -> list[dict[str, Any]]:
    """A district's moderation log, newest first (`before` pages back)."""
    return _log(_staff(), args, district_id=district_id)


def _log(user: Any, args: dict[str, Any], **scope: int) -> list[dict[str, Any]]:
    """One page of a log."""
    entries = services.audit_log(
        user,
        limit=args["limit"],
        before_id=args.get("before"),
        action=args.get("action"),
        item_id=args.get("item_id"),
        **scope,
    )
    return [audit_row(e) for e in entries]


# ----- watch list ---------------------------------------------------------------------------


@blp.route("/districts/<int:district_id>/watch-words", methods=["GET"])
@login_required
@blp.response(200, schemas.WatchListSchema)
@refusals(401, 403, 404)
def get_watch_words(district_id: int) -> dict[str, Any]:
    """The district's watch list."""
    return {"words": watchlist.watch_words(_staff(), district_id)}


@blp.route("/districts/<int:district_id>/watch-words", methods=["POST"])
@login_required
@blp.arguments(schemas.WatchWordsArgs)
@blp.response(201, schemas.WatchListSchema)
@refusals(401, 403, 404, 422)
def add_watch_words(args: dict[str, Any], district_id: int) -> dict[str, Any]:
    """Add words or phrases; answers with the whole list."""
    user = _staff()
    watchlist.add_watch_words(user, district_id, "\n".join(args["words"]))
    return {"words": watchlist.watch_words(user, district_id)}


@blp.route("/districts/<int:district_id>/watch-words", methods=["DELETE"])
@login_required
@blp.arguments(schemas.WatchWordQuery, location="query")
@blp.response(200, schemas.WatchListSchema)
@refusals(401, 403, 404, 422)
def remove_watch_word(args: dict[str, Any], district_id: int) -> dict[str, Any]:
    """Take one word off the list (?word=...); answers with the whole list."""
    user = _staff()
    watchlist.remove_watch_word(user, district_id, args["word"])
    return {"words": watchlist.watch_words(user, district_id)}


# ----- safeguarding -------------------------------------------------------------------------


@blp.route("/concerns", methods=["POST"])
@login_required
@blp.arguments(schemas.ConcernArgs)
@blp.response(201, schemas.ConcernRaisedSchema)
@refusals(401, 403, 404, 422)
def raise_concern(args: dict[str, Any]) -> dict[str, Any]:
    """Raise a concern about an item or a pupil to the school's designated safeguarding lead."""
    user = _staff()
    concern = safeguarding.raise_concern(
        user, args["details"], item_id=args["item_id"], pupil_id=args["pupil_id"]
    )
    leads = [lead.display_name for lead in safeguarding.leads_of(concern.school_id)]
    return {"id": concern.id, "status": concern.status, "leads": leads}


@blp.route("/concerns", methods=["GET"])
@login_required
@blp.response(200, schemas.ConcernSchema(many=True))
@refusals(401, 403)
def list_concerns() -> list[dict[str, Any]]:
    """The school's restricted log, for its designated safeguarding leads only."""
    return [concern_row(c) for c in safeguarding.concern_log(_staff())]


@blp.route("/concerns/<int:concern_id>", methods=["GET"])
@login_required
@blp.response(200, schemas.ConcernSchema)
@refusals(401, 403, 404)
def get_concern(concern_id: int) -> dict[str, Any]:
    """One concern, for a designated safeguarding lead of its school."""
    return concern_row(safeguarding.get_concern(_staff(), concern_id))


@blp.route("/concerns/<int:concern_id>/acknowledge", methods=["POST"])
@login_required
@blp.arguments(schemas.AcknowledgeArgs)
@blp.response(200, schemas.ConcernSchema)
@refusals(401, 403, 404, 409, 422)
def acknowledge_concern(args: dict[str, Any], concern_id: int) -> dict[str, Any]:
    """The lead acknowledges a concern, optionally noting what they did."""
    concern = safeguarding.acknowledge_concern(_staff(), concern_id, args["note"])
    return concern_row(concern)
