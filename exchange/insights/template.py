"""The built-in pupil-voice survey: statements on a 5-point scale and a free-text question.

Statements are identified by a key, so the start-of-year and end-of-year rounds compare like
with like. The wording is for pupils from age 5: short sentences, read aloud by the page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    """One statement pupils agree or disagree with."""

    key: str
    text: str
    short: str  # for charts and tables


STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "comfortable",
        "I feel comfortable meeting children from other schools.",
        "Comfortable meeting others",
    ),
    Statement(
        "know_different",
        "I know a lot about children who are different from me.",
        "Know about others who differ",
    ),
    Statement(
        "make_friends",
        "I would like to make friends with children from other schools.",
        "Want friends at other schools",
    ),
    Statement(
        "alike",
        "Children from other schools are a lot like me.",
        "Others are a lot like me",
    ),
    Statement(
        "listen",
        "I listen to other people's ideas, even when they are different from mine.",
        "Listen to different ideas",
    ),
    Statement(
        "belong",
        "Everyone in our town belongs here.",
        "Everyone in our town belongs",
    ),
)

BY_KEY = {s.key: s for s in STATEMENTS}

QUESTIONS = {
    "before": "What would you like to tell us about meeting your partner class?",
    "after": "What was the best thing about meeting your partner class?",
}
QUESTION_MAX = 200

# The 5-point scale, from 1 to 5: the words are what a screen reader and the read-aloud say;
# the page draws a face for each (exchange.insights.pictures.face), the emoji is for exports.
SCALE: tuple[tuple[int, str, str], ...] = (
    (1, "Disagree a lot", "\N{WORRIED FACE}"),
    (2, "Disagree a little", "\N{SLIGHTLY FROWNING FACE}"),
    (3, "Not sure", "\N{NEUTRAL FACE}"),
    (4, "Agree a little", "\N{SLIGHTLY SMILING FACE}"),
    (5, "Agree a lot", "\N{GRINNING FACE WITH SMILING EYES}"),
)


def statement_text(key: str) -> str:
    """A statement's full wording (the key itself if it is no longer in the template)."""
    found = BY_KEY.get(key)
    return found.text if found else key


def statement_short(key: str) -> str:
    """A statement's short label for charts."""
    found = BY_KEY.get(key)
    return found.short if found else key
