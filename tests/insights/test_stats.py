"""The statistics behind survey results, against published values and hand computation."""

from __future__ import annotations

import math

import pytest

from exchange.insights import stats


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.706204736174698),
        (2, 4.302652729749464),
        (8, 2.3060041352041662),
        (10, 2.2281388519649385),
        (30, 2.0422724563012373),
        (1e9, 1.959963984540054),
    ],
)
def test_t_quantile_matches_published_tables(df, expected):
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, rel=1e-8)


def test_t_quantile_is_symmetric_and_inverts_the_cdf():
    assert stats.t_quantile(0.025, 8) == pytest.approx(-2.3060041352041662, rel=1e-8)
    assert stats.t_cdf(stats.t_quantile(0.9, 4.5), 4.5) == pytest.approx(0.9, abs=1e-10)
    with pytest.raises(ValueError):
        stats.t_quantile(1.0, 5)


def test_summary_gives_mean_and_sample_variance_from_sums():
    s = stats.summarize([3, 3, 4, 2, 3])
    assert (s.n, s.total, s.total_sq) == (5, 15, 47)
    assert s.mean == 3.0
    assert s.variance == pytest.approx(0.5)  # squared deviations 0+0+1+1+0 = 2, over 4
    pooled = s + stats.summarize([5])
    assert (pooled.n, pooled.mean) == (6, pytest.approx(20 / 6))


def test_welch_interval_by_hand():
    # Before 3,3,4,2,3 (mean 3, variance 0.5); after 4,5,4,3,4 (mean 4, variance 0.5).
    # se = sqrt(0.5/5 + 0.5/5) = sqrt(0.2); df = 0.2^2 / (0.1^2/4 * 2) = 8; t(0.975, 8) = 2.306.
    change = stats.welch_change(stats.summarize([3, 3, 4, 2, 3]), stats.summarize([4, 5, 4, 3, 4]))
    margin = 2.3060041352041662 * math.sqrt(0.2)
    assert change.diff == 1.0 and change.df == pytest.approx(8)
    assert change.low == pytest.approx(1 - margin) and change.high == pytest.approx(1 + margin)
    assert round(change.low, 3) == -0.031 and round(change.high, 3) == 2.031
    assert change.certain_direction == "unclear"


def test_welch_uses_each_rounds_own_spread():
    # Before: n=5, mean 3, variance (49 - 45)/4 = 1. After: eight 4s, a 3 and a 5: n=10,
    # mean 4, variance (162 - 160)/9 = 2/9. Welch: va = 1/5, vb = 2/90, df from both.
    before = stats.Summary(5, 15, 49)
    after = stats.summarize([4] * 8 + [3, 5])
    change = stats.welch_change(before, after)
    va, vb = 1 / 5, (2 / 9) / 10
    df = (va + vb) ** 2 / (va**2 / 4 + vb**2 / 9)
    assert change.df == pytest.approx(df)
    half = stats.t_quantile(0.975, df) * math.sqrt(va + vb)
    assert (change.low, change.high) == (pytest.approx(1 - half), pytest.approx(1 + half))


def test_plain_words_say_how_sure_we_are():
    rose = stats.welch_change(stats.summarize([2, 3] * 5), stats.summarize([4, 5] * 5))
    assert stats.plain_words(rose, 10, 10) == (
        "We are fairly sure the average rose, by between 1.5 and 2.5 points on the 1 to 5 "
        "scale. Based on 10 answers at the start and 10 at the end (95% confidence)."
    )
    fell = stats.welch_change(stats.summarize([4, 5] * 5), stats.summarize([2, 3] * 5))
    assert stats.plain_words(fell, 10, 10).startswith(
        "We are fairly sure the average fell, by between 1.5 and 2.5 points"
    )
    unsure = stats.welch_change(stats.summarize([3, 3, 4, 2, 3]), stats.summarize([4, 5, 4, 3, 4]))
    assert stats.plain_words(unsure, 5, 5) == (
        "The average rose by 1 point, but we cannot be sure it really changed: the true change "
        "could be anything from a fall of 0.03 points to a rise of 2 points. Based on 5 answers "
        "at the start and 5 at the end (95% confidence)."
    )


def test_identical_answers_have_no_spread_to_be_unsure_about():
    same = stats.welch_change(stats.summarize([4] * 6), stats.summarize([5] * 6))
    assert (same.low, same.diff, same.high) == (1.0, 1.0, 1.0)
    assert stats.plain_words(same, 6, 6).startswith("The average rose by 1 point; every pupil")


def test_welch_needs_two_answers_per_round():
    with pytest.raises(ValueError):
        stats.welch_change(stats.summarize([3]), stats.summarize([4, 5]))
