"""Server-side SVG charts: accessible names, the numbers written on them, escaped labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from exchange.insights import charts, pictures

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    """The chart as XML (it must be well-formed to be inlined in HTML and printed)."""
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def test_every_chart_is_an_image_named_by_its_title_and_description():
    root = parse(charts.bars("c1", "Meetings", "Two links met.", [charts.Bar("A & B", 2, True)]))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}title").text == "Meetings"
    assert root.find(f"{SVG}desc").text == "Two links met."


def test_labels_are_escaped():
    evil = '<script>alert("x")</script> & Co'
    root = parse(charts.bars("c2", evil, evil, [charts.Bar(evil, 1)]))
    assert root.find(f"{SVG}title").text == evil
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))


def test_bars_write_their_numbers_and_draw_the_target():
    root = parse(
        charts.bars(
            "c3",
            "t",
            "d",
            [charts.Bar("One", 1), charts.Bar("Three", 3, True)],
            target=2,
            target_label="2 a year",
        )  # fmt: skip
    )
    assert {"1", "3", "2 a year", "One", "Three"} <= set(texts(root))
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("class", "").startswith("series")]
    widths = [float(r.get("width")) for r in rects]
    assert widths[1] == pytest.approx(3 * widths[0], abs=0.2)  # drawn to scale
    assert [r.get("class") for r in rects] == ["series-c", "series-a"]  # reached: solid
    assert any(ln.get("class") == "target-line" for ln in root.iter(f"{SVG}line"))


def test_balance_chart_puts_each_class_on_its_side():
    root = parse(charts.balance("c4", "t", "d", [charts.Balance("A & B", "A", 6, "B", 2)]))
    a, b = [r for r in root.iter(f"{SVG}rect") if r.get("class", "").startswith("series")]
    assert float(a.get("x")) + float(a.get("width")) == float(b.get("x"))  # meet at the centre
    assert float(a.get("width")) == pytest.approx(3 * float(b.get("width")), abs=0.2)
    assert b.get("fill") == "url(#c4-hatch)"  # the second class is hatched, for print
    assert {"6", "2", "6 : 2"} <= set(texts(root))


def test_dumbbells_say_why_a_row_has_no_figures():
    root = parse(
        charts.dumbbells("c5", "t", "d", [
            charts.Dumbbell("Comfortable", 2.0, 4.0),
            charts.Dumbbell("Friends", None, None, "too few answers to show"),
        ])
    )  # fmt: skip
    before, after = root.iter(f"{SVG}circle")
    assert before.get("class") == "dot-before" and after.get("class") == "dot-after"
    assert float(after.get("cx")) > float(before.get("cx"))
    assert "too few answers to show" in texts(root)


def test_month_columns_mark_meetings_and_enquiries():
    root = parse(charts.months("c6", "t", "d", [charts.Month("Sep", 3, 1, 1, 2)]))
    assert "▲●●" in texts(root) and {"3", "1", "Sep"} <= set(texts(root))


def test_faces_are_decorative_and_differ_by_answer():
    drawn = {str(pictures.face(v)) for v in range(1, 6)}
    assert len(drawn) == 5
    assert all('aria-hidden="true"' in d for d in drawn)
