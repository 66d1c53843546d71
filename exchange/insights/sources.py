"""The inputs of every linking-health figure, one small query per source table.

Each function reads one other area's tables for many links at once (one grouped query, never
one per link), so a change in that area is a one-place fix here and the dashboard of a whole
district costs a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from exchange.enquiry.models import Enquiry as EnquiryRow
from exchange.enquiry.models import GroundRules
from exchange.extensions import db
from exchange.insights.models import ChecklistTick
from exchange.moderation.models import ItemKind, ItemState, ModerationItem, Report, ReportStatus
from exchange.moderation.models import Stage as ModerationStage
from exchange.rooms.events.models import (
    CelebrationEvent,
    EventInvitation,
    EventState,
    InvitationStatus,
)
from exchange.rooms.live.models import LiveSession, SessionStatus

# What counts as an exchange between the classes: work and replies that reached the partner
# class. Live chat is counted as live sessions instead, and celebration items belong to events.
EXCHANGE_KINDS = (
    ItemKind.POST,
    ItemKind.COMMENT,
    ItemKind.CONCEPT,
    ItemKind.QUESTION,
    ItemKind.CLARIFICATION,
    ItemKind.CONTRIBUTION,
    ItemKind.LAST_WORDS,
    ItemKind.REFLECTION,
)
# Of those, the ones that answer the partner class rather than start something new.
RESPONSE_KINDS = (ItemKind.COMMENT, ItemKind.CLARIFICATION, ItemKind.CONTRIBUTION)
# Work a teacher may choose for the end-of-year report.
REPORTABLE_KINDS = (ItemKind.POST,)


@dataclass
class ClassTally:
    """What one class of a link sent and how many of its items wait for its teachers."""

    sent: int = 0
    responded: int = 0
    last_at: datetime | None = None
    waiting: int = 0
    oldest_waiting_at: datetime | None = None

    @property
    def total(self) -> int:
        """Every exchange the class sent, new work and replies."""
        return self.sent + self.responded


@dataclass(frozen=True)
class Meeting:
    """A time the two classes met (or will meet): a live session or a celebration event."""

    at: datetime
    kind: str  # "live" or "celebration"
    title: str
    held: bool


@dataclass(frozen=True)
class Enquiry:
    """A P4C enquiry the two classes ran together."""

    at: datetime
    title: str


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two optional times."""
    if a is None or b is None:
        return a or b
    return max(a, b)


def earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    """The earlier of two optional times."""
    if a is None or b is None:
        return a or b
    return min(a, b)


def class_tallies(
    links: Collection[tuple[int, int, int]],
) -> dict[tuple[int, int], ClassTally]:
    """Per (link id, class id): approved exchanges sent, replies, last one, and queue waits.

    `links` are (link id, class a id, class b id). An exchange is an item that reached the
    partner class (it has an approval time, even if it was later withdrawn or hidden).
    """
    tallies: dict[tuple[int, int], ClassTally] = defaultdict(ClassTally)
    ids = [link_id for link_id, _, _ in links]
    if not ids:
        return tallies
    partner = {}
    for link_id, a, b in links:
        partner[(link_id, a)], partner[(link_id, b)] = b, a
    is_reply = case((ModerationItem.kind.in_(RESPONSE_KINDS), 1), else_=0)
    sent = db.session.execute(
        select(
            ModerationItem.link_id,
            ModerationItem.classroom_id,
            is_reply,
            func.count(),
            func.max(ModerationItem.approved_at),
        )
        .where(
            ModerationItem.link_id.in_(ids),
            ModerationItem.approved_at.is_not(None),
            ModerationItem.kind.in_(EXCHANGE_KINDS),
        )
        .group_by(ModerationItem.link_id, ModerationItem.classroom_id, is_reply)
    )
    for link_id, class_id, reply, count, last_at in sent:
        tally = tallies[(link_id, class_id)]
        if reply:
            tally.responded += count
        else:
            tally.sent += count
        tally.last_at = later(tally.last_at, last_at)
    waiting = db.session.execute(
        select(
            ModerationItem.link_id,
            ModerationItem.classroom_id,
            ModerationItem.stage,
            func.count(),
            func.min(ModerationItem.submitted_at),
        )
        .where(
            ModerationItem.link_id.in_(ids),
            ModerationItem.state == ItemState.PENDING,
            ModerationItem.stage.in_(
                [ModerationStage.OWN_TEACHER, ModerationStage.PARTNER_TEACHER]
            ),
        )
        .group_by(ModerationItem.link_id, ModerationItem.classroom_id, ModerationItem.stage)
    )
    for link_id, class_id, stage, count, oldest in waiting:
        # A partner-stage item waits in the other class's teachers' queue.
        if stage == ModerationStage.PARTNER_TEACHER:
            class_id = partner.get((link_id, class_id), class_id)
        tally = tallies[(link_id, class_id)]
        tally.waiting += count
        tally.oldest_waiting_at = earlier(tally.oldest_waiting_at, oldest)
    return tallies


def open_reports(link_ids: Collection[int], district_ids: Collection[int]) -> dict[int, int]:
    """Per link: reports of hidden items the facilitator has not decided yet.

    Reports are few; filtering them by district first lets the database start from them
    rather than from every item of the links.
    """
    if not link_ids:
        return {}
    rows = db.session.execute(
        select(ModerationItem.link_id, func.count(Report.id))
        .join(ModerationItem, Report.item_id == ModerationItem.id)
        .where(
            Report.district_id.in_(list(district_ids)),
            Report.status == ReportStatus.OPEN,
            ModerationItem.link_id.in_(list(link_ids)),
        )
        .group_by(ModerationItem.link_id)
    )
    return {link_id: count for link_id, count in rows}


def checklist_counts(link_ids: Collection[int]) -> dict[int, int]:
    """Per link: how many co-planning steps are ticked."""
    if not link_ids:
        return {}
    rows = db.session.execute(
        select(ChecklistTick.link_id, func.count())
        .where(ChecklistTick.link_id.in_(list(link_ids)))
        .group_by(ChecklistTick.link_id)
    )
    return {link_id: count for link_id, count in rows}


def enquiries(link_ids: Collection[int]) -> dict[int, list[Enquiry]]:
    """Per link: the P4C enquiries the two classes started together, open or closed."""
    found: dict[int, list[Enquiry]] = defaultdict(list)
    if not link_ids:
        return found
    rows = db.session.execute(
        select(
            EnquiryRow.link_id, EnquiryRow.created_at, EnquiryRow.title, EnquiryRow.stimulus_title
        )
        .where(EnquiryRow.link_id.in_(list(link_ids)))
        .order_by(EnquiryRow.created_at, EnquiryRow.id)
    )
    for link_id, at, title, stimulus in rows:
        found[link_id].append(Enquiry(at, title or stimulus or "An enquiry"))
    return found


def ground_rules_at(link_id: int) -> datetime | None:
    """When the two classes' P4C ground rules were last written down, if they were."""
    rules = db.session.get(GroundRules, link_id)
    return rules.updated_at if rules is not None and rules.rules else None


def meetings(links: Collection[tuple[int, int, int]], now: datetime) -> dict[int, list[Meeting]]:
    """Per link: live sessions and celebration events, held and coming up, in time order."""
    found: dict[int, list[Meeting]] = defaultdict(list)
    for source in (live_sessions(links, now), celebrations(links, now)):
        for link_id, items in source.items():
            found[link_id].extend(items)
    for items in found.values():
        items.sort(key=lambda m: (m.at, m.kind, m.title))
    return found


def live_sessions(
    links: Collection[tuple[int, int, int]], now: datetime
) -> dict[int, list[Meeting]]:
    """Per link: live sessions held, and those still to come.

    Held: confirmed by both teachers, and ended by a teacher or past its end time. Coming up:
    proposed or confirmed, starting later. Cancelled sessions never count.
    """
    found: dict[int, list[Meeting]] = defaultdict(list)
    ids = [link_id for link_id, _, _ in links]
    if not ids:
        return found
    rows = db.session.execute(
        select(
            LiveSession.link_id,
            LiveSession.title,
            LiveSession.starts_at,
            LiveSession.ends_at,
            LiveSession.ended_at,
            LiveSession.status,
        )
        .where(LiveSession.link_id.in_(ids), LiveSession.status != SessionStatus.CANCELLED)
        .order_by(LiveSession.starts_at, LiveSession.id)
    )
    for link_id, title, starts_at, ends_at, ended_at, status in rows:
        held = status == SessionStatus.CONFIRMED and (ended_at is not None or ends_at <= now)
        if held or starts_at > now:
            found[link_id].append(Meeting(starts_at, "live", title, held))
    return found


def celebrations(
    links: Collection[tuple[int, int, int]], now: datetime
) -> dict[int, list[Meeting]]:
    """Per link: celebration events both of its classes accepted, held and coming up.

    An event counts for a link when both its classes accepted (as a link, or each on its own);
    cancelled events never count.
    """
    found: dict[int, list[Meeting]] = defaultdict(list)
    if not links:
        return found
    class_ids = {cid for _, a, b in links for cid in (a, b)}
    rows = db.session.execute(
        select(
            EventInvitation.classroom_id,
            CelebrationEvent.id,
            CelebrationEvent.title,
            CelebrationEvent.state,
            CelebrationEvent.starts_at,
        )
        .join(CelebrationEvent, EventInvitation.event_id == CelebrationEvent.id)
        .where(
            EventInvitation.classroom_id.in_(class_ids),
            EventInvitation.status == InvitationStatus.ACCEPTED,
            CelebrationEvent.state != EventState.CANCELLED,
        )
        .order_by(CelebrationEvent.starts_at, CelebrationEvent.id, EventInvitation.id)
    )
    events: dict[int, tuple[set[int], Meeting]] = {}
    for class_id, event_id, title, state, starts_at in rows:
        held = state == EventState.ENDED
        entry = events.setdefault(event_id, (set(), Meeting(starts_at, "celebration", title, held)))
        entry[0].add(class_id)
    for link_id, a, b in links:
        for classes, meeting in events.values():
            # An event that was never ended but whose day has passed did not happen as planned.
            if {a, b} <= classes and (meeting.held or meeting.at > now):
                found[link_id].append(meeting)
    return found


def exchange_times(link_id: int) -> list[tuple[int, datetime, bool]]:
    """Every exchange of one link: (class id, approval time, is a reply), for its timeline."""
    rows = db.session.execute(
        select(
            ModerationItem.classroom_id,
            ModerationItem.approved_at,
            ModerationItem.kind.in_(RESPONSE_KINDS),
        ).where(
            ModerationItem.link_id == link_id,
            ModerationItem.approved_at.is_not(None),
            ModerationItem.kind.in_(EXCHANGE_KINDS),
        )
    )
    return [(class_id, at, bool(reply)) for class_id, at, reply in rows]


def first_exchange_at(link_id: int) -> datetime | None:
    """When the first exchange of a link reached the partner class."""
    return db.session.scalar(
        select(func.min(ModerationItem.approved_at)).where(
            ModerationItem.link_id == link_id,
            ModerationItem.approved_at.is_not(None),
            ModerationItem.kind.in_(EXCHANGE_KINDS),
        )
    )
