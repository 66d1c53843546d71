"""A district's watch list: words the flag detector marks for the approving teacher.

Facilitators keep it (local estates, nicknames, gang names); it is read at submit time, so a
change applies to items sent or edited afterwards.
"""

from __future__ import annotations

import re
from typing import Any

from exchange.accounts.models import District
from exchange.authz import moderation as may
from exchange.errors import Forbidden, Invalid, NotFound
from exchange.extensions import db
from exchange.moderation.flags import WATCH_WORD_MAX, clean_watch_words
from exchange.moderation.logs import audit_district

WATCH_LIST_MAX = 500
_HAS_WORD = re.compile(r"\w")


def _district(actor: Any, district_id: int) -> District:
    """The district, if this user may manage its watch list."""
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("That district does not exist.")
    if not may.can_manage_watch_list(actor, district_id):
        raise Forbidden("Only the district's facilitators can manage its watch list.")
    return district


def watch_words(actor: Any, district_id: int) -> list[str]:
    """The district's watch list, alphabetically."""
    district = _district(actor, district_id)
    return sorted(clean_watch_words(district.watch_words or []), key=str.casefold)


def add_watch_words(actor: Any, district_id: int, text: str) -> list[str]:
    """Add one or more words or phrases (separated by commas or new lines); returns those added.

    Every entry is checked before any is stored: a bad one changes nothing.
    """
    district = _district(actor, district_id)
    wanted = clean_watch_words(re.split(r"[,\n]", text or ""))
    if not wanted:
        raise Invalid("Please type a word or phrase to watch for.", field="words")
    for word in wanted:
        if len(word) > WATCH_WORD_MAX:
            raise Invalid(
                f"“{word[:30]}…” is too long: at most {WATCH_WORD_MAX} characters.", field="words"
            )
        if not _HAS_WORD.search(word):
            raise Invalid(f"“{word}” has no letters or digits to look for.", field="words")
    current = clean_watch_words(district.watch_words or [])
    known = {w.casefold() for w in current}
    added = [w for w in wanted if w.casefold() not in known]
    if not added:
        raise Invalid("Those are already on the watch list.", field="words")
    if len(current) + len(added) > WATCH_LIST_MAX:
        raise Invalid(f"A watch list can hold at most {WATCH_LIST_MAX} entries.", field="words")
    # Assign a new list: the JSON column only notices a new value, not an in-place append.
    district.watch_words = current + added
    for word in added:
        audit_district(actor, "watch_word_added", district_id, word)
    db.session.commit()
    return added


def remove_watch_word(actor: Any, district_id: int, word: str) -> str:
    """Take a word off the list (matched in any case); returns the word as it was stored."""
    district = _district(actor, district_id)
    current = clean_watch_words(district.watch_words or [])
    wanted = " ".join((word or "").split()).casefold()
    match = next((w for w in current if w.casefold() == wanted), None)
    if match is None:
        raise NotFound("That word is not on the watch list.")
    district.watch_words = [w for w in current if w != match]
    audit_district(actor, "watch_word_removed", district_id, match)
    db.session.commit()
    return match
