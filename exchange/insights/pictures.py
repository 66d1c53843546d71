"""The insights pages' charts: figures turned into SVG, each with a description in words."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from exchange.insights import charts, thresholds
from exchange.insights.figures import LinkFigures
from exchange.insights.results import Group
from exchange.insights.timeline import MonthBar


def reciprocity(chart_id: str, links: Sequence[LinkFigures]) -> Markup:
    """Each link's exchanges, first class to the left and second to the right."""
    rows = [
        charts.Balance(
            f.label,
            f.classes[0].name,
            f.classes[0].tally.total,
            f.classes[1].name,
            f.classes[1].tally.total,
        )  # fmt: skip
        for f in links
    ]
    balanced = sum(1 for f in links if f.exchanges and not f.flagged("one_sided"))
    desc = (
        f"For each of {len(links)} links, the exchanges each class sent: the first class's to "
        f"the left of the centre line, the second class's to the right. {balanced} links with "
        "exchanges are not one-sided. The same figures are in the table of links."
    )
    return charts.balance(chart_id, "Reciprocity: exchanges sent by each class", desc, rows)


def meetings(chart_id: str, links: Sequence[LinkFigures]) -> Markup:
    """Meetings held per link against the target of two a year."""
    target = thresholds.MEETINGS_TARGET
    rows = [charts.Bar(f.label, f.meetings_held, f.meets_target) for f in links]
    reached = sum(1 for f in links if f.meets_target)
    desc = (
        f"Live sessions and celebrations each link's classes have held this year. {reached} of "
        f"{len(links)} links have met at least {target} times, the dashed line. The same figures "
        "are in the table of links."
    )
    return charts.bars(
        chart_id, "Intensity: times the classes met", desc, rows, target=target,
        target_label=f"{target} a year",
    )  # fmt: skip


def timeline(chart_id: str, figures: LinkFigures, months: Sequence[MonthBar]) -> Markup:
    """A link's year month by month."""
    a, b = figures.classes[0].name, figures.classes[1].name
    rows = [charts.Month(m.label, m.sent[0], m.sent[1], m.meetings, m.enquiries) for m in months]
    busiest = max(months, key=lambda m: sum(m.sent), default=None)
    busy = (
        f" The busiest month was {busiest.long_label} with {sum(busiest.sent)} exchanges."
        if busiest and sum(busiest.sent)
        else " Nothing has been exchanged yet."
    )
    desc = (
        f"Exchanges per month from {months[0].long_label} to {months[-1].long_label}: {a} in "
        f"solid columns, {b} in hatched columns; a triangle marks a meeting and a circle an "
        f"enquiry.{busy} The table under the chart has every month's figures."
        if months
        else "No months to show."
    )
    return charts.months(chart_id, "The year so far, month by month", desc, rows)


def survey(chart_id: str, group: Group) -> Markup:
    """A group's averages per statement, start of year and end of year."""
    rows = []
    for row in group.rows:
        before = row.before.mean if row.before is not None else None
        after = row.after.mean if row.after is not None else None
        note = "too few answers to show" if (row.before or row.after) else "no round closed"
        rows.append(charts.Dumbbell(row.short, before, after, note))
    desc = (
        f"{group.label}: the average answer to each statement on the scale from 1 (disagree a "
        "lot) to 5 (agree a lot), an open circle at the start of the year and a filled circle "
        "at the end. Statements with too few answers are not drawn. The table under the chart "
        "has the figures and how sure we are of each change."
    )
    return charts.dumbbells(chart_id, f"Pupil voice: {group.label}", desc, rows)


# How far the mouth bends, from a frown (1) to a big smile (5).
_MOUTHS = {1: -7.0, 2: -3.5, 3: 0.0, 4: 4.0, 5: 7.5}


def face(value: int) -> Markup:
    """A simple face for a point of the survey scale, drawn as SVG so it looks the same on
    every tablet (emoji fonts differ and some have none). Decorative: the words say it."""
    bend = _MOUTHS[value]
    mouth = f"M12 24 Q20 {24 + bend * 2:.1f} 28 24"
    closed = " Z" if value == 5 else ""
    fill = "face-mouth-open" if value == 5 else "face-mouth"
    brows = (
        '<path class="face-line" d="M10 13.5 L17 10.5 M30 13.5 L23 10.5"/>' if value == 1 else ""
    )
    return Markup(  # noqa: S704 - a fixed drawing, no text from anyone
        '<svg class="face-svg" viewBox="0 0 40 40" width="56" height="56" aria-hidden="true" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">'
        '<circle class="face-bg" cx="20" cy="20" r="18"/>'
        '<circle class="face-eye" cx="14" cy="16" r="2.5"/>'
        '<circle class="face-eye" cx="26" cy="16" r="2.5"/>'
        f'{brows}<path class="{fill}" d="{mouth}{closed}"/></svg>'
    )


SPEAKER = Markup(  # noqa: S704 - a fixed drawing
    '<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" '
    'focusable="false" xmlns="http://www.w3.org/2000/svg">'
    '<path class="icon-fill" d="M4 9h4l5-4v14l-5-4H4z"/>'
    '<path class="icon-line" d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12"/></svg>'
)
