"""Charts drawn on the server as SVG: no JavaScript, readable in print, with text alternatives.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (a sentence that
says what the chart shows and where its figures are as a table). Colours come from CSS classes
in static/css/insights.css; the second series is also hatched and every bar carries its number
as text, so nothing depends on telling colours apart, on screen or on a black-and-white printer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
ROW = 34
FONT = 14


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    """The outer SVG with its accessible name and description, and the hatch pattern."""
    cid = escape(chart_id)
    head = (
        f'<svg class="chart" id="{cid}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
        f'<defs><pattern id="{cid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect class="hatch-bg" width="6" height="6"/>'
        f'<line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>'
    )
    # Every text in `body` went through escape() (_text, labels); the rest are numbers and ids.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    """A text element, escaped."""
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, cls: str, fill: str | None = None) -> str:
    """A bar; `fill` points at a pattern when the series is hatched."""
    extra = f' fill="url(#{fill})"' if fill else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'class="{cls}"{extra}/>'
    )


def _clip(label: str, limit: int) -> str:
    """A label cut to fit its column (the full text is in the table)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass(frozen=True)
class Balance:
    """One row of a balance chart: two sides' labels and counts."""

    label: str
    left_label: str
    left: int
    right_label: str
    right: int


def balance(chart_id: str, title: str, desc: str, rows: Sequence[Balance]) -> Markup:
    """A diverging bar per row: one class's exchanges to the left of the centre line, the
    other's to the right, so a balanced link looks symmetrical."""
    label_w, gap = 200, 6
    centre = label_w + (WIDTH - label_w) / 2
    half = (WIDTH - label_w) / 2 - 40
    top = 28
    biggest = max([max(r.left, r.right) for r in rows] + [1])
    height = top + ROW * 2 * len(rows) + 10
    body = [
        _text(centre - 6, 18, "◀ first class", "axis", "end"),
        _text(centre + 6, 18, "second class ▶", "axis", "start"),
    ]
    for n, r in enumerate(rows):
        y = top + n * ROW * 2
        lw, rw = half * r.left / biggest, half * r.right / biggest
        body += [
            _text(0, y + FONT + 2, _clip(r.label, 26), "label"),
            _text(0, y + FONT * 2 + 8, f"{r.left} : {r.right}", "muted"),
            _rect(centre - lw, y + 4, lw, ROW - 8, "series-a"),
            _rect(centre, y + 4, rw, ROW - 8, "series-b", f"{chart_id}-hatch"),
            _text(centre - lw - gap, y + ROW - 12, str(r.left), "value", "end"),
            _text(centre + rw + gap, y + ROW - 12, str(r.right), "value", "start"),
            _text(centre - gap, y + ROW + FONT + 2, _clip(r.left_label, 24), "muted", "end"),
            _text(centre + gap, y + ROW + FONT + 2, _clip(r.right_label, 24), "muted", "start"),
        ]
    body.append(
        f'<line class="axis-line" x1="{centre:.1f}" y1="{top - 4}" x2="{centre:.1f}" '
        f'y2="{height - 6}"/>'
    )
    return _svg(chart_id, title, desc, height, body)


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart."""

    label: str
    value: int
    strong: bool = False  # reached the target


def bars(
    chart_id: str, title: str, desc: str, rows: Sequence[Bar], *, target: int | None = None,
    target_label: str = "",
) -> Markup:  # fmt: skip
    """Horizontal bars with their numbers, and a dashed target line when given."""
    label_w = 220
    plot = WIDTH - label_w - 50
    top = 26 if target is not None else 6
    biggest = max([r.value for r in rows] + [target or 0, 1])
    height = top + ROW * len(rows) + 8
    body = []
    for n, r in enumerate(rows):
        y = top + n * ROW
        w = plot * r.value / biggest
        body += [
            _text(0, y + ROW / 2 + 5, _clip(r.label, 28), "label"),
            _rect(label_w, y + 5, w, ROW - 10, "series-a" if r.strong else "series-c"),
            _text(label_w + w + 6, y + ROW / 2 + 5, str(r.value), "value"),
        ]
    if target is not None:
        x = label_w + plot * target / biggest
        body += [
            f'<line class="target-line" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
            f'y2="{height - 4}"/>',
            _text(x, 16, target_label or f"target {target}", "axis", "middle"),
        ]
    return _svg(chart_id, title, desc, height, body)


@dataclass(frozen=True)
class Month:
    """One month of a timeline: each class's exchanges, meetings and enquiries."""

    label: str
    a: int
    b: int
    meetings: int
    enquiries: int


def months(chart_id: str, title: str, desc: str, rows: Sequence[Month]) -> Markup:
    """Paired columns per month (first class solid, second hatched), with a triangle above a
    month for each meeting and a circle for each enquiry."""
    left, bottom, top = 34, 30, 40
    plot_h = 200
    height = top + plot_h + bottom
    slot = (WIDTH - left) / max(len(rows), 1)
    col = min(22.0, slot / 2 - 4)
    biggest = max([max(r.a, r.b) for r in rows] + [1])
    base = top + plot_h
    body = [
        f'<line class="axis-line" x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}"/>',
        _text(left - 6, top + 4, str(biggest), "axis", "end"),
        _text(left - 6, base, "0", "axis", "end"),
    ]
    for n, r in enumerate(rows):
        x = left + n * slot + slot / 2
        ha, hb = plot_h * r.a / biggest, plot_h * r.b / biggest
        body += [
            _rect(x - col - 1, base - ha, col, ha, "series-a"),
            _rect(x + 1, base - hb, col, hb, "series-b", f"{chart_id}-hatch"),
            _text(x, base + 18, r.label, "axis", "middle"),
        ]
        if r.a:
            body.append(_text(x - col / 2 - 1, base - ha - 4, str(r.a), "value small", "middle"))
        if r.b:
            body.append(_text(x + col / 2 + 1, base - hb - 4, str(r.b), "value small", "middle"))
        marks = "▲" * r.meetings + "●" * r.enquiries
        if marks:
            body.append(_text(x, 18, marks, "marker", "middle"))
    return _svg(chart_id, title, desc, height, body)


@dataclass(frozen=True)
class Dumbbell:
    """One statement: the average before and after (None when not shown)."""

    label: str
    before: float | None
    after: float | None
    note: str = ""


def dumbbells(chart_id: str, title: str, desc: str, rows: Sequence[Dumbbell]) -> Markup:
    """Per statement on a 1-5 scale: an open circle for the start of the year, a filled one
    for the end, joined by a line; rows without figures say why in words."""
    label_w, right_pad, top = 290, 30, 34
    plot = WIDTH - label_w - right_pad
    height = top + ROW * len(rows) + 10

    def x_of(value: float) -> float:
        return label_w + plot * (value - 1) / 4

    body = []
    for tick in range(1, 6):
        x = x_of(tick)
        body += [
            f'<line class="grid-line" x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 6}"/>',
            _text(x, top - 14, str(tick), "axis", "middle"),
        ]
    for n, r in enumerate(rows):
        y = top + n * ROW + ROW / 2
        body.append(_text(0, y + 5, _clip(r.label, 33), "label"))
        if r.before is None and r.after is None:
            body.append(_text(label_w + 4, y + 5, r.note or "not shown", "muted"))
            continue
        if r.before is not None and r.after is not None:
            body.append(
                f'<line class="link-line" x1="{x_of(r.before):.1f}" y1="{y:.1f}" '
                f'x2="{x_of(r.after):.1f}" y2="{y:.1f}"/>'
            )
        if r.before is not None:
            body.append(
                f'<circle class="dot-before" cx="{x_of(r.before):.1f}" cy="{y:.1f}" r="7"/>'
            )
        if r.after is not None:
            body.append(f'<circle class="dot-after" cx="{x_of(r.after):.1f}" cy="{y:.1f}" r="7"/>')
    return _svg(chart_id, title, desc, height, body)
