"""Statistics for survey results, with the standard library only (documented in docs/insights.md).

Answers are anonymous, so the start and end rounds cannot be paired pupil by pupil: the change is
a difference of two independent means, and its confidence interval is Welch's t interval (it does
not assume both rounds vary equally). The t quantile comes from the Student t distribution, whose
CDF is computed with the regularised incomplete beta function (a continued fraction, as in
Numerical Recipes) and inverted by bisection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Summary:
    """n, mean and sample variance of a group's answers, from its sums (exact for integers)."""

    n: int
    total: int
    total_sq: int

    @property
    def mean(self) -> float:
        """The average answer."""
        return self.total / self.n if self.n else float("nan")

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 in the denominator); 0 for a single answer."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_sq - self.total * self.total / self.n) / (self.n - 1))

    @property
    def sd(self) -> float:
        """The sample standard deviation."""
        return math.sqrt(self.variance)

    def __add__(self, other: Summary) -> Summary:
        """Two groups pooled together."""
        return Summary(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)


def summarize(values: list[int]) -> Summary:
    """A Summary of a list of answers."""
    return Summary(len(values), sum(values), sum(v * v for v in values))


EMPTY = Summary(0, 0, 0)


@dataclass(frozen=True)
class Change:
    """The change in the average from one round to the next, with its confidence interval."""

    diff: float
    low: float
    high: float
    df: float
    confidence: float

    @property
    def certain_direction(self) -> str:
        """'rose' or 'fell' when the whole interval is on one side of zero, else 'unclear'."""
        if self.low > 0:
            return "rose"
        if self.high < 0:
            return "fell"
        return "unclear"


def welch_change(before: Summary, after: Summary, confidence: float = 0.95) -> Change:
    """The difference of means (after - before) with Welch's t confidence interval.

    Both groups need at least 2 answers. When every answer in both rounds is the same, the
    standard error is 0 and the interval is the difference itself.
    """
    if before.n < 2 or after.n < 2:
        raise ValueError("each round needs at least two answers")
    diff = after.mean - before.mean
    va, vb = before.variance / before.n, after.variance / after.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Change(diff, diff, diff, math.inf, confidence)
    df = (va + vb) ** 2 / (va**2 / (before.n - 1) + vb**2 / (after.n - 1))
    margin = t_quantile(1 - (1 - confidence) / 2, df) * se
    return Change(diff, diff - margin, diff + margin, df, confidence)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast on this side of the mean; use the symmetry otherwise.
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t distribution with `df` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_pdf(t: float, df: float) -> float:
    """The density of Student's t distribution."""
    log = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log)


def t_quantile(p: float, df: float) -> float:
    """The t value below which a share `p` of the distribution lies (inverse of t_cdf).

    Newton's method from the normal quantile converges in a few steps; bisection takes over
    should a step ever leave the bracket (very small df).
    """
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    if df > 1e7 or math.isinf(df):
        return NormalDist().inv_cdf(p)
    if p < 0.5:
        return -t_quantile(1 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    t = min(max(NormalDist().inv_cdf(p), low), high)
    for _ in range(100):
        error = t_cdf(t, df) - p
        if abs(error) < 1e-14:
            return t
        if error < 0:
            low = t
        else:
            high = t
        step = t - error / t_pdf(t, df)
        t = step if low < step < high else (low + high) / 2.0
        if high - low < 1e-12:
            break
    return t


def number(value: float) -> str:
    """A size of change, unsigned, to one decimal (two when it would otherwise read as 0)."""
    size = abs(value)
    if size and round(size, 1) == 0:
        return f"{size:.2f}"
    return f"{round(size, 1):g}"


def points(value: float) -> str:
    """A number of scale points in words: '0.4 points', '1 point'."""
    text = number(value)
    return f"{text} point" if text == "1" else f"{text} points"


def plain_words(change: Change, before_n: int, after_n: int) -> str:
    """The change and how sure we are of it, in words a teacher or a funder would use."""
    sure = f"{round(change.confidence * 100)}% confidence"
    answers = f"Based on {before_n} answers at the start and {after_n} at the end"
    if change.low == change.high:
        # Everyone gave the same answer in each round: there is no spread to be unsure about.
        moved = "rose" if change.diff > 0 else "fell" if change.diff < 0 else "stayed the same"
        size = f" by {points(change.diff)}" if change.diff else ""
        return (
            f"The average {moved}{size}; every pupil gave the same answer within each round. "
            f"{answers}."
        )
    if change.certain_direction == "rose":
        return (
            f"We are fairly sure the average rose, by between {number(change.low)} and "
            f"{points(change.high)} on the 1 to 5 scale. {answers} ({sure})."
        )
    if change.certain_direction == "fell":
        return (
            f"We are fairly sure the average fell, by between {number(change.high)} and "
            f"{points(-change.low)} on the 1 to 5 scale. {answers} ({sure})."
        )
    moved = "rose" if change.diff > 0 else "fell" if change.diff < 0 else "did not change"
    headline = f"The average {moved}" + (
        f" by {points(change.diff)}" if moved != "did not change" else ""
    )
    return (
        f"{headline}, but we cannot be sure it really changed: the true change could be anything "
        f"from {_signed(change.low)} to {_signed(change.high)}. {answers} ({sure})."
    )


def _signed(value: float) -> str:
    """A change in words with its direction: 'a fall of 0.3 points', 'a rise of 0.8 points'."""
    if value == 0:
        return "no change"
    return f"a rise of {points(value)}" if value > 0 else f"a fall of {points(value)}"
