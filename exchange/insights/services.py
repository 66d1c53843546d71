"""Services of the insights area: who may see which figures, and the pages' and API's data.

The figures themselves are computed in health.py (linking health), results.py (survey results)
checklist.py, timeline.py and picks.py (a link's plan, its year, work for the report);
surveys.py runs the survey rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from exchange import authz
from exchange import types as clock
from exchange.accounts.linking import links_of_classes
from exchange.accounts.models import District, Link, LinkStatus, Pupil
from exchange.errors import Forbidden, NotFound
from exchange.extensions import db
from exchange.insights import checklist, dates, health, picks, results, surveys, timeline
from exchange.insights.figures import DistrictFigures, LinkFigures
from exchange.insights.models import Survey, SurveyRound


def _now(now: datetime | None) -> datetime:
    """The moment figures are computed for (tests pass a fixed one)."""
    return now or clock.utcnow()


def get_district(actor: Any, district_id: int) -> District:
    """A district whose dashboard the actor may see, or NotFound/Forbidden."""
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    if not authz.insights.can_view_district_health(actor, district_id):
        raise Forbidden("Only the district's facilitators can see its dashboard.")
    return district


def get_link(actor: Any, link_id: int) -> Link:
    """A link whose page the actor may see (its teachers, the facilitators), or NotFound."""
    link = db.session.get(Link, link_id)
    if link is None or not authz.insights.can_view_link_health(actor, link):
        raise NotFound("That link does not exist.")
    return link


def district_dashboard(
    actor: Any, district_id: int, year: str | None = None, now: datetime | None = None
) -> DistrictFigures:
    """Every link of a district in one academic year (this one by default), flagged first."""
    now = _now(now)
    district = get_district(actor, district_id)
    year = surveys.parse_year(year) if year else dates.academic_year(now)
    return health.district_figures(district.id, district.name, year, now)


@dataclass
class LinkPage:
    """What a link's own page shows."""

    link: Link
    figures: LinkFigures
    checklist: list[checklist.ChecklistEntry]
    months: list[timeline.MonthBar]
    moments: list[timeline.Moment]
    can_plan: bool
    candidates: list[picks.Candidate]
    computed_at: datetime


def link_page(actor: Any, link_id: int, now: datetime | None = None) -> LinkPage:
    """A link's figures, checklist, timeline and (for its teachers) work to choose from."""
    now = _now(now)
    link = get_link(actor, link_id)
    figures = health.link_figures(link, now)
    entries = checklist.entries(link, figures)
    can_plan = authz.insights.can_plan_link(actor, link) and link.status != LinkStatus.ARCHIVED
    return LinkPage(
        link=link,
        figures=figures,
        checklist=entries,
        months=timeline.months(link, figures, now),
        moments=timeline.moments(link, figures, entries),
        can_plan=can_plan,
        candidates=picks.candidates(link) if can_plan else [],
        computed_at=now,
    )


def links_for(actor: Any) -> list[Link]:
    """The links a teacher's classes are in (newest year first): their way into the area."""
    if not authz.is_staff(actor):
        return []
    class_ids = [c.id for c in actor.classrooms]
    if not class_ids:
        return []
    found = [link for link in links_of_classes(class_ids) if link.status != LinkStatus.PROPOSED]
    found.sort(key=lambda link: link.id)
    return sorted(found, key=lambda link: link.academic_year, reverse=True)  # stable: ids stay up


def districts_for(actor: Any) -> list[District]:
    """The districts whose dashboards the actor may open."""
    if authz.is_admin(actor):
        return list(db.session.scalars(select(District).order_by(District.name)))
    if authz.is_staff(actor) and authz.insights.can_view_district_health(actor, actor.district_id):
        return [actor.district]
    return []


# ----- survey results -----------------------------------------------------------------------


def survey_results(
    actor: Any,
    district_id: int,
    year: str | None = None,
    *,
    link_id: int | None = None,
    now: datetime | None = None,
) -> results.Results:
    """A district's results for the groups the actor may see.

    Facilitators: the district and every link. Teachers: the district, and their own link when
    `link_id` is one of theirs. Suppression is computed over all links either way, so every
    viewer sees the same figures for the same group.
    """
    now = _now(now)
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    link = get_link(actor, link_id) if link_id is not None else None
    if link is not None and link.district_id != district_id:
        raise NotFound("That link is not in this district.")
    if not (link is not None or authz.insights.can_view_district_results(actor, district_id)):
        raise Forbidden("Only the district's facilitators and teachers can see its results.")
    year = surveys.parse_year(year) if year else (link.academic_year if link else None)
    year = year or dates.academic_year(now)
    links = [li for li in health.links_of(district_id, year) if li.status != LinkStatus.PROPOSED]
    found = results.compute(district_id, year, surveys.rounds(district_id, year), links, now)
    oversees = authz.oversees_district(actor, district_id)
    found.groups = [
        g
        for g in found.groups
        if g.link_id is None
        or (oversees and link_id is None)
        or (link is not None and g.link_id == link.id)
    ]
    return found


def results_csv(actor: Any, district_id: int, year: str | None = None) -> str:
    """The district's results as CSV, for the facilitator to give researchers."""
    if not authz.insights.can_manage_surveys(actor, district_id):
        get_district(actor, district_id)
        raise Forbidden("Only the district's facilitators can export its results.")
    return results.to_csv(survey_results(actor, district_id, year))


@dataclass
class VoicePage:
    """A link's pupil-voice page: its results, how many answered, and (for a teacher) their
    own class's written answers."""

    link: Link
    results: results.Results
    rounds: dict[SurveyRound, Survey]
    progress: dict[SurveyRound, list[surveys.ClassProgress]]
    free_text: dict[SurveyRound, dict[str, list[str]]]


def voice_page(actor: Any, link_id: int, now: datetime | None = None) -> VoicePage:
    """Results, answering progress and the teacher's own class's free text, for one link."""
    now = _now(now)
    link = get_link(actor, link_id)
    found = survey_results(actor, link.district_id, link.academic_year, link_id=link.id, now=now)
    rounds = surveys.rounds(link.district_id, link.academic_year)
    mine = {cid for cid in link.class_ids if authz.teaches(actor, cid)}
    visible = mine or set(link.class_ids)
    progress = {which: surveys.progress(s, visible) for which, s in rounds.items()}
    texts: dict[SurveyRound, dict[str, list[str]]] = {}
    for which, survey in rounds.items():
        texts[which] = {
            link.classroom(cid).label: surveys.free_text(actor, survey.id, cid, now) for cid in mine
        }
    return VoicePage(link, found, rounds, progress, texts)


# ----- the end-of-year report ---------------------------------------------------------------


@dataclass
class YearReport:
    """Everything the printable end-of-year report shows."""

    district: District
    figures: DistrictFigures
    results: results.Results
    chosen: dict[int, list[picks.Candidate]]
    schools: int
    classes: int
    pupils: int
    generated_at: datetime


def year_report(
    actor: Any, district_id: int, year: str | None = None, now: datetime | None = None
) -> YearReport:
    """The district's end-of-year report: links, intensity, reciprocity, survey change, work."""
    now = _now(now)
    district = get_district(actor, district_id)
    if not authz.insights.can_download_report(actor, district_id):
        raise Forbidden("Only the district's facilitators can download its report.")
    figures = district_dashboard(actor, district_id, year, now)
    shown = [f for f in figures.links if f.status != LinkStatus.PROPOSED.value]
    figures.links = shown
    class_ids = {c.classroom_id for f in shown for c in f.classes}
    schools = {f"{c.school}" for f in shown for c in f.classes}
    pupils = (
        db.session.scalar(
            select(func.count()).where(Pupil.classroom_id.in_(class_ids), Pupil.active.is_(True))
        )
        if class_ids
        else 0
    )
    return YearReport(
        district=district,
        figures=figures,
        results=survey_results(actor, district_id, figures.academic_year, now=now),
        chosen=picks.chosen([f.link_id for f in shown]),
        schools=len(schools),
        classes=len(class_ids),
        pupils=int(pupils or 0),
        generated_at=now,
    )
