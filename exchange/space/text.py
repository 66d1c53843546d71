"""Plain text as pupils type it: tidied, checked for length, never interpreted.

Text is stored as typed (after tidying) and always shown escaped, with line breaks kept and
links left as text; nothing here turns text into markup.
"""

from __future__ import annotations

import re
import unicodedata

from exchange.errors import Invalid

# Control and invisible characters, except tab and newline: they only ever hide things.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069]")
_MANY_BLANK_LINES = re.compile(r"\n{4,}")


def tidy(value: str | None, *, multiline: bool = True) -> str:
    """Normalise line endings and Unicode, drop invisible characters, trim the ends."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    if not multiline:
        text = " ".join(text.split())
    else:
        text = _MANY_BLANK_LINES.sub(
            "\n\n\n", "\n".join(line.rstrip() for line in text.split("\n"))
        )
    return text.strip()


def checked(
    value: str | None,
    *,
    field: str,
    label: str,
    limit: int,
    required: bool = False,
    multiline: bool = True,
) -> str:
    """Tidied text within its limit, or Invalid naming the field in plain words."""
    text = tidy(value, multiline=multiline)
    if required and not text:
        raise Invalid(f"Please write {label}.", field=field)
    if len(text) > limit:
        raise Invalid(
            f"{label[0].upper()}{label[1:]} can be at most {limit} characters "
            f"(it has {len(text)}).",
            field=field,
        )
    return text
