"""The linking-health figures of a link and of a district, as computed by health.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from exchange.accounts.models import LinkStatus
from exchange.insights import thresholds
from exchange.insights.sources import ClassTally, Enquiry, Meeting


@dataclass(frozen=True)
class Flag:
    """A warning on a link, with the reason in words."""

    kind: str  # "quiet", "one_sided" or "overdue"
    reason: str

    @property
    def label(self) -> str:
        """The warning's short name."""
        return {"quiet": "Gone quiet", "one_sided": "One-sided", "overdue": "Items waiting"}[
            self.kind
        ]


@dataclass
class ClassFigures:
    """One class of a link: what it sent and what waits for its teachers."""

    classroom_id: int
    name: str
    school: str
    tally: ClassTally
    share: float | None  # of the link's exchanges; None before any
    waiting_days: int | None  # age of the oldest item in its teachers' queue

    @property
    def label(self) -> str:
        """Class and school."""
        return f"{self.name}, {self.school}"


@dataclass
class LinkFigures:
    """Every figure of one link's health."""

    link_id: int
    district_id: int
    academic_year: str
    status: str
    phase: int
    phase_name: str
    started_at: datetime | None
    classes: tuple[ClassFigures, ClassFigures]
    exchanges: int
    last_exchange_at: datetime | None
    last_contact_at: datetime | None
    enquiries: list[Enquiry]
    meetings: list[Meeting]
    open_reports: int
    checklist_done: int
    flags: list[Flag] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The two classes, for tables and charts."""
        return f"{self.classes[0].name} & {self.classes[1].name}"

    @property
    def long_label(self) -> str:
        """The two classes with their schools."""
        return f"{self.classes[0].label} and {self.classes[1].label}"

    @property
    def meetings_held(self) -> int:
        """Live sessions and celebrations that took place."""
        return sum(1 for m in self.meetings if m.held)

    @property
    def live_sessions_held(self) -> int:
        """Live sessions that took place."""
        return sum(1 for m in self.meetings if m.held and m.kind == "live")

    @property
    def upcoming(self) -> list[Meeting]:
        """Meetings still to come, soonest first."""
        return [m for m in self.meetings if not m.held]

    @property
    def meets_target(self) -> bool:
        """The classes met at least as often as evaluations found makes a difference."""
        return self.meetings_held >= thresholds.MEETINGS_TARGET

    @property
    def oldest_waiting_days(self) -> int | None:
        """The longest any item has waited in either teacher's queue."""
        ages = [c.waiting_days for c in self.classes if c.waiting_days is not None]
        return max(ages) if ages else None

    def flagged(self, kind: str) -> bool:
        """Whether this link carries a warning of that kind."""
        return any(f.kind == kind for f in self.flags)


@dataclass
class DistrictFigures:
    """A district's dashboard: every link of one academic year and the totals."""

    district_id: int
    district_name: str
    academic_year: str
    years: list[str]
    now: datetime
    links: list[LinkFigures]

    def count_flagged(self, kind: str) -> int:
        """How many links carry a warning of that kind."""
        return sum(1 for link in self.links if link.flagged(kind))

    @property
    def active_links(self) -> list[LinkFigures]:
        """Links confirmed by both teachers."""
        return [link for link in self.links if link.status == LinkStatus.ACTIVE.value]

    @property
    def needing_attention(self) -> list[LinkFigures]:
        """Links with at least one warning."""
        return [link for link in self.links if link.flags]

    @property
    def exchanges(self) -> int:
        """All exchanges in the district this year."""
        return sum(link.exchanges for link in self.links)

    @property
    def median_exchanges(self) -> float | None:
        """The middle link's number of exchanges."""
        return median(link.exchanges for link in self.links) if self.links else None

    @property
    def meeting_target(self) -> int:
        """Links whose classes met at least the target number of times."""
        return sum(1 for link in self.links if link.meets_target)

    @property
    def open_reports(self) -> int:
        """Reports waiting for the facilitator."""
        return sum(link.open_reports for link in self.links)
