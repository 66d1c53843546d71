"""Survey results: before and after, per statement, per district and per link, with the change
and how sure we are of it. No figure for a group of fewer than MIN_GROUP answers.

Only closed rounds are counted (while a round is open, a figure that moves as each pupil
answers would give their answer away). A link's group is the answers of its two classes; the
district's is every answer of the round.

Small groups are suppressed twice over: a cell with fewer than MIN_GROUP answers is hidden
(primary suppression), and when exactly one group of a district is hidden, the next smallest
link is hidden too, so the hidden one cannot be worked out by subtracting the others from the
district's figure (complementary suppression).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from exchange.accounts.models import Link
from exchange.extensions import db
from exchange.insights import stats, template, thresholds
from exchange.insights.models import Survey, SurveyAnswer, SurveyResponse, SurveyRound
from exchange.insights.stats import EMPTY, Change, Summary

SUPPRESSED = (
    f"Fewer than {thresholds.MIN_GROUP} pupils answered, so we do not show this: "
    "nobody should be picked out."
)
HIDDEN_WITH = (
    "Hidden together with a smaller group, so that group's answers cannot be worked out "
    "from the district's figure."
)


@dataclass(frozen=True)
class Cell:
    """One group's answers to one statement in one round; `summary` is None when hidden."""

    summary: Summary | None
    reason: str | None = None  # why it is hidden

    @property
    def shown(self) -> bool:
        """There is a figure to show."""
        return self.summary is not None

    @property
    def mean(self) -> float | None:
        """The average answer, when shown."""
        return self.summary.mean if self.summary else None

    @property
    def n(self) -> int | None:
        """How many answered, when shown."""
        return self.summary.n if self.summary else None


@dataclass(frozen=True)
class Row:
    """One statement for one group: before, after, the change and the words for it."""

    statement: str
    before: Cell | None  # None: that round has not been run or has not closed
    after: Cell | None
    change: Change | None
    words: str

    @property
    def text(self) -> str:
        """The statement's wording."""
        return template.statement_text(self.statement)

    @property
    def short(self) -> str:
        """The statement's short label."""
        return template.statement_short(self.statement)


@dataclass
class Group:
    """The district, or one link: its label and one row per statement."""

    key: str
    label: str
    link_id: int | None
    rows: list[Row] = field(default_factory=list)


@dataclass
class Results:
    """A district's survey results for one academic year."""

    district_id: int
    academic_year: str
    before: Survey | None
    after: Survey | None
    statements: list[str]
    groups: list[Group]
    notes: list[str]

    def group(self, key: str) -> Group | None:
        """A group by key ('district' or 'link:<id>')."""
        return next((g for g in self.groups if g.key == key), None)


def _closed(survey: Survey | None, now: datetime) -> Survey | None:
    """The survey if its answers may be counted (it has closed)."""
    return survey if survey is not None and not survey.is_open(now) else None


def class_sums(survey_ids: list[int]) -> dict[tuple[int, str], dict[int, Summary]]:
    """Per (survey, statement), per class: the count, sum and sum of squares of the answers."""
    found: dict[tuple[int, str], dict[int, Summary]] = defaultdict(dict)
    if not survey_ids:
        return found
    rows = db.session.execute(
        select(
            SurveyResponse.survey_id,
            SurveyResponse.classroom_id,
            SurveyAnswer.statement,
            func.count(),
            func.sum(SurveyAnswer.value),
            func.sum(SurveyAnswer.value * SurveyAnswer.value),
        )
        .join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id.in_(survey_ids))
        .group_by(SurveyResponse.survey_id, SurveyResponse.classroom_id, SurveyAnswer.statement)
    )
    for survey_id, class_id, key, n, total, total_sq in rows:
        found[(survey_id, key)][class_id] = Summary(int(n), int(total), int(total_sq))
    return found


def compute(
    district_id: int,
    year: str,
    surveys: dict[SurveyRound, Survey],
    links: list[Link],
    now: datetime,
) -> Results:
    """Every group's results for the district's closed rounds of one year."""
    before = _closed(surveys.get(SurveyRound.BEFORE), now)
    after = _closed(surveys.get(SurveyRound.AFTER), now)
    notes = _round_notes(surveys, now)
    keys = _statements(surveys.get(SurveyRound.BEFORE), surveys.get(SurveyRound.AFTER))
    sums = class_sums([s.id for s in (before, after) if s is not None])
    members: list[tuple[str, str, int | None, tuple[int, ...] | None]] = [
        ("district", "The whole district", None, None)
    ]
    members += [
        (f"link:{link.id}", f"{link.class_a.name} & {link.class_b.name}", link.id, link.class_ids)
        for link in links
    ]
    cells: dict[tuple[str, str, SurveyRound], Cell] = {}
    for which, survey in ((SurveyRound.BEFORE, before), (SurveyRound.AFTER, after)):
        if survey is None:
            continue
        for key in [k for k in keys if k in survey.statements]:
            per_class = sums.get((survey.id, key), {})
            raw = {
                group_key: _total(per_class, class_ids) for group_key, _, _, class_ids in members
            }
            for group_key, cell in suppress(raw).items():
                cells[(group_key, key, which)] = cell
    groups = []
    for group_key, label, link_id, _ in members:
        group = Group(group_key, label, link_id)
        for key in keys:
            b = cells.get((group_key, key, SurveyRound.BEFORE)) if before else None
            a = cells.get((group_key, key, SurveyRound.AFTER)) if after else None
            group.rows.append(_row(key, b, a))
        groups.append(group)
    return Results(district_id, year, before, after, keys, groups, notes)


def _statements(before: Survey | None, after: Survey | None) -> list[str]:
    """The statements to report: both published rounds' in template order (a statement asked
    in only one round shows that round alone)."""
    asked = set(before.statements if before else []) | set(after.statements if after else [])
    ordered = [s.key for s in template.STATEMENTS if s.key in asked]
    return ordered + sorted(asked - set(ordered))


def _total(per_class: dict[int, Summary], class_ids: tuple[int, ...] | None) -> Summary:
    """A group's pooled answers: the given classes', or every class's."""
    total = EMPTY
    for class_id, summary in per_class.items():
        if class_ids is None or class_id in class_ids:
            total = total + summary
    return total


def suppress(raw: dict[str, Summary]) -> dict[str, Cell]:
    """Hide groups with fewer than MIN_GROUP answers, then protect a lone hidden group.

    `raw` has the key 'district' and one key per link. Answers from classes that are in no
    listed link form an implicit unlisted group, which counts as hidden.
    """
    minimum = thresholds.MIN_GROUP
    district = raw.get("district", EMPTY)
    links = {k: v for k, v in raw.items() if k != "district"}
    hidden = {k for k, v in links.items() if v.n < minimum}
    unlisted = district.n - sum(v.n for v in links.values())
    district_shown = district.n >= minimum
    hidden_with_answers = [k for k in hidden if links[k].n > 0] + (["*"] if unlisted > 0 else [])
    extra: set[str] = set()
    if district_shown and len(hidden_with_answers) == 1:
        visible = sorted((v.n, k) for k, v in links.items() if k not in hidden)
        if visible:
            extra.add(visible[0][1])
    cells = {"district": Cell(district) if district_shown else Cell(None, SUPPRESSED)}
    for key, summary in links.items():
        if key in hidden:
            cells[key] = Cell(None, SUPPRESSED)
        elif key in extra:
            cells[key] = Cell(None, HIDDEN_WITH)
        else:
            cells[key] = Cell(summary)
    return cells


def _row(key: str, before: Cell | None, after: Cell | None) -> Row:
    """A statement's row: the change and its interval when both rounds can be shown."""
    if before is None and after is None:
        return Row(key, None, None, None, "No survey round has closed yet.")
    if before is None or after is None:
        shown = before if before is not None else after
        if not shown.shown:
            return Row(key, before, after, None, shown.reason or SUPPRESSED)
        missing = "end-of-year" if after is None else "start-of-year"
        return Row(
            key,
            before,
            after,
            None,
            f"The average was {shown.mean:.1f} out of 5 ({shown.n} answers). The change "
            f"will show once the {missing} round has closed.",
        )
    if not before.shown or not after.shown:
        return Row(key, before, after, None, (before.reason or after.reason or SUPPRESSED))
    change = stats.welch_change(before.summary, after.summary, thresholds.CONFIDENCE)
    return Row(key, before, after, change, stats.plain_words(change, before.n, after.n))


def _round_notes(surveys: dict[SurveyRound, Survey], now: datetime) -> list[str]:
    """Why a round is not in the results yet."""
    notes = []
    for which, name in ((SurveyRound.BEFORE, "start-of-year"), (SurveyRound.AFTER, "end-of-year")):
        survey = surveys.get(which)
        if survey is None:
            notes.append(f"The {name} survey has not been published.")
        elif survey.is_open(now):
            notes.append(
                f"The {name} survey is still open: its results appear when it closes, so no "
                "figure changes as each pupil answers."
            )
    return notes


# ----- export -------------------------------------------------------------------------------

CSV_COLUMNS = [
    "academic_year",
    "district_id",
    "group",
    "link_id",
    "statement_key",
    "statement",
    "before_n",
    "before_mean",
    "before_sd",
    "after_n",
    "after_mean",
    "after_sd",
    "change",
    "ci_low",
    "ci_high",
    "confidence",
    "note",
]


def _cell_columns(cell: Cell | None) -> list[Any]:
    """n, mean and sd of a cell for the CSV: blank when not run, '<5' when hidden."""
    if cell is None:
        return ["", "", ""]
    if not cell.shown:
        return [f"<{thresholds.MIN_GROUP}", "", ""]
    s = cell.summary
    return [s.n, f"{s.mean:.3f}", f"{s.sd:.3f}"]


def to_csv(results: Results) -> str:
    """The results as CSV for researchers: group figures only, no pupil identifier, and the
    same suppression as the pages."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for group in results.groups:
        for row in group.rows:
            change = row.change
            writer.writerow(
                [
                    results.academic_year,
                    results.district_id,
                    "district" if group.link_id is None else "link",
                    group.link_id or "",
                    row.statement,
                    row.text,
                    *_cell_columns(row.before),
                    *_cell_columns(row.after),
                    f"{change.diff:.3f}" if change else "",
                    f"{change.low:.3f}" if change else "",
                    f"{change.high:.3f}" if change else "",
                    change.confidence if change else "",
                    "" if change else row.words,
                ]
            )
    return out.getvalue()
