"""The thresholds behind the dashboard's warnings, in one place (see docs/insights.md).

They count calendar days, holidays included: a link that is quiet over half term is flagged,
and the reason shown says how long, so a facilitator can judge.
"""

from __future__ import annotations

# "Quiet": nothing exchanged and no live session for more than this many days (three school
# weeks). A new link is measured from the day it became active.
QUIET_DAYS = 21

# "One-sided": one class sent more than this share of all exchanges ...
ONE_SIDED_SHARE = 0.75
# ... once the link has at least this many exchanges (fewer is too early to judge).
ONE_SIDED_MIN_EXCHANGES = 6

# "Waiting": the oldest item in a teacher's approval queue has waited more than this many days.
OVERDUE_DAYS = 3

# Intensity: evaluations found impact where classes meet at least this many times a year.
MEETINGS_TARGET = 2

# Survey results: no figure for a group with fewer answers than this, so nobody can be picked out.
MIN_GROUP = 5

# How sure the survey intervals are (a 95% confidence interval).
CONFIDENCE = 0.95


def as_dict() -> dict[str, float | int]:
    """The thresholds, for the API and the dashboard's legend."""
    return {
        "quiet_days": QUIET_DAYS,
        "one_sided_share": ONE_SIDED_SHARE,
        "one_sided_min_exchanges": ONE_SIDED_MIN_EXCHANGES,
        "overdue_days": OVERDUE_DAYS,
        "meetings_target": MEETINGS_TARGET,
        "min_group": MIN_GROUP,
        "confidence": CONFIDENCE,
    }
