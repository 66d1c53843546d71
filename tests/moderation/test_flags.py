"""The personal-information detector: every documented example, and how flags are highlighted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exchange.moderation import flags

DOC = Path(__file__).resolve().parents[2] / "docs" / "moderation.md"
WATCH_LIST = ["Moorside", "Oakfield Estate"]
_SECTION = re.compile(r"^### .*\(`(\w+)`\)$")
_ROW = re.compile(r"^\| `(?P<text>[^`]+)` \| (?:`(?P<span>[^`]+)`|\*\(nothing\)\*) \|$")


def documented_examples() -> list[tuple[str, str, str | None]]:
    """(kind, text, expected span or None) for every example row in docs/moderation.md."""
    examples: list[tuple[str, str, str | None]] = []
    kind = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if heading := _SECTION.match(line):
            kind = heading.group(1)
        elif (row := _ROW.match(line)) and kind:
            examples.append((kind, row.group("text"), row.group("span")))
    return examples


EXAMPLES = documented_examples()


def test_every_pattern_is_documented_with_true_and_false_examples():
    kinds = {k for k in flags.LABELS}
    for kind in kinds:
        flagged = [e for e in EXAMPLES if e[0] == kind and e[2] is not None]
        quiet = [e for e in EXAMPLES if e[0] == kind and e[2] is None]
        assert flagged and quiet, f"{kind} needs true and false examples in {DOC.name}"


@pytest.mark.parametrize(
    ("kind", "text", "span"), EXAMPLES, ids=[f"{k}:{t}" for k, t, _ in EXAMPLES]
)
def test_documented_example(kind, text, span):
    found = flags.detect(text, WATCH_LIST)
    if span is None:
        assert found == [], f"false alarm: {[(f.kind, f.text) for f in found]}"
    else:
        assert [(f.kind, f.text) for f in found] == [(kind, span)]
        flag = found[0]
        assert text[flag.start : flag.end] == span
        assert flag.label == flags.LABELS[kind]


def test_flags_come_in_text_order_with_several_kinds():
    text = "I live at 12 Elm Road, BD7 1DP. Call 07700 900123 or mail ellie@example.com"
    found = flags.detect(text)
    assert [f.kind for f in found] == ["address", "postcode", "phone", "email"]
    assert [f.start for f in found] == sorted(f.start for f in found)


def test_an_address_ends_at_the_end_of_its_line():
    found = flags.detect("Visit 12 Elm Road\n\nBring cake\nHello\nOak Lane")
    assert [(f.kind, f.text) for f in found] == [
        ("address", "12 Elm Road"),
        ("address", "Oak Lane"),
    ]


def test_an_email_address_is_not_also_a_handle_or_a_web_address():
    found = flags.detect("ellie@example.com")
    assert [(f.kind, f.text) for f in found] == [("email", "ellie@example.com")]


def test_empty_text_has_no_flags():
    assert flags.detect("") == []
    assert flags.detect("   ", ["  "]) == []


def test_watch_words_are_trimmed_deduplicated_and_escaped():
    assert flags.clean_watch_words([" Moor  side ", "moor side", "", "a.b"]) == ["Moor side", "a.b"]
    found = flags.detect("axb and a.b", ["a.b"])
    assert [f.text for f in found] == ["a.b"]


def test_flags_are_stored_as_plain_json():
    flag = flags.detect("call 07700 900123")[0]
    assert flag.as_dict() == {
        "kind": "phone",
        "label": "Phone number",
        "start": 5,
        "end": 17,
        "text": "07700 900123",
    }


def test_highlight_splits_text_around_flagged_spans():
    text = "Hi! Call 07700 900123 today"
    stored = [f.as_dict() for f in flags.detect(text)]
    pieces = flags.highlight(text, stored)
    assert [(segment, flag["kind"] if flag else None) for segment, flag in pieces] == [
        ("Hi! Call ", None),
        ("07700 900123", "phone"),
        (" today", None),
    ]


def test_highlight_finds_a_flag_when_the_review_text_differs_from_the_scanned_text():
    scanned = "My title\n\nCall 07700 900123"
    stored = [f.as_dict() for f in flags.detect(scanned)]
    pieces = flags.highlight("Call 07700 900123", stored)
    assert [flag["kind"] if flag else None for _, flag in pieces] == [None, "phone"]


def test_highlight_ignores_flags_whose_words_are_gone():
    stored = [{"kind": "phone", "label": "Phone number", "start": 0, "end": 5, "text": "0770"}]
    assert flags.highlight("no number here", stored) == [("no number here", None)]
    assert flags.highlight("", stored) == []
