"""Personal-information flags: spans that look like contact details, shown to the approving teacher.

Flags inform a teacher's decision; they never block it. Every pattern is documented in
docs/moderation.md with what it matches and what it deliberately does not, and each example there
is a test in tests/moderation/test_flags.py. Patterns prefer a rare false alarm over a miss, but
everyday school writing (years, scores, prices, times, "The Road to Mandalay") must stay quiet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

LABELS = {
    "email": "Email address",
    "phone": "Phone number",
    "postcode": "Postcode",
    "address": "Street address",
    "url": "Web address",
    "handle": "Social media handle",
    "watch": "Watch-list word",
}
WATCH_WORD_MAX = 60


@dataclass(frozen=True)
class Flag:
    """One highlighted span."""

    kind: str
    label: str
    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, object]:
        """JSON form, stored on the moderation item."""
        return asdict(self)


# ----- email ----------------------------------------------------------------------------------
# "name@example.com", "name @ example.co.uk", and the ways children disguise one:
# "name(at)example.com", "name [at] example [dot] com", "name at example dot com".
_AT = r"(?:\s?@\s?|\s?[(\[{]\s?at\s?[)\]}]\s?)"
_DOT = r"(?:\.|\s?[(\[{]\s?dot\s?[)\]}]\s?|\s+dot\s+)"
EMAIL = re.compile(
    rf"(?<![\w.@])[A-Za-z0-9][A-Za-z0-9._%+-]*{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)+"
    r"|(?<![\w.@])[A-Za-z0-9][A-Za-z0-9._%+-]*\s+at\s+[A-Za-z0-9-]+"
    r"(?:\s+dot\s+[A-Za-z0-9-]+)*\s+dot\s+(?:com|co\s+dot\s+uk|org|net|uk)\b",
    re.IGNORECASE,
)


def _check_email(span: str) -> bool:
    """The last part must look like a real ending ("com", "uk"), not the next sentence ("Then")."""
    tld = re.split(r"[.\s)\]}]", span)[-1]
    return len(tld) >= 2 and tld.isalpha() and (tld.islower() or tld.isupper())


# ----- phone ----------------------------------------------------------------------------------
# UK numbers: 0 then 9 or 10 digits, or +44 / 0044 with an optional "(0)". Digits may be grouped
# with single spaces or hyphens, and the area code may be in brackets. Candidates are then
# checked: right length, a real UK prefix (01, 02, 03, 05, 07, 08, 09), and every group at least
# two digits, so scores ("0-1 2-3"), years, prices, times and dates never qualify.
PHONE = re.compile(
    r"(?<![\w+£$€.,:/-])"
    r"(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(0|0)"
    r"\d(?:[ -]?\)?[ -]?\d){7,11}"
    r"(?![\w/:]|[.,]\d)"
)


def _check_phone(span: str) -> bool:
    """Right length and prefix for a UK number, grouped like one."""
    digits = re.sub(r"\D", "", span)
    if span.startswith("+") or span.startswith("00"):
        digits = digits[4:] if span.startswith("00") else digits[2:]
        if digits.startswith("0"):  # the "(0)" some people write after +44
            digits = digits[1:]
        digits = "0" + digits
    if len(digits) not in (10, 11) or digits[1] not in "1235789":
        return False
    body = re.sub(r"^(?:\+|00)\s?44\s?(?:\(0\)\s?)?", "", span)
    groups = [g for g in re.split(r"[\s()-]+", body) if g]
    return len(groups) <= 4 and all(len(g) >= 2 for g in groups)


# ----- postcode -------------------------------------------------------------------------------
# The full UK format (outward code, optional space, inward code), any case: "BD7 1DP", "m1 5eu",
# "W1A1AA". Outward codes alone ("BD7") are too vague to flag.
POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$", re.IGNORECASE)


def _check_postcode(span: str) -> bool:
    """An ordinal after a year group ("Y6 3rd") is not a postcode unless written in capitals."""
    return not (_ORDINAL.search(span) and not span.isupper())


# ----- street address -------------------------------------------------------------------------
# A house number and one to three name words before a street word ("12 Elm Road", "4 oak lane"),
# or capitalised name words before a capitalised street word that is rarely anything else
# ("Elm Road", "Coronation Street"). Street words that are also everyday words ("Park", "Close",
# "Way", "Hill" ...) only count after a house number and with capitals ("7 Ashdown Close").
# Name words are never articles, pronouns, prepositions, days or months, so "The Road to
# Mandalay", "on the road" and "Monday Road safety" stay quiet.
STOP_WORDS = (
    "the|a|an|this|that|these|those|my|our|your|his|her|their|its|on|in|at|to|from|by|down|up|"
    "along|across|near|off|over|past|into|onto|round|around|and|or|but|so|then|when|if|of|for|"
    "with|every|each|some|any|no|not|is|was|are|were|be|i|we|you|he|she|they|it|me|us|them|"
    "yesterday|today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "mr|mrs|ms|miss|dr|sir|year|class"
)
# "St" and "Dr" before a capitalised name are Saint and Doctor ("Mount St Helens").
_NOT_TITLE = rf"\b(?!\.?[ \t]+(?!(?i:{STOP_WORDS})\b)[A-Z])"
PLAIN_STREET = rf"road|rd|street|st{_NOT_TITLE}|lane|ln|avenue|ave|crescent|cres|terrace|mews|grove"
AMBIGUOUS_STREET = (
    rf"close|drive|dr{_NOT_TITLE}|way|place|court|gardens|gdns|hill|park|row|walk|square|sq|"
    "rise|view|fold|green|parade|gate|vale|croft"
)
# Words of one address sit on one line.
_NAME_ANY = rf"(?!(?i:{STOP_WORDS})\b)[A-Za-z][A-Za-z'’-]*"
_NAME_CAP = rf"(?!(?i:{STOP_WORDS})\b)[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*"


def _title_case(words: str) -> str:
    """'road|rd' -> 'Road|Rd': a capitalised street word."""
    return "|".join(w[:1].upper() + w[1:] for w in words.split("|"))


ADDRESS_NUMBERED = re.compile(
    rf"(?<![\w/£$.,:-])\d{{1,4}}[A-Za-z]?,?[ \t]+"
    rf"(?:(?:{_NAME_ANY}[ \t]+){{1,3}}(?i:{PLAIN_STREET})"
    rf"|(?:{_NAME_CAP}[ \t]+){{1,3}}(?:{_title_case(AMBIGUOUS_STREET)}))\b"
)
ADDRESS_NAMED = re.compile(rf"\b(?:{_NAME_CAP}[ \t]+){{1,3}}(?:{_title_case(PLAIN_STREET)})\b")

# ----- web address ----------------------------------------------------------------------------
# Anything starting http(s):// or www., and bare domains with a common ending ("roblox.com",
# "bbc.co.uk/news"), plus "roblox dot com". The ending must be lower or upper case, so a missed
# space after a full stop ("football.Me and my dad") is not a web address.
TLDS = (
    "com|co\\.uk|org\\.uk|ac\\.uk|sch\\.uk|gov\\.uk|org|net|uk|io|tv|me|gg|app|ly|info|xyz|dev|"
    "ai|co|us|eu|fm|link"
)
URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"']+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?i:{TLDS})\b(?:/[^\s<>\"']*)?"
    r"|\byoutu\.be/[^\s<>\"']+"
    r"|\b[A-Za-z0-9-]+\s+dot\s+(?:com|co\s+dot\s+uk|org|net)\b",
    re.IGNORECASE,
)


def _check_url(span: str) -> bool:
    """A bare domain's ending must not be a capitalised word (a missing space after a stop)."""
    if re.match(r"(?i)(?:https?://|www\.)|youtu\.be/", span) or " " in span:
        return True
    host = span.split("/", 1)[0]
    ending = host.rsplit(".", 1)[-1]
    return ending.islower() or ending.isupper()


# ----- social media handle --------------------------------------------------------------------
# "@ellie_b22"; "my snapchat is ellie_b22"; "insta: ellie.b"; "my roblox username is ..."; and
# invitations to talk elsewhere ("add me on snap"). A bare "@3pm" or "@ school" is not a handle,
# and "Fortnite is awesome" or "my minecraft is fun" are opinions, not usernames.
SOCIAL_SITES = (
    "snapchat|snap|sc|insta|instagram|ig|tiktok|tik tok|discord|youtube|yt|roblox|fortnite|"
    "whatsapp|facebook|fb|twitter|threads|twitch|telegram|kik|minecraft|xbox|psn|playstation|"
    "steam|bereal|pinterest|reddit"
)
_QUALIFIER = r"(?:user\s?name|name|user|id|handle|account|acc|tag|code|gamertag|number)"
_USERNAME = r"@?[A-Za-z0-9_][A-Za-z0-9_.]{1,29}"
HANDLE_AT = re.compile(r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.]{0,29}[A-Za-z0-9_]")
HANDLE_NAMED = re.compile(
    rf"\b(?:my\s+)?(?:{SOCIAL_SITES})(?:'s)?\s*{_QUALIFIER}\s*(?:is|:|=|-)\s*{_USERNAME}"
    rf"|\b(?:my\s+)?(?:{SOCIAL_SITES})\s*(?::|=)\s*{_USERNAME}"
    rf"|\bmy\s+(?:{SOCIAL_SITES})\s+is\s+{_USERNAME}",
    re.IGNORECASE,
)
HANDLE_INVITE = re.compile(
    rf"\b(?:add|follow|message|msg|dm|friend|text|find|call|contact|sub(?:scribe)? to)\s+"
    rf"(?:me|us)\s+(?:on|at)\s+(?:{SOCIAL_SITES})\b",
    re.IGNORECASE,
)
_NOT_USERNAMES = {
    "fun", "great", "cool", "good", "bad", "broken", "awesome", "amazing", "the", "a", "an", "my",
    "not", "so", "really", "very", "down", "blocked", "banned", "gone", "new", "old", "best",
    "boring", "hard", "easy", "epic", "brilliant", "rubbish", "free", "fine", "ok", "okay",
    "deleted", "private", "locked", "full", "slow", "fast", "better", "worse", "annoying",
    "funny", "there", "here", "on", "off", "too", "also", "just", "still", "always", "never",
}  # fmt: skip
_NOT_AT_HANDLES = {"home", "school", "break", "lunch", "playtime", "the", "my", "night"}
_TIME = re.compile(r"@\d{1,2}(?:[:.]\d{2})?(?:am|pm)?$", re.IGNORECASE)


def _check_at_handle(span: str) -> bool:
    """'@name', not a time ('@3pm') or a place ('@home')."""
    return (
        any(ch.isalpha() for ch in span)
        and not _TIME.match(span)
        and span[1:].lower() not in _NOT_AT_HANDLES
    )


def _check_named_handle(span: str) -> bool:
    """'my snap is ellie_b', not 'my snap is broken' (nor 'yt = 12' in a maths answer)."""
    last = re.split(r"[\s:=@-]+", span.strip())[-1].lower().rstrip(".")
    return last not in _NOT_USERNAMES and any(ch.isalpha() or ch == "_" for ch in last)


Check = Callable[[str], bool]
PATTERNS: list[tuple[str, re.Pattern[str], Check | None]] = [
    ("email", EMAIL, _check_email),
    ("phone", PHONE, _check_phone),
    ("postcode", POSTCODE, _check_postcode),
    ("address", ADDRESS_NUMBERED, None),
    ("address", ADDRESS_NAMED, None),
    ("url", URL, _check_url),
    ("handle", HANDLE_AT, _check_at_handle),
    ("handle", HANDLE_NAMED, _check_named_handle),
    ("handle", HANDLE_INVITE, None),
]
_TRAILING = ".,;:!?)]}'\"’"
# Cheap necessary conditions for the two slowest patterns (most of detect()'s time on ordinary
# text): a capitalised street word after a space; a social site's name followed by what each of
# HANDLE_NAMED's forms needs next ("school" is not "sc"). Without it, the pattern cannot match.
_WORTH_RUNNING = {
    ADDRESS_NAMED: re.compile(rf"[ \t](?:{_title_case(PLAIN_STREET)})\b"),
    HANDLE_NAMED: re.compile(rf"\b(?:{SOCIAL_SITES})(?:'s|\s|:|=|{_QUALIFIER})", re.IGNORECASE),
}


def detect(text: str, watch_words: Iterable[str] = ()) -> list[Flag]:
    """Every span in `text` that looks like personal information or a watched word, in order."""
    found: list[Flag] = []
    if not text:
        return found
    for kind, pattern, check in PATTERNS:
        worth = _WORTH_RUNNING.get(pattern)
        if worth is not None and worth.search(text) is None:
            continue
        for match in pattern.finditer(text):
            span = match.group(0).rstrip(_TRAILING) if kind != "phone" else match.group(0)
            span = span.rstrip()
            if not span or (check is not None and not check(span)):
                continue
            start = match.start()
            found.append(Flag(kind, LABELS[kind], start, start + len(span), span))
    for word in clean_watch_words(watch_words):
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            found.append(Flag("watch", LABELS["watch"], match.start(), match.end(), match.group(0)))
    return _without_overlaps(found)


def clean_watch_words(words: Iterable[str]) -> list[str]:
    """Watch-list words trimmed, blank ones dropped, duplicates (in any case) removed."""
    seen: set[str] = set()
    cleaned = []
    for word in words:
        word = " ".join(str(word).split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            cleaned.append(word)
    return cleaned


def _without_overlaps(flags: list[Flag]) -> list[Flag]:
    """Keep the longest span where two overlap (an email is not also a handle and a URL)."""
    ordered = sorted(flags, key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Flag] = []
    for flag in ordered:
        if kept and flag.start < kept[-1].end:
            continue
        kept.append(flag)
    return kept


def highlight(text: str, flags: list[dict[str, Any]]) -> list[tuple[str, dict | None]]:
    """Split text into (segment, flag-or-None) pieces so a template can mark the flagged spans.

    Flags carry offsets into the text that was scanned; a channel's review text may differ (a
    title shown apart, a prefix), so a flag whose offset does not fit is found by its words.
    """
    pieces: list[tuple[str, dict | None]] = []
    if not text:
        return pieces
    spans: list[tuple[int, int, dict]] = []
    for flag in flags:
        found = _locate(text, flag)
        if found is not None:
            spans.append((found, found + len(str(flag["text"])), flag))
    cursor = 0
    for start, end, flag in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start < cursor:
            continue
        if start > cursor:
            pieces.append((text[cursor:start], None))
        pieces.append((text[start:end], flag))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces


def _locate(text: str, flag: dict[str, Any]) -> int | None:
    """Where a flag's words are in `text`: at its offset if they fit there, else the first place."""
    needle = str(flag.get("text") or "")
    if not needle:
        return None
    start = int(flag.get("start", -1))
    if start >= 0 and text[start : start + len(needle)] == needle:
        return start
    found = text.find(needle)
    return found if found >= 0 else None
