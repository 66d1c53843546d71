"""Linking health: intensity, reciprocity, waiting items and warnings, per link and per district.

`district_figures` and `link_figures` compute; the services in exchange.insights.services decide
who may see them. Every figure comes from exchange.insights.sources, a few grouped queries for
the whole district, so a dashboard of 40 links costs the same handful of queries as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from exchange.accounts.models import PHASE_NAMES, Classroom, Link, LinkStatus, School
from exchange.extensions import db
from exchange.insights import sources, thresholds
from exchange.insights.dates import days_between, short_date
from exchange.insights.figures import ClassFigures, DistrictFigures, Flag, LinkFigures
from exchange.insights.sources import ClassTally, Enquiry, Meeting

# ----- computing ---------------------------------------------------------------------------


def links_of(district_id: int, year: str) -> list[Link]:
    """A district's links of one academic year, with their classes and schools loaded."""
    return list(
        db.session.scalars(
            select(Link)
            .where(Link.district_id == district_id, Link.academic_year == year)
            .options(
                joinedload(Link.class_a).joinedload(Classroom.school),
                joinedload(Link.class_b).joinedload(Classroom.school),
            )
            .order_by(Link.id)
        ).unique()
    )


@dataclass(frozen=True)
class LinkRow:
    """What the figures need of a link, its classes and schools: plain values, one row."""

    id: int
    district_id: int
    academic_year: str
    status: LinkStatus
    phase: int
    class_a_id: int
    class_b_id: int
    names: tuple[str, str]
    schools: tuple[str, str]
    confirmed_a_at: datetime | None
    confirmed_b_at: datetime | None

    @property
    def class_ids(self) -> tuple[int, int]:
        """Both classes' ids."""
        return (self.class_a_id, self.class_b_id)

    @property
    def phase_name(self) -> str:
        """The phase in words."""
        return PHASE_NAMES.get(self.phase, str(self.phase))

    @classmethod
    def of(cls, link: Link) -> LinkRow:
        """The row of a loaded link."""
        return cls(
            link.id, link.district_id, link.academic_year, link.status, link.phase,
            link.class_a_id, link.class_b_id, (link.class_a.name, link.class_b.name),
            (link.class_a.school.name, link.class_b.school.name), link.confirmed_a_at,
            link.confirmed_b_at,
        )  # fmt: skip


def link_rows(district_id: int, year: str) -> list[LinkRow]:
    """A district's links of one year with their classes' and schools' names, in one query
    (plain rows: a dashboard does not need 200 ORM objects)."""
    class_a, class_b = aliased(Classroom), aliased(Classroom)
    school_a, school_b = aliased(School), aliased(School)
    rows = db.session.execute(
        select(
            Link.id,
            Link.district_id,
            Link.academic_year,
            Link.status,
            Link.phase,
            Link.class_a_id,
            Link.class_b_id,
            class_a.name,
            class_b.name,
            school_a.name,
            school_b.name,
            Link.confirmed_a_at,
            Link.confirmed_b_at,
        )  # fmt: skip
        .join(class_a, Link.class_a_id == class_a.id)
        .join(class_b, Link.class_b_id == class_b.id)
        .join(school_a, class_a.school_id == school_a.id)
        .join(school_b, class_b.school_id == school_b.id)
        .where(Link.district_id == district_id, Link.academic_year == year)
        .order_by(Link.id)
    )
    return [
        LinkRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], (r[7], r[8]), (r[9], r[10]), r[11], r[12])
        for r in rows
    ]


def years_of(district_id: int) -> list[str]:
    """The academic years a district has links in, newest first."""
    found = db.session.scalars(
        select(Link.academic_year).where(Link.district_id == district_id).distinct()
    )
    return sorted(found, reverse=True)


def compute(links: list[LinkRow], now: datetime) -> list[LinkFigures]:
    """The figures of many links at once, from one grouped query per source."""
    triples = [(link.id, link.class_a_id, link.class_b_id) for link in links]
    ids = [link.id for link in links]
    tallies = sources.class_tallies(triples)
    reports = sources.open_reports(ids, {link.district_id for link in links})
    ticks = sources.checklist_counts(ids)
    enquiries = sources.enquiries(ids)
    meetings = sources.meetings(triples, now)
    return [
        _figures(
            link,
            now,
            tallies,
            enquiries.get(link.id, []),
            meetings.get(link.id, []),
            reports.get(link.id, 0),
            ticks.get(link.id, 0),
        )
        for link in links
    ]


def _figures(
    link: LinkRow,
    now: datetime,
    tallies: dict[tuple[int, int], ClassTally],
    enquiries: list[Enquiry],
    meetings: list[Meeting],
    reports: int,
    ticks: int,
) -> LinkFigures:
    """One link's figures and warnings from the district-wide tallies."""
    pair = [tallies.get((link.id, cid), ClassTally()) for cid in link.class_ids]
    total = pair[0].total + pair[1].total
    classes = tuple(
        ClassFigures(
            classroom_id=class_id,
            name=name,
            school=school,
            tally=tally,
            share=tally.total / total if total else None,
            waiting_days=(
                days_between(tally.oldest_waiting_at, now) if tally.oldest_waiting_at else None
            ),
        )
        for class_id, name, school, tally in zip(
            link.class_ids, link.names, link.schools, pair, strict=True
        )
    )
    last_exchange = sources.later(pair[0].last_at, pair[1].last_at)
    last_meeting = max((m.at for m in meetings if m.held), default=None)
    figures = LinkFigures(
        link_id=link.id,
        district_id=link.district_id,
        academic_year=link.academic_year,
        status=link.status.value,
        phase=link.phase,
        phase_name=link.phase_name,
        started_at=_started(link),
        classes=classes,  # type: ignore[arg-type]
        exchanges=total,
        last_exchange_at=last_exchange,
        last_contact_at=sources.later(last_exchange, last_meeting),
        enquiries=enquiries,
        meetings=meetings,
        open_reports=reports,
        checklist_done=ticks,
    )
    if link.status == LinkStatus.ACTIVE:
        figures.flags = warnings(figures, now)
    return figures


def _started(link: LinkRow) -> datetime | None:
    """When a link became active: the later of its two teachers' confirmations."""
    if link.confirmed_a_at and link.confirmed_b_at:
        return max(link.confirmed_a_at, link.confirmed_b_at)
    return None


def warnings(link: LinkFigures, now: datetime) -> list[Flag]:
    """Why an active link needs a facilitator's attention, each with its reason in words."""
    found = []
    quiet = quiet_reason(link, now)
    if quiet:
        found.append(Flag("quiet", quiet))
    one_sided = one_sided_reason(link)
    if one_sided:
        found.append(Flag("one_sided", one_sided))
    found += [Flag("overdue", reason) for reason in overdue_reasons(link)]
    return found


def quiet_reason(link: LinkFigures, now: datetime) -> str | None:
    """Nothing exchanged and no meeting for more than QUIET_DAYS days."""
    since = link.last_contact_at or link.started_at
    if since is None:
        return None
    days = days_between(since, now)
    if days <= thresholds.QUIET_DAYS:
        return None
    if link.last_contact_at is None:
        return f"Nothing exchanged yet, {days} days after the link started on {short_date(since)}."
    return f"Nothing exchanged for {days} days (last on {short_date(since)})."


def one_sided_reason(link: LinkFigures) -> str | None:
    """One class sent more than ONE_SIDED_SHARE of at least ONE_SIDED_MIN_EXCHANGES."""
    if link.exchanges < thresholds.ONE_SIDED_MIN_EXCHANGES:
        return None
    top = max(link.classes, key=lambda c: c.tally.total)
    share = top.tally.total / link.exchanges
    if share <= thresholds.ONE_SIDED_SHARE:
        return None
    return (
        f"{top.name} sent {top.tally.total} of the {link.exchanges} exchanges "
        f"({round(share * 100)}%)."
    )


def overdue_reasons(link: LinkFigures) -> list[str]:
    """Each teacher's queue whose oldest item has waited more than OVERDUE_DAYS days."""
    reasons = []
    for cls in link.classes:
        if cls.waiting_days is not None and cls.waiting_days > thresholds.OVERDUE_DAYS:
            items = "item" if cls.tally.waiting == 1 else "items"
            reasons.append(
                f"{cls.tally.waiting} {items} waiting for {cls.name}'s teacher, "
                f"the oldest for {cls.waiting_days} days."
            )
    return reasons


def district_figures(
    district_id: int, district_name: str, year: str, now: datetime
) -> DistrictFigures:
    """Every link of a district in one academic year, flagged links first."""
    figures = compute(link_rows(district_id, year), now)
    figures.sort(key=lambda f: (not f.flags, f.status != LinkStatus.ACTIVE.value, f.link_id))
    return DistrictFigures(
        district_id=district_id,
        district_name=district_name,
        academic_year=year,
        years=sorted(set(years_of(district_id)) | {year}, reverse=True),
        now=now,
        links=figures,
    )


def link_figures(link: Link, now: datetime) -> LinkFigures:
    """One link's figures."""
    return compute([LinkRow.of(link)], now)[0]
