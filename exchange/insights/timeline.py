"""A link's year: exchanges month by month, and its milestones in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from exchange.accounts.models import Link
from exchange.insights import sources
from exchange.insights.checklist import ChecklistEntry
from exchange.insights.dates import LONDON
from exchange.insights.figures import LinkFigures


@dataclass(frozen=True)
class MonthBar:
    """One month of a link's year: exchanges sent by each class, meetings and enquiries."""

    start: date
    sent: tuple[int, int]
    meetings: int
    enquiries: int

    @property
    def label(self) -> str:
        """'Sep'."""
        return f"{self.start:%b}"

    @property
    def long_label(self) -> str:
        """'September 2026'."""
        return f"{self.start:%B %Y}"


@dataclass(frozen=True)
class Moment:
    """A dated event of a link's year, for the timeline list."""

    at: datetime
    kind: str
    text: str


def months(link: Link, figures: LinkFigures, now: datetime) -> list[MonthBar]:
    """The link's academic year month by month (September to July, August if it has data)."""
    first_year = int(link.academic_year[:4])
    starts = [date(first_year + (m < 9), m, 1) for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8)]
    counts: dict[date, list[int]] = {s: [0, 0, 0, 0] for s in starts}

    def bucket(at: datetime) -> list[int] | None:
        local = at.astimezone(LONDON)
        return counts.get(date(local.year, local.month, 1))

    for class_id, at, _reply in sources.exchange_times(link.id):
        row = bucket(at)
        if row is not None:
            row[0 if class_id == link.class_a_id else 1] += 1
    for meeting in figures.meetings:
        row = bucket(meeting.at)
        if row is not None and meeting.held:
            row[2] += 1
    for enquiry in figures.enquiries:
        row = bucket(enquiry.at)
        if row is not None:
            row[3] += 1
    bars = [MonthBar(s, (c[0], c[1]), c[2], c[3]) for s, c in counts.items()]
    if not any(bars[-1].sent) and not bars[-1].meetings and not bars[-1].enquiries:
        bars.pop()  # August is holiday: shown only when something happened
    return bars


def moments(link: Link, figures: LinkFigures, entries: list[ChecklistEntry]) -> list[Moment]:
    """The year's milestones in time order: steps ticked, meetings, enquiries, first exchange."""
    found = []
    if figures.started_at:
        found.append(Moment(figures.started_at, "start", "The link started."))
    first = sources.first_exchange_at(link.id)
    if first:
        found.append(Moment(first, "exchange", "The first exchange reached the partner class."))
    for meeting in figures.meetings:
        what = "Live session" if meeting.kind == "live" else "Celebration"
        tense = "" if meeting.held else " (planned)"
        found.append(Moment(meeting.at, meeting.kind, f"{what}: {meeting.title}{tense}"))
    for enquiry in figures.enquiries:
        found.append(Moment(enquiry.at, "enquiry", f"P4C enquiry: {enquiry.title}"))
    for entry in entries:
        if entry.ticked_at:
            found.append(
                Moment(entry.ticked_at, "step", f"{entry.ticked_by} ticked “{entry.info.title}”.")
            )
    return sorted(found, key=lambda m: m.at)
