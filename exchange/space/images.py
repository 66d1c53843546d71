"""Pictures pupils upload: recognised, decoded under limits, re-encoded clean and small.

Nothing is ever served from the bytes a user sent. Each upload is recognised by its first
bytes (never by its name), opened by the one Pillow plugin of that format, checked for size
before any pixel is decoded, decoded once, turned upright, converted to sRGB, bounded to
2048 px on the long side (plus a 480 px thumbnail) and written out again as JPEG (or PNG when
it has transparency) from raw pixels, so no EXIF, GPS, XMP, comment, ICC profile or trailing
data can survive. Anything else is refused with a reason a pupil can act on.

This module recognises and refuses; the decoding and encoding, which need Pillow, live in
exchange/space/decoding.py and are imported with the first picture a process handles.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from flask import current_app, has_app_context

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_ASPECT = 12.0
MAX_SIDE = 2048
THUMB_SIDE = 480
DRAFT_SIDE = MAX_SIDE * 3 // 4
JPEG_QUALITY = 85
THUMB_QUALITY = 80
ACCEPTED = "JPEG, PNG, GIF, WebP or HEIC"


HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"avc1"}


class ImageRefused(Exception):
    """An upload that cannot be used, with the file's (display) name and the reason."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason

    @property
    def message(self) -> str:
        """The sentence shown to the pupil."""
        return f"“{self.filename}” was not added: {self.reason}."

    def as_dict(self) -> dict[str, str]:
        """The refusal for JSON answers."""
        return {"file": self.filename, "reason": self.reason, "message": self.message}


@dataclass(frozen=True)
class Encoded:
    """One re-encoded picture."""

    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    """A clean picture and its thumbnail."""

    full: Encoded
    thumb: Encoded


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def display_name(filename: str | None) -> str:
    """A user's file name made safe to show: no folders, no control characters, not too long.

    The name is only ever shown back to the pupil who chose it; files are stored under random
    keys, so a name like ``../../etc/passwd`` or one with a NUL byte can do no harm.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = _CONTROL.sub("", name)
    name = re.split(r"[\\/]", name)[-1].strip().lstrip(".") or "picture"
    return name if len(name) <= 60 else name[:40] + "…" + name[-12:]


def sniff(head: bytes) -> str | None:
    """The Pillow format of an accepted picture, recognised from its first bytes."""
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and _heif_brand(head):
        return "HEIF"
    return None


def _heif_brand(head: bytes) -> bool:
    """An ISO media file whose brands say HEIF/HEIC (what iPads and iPhones produce)."""
    size = int.from_bytes(head[:4], "big")
    brands = {head[8:12]}
    end = min(max(size, 16), len(head))
    brands.update(head[i : i + 4] for i in range(16, end - 3, 4))
    return bool(brands & HEIF_BRANDS)


def describe_unsupported(head: bytes) -> str:
    """Why a file that is not an accepted picture was refused, in words a pupil understands."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return f"it is a PDF document, not a photo. Please upload a {ACCEPTED} picture"
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "it is an SVG drawing file. Please save it as a PNG or JPEG picture first"
    if text.startswith((b"<!doctype", b"<html", b"<script", b"<?xml", b"<")):
        return f"it is a web page or text file, not a photo. Please upload a {ACCEPTED} picture"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return f"it is a compressed archive, not a photo. Please upload a {ACCEPTED} picture"
    if head.startswith((b"\x7fELF", b"MZ", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        return f"it is a program, not a photo. Please upload a {ACCEPTED} picture"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF pictures cannot be used. Please save it as a JPEG or PNG picture first"
    if head.startswith(b"8BPS"):
        return "Photoshop files cannot be used. Please save it as a JPEG or PNG picture first"
    if head.startswith(b"BM"):
        return "BMP pictures cannot be used. Please save it as a JPEG or PNG picture first"
    if head[4:8] == b"ftyp" and head[8:12] in VIDEO_BRANDS:
        return f"it is a video, not a photo. Please upload a {ACCEPTED} picture"
    return f"it is not a picture we can use. Please upload a {ACCEPTED} picture"


def check_size(name: str, width: int, height: int) -> None:
    """Refuse pictures too big to decode safely or too thin to be a photo, before decoding."""
    if width < 1 or height < 1:
        raise ImageRefused(name, "it has no picture in it")
    if width * height > MAX_PIXELS:
        raise ImageRefused(
            name,
            f"it is {width:,} × {height:,} pixels, too big to open safely "
            f"(at most {MAX_PIXELS // 1_000_000} megapixels)",
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ImageRefused(
            name, f"it is {width:,} × {height:,} pixels, far too long and thin to show"
        )


def process(data: bytes, filename: str | None) -> Processed:
    """Check, decode and re-encode one upload; raises ImageRefused with a clear reason."""
    name = display_name(filename)
    if not data:
        raise ImageRefused(name, "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused(
            name,
            f"it is {len(data) / 1024 / 1024:.1f} MB; a picture can be at most "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB",
        )
    fmt = sniff(data[:64])
    if fmt is None:
        raise ImageRefused(name, describe_unsupported(data[:512]))
    # Pillow and libheif (7 MiB) are loaded with the first picture, not in every process.
    from exchange.space import decoding

    return decoding.decode_and_encode(name, data, fmt)


# At most two pictures are decoded at once per process (the machines have two cores, and a
# 40-megapixel decode needs about 160 MB while it lasts).
_DECODING = threading.BoundedSemaphore(2)


def process_off_loop(data: bytes, filename: str | None) -> Processed:
    """process(), run in a real thread when the server is event-driven.

    A gevent or eventlet worker serves every socket from one thread: a photo decoded there
    would stop every live update for as long as the decode takes (0.1-1 s, more for HEIC).
    Pillow and libheif release the GIL while they decode, resize and encode, so in a thread
    of the hub's pool the event loop keeps running. This is the one place the space needs the
    async library itself; the branch follows ASYNC_MODE, so the modes stay interchangeable.
    """
    mode = current_app.config.get("ASYNC_MODE") if has_app_context() else None
    with _DECODING:
        if mode == "gevent":
            import gevent

            return gevent.get_hub().threadpool.apply(process, (data, filename))
        if mode == "eventlet":
            from eventlet import tpool

            return tpool.execute(process, data, filename)
        return process(data, filename)
