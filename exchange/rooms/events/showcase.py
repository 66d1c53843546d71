"""Showcase items and shout-outs: what classes prepare, and the decisions that let them on stage.

New items (a pupil's or a teacher's) go through the approval rule as moderation items with the
facilitator stage; existing approved work chosen as a showcase item waits for the facilitator
here, in the showcase item's own status.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import authz, realtime
from exchange.accounts.models import Link
from exchange.authz import events as event_authz
from exchange.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation import services as rule
from exchange.moderation.models import ItemKind, ItemState, ModerationItem, Stage
from exchange.rooms.events import access as event_access
from exchange.rooms.events.channels import scope_for, shoutout_view, showcase_view
from exchange.rooms.events.models import (
    CelebrationEvent,
    EventState,
    Shoutout,
    ShowcaseItem,
    ShowcaseStatus,
)
from exchange.rooms.events.services import event_for, get_event
from exchange.types import utcnow

SHOWCASE_TITLE_MAX = 120
SHOWCASE_TEXT_MAX = 2000
SHOUTOUT_MAX = 140
FEEDBACK_MAX = 500


def _open_for_content(event: CelebrationEvent) -> None:
    if event.state in (EventState.ENDED, EventState.CANCELLED):
        raise Conflict("This event is over, so nothing more can be sent to it.")


def _class_for(actor: Any, event: CelebrationEvent, classroom_id: int | None) -> int:
    """The invited class the actor prepares for (refused for classes not invited)."""
    found = event_access.of(event)
    if classroom_id is None:
        classroom_id = event_authz.class_in_event(actor, found)
        if classroom_id is None:
            raise Forbidden("Your class is not invited to this event.")
    if not event_authz.can_prepare_showcase(actor, found, classroom_id):
        if classroom_id not in found.class_ids:
            raise Forbidden("That class is not invited to this event.")
        raise Forbidden("Only pupils and teachers of that class can prepare its showcase.")
    return classroom_id


def _link_of(event: CelebrationEvent, classroom_id: int) -> Link | None:
    """The link a class was invited through (its partner teacher approves on dual links)."""
    invitation = next(i for i in event.invitations if i.classroom_id == classroom_id)
    link = invitation.link
    return link if link is not None and link.is_active else None


def add_new_showcase(
    actor: Any,
    event_id: int,
    *,
    title: str,
    text: str,
    classroom_id: int | None = None,
    client_id: str | None = None,
) -> ShowcaseItem:
    """A pupil or teacher writes a new showcase item; it goes through the rule (own teacher,
    partner teacher on dual links, then the facilitator)."""
    event = event_for(actor, event_id)
    _open_for_content(event)
    classroom_id = _class_for(actor, event, classroom_id)
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > SHOWCASE_TITLE_MAX:
        raise Invalid(f"Give it a title of at most {SHOWCASE_TITLE_MAX} characters.", field="title")
    if not text or len(text) > SHOWCASE_TEXT_MAX:
        raise Invalid(f"Write between 1 and {SHOWCASE_TEXT_MAX} characters.", field="text")
    earlier = rule.existing_for_client_id(actor, client_id)
    if earlier is not None:
        return db.session.scalars(
            select(ShowcaseItem).where(ShowcaseItem.item_id == earlier.id)
        ).one()
    made: list[ShowcaseItem] = []

    def attach(item: ModerationItem) -> None:
        showcase = ShowcaseItem(
            event_id=event.id,
            classroom_id=classroom_id,
            title=title,
            text=text,
            item_id=item.id,
            status=ShowcaseStatus.IN_REVIEW,
            chosen_by_id=actor.id if authz.is_staff(actor) else None,
        )
        db.session.add(showcase)
        made.append(showcase)

    rule.submit(
        actor,
        rule.Submission(
            kind=ItemKind.SHOWCASE,
            classroom_id=classroom_id,
            link=_link_of(event, classroom_id),
            text=f"{title}\n{text}",
            client_id=client_id,
            needs_facilitator=True,
            scope=scope_for(event.id),
        ),
        attach,
    )
    db.session.commit()
    return made[0]


def choose_existing_work(
    actor: Any, event_id: int, source_item_id: int, title: str = ""
) -> ShowcaseItem:
    """A teacher picks their class's approved work (a post, an enquiry result) for the stage;
    it waits for the facilitator's approval."""
    event = event_for(actor, event_id)
    _open_for_content(event)
    if not authz.is_staff(actor):
        raise Forbidden("Your teacher chooses which approved work goes to the event.")
    source = db.session.get(ModerationItem, source_item_id)
    if source is None or not rule.can_view_item(actor, source):
        raise NotFound("That work does not exist.")
    if source.kind in (ItemKind.SHOUTOUT, ItemKind.SHOWCASE):
        raise Invalid("Choose a post or an enquiry result, not an event item.", field="item_id")
    if source.state != ItemState.APPROVED:
        raise Conflict("Only approved work can be shown at the event.")
    classroom_id = _class_for(actor, event, source.classroom_id)
    if not authz.teaches(actor, classroom_id):
        raise Forbidden("Only a teacher of the class whose work it is can choose it.")
    already = db.session.scalar(
        select(ShowcaseItem).where(
            ShowcaseItem.event_id == event.id,
            ShowcaseItem.source_item_id == source.id,
            ShowcaseItem.status != ShowcaseStatus.WITHDRAWN,
        )
    )
    if already is not None:
        raise Conflict("That work is already in the event's showcase.")
    title = (title or "").strip() or _default_title(source)
    if len(title) > SHOWCASE_TITLE_MAX:
        raise Invalid(f"The title can be at most {SHOWCASE_TITLE_MAX} characters.", field="title")
    showcase = ShowcaseItem(
        event_id=event.id,
        classroom_id=classroom_id,
        title=title,
        text="",
        source_item_id=source.id,
        status=ShowcaseStatus.AWAITING,
        chosen_by_id=actor.id,
    )
    db.session.add(showcase)
    db.session.flush()
    _announce_staff(event, "showcase_waiting", showcase)
    db.session.commit()
    return showcase


def _default_title(source: ModerationItem) -> str:
    try:
        view = rule.channel_for(source).public_view(source)
    except LookupError:
        view = {}
    title = str(view.get("title") or view.get("text") or f"{source.kind.value.title()} work")
    return title[:SHOWCASE_TITLE_MAX]


def get_showcase(event: CelebrationEvent, showcase_id: int) -> ShowcaseItem:
    """A showcase item of this event, or NotFound."""
    showcase = db.session.get(ShowcaseItem, showcase_id)
    if showcase is None or showcase.event_id != event.id:
        raise NotFound("That showcase item does not exist.")
    return showcase


def status_of(showcase: ShowcaseItem) -> str:
    """Where it is: waiting_teacher, waiting_partner, waiting_facilitator, ready, returned,
    withdrawn."""
    item = showcase.item
    if item is None:
        return {
            ShowcaseStatus.AWAITING: "waiting_facilitator",
            ShowcaseStatus.READY: "ready",
            ShowcaseStatus.RETURNED: "returned",
        }.get(showcase.status, "withdrawn")
    if item.state == ItemState.APPROVED:
        return "ready"
    if item.state == ItemState.PENDING:
        return {
            Stage.OWN_TEACHER: "waiting_teacher",
            Stage.PARTNER_TEACHER: "waiting_partner",
        }.get(item.stage, "waiting_facilitator")
    if item.state == ItemState.RETURNED:
        return "returned"
    return "withdrawn"


def is_ready(showcase: ShowcaseItem) -> bool:
    """May it go on the stage?"""
    return status_of(showcase) == "ready"


def approve_showcase(actor: Any, event_id: int, showcase_id: int) -> ShowcaseItem:
    """The facilitator approves a showcase item for the stage (new items through the rule)."""
    event = get_event(event_id)
    showcase = get_showcase(event, showcase_id)
    _require_stage_approver(actor, event)
    if showcase.item is not None:
        rule.approve(actor, showcase.item.id)
        return showcase
    if showcase.status != ShowcaseStatus.AWAITING:
        raise Conflict("This item is not waiting for approval.")
    source = showcase.source_item
    if source is None or source.state != ItemState.APPROVED:
        raise Conflict("The work was withdrawn by its class, so it cannot go on stage.")
    showcase.status = ShowcaseStatus.READY
    showcase.decided_by_id, showcase.decided_at = actor.id, utcnow()
    showcase.feedback = None
    _announce_staff(event, "showcase_ready", showcase)
    db.session.commit()
    return showcase


def return_showcase(actor: Any, event_id: int, showcase_id: int, feedback: str) -> ShowcaseItem:
    """The facilitator sends a showcase item back with a word of feedback."""
    event = get_event(event_id)
    showcase = get_showcase(event, showcase_id)
    _require_stage_approver(actor, event)
    if showcase.item is not None:
        rule.return_item(actor, showcase.item.id, feedback)
        return showcase
    feedback = (feedback or "").strip()
    if not feedback or len(feedback) > FEEDBACK_MAX:
        raise Invalid(
            f"Write a word of feedback (at most {FEEDBACK_MAX} characters).", field="feedback"
        )
    if showcase.status not in (ShowcaseStatus.AWAITING, ShowcaseStatus.READY):
        raise Conflict("This item is not waiting for approval.")
    if event.stage_showcase_id == showcase.id:
        raise Conflict("This item is on the stage now: take it off first.")
    showcase.status = ShowcaseStatus.RETURNED
    showcase.feedback = feedback
    showcase.decided_by_id, showcase.decided_at = actor.id, utcnow()
    _announce_staff(event, "showcase_returned", showcase)
    db.session.commit()
    return showcase


def withdraw_showcase(actor: Any, event_id: int, showcase_id: int) -> ShowcaseItem:
    """A teacher of the class takes its showcase item back."""
    event = get_event(event_id)
    showcase = get_showcase(event, showcase_id)
    if not authz.teaches(actor, showcase.classroom_id):
        raise Forbidden("Only a teacher of the class can withdraw its showcase item.")
    if event.stage_showcase_id == showcase.id:
        raise Conflict("This item is on the stage now: ask the facilitator to take it off first.")
    if showcase.item is not None:
        rule.withdraw(actor, showcase.item.id, "withdrawn from the event")
    else:
        showcase.status = ShowcaseStatus.WITHDRAWN
        _announce_staff(event, "showcase_withdrawn", showcase)
        db.session.commit()
    return showcase


def _require_stage_approver(actor: Any, event: CelebrationEvent) -> None:
    found = event_access.of(event)
    if not event_authz.can_approve_showcase(actor, found):
        if event_authz.can_view_event(actor, found):
            raise Forbidden("Only the event's facilitator can approve items for the stage.")
        raise NotFound("That showcase item does not exist.")


def _announce_staff(event: CelebrationEvent, kind: str, showcase: ShowcaseItem) -> None:
    realtime.publish(
        realtime.event_staff_stream(event.id),
        kind,
        {"showcase": showcase_entry(showcase)},
    )


def showcase_entry(showcase: ShowcaseItem) -> dict[str, Any]:
    """A showcase item for lists: its status and, once ready, what the stage will show."""
    entry = {
        "showcase_id": showcase.id,
        "title": showcase.title,
        "class_id": showcase.classroom_id,
        "class_label": showcase.classroom.label,
        "status": status_of(showcase),
        "feedback": showcase.feedback or (showcase.item.feedback if showcase.item else None),
        "is_new": showcase.item_id is not None,
        "item_id": showcase.item_id,
        "shown": showcase.shown_at is not None,
    }
    return entry


def showcase_for(actor: Any, event: CelebrationEvent) -> list[ShowcaseItem]:
    """The showcase items a user may see: facilitators all of them; classes their own (a pupil
    only their own new items until ready) plus every ready item."""
    stmt = select(ShowcaseItem).where(ShowcaseItem.event_id == event.id).order_by(ShowcaseItem.id)
    items = list(db.session.scalars(stmt))
    found = event_access.of(event)
    if event_authz.can_approve_showcase(actor, found):
        return items
    mine = set(event_authz.classes_in_event(actor, found))
    visible = []
    for showcase in items:
        own_class = showcase.classroom_id in mine and authz.is_staff(actor)
        own_item = showcase.item is not None and rule.can_view_item(actor, showcase.item)
        if is_ready(showcase) or own_class or own_item:
            visible.append(showcase)
    return visible


def ready_view(showcase: ShowcaseItem) -> dict[str, Any]:
    """The stage view of a ready item."""
    return showcase_view(showcase)


# ----- shout-outs ---------------------------------------------------------------------------


def send_shoutout(
    actor: Any, event_id: int, text: str, *, client_id: str | None = None
) -> Shoutout:
    """A pupil (or teacher) sends a short message for the wall: own teacher, then the
    facilitator or the helper teacher."""
    event = event_for(actor, event_id)
    _open_for_content(event)
    classroom_id = _class_for(actor, event, None)
    text = " ".join((text or "").split())
    if not text:
        raise Invalid("Write your shout-out first.", field="text")
    if len(text) > SHOUTOUT_MAX:
        raise Invalid(f"A shout-out can be at most {SHOUTOUT_MAX} characters.", field="text")
    earlier = rule.existing_for_client_id(actor, client_id)
    if earlier is not None:
        return db.session.scalars(select(Shoutout).where(Shoutout.item_id == earlier.id)).one()
    made: list[Shoutout] = []

    def attach(item: ModerationItem) -> None:
        shout = Shoutout(event_id=event.id, item_id=item.id, classroom_id=classroom_id, text=text)
        db.session.add(shout)
        made.append(shout)

    rule.submit(
        actor,
        rule.Submission(
            kind=ItemKind.SHOUTOUT,
            classroom_id=classroom_id,
            link=_link_of(event, classroom_id),
            text=text,
            client_id=client_id,
            needs_facilitator=True,
            scope=scope_for(event.id),
        ),
        attach,
    )
    db.session.commit()
    return made[0]


def approved_shoutouts(event: CelebrationEvent, limit: int = 200) -> list[dict[str, Any]]:
    """The wall: approved shout-outs, oldest first (the newest `limit`)."""
    rows = db.session.execute(
        select(Shoutout, ModerationItem)
        .join(ModerationItem, Shoutout.item_id == ModerationItem.id)
        .where(Shoutout.event_id == event.id, ModerationItem.state == ItemState.APPROVED)
        .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
        .limit(limit)
    ).all()
    return [shoutout_view(shout, item) for shout, item in reversed(rows)]


def pending_for_facilitator(actor: Any, event: CelebrationEvent) -> list[dict[str, Any]]:
    """Items of this event waiting for this user's decision at the facilitator stage."""
    found = event_access.of(event)
    if not (event_authz.can_decide_shoutouts(actor, found)):
        return []
    items = db.session.scalars(
        select(ModerationItem)
        .where(
            ModerationItem.scope == scope_for(event.id),
            ModerationItem.state == ItemState.PENDING,
            ModerationItem.stage == Stage.FACILITATOR,
        )
        .order_by(ModerationItem.submitted_at, ModerationItem.id)
    )
    return [rule.review_entry(i) for i in items if rule.can_decide(actor, i)]


def my_items(actor: Any, event: CelebrationEvent) -> list[dict[str, Any]]:
    """A pupil's own shout-outs and showcase items with their state and feedback."""
    if not authz.is_pupil(actor):
        return []
    items = db.session.scalars(
        select(ModerationItem)
        .where(
            ModerationItem.scope == scope_for(event.id), ModerationItem.author_pupil_id == actor.id
        )
        .order_by(ModerationItem.submitted_at.desc(), ModerationItem.id.desc())
    )
    rows = []
    for item in items:
        view = rule.channel_for(item).review_view(item)
        rows.append(
            {
                "item_id": item.id,
                "kind": item.kind.value,
                "state": item.state.value,
                "stage": item.stage.value if item.stage else None,
                "feedback": item.feedback,
                "text": view.get("text", ""),
                "title": view.get("title"),
            }
        )
    return rows


def choosable_work(actor: Any, event: CelebrationEvent, limit: int = 50) -> list[dict[str, Any]]:
    """A teacher's classes' approved work that could be chosen for the showcase."""
    if not authz.is_staff(actor):
        return []
    class_ids = event_authz.classes_in_event(actor, event_access.of(event))
    if not class_ids:
        return []
    items = db.session.scalars(
        select(ModerationItem)
        .where(
            ModerationItem.classroom_id.in_(class_ids),
            ModerationItem.state == ItemState.APPROVED,
            ModerationItem.kind.not_in([ItemKind.SHOUTOUT, ItemKind.SHOWCASE, ItemKind.CHAT]),
        )
        .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
        .limit(limit)
    )
    return [
        {"item_id": i.id, "kind": i.kind.value, "title": _default_title(i), "author": i.author_name}
        for i in items
    ]


def decide_item(
    actor: Any, event_id: int, item_id: int, approve: bool, feedback: str = ""
) -> ModerationItem:
    """Approve or return one of this event's items at the facilitator stage (the console and
    showcase page; the moderation queue offers the same through the rule)."""
    event = get_event(event_id)
    item = db.session.get(ModerationItem, item_id)
    if item is None or item.scope != scope_for(event.id):
        raise NotFound("That item does not exist.")
    if approve:
        return rule.approve(actor, item.id)
    return rule.return_item(actor, item.id, feedback)
