"""The approval rule, in one place: every channel submits, approves, returns and withdraws here.

Nothing a pupil writes reaches the partner class until a teacher of the pupil's own class has
approved it (and, on a dual-approval link, the receiving teacher too; for celebration events, the
facilitator as well). Teachers' own items go straight through. Every state change is audited and
announced on the right streams after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from exchange import authz, realtime
from exchange.accounts.models import ApprovalPolicy, Classroom, Link, School
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import flags as flag_detector

# The rule's public names live in small modules; channels keep calling them as services.<name>.
from exchange.moderation.access import (
    approver_class_id,
    can_decide,
    can_view_item,
    visible_in_link,
)
from exchange.moderation.logs import (
    SHARED_ACTIONS,
    audit,
    audit_district,
    audit_log,
    class_log_clause,
)
from exchange.moderation.models import (
    ItemKind,
    ItemState,
    ModerationItem,
    Report,
    ReportStatus,
    Stage,
)
from exchange.moderation.queues import queue, queue_clause, queue_count, review_entry
from exchange.moderation.registry import (
    _CHANNELS,
    LINK_WITH_CLASSES,
    Channel,
    attach_links,
    channel_for,
    preload,
    register_channel,
    register_facilitator_delegate,
    register_scope_viewer,
)
from exchange.moderation.safeguarding import CONCERN_MAX, concerns_for, raise_concern
from exchange.realtime import Fact
from exchange.types import utcnow

FEEDBACK_MAX = 500
REASON_MAX = 1000

__all__ = [
    "CONCERN_MAX",
    "FEEDBACK_MAX",
    "LINK_WITH_CLASSES",
    "REASON_MAX",
    "SHARED_ACTIONS",
    "_CHANNELS",
    "Channel",
    "Submission",
    "approve",
    "approve_many",
    "approver_class_id",
    "attach_links",
    "audit",
    "audit_district",
    "audit_log",
    "bulk_approvable",
    "can_decide",
    "can_view_item",
    "channel_for",
    "class_log_clause",
    "concerns_for",
    "decide_report",
    "existing_for_client_id",
    "get_item",
    "hide_and_report",
    "preload",
    "queue",
    "queue_clause",
    "queue_count",
    "raise_concern",
    "register_channel",
    "register_facilitator_delegate",
    "register_scope_viewer",
    "resubmit",
    "return_item",
    "review_entry",
    "submit",
    "visible_in_link",
    "withdraw",
]

# ----- submitting ---------------------------------------------------------------------------


@dataclass
class Submission:
    """What a channel hands the rule when content is created or edited."""

    kind: ItemKind
    classroom_id: int
    link: Link | None
    text: str = ""
    client_id: str | None = None
    needs_facilitator: bool = False
    scope: str | None = None
    extra_watch_words: list[str] = field(default_factory=list)


def existing_for_client_id(author: Any, client_id: str | None) -> ModerationItem | None:
    """A pupil's earlier item with the same client message id (a retried send is stored once)."""
    if not client_id or not authz.is_pupil(author):
        return None
    return db.session.scalar(
        select(ModerationItem).where(
            ModerationItem.author_pupil_id == author.id, ModerationItem.client_id == client_id
        )
    )


def submit(
    author: Any, submission: Submission, attach: Callable[[ModerationItem], Any]
) -> ModerationItem:
    """Create an item under the rule; `attach(item)` adds the channel's content row. The caller
    commits.

    A pupil's item starts pending in their own teacher's queue; a teacher's goes straight through.
    Raises Forbidden when the author does not belong to the class, Conflict on an inactive link.
    """
    link = submission.link
    # Held for the whole submission: the session only keeps unchanged rows weakly.
    classes = _load_classes(submission.classroom_id, link)
    classroom = classes.get(submission.classroom_id)
    if classroom is None:
        raise NotFound("That class does not exist.")
    if link is not None:
        if classroom.id not in link.class_ids:
            raise Forbidden("That class is not part of this link.")
        if not link.is_active:
            raise Conflict("This link is not active, so nothing can be shared in it.")
    pupil_author = authz.is_pupil_of(author, classroom.id)
    if not pupil_author and not authz.teaches(author, classroom.id):
        raise Forbidden("Only pupils and teachers of this class can send work from it.")
    item = ModerationItem(
        kind=submission.kind,
        link_id=link.id if link else None,
        link=link,
        classroom_id=classroom.id,
        district_id=classroom.school.district_id,
        author_pupil_id=author.id if pupil_author else None,
        author_staff_id=None if pupil_author else author.id,
        needs_partner=bool(
            pupil_author and link is not None and link.approval_policy == ApprovalPolicy.DUAL
        ),
        needs_facilitator=submission.needs_facilitator,
        scope=submission.scope,
        client_id=submission.client_id if pupil_author else None,
        flags=[],
    )
    # Written pending at its first stage in the first INSERT (rather than updated afterwards):
    # nothing outside this transaction sees the item before the caller commits.
    if pupil_author:
        item.state, item.stage = ItemState.PENDING, Stage.OWN_TEACHER
    elif submission.needs_facilitator:
        item.state, item.stage = ItemState.PENDING, Stage.FACILITATOR
    item.classroom = classroom
    db.session.add(item)
    _scan(item, submission.text, submission.extra_watch_words)
    db.session.flush()
    attach(item)
    db.session.flush()
    if pupil_author:
        audit(author, "created", item)
        if item.flags:
            audit(author, "flagged", item, reason=_flag_summary(item.flags))
        realtime.publish_all(_pending_facts(item))
    else:
        audit(author, "created", item, shared=not submission.needs_facilitator)
        if submission.needs_facilitator:
            realtime.publish_all(_pending_facts(item))
        else:
            realtime.publish_all(_make_approved(item))
    return item


def resubmit(author: Any, item: ModerationItem, text: str) -> ModerationItem:
    """The author edited the item (the channel has already changed its content; the caller
    commits): it goes back to pending, and leaves the partner class if it was shown.

    Returned items can be edited and sent again; editing an approved item takes it away from the
    partner class until approved again. Teachers' edits go straight through.
    """
    is_author = (authz.is_pupil(author) and item.author_pupil_id == author.id) or (
        authz.is_staff(author) and item.author_staff_id == author.id
    )
    if not is_author:
        raise Forbidden("Only the author can edit this.")
    if item.state in (ItemState.HIDDEN, ItemState.REMOVED):
        raise Conflict("This was hidden by a teacher and cannot be edited.")
    was_public = item.state == ItemState.APPROVED
    item.version += 1
    item.feedback = None
    item.flags = []
    _scan(item, text, [])
    facts = _removed_facts(item, "edited") if was_public else []
    audit(author, "edited", item, shared=was_public)
    if item.by_pupil:
        facts += _queue_removal_facts(item)
        item.state, item.stage = ItemState.PENDING, Stage.OWN_TEACHER
        item.submitted_at = utcnow()
        item.approved_at = None
        if item.flags:
            audit(author, "flagged", item, reason=_flag_summary(item.flags))
        facts += _pending_facts(item)
    else:
        facts += _make_approved(item)
    realtime.publish_all(facts)
    return item


# ----- deciding -----------------------------------------------------------------------------


def get_item(item_id: int) -> ModerationItem:
    """An item by id, or NotFound."""
    item = db.session.get(ModerationItem, item_id)
    if item is None:
        raise NotFound("That item does not exist.")
    return item


def _item_in_view(actor: Any, item_id: int) -> ModerationItem:
    """An item the actor may see, or NotFound: whoever cannot see an item does not learn that
    it exists by being refused something on it (as deciding answers)."""
    item = get_item(item_id)
    if not can_view_item(actor, item):
        raise NotFound("That item does not exist.")
    return item


def _load_classes(classroom_id: int, link: Link | None) -> dict[int, Classroom]:
    """The class (and the link's other class) with school and district in one query: the rule
    scans with the district's watch words and labels both classes in what it announces."""
    ids = set(link.class_ids) if link is not None else set()
    ids.add(classroom_id)
    if all(_loaded_with_district(i) for i in ids):
        return {i: c for i in ids if (c := db.session.get(Classroom, i)) is not None}
    stmt = (
        select(Classroom)
        .where(Classroom.id.in_(sorted(ids)))
        .options(joinedload(Classroom.school).joinedload(School.district))
    )
    return {c.id: c for c in db.session.scalars(stmt)}


def _loaded_with_district(classroom_id: int) -> bool:
    classroom = db.session.identity_map.get(db.session.identity_key(Classroom, classroom_id))
    school = classroom.__dict__.get("school") if classroom is not None else None
    return school is not None and "district" in school.__dict__


# What deciding reads of an item, loaded with it: the author pupil's consent, the class and
# school for labels, the link for the partner stage.
_DECISION_LOAD = (
    joinedload(ModerationItem.author_pupil),
    joinedload(ModerationItem.link),
    joinedload(ModerationItem.classroom).joinedload(Classroom.school),
)


def _decision_item(item_id: int) -> ModerationItem:
    """An item about to be decided, with what the rule reads (one query), or NotFound."""
    item = db.session.get(ModerationItem, item_id, options=_DECISION_LOAD)
    if item is None:
        raise NotFound("That item does not exist.")
    return item


def _commit_keeping_loaded() -> None:
    """Commit a decision without expiring what the session has loaded.

    Everything a decision changed was written by this transaction, so the loaded values are
    the committed ones. Expiring them would make the acknowledgement read the item again, and
    the deciding teacher, kept by the socket until an account changes (sockets._fresh_user), would
    be loaded again with their classes at the next key press: three queries of the thirteen
    an approval made, on the path from a teacher's key press to the partner class's screens.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def approve(actor: Any, item_id: int, *, photos_confirmed: bool = False) -> ModerationItem:
    """Approve the item at its current stage; it moves to the next stage or reaches everyone."""
    item = _decision_item(item_id)
    _require_decider(actor, item)
    channel = channel_for(item)
    if item.stage != Stage.FACILITATOR and item.author_pupil is not None:
        if not item.author_pupil.consent_work:
            raise Conflict(
                f"{item.author_name}'s family has not agreed to share work with the partner "
                "class, so this cannot be approved. You can return it with a note instead."
            )
        # Only the pupils' own teacher knows whose families agreed to photos; the receiving
        # teacher of a dual link is not asked to vouch for children they do not know.
        if item.stage == Stage.OWN_TEACHER and channel.has_images(item) and not photos_confirmed:
            raise Invalid(
                "Please confirm that no pupil without photo consent can be seen in the pictures.",
                field="photos_confirmed",
            )
    facts = _queue_removal_facts(item)
    item.decided_at = utcnow()
    item.feedback = None
    audit(actor, "approved", item, reason=_stage_reason(item))
    next_stage = _next_stage(item)
    if next_stage is None:
        facts += _make_approved(item)
    else:
        item.stage = next_stage
        facts += _pending_facts(item)
    # Out of the queue, to the classes, to the author: one statement on PostgreSQL.
    realtime.publish_all(facts)
    _commit_keeping_loaded()
    return item


def return_item(actor: Any, item_id: int, feedback: str) -> ModerationItem:
    """Send the item back to its author with feedback they will see."""
    feedback = (feedback or "").strip()
    if not feedback:
        raise Invalid("Please write a word of feedback for the pupil.", field="feedback")
    if len(feedback) > FEEDBACK_MAX:
        raise Invalid(f"Feedback can be at most {FEEDBACK_MAX} characters.", field="feedback")
    item = _decision_item(item_id)
    _require_decider(actor, item)
    by_receiver = item.stage == Stage.PARTNER_TEACHER
    facts = _queue_removal_facts(item)
    item.state, item.stage = ItemState.RETURNED, None
    item.feedback = feedback
    item.decided_at = utcnow()
    audit(actor, "returned", item, reason=feedback, shared=by_receiver)
    realtime.publish_all(facts + _author_facts(item))
    _commit_keeping_loaded()
    return item


def approve_many(actor: Any, item_ids: Iterable[int]) -> list[ModerationItem]:
    """Bulk-approve unflagged items without images; the rest are left for one-by-one review.

    Each approval is its own transaction: an item another teacher decided a moment ago (or that
    does not exist) is skipped, not an error for the whole batch.
    """
    done = []
    for item_id in dict.fromkeys(item_ids):
        item = db.session.get(ModerationItem, item_id)
        if item is None or not bulk_approvable(actor, item):
            continue
        try:
            done.append(approve(actor, item_id))
        except (Conflict, Invalid, NotFound, Forbidden):
            db.session.rollback()
    return done


def bulk_approvable(actor: Any, item: ModerationItem) -> bool:
    """Whether "approve all unflagged" may include this item for this user."""
    if item.flags or not can_decide(actor, item) or channel_for(item).has_images(item):
        return False
    return item.author_pupil is None or item.author_pupil.consent_work


def withdraw(actor: Any, item_id: int, reason: str = "") -> ModerationItem:
    """A teacher of the author's class takes an approved item back; the partner class loses it."""
    item = _item_in_view(actor, item_id)
    if not authz.teaches(actor, item.classroom_id):
        raise Forbidden("Only a teacher of the author's class can withdraw this.")
    if item.state not in (ItemState.APPROVED, ItemState.PENDING):
        raise Conflict("Only approved or waiting items can be withdrawn.")
    was_public = item.state == ItemState.APPROVED
    seen_by_partner = was_public or item.stage == Stage.PARTNER_TEACHER
    facts = _queue_removal_facts(item)
    item.state, item.stage = ItemState.WITHDRAWN, None
    item.decided_at = utcnow()
    audit(
        actor,
        "withdrawn",
        item,
        reason=(reason or "").strip()[:REASON_MAX] or None,
        shared=seen_by_partner,
    )
    if was_public:
        facts += _removed_facts(item, "withdrawn")
    realtime.publish_all(facts + _author_facts(item))
    db.session.commit()
    return item


def hide_and_report(actor: Any, item_id: int, reason: str) -> Report:
    """A teacher of either class hides an item that reached their class and reports it."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Please say why you are hiding this, for the facilitator.", field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(f"The reason can be at most {REASON_MAX} characters.", field="reason")
    item = _item_in_view(actor, item_id)
    if item.link is None or not authz.teaches_in_link(actor, item.link):
        raise Forbidden("Only teachers of the two linked classes can hide this.")
    if item.state != ItemState.APPROVED:
        raise Conflict("Only items that reached the classes can be hidden.")
    item.state = ItemState.HIDDEN
    report = Report(
        item_id=item.id, district_id=item.district_id, reported_by_id=actor.id, reason=reason
    )
    db.session.add(report)
    audit(actor, "hidden", item, reason=reason)
    audit(actor, "reported", item, reason=reason)
    db.session.flush()
    opened = {"report_id": report.id, "item_id": item.id, "kind": item.kind.value}
    realtime.publish_all(
        [
            *_removed_facts(item, "hidden"),
            Fact(realtime.district_stream(item.district_id), "report_opened", opened),
        ]
    )
    db.session.commit()
    return report


def decide_report(actor: Any, report_id: int, restore: bool, note: str = "") -> Report:
    """The facilitator restores a hidden item or removes it for good."""
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound("That report does not exist.")
    if not authz.oversees_district(actor, report.district_id):
        raise Forbidden("Only the district's facilitators can decide reports.")
    if report.status != ReportStatus.OPEN:
        raise Conflict("This report has already been decided.")
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise Invalid(f"The note can be at most {REASON_MAX} characters.", field="note")
    item = report.item
    report.status = ReportStatus.RESTORED if restore else ReportStatus.REMOVED
    report.decided_by_id = actor.id
    report.decision_note = note or None
    report.decided_at = utcnow()
    reason = "restored" if restore else "removed"
    audit(actor, "decided", item, reason=f"{reason}: {note}" if note else reason)
    facts = []
    if restore and item.state == ItemState.HIDDEN:
        facts += _make_approved(item)
    elif not restore:
        item.state = ItemState.REMOVED
    decided = {"report_id": report.id, "item_id": item.id, "status": report.status.value}
    facts += [
        Fact(realtime.district_stream(report.district_id), "report_decided", decided),
        Fact(realtime.staff_stream(report.reported_by_id), "report_decided", decided),
    ]
    realtime.publish_all(facts)
    db.session.commit()
    return report


# ----- internals ----------------------------------------------------------------------------


def _require_decider(actor: Any, item: ModerationItem) -> None:
    if item.state != ItemState.PENDING:
        raise Conflict("This item is not waiting for a decision any more.")
    if not can_decide(actor, item):
        if can_view_item(actor, item):
            if authz.is_pupil(actor):
                raise Forbidden("Only a teacher can approve or return work.")
            raise Forbidden("This item is waiting for another teacher's decision.")
        raise NotFound("That item does not exist.")


def _next_stage(item: ModerationItem) -> Stage | None:
    order = [Stage.OWN_TEACHER]
    if item.needs_partner:
        order.append(Stage.PARTNER_TEACHER)
    if item.needs_facilitator:
        order.append(Stage.FACILITATOR)
    position = order.index(item.stage) if item.stage in order else len(order)
    return order[position + 1] if position + 1 < len(order) else None


def _stage_reason(item: ModerationItem) -> str | None:
    return {
        Stage.OWN_TEACHER: None,
        Stage.PARTNER_TEACHER: "as the receiving teacher",
        Stage.FACILITATOR: "as the facilitator",
    }.get(item.stage)


def _scan(item: ModerationItem, text: str, extra_words: list[str]) -> None:
    district = item.classroom.school.district
    words = list(district.watch_words or []) + list(extra_words)
    item.flags = [f.as_dict() for f in flag_detector.detect(text, words)]


def _flag_summary(flags: list[dict[str, Any]]) -> str:
    return ", ".join(sorted({str(f["label"]) for f in flags}))


def _make_approved(item: ModerationItem) -> list[Fact]:
    """Mark the item approved; the facts that show it to the classes and tell its author."""
    item.state, item.stage = ItemState.APPROVED, None
    item.approved_at = utcnow()
    channel = channel_for(item)
    payload = {"item_id": item.id, "item_kind": item.kind.value, **channel.public_view(item)}
    shown = [Fact(s, "item_approved", payload, item.link_id) for s in channel.streams(item)]
    return shown + _author_facts(item)


def _removed_facts(item: ModerationItem, why: str) -> list[Fact]:
    """The facts that take the item away from the classes' screens."""
    channel = channel_for(item)
    payload = {"item_id": item.id, "item_kind": item.kind.value, "reason": why}
    return [Fact(s, "item_removed", payload, item.link_id) for s in channel.streams(item)]


def _pending_facts(item: ModerationItem) -> list[Fact]:
    """The facts that put the item in its approver's queue and tell its author."""
    class_id = approver_class_id(item)
    facts = []
    if class_id is not None:
        facts.append(
            Fact(
                realtime.queue_stream(class_id),
                "queue_item_added",
                {"item": review_entry(item)},
                item.link_id,
            )
        )
    elif item.stage == Stage.FACILITATOR:
        facts.append(
            Fact(
                realtime.district_stream(item.district_id),
                "queue_item_added",
                {"item": review_entry(item)},
            )
        )
    return facts + _author_facts(item)


def _queue_removal_facts(item: ModerationItem) -> list[Fact]:
    """The fact that takes a waiting item out of its approver's queue (none if not waiting)."""
    if item.state != ItemState.PENDING:
        return []
    class_id = approver_class_id(item)
    stream = (
        realtime.queue_stream(class_id)
        if class_id is not None
        else realtime.district_stream(item.district_id)
    )
    return [Fact(stream, "queue_item_removed", {"item_id": item.id}, item.link_id)]


def _author_facts(item: ModerationItem) -> list[Fact]:
    """The fact that tells a pupil author where their item is now (none for staff)."""
    if item.author_pupil_id is None:
        return []
    status = {
        "item_id": item.id,
        "item_kind": item.kind.value,
        "state": item.state.value,
        "stage": item.stage.value if item.stage else None,
        "feedback": item.feedback,
        "version": item.version,
    }
    return [Fact(realtime.pupil_stream(item.author_pupil_id), "item_status", status, item.link_id)]
