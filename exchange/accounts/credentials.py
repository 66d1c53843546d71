"""Pupils' credentials, login cards, class codes and invitation tokens, all made from `secrets`."""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata

from exchange.accounts.models import CredentialKind
from exchange.errors import Invalid

# Nine simple pictures a five-year-old can name; each has static/img/pictures/<name>.svg.
PICTURES = ("sun", "moon", "star", "tree", "flower", "fish", "cat", "house", "boat")
PICTURE_LENGTH = 3
PIN_LENGTH = 4
# No 0/O, 1/I/L: class codes are read off a board and typed by children.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CARD_TOKEN_BYTES = 16  # 128 bits, well above the 64 the card scheme needs
INVITATION_TOKEN_BYTES = 32

# A first name (letters, with single inner hyphens or apostrophes) and a one- or two-letter initial.
_LETTER = r"[^\W\d_]"
_NAME = re.compile(
    rf"^(?P<first>{_LETTER}(?:{_LETTER}|['’-](?={_LETTER}))*)\s+(?P<initial>{_LETTER}{{1,2}})\.?$"
)


def new_pin() -> str:
    """Four random digits."""
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def new_picture_sequence() -> list[str]:
    """Three different pictures, in order, chosen at random."""
    pool = list(PICTURES)
    chosen = []
    for _ in range(PICTURE_LENGTH):
        pick = secrets.choice(pool)
        pool.remove(pick)
        chosen.append(pick)
    return chosen


def new_secret(kind: CredentialKind) -> str:
    """A fresh credential in its canonical text form (PIN digits, or pictures joined by '-')."""
    if kind == CredentialKind.PIN:
        return new_pin()
    return "-".join(new_picture_sequence())


def canonical_secret(kind: CredentialKind, secret: str) -> str:
    """The form a typed or tapped credential is hashed and compared in; refuses malformed ones."""
    text = (secret or "").strip().lower()
    if kind == CredentialKind.PIN:
        if not (len(text) == PIN_LENGTH and text.isascii() and text.isdigit()):
            raise Invalid(f"Your PIN is {PIN_LENGTH} numbers.", field="secret")
        return text
    parts = [p for p in re.split(r"[\s,;-]+", text) if p]
    if len(parts) != PICTURE_LENGTH or any(p not in PICTURES for p in parts):
        raise Invalid(f"Choose {PICTURE_LENGTH} pictures, in order.", field="secret")
    return "-".join(parts)


def picture_names(secret: str) -> list[str]:
    """The pictures of a canonical picture password, in order."""
    return secret.split("-")


def new_card_token() -> str:
    """A login card's random token (URL-safe, 128 bits)."""
    return secrets.token_urlsafe(CARD_TOKEN_BYTES)


def new_invitation_token() -> str:
    """An invitation's random token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(INVITATION_TOKEN_BYTES)


def new_class_code() -> str:
    """A random class code such as 'K7PM2Q' (callers make sure it is unused)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_class_code(code: str) -> str:
    """Upper case without spaces or dashes, as the code is stored."""
    return re.sub(r"[\s-]+", "", code or "").upper()


def normalise_display_name(name: str) -> str:
    """'aisha k' -> 'Aisha K.': a first name and the initial of the surname, nothing more.

    Pupils' surnames and emails never enter the system; this refuses anything that looks like
    more than a first name and one or two initials.
    """
    text = unicodedata.normalize("NFC", " ".join((name or "")[:200].split()))
    match = _NAME.match(text) if len(text) <= 40 else None
    if not match or len(match["first"]) > 30:
        raise Invalid(
            'Use a first name and the first letter of the surname, like "Aisha K.".',
            field="display_name",
        )
    first = match["first"]
    return f"{first[0].upper()}{first[1:]} {match['initial'].upper()}."


def qr_data_uri(url: str) -> str:
    """An SVG QR code of `url` as a data URI for an <img> (the CSP allows data: images)."""
    import qrcode  # here, not at start-up: only login cards and invitations draw QR codes
    import qrcode.image.svg

    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
