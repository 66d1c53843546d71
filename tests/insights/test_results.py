"""Survey results: before and after per statement, per district and per link, worked out by
hand, with small groups suppressed on pages, API and CSV alike."""

from __future__ import annotations

import csv
import io
import math

import pytest

from exchange.errors import Forbidden, NotFound
from exchange.insights import results, services, surveys
from exchange.insights.stats import Summary
from tests import factories
from tests.insights.conftest import NOW

T_8 = 2.3060041352041662  # t(0.975, 8 degrees of freedom)


def answer_all(survey, classroom, values, key="comfortable", texts=None):
    """New pupils in a class each answer one statement."""
    for n, value in enumerate(values):
        pupil = factories.make_pupil(classroom)
        answers = {key: value} if value is not None else {"listen": 3}  # skipped this one
        text = texts[n] if texts else None
        surveys.answer(pupil, survey.id, answers, text, now=NOW)


def run_rounds(world, before_values, after_values):
    """Both rounds in the world's link: values per class, both rounds closed."""
    before = surveys.publish(world.facilitator, world.district.id, "before", now=NOW)
    answer_all(before, world.class_a, before_values[0])
    answer_all(before, world.class_b, before_values[1])
    surveys.close(world.facilitator, before.id, now=NOW)
    after = surveys.publish(world.facilitator, world.district.id, "after", now=NOW)
    answer_all(after, world.class_a, after_values[0])
    answer_all(after, world.class_b, after_values[1])
    surveys.close(world.facilitator, after.id, now=NOW)
    return before, after


def row(found, group_key, statement="comfortable"):
    return next(r for r in found.group(group_key).rows if r.statement == statement)


def test_before_and_after_per_statement_with_the_change_by_hand(world):
    # Link (both classes): before 3,3,4 + 2,3 (mean 3, variance 0.5); after 4,5,4 + 3,4 (mean 4,
    # variance 0.5). Change 1, Welch df 8, interval 1 +/- 2.306 * sqrt(0.2).
    run_rounds(world, ([3, 3, 4], [2, 3]), ([4, 5, 4], [3, 4]))
    found = services.survey_results(world.facilitator, world.district.id, now=NOW)
    for key in ("district", f"link:{world.link.id}"):
        r = row(found, key)
        assert (r.before.n, r.before.mean) == (5, 3.0)
        assert (r.after.n, r.after.mean) == (5, 4.0)
        assert r.change.diff == 1.0
        assert r.change.low == pytest.approx(1 - T_8 * math.sqrt(0.2))
        assert r.change.high == pytest.approx(1 + T_8 * math.sqrt(0.2))
        assert "we cannot be sure it really changed" in r.words
        assert "Based on 5 answers at the start and 5 at the end" in r.words
    assert found.notes == []


def test_statements_nobody_answered_are_suppressed(world):
    run_rounds(world, ([3, 3, 4], [2, 3]), ([4, 5, 4], [3, 4]))
    found = services.survey_results(world.facilitator, world.district.id, now=NOW)
    r = row(found, "district", "make_friends")
    assert not r.before.shown and not r.after.shown and r.change is None
    assert r.words.startswith("Fewer than 5 pupils answered, so we do not show this")


def test_a_group_of_four_is_never_shown(world):
    # Five pupils before, but one skipped the statement: four answers, so nothing is shown.
    run_rounds(world, ([3, 3, None], [2, 3]), ([4, 5, 4], [3, 4]))
    found = services.survey_results(world.facilitator, world.district.id, now=NOW)
    r = row(found, "district")
    assert not r.before.shown and r.before.mean is None and r.before.n is None
    assert r.after.shown and r.change is None
    assert "Fewer than 5" in r.words


def test_primary_and_complementary_suppression():
    cells = results.suppress(
        {
            "district": Summary(16, 48, 150),
            "link:1": Summary(6, 18, 56),
            "link:2": Summary(7, 21, 65),
            "link:3": Summary(3, 9, 29),
        }
    )
    assert cells["district"].shown and cells["link:2"].shown
    assert cells["link:3"].reason == results.SUPPRESSED
    # Otherwise link 3 = district - link 1 - link 2: the next smallest link is hidden too.
    assert cells["link:1"].reason == results.HIDDEN_WITH


def test_two_hidden_groups_protect_each_other():
    cells = results.suppress(
        {
            "district": Summary(14, 42, 130),
            "link:1": Summary(8, 24, 74),
            "link:2": Summary(3, 9, 29),
            "link:3": Summary(3, 9, 27),
        }
    )
    assert [k for k, c in cells.items() if c.shown] == ["district", "link:1"]


def test_answers_outside_any_listed_link_count_as_a_hidden_group():
    cells = results.suppress(
        {"district": Summary(9, 27, 83), "link:1": Summary(6, 18, 56), "link:2": Summary(0, 0, 0)}
    )
    # Three answers came from a class in no listed link: link 1 would give them away.
    assert not cells["link:1"].shown and cells["district"].shown


def test_open_rounds_are_not_counted(world):
    before = surveys.publish(world.facilitator, world.district.id, "before", now=NOW)
    answer_all(before, world.class_a, [3, 4, 5, 4, 3, 2])
    found = services.survey_results(world.facilitator, world.district.id, now=NOW)
    assert row(found, "district").words == "No survey round has closed yet."
    assert found.notes[0].startswith("The start-of-year survey is still open")
    assert found.notes[1] == "The end-of-year survey has not been published."


def test_one_closed_round_shows_its_average_and_waits_for_the_other(world):
    before = surveys.publish(world.facilitator, world.district.id, "before", now=NOW)
    answer_all(before, world.class_a, [3, 4, 5, 4, 3, 2])  # mean 21/6 = 3.5
    surveys.close(world.facilitator, before.id, now=NOW)
    r = row(services.survey_results(world.facilitator, world.district.id, now=NOW), "district")
    assert r.words == (
        "The average was 3.5 out of 5 (6 answers). The change will show once the end-of-year "
        "round has closed."
    )


def test_who_sees_which_groups(world):
    run_rounds(world, ([3, 3, 4], [2, 3]), ([4, 5, 4], [3, 4]))
    other = factories.make_link(world.class_c, factories.make_classroom(world.school_a))
    link_key = f"link:{world.link.id}"
    for actor in (world.facilitator, world.admin):
        keys = [g.key for g in services.survey_results(actor, world.district.id, now=NOW).groups]
        assert keys == ["district", link_key, f"link:{other.id}"]
    mine = services.survey_results(
        world.teacher_a, world.district.id, link_id=world.link.id, now=NOW
    )
    assert [g.key for g in mine.groups] == ["district", link_key]
    theirs = services.survey_results(world.teacher_c, world.district.id, now=NOW)
    assert [g.key for g in theirs.groups] == ["district"]
    with pytest.raises(NotFound):
        services.survey_results(world.teacher_c, world.district.id, link_id=world.link.id, now=NOW)
    for role in ("pupil_a", "other_facilitator"):
        with pytest.raises(Forbidden):
            services.survey_results(world.actor(role), world.district.id, now=NOW)


def test_csv_export_has_group_figures_only_and_the_same_suppression(world):
    run_rounds(world, ([3, 3, 4], [2, 3]), ([4, 5, 4], [3, 4]))
    text = services.results_csv(world.facilitator, world.district.id, "2026-27")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == results.CSV_COLUMNS
    comfortable = [r for r in rows if r["statement_key"] == "comfortable"]
    assert [(r["group"], r["link_id"]) for r in comfortable] == [
        ("district", ""),
        ("link", str(world.link.id)),
    ]
    r = comfortable[0]
    assert (r["before_n"], r["before_mean"], r["before_sd"]) == ("5", "3.000", "0.707")
    assert (r["after_n"], r["after_mean"], r["change"]) == ("5", "4.000", "1.000")
    assert (r["ci_low"], r["ci_high"], r["confidence"]) == ("-0.031", "2.031", "0.95")
    hidden = next(r for r in rows if r["statement_key"] == "make_friends")
    assert (hidden["before_n"], hidden["before_mean"], hidden["change"]) == ("<5", "", "")
    for name in ("Aisha", "Oliver", "Pupil"):
        assert name not in text
    assert "pupil" not in rows[0]


@pytest.mark.parametrize("role", ["teacher_a", "pupil_a", "other_facilitator"])
def test_only_facilitators_export(world, role):
    with pytest.raises(Forbidden):
        services.results_csv(world.actor(role), world.district.id)
