"""The part of the picture pipeline that needs Pillow: decode, turn upright, sRGB, bound, and
re-encode from raw pixels (see exchange/space/images.py for the whole pipeline and its rules).

Imported with the first picture a process handles: Pillow and pillow-heif hold about 7 MiB that
a server process serving pages and sockets would otherwise keep for nothing.
"""

from __future__ import annotations

import io
import logging
import warnings

import pillow_heif
from PIL import Image, ImageCms, ImageOps

from exchange.space.images import (
    DRAFT_SIDE,
    JPEG_QUALITY,
    MAX_PIXELS,
    MAX_SIDE,
    THUMB_QUALITY,
    THUMB_SIDE,
    Encoded,
    ImageRefused,
    Processed,
    check_size,
)

log = logging.getLogger("exchange.space.images")

# Pillow refuses more than twice this by itself; between one and two times it only warns, and
# a warning is not a refusal, so it is made an error for the whole process.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
pillow_heif.register_heif_opener()


def decode_and_encode(name: str, data: bytes, fmt: str) -> Processed:
    """Decode a recognised upload and re-encode it clean; ImageRefused with a reason if not."""
    try:
        picture = _decode(name, data, fmt)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            name,
            f"it has too many pixels to open safely (at most {MAX_PIXELS // 1_000_000} megapixels)",
        ) from None
    except MemoryError:
        raise ImageRefused(name, "it is too big to open safely") from None
    except Exception as exc:  # a damaged file can raise almost anything from a decoder
        log.info("refused %s upload: %s: %s", fmt, type(exc).__name__, exc)
        raise ImageRefused(
            name, "the file is damaged or incomplete, so it could not be opened"
        ) from None
    return _encode(picture)


def _decode(name: str, data: bytes, fmt: str) -> Image.Image:
    """Decode the first frame, upright, in sRGB, at most MAX_SIDE on the long side."""
    with Image.open(io.BytesIO(data), formats=[fmt]) as source:
        width, height = source.size
        check_size(name, width, height)
        if source.format in ("JPEG", "MPO") and max(width, height) > MAX_SIDE:
            # libjpeg can decode at 1/2, 1/4 or 1/8 scale far faster than decoding everything
            # and resizing; ask for the smallest scale that still leaves 3/4 of MAX_SIDE.
            scale = DRAFT_SIDE / max(width, height)
            source.draft(source.mode, (max(1, int(width * scale)), max(1, int(height * scale))))
        source.load()
        icc = source.info.get("icc_profile")
        picture = _upright(source)
    picture = _to_srgb(picture, icc)
    if max(picture.size) > MAX_SIDE:
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return picture


def _upright(source: Image.Image) -> Image.Image:
    """A copy turned the way the camera was held; a broken EXIF block just means no turn."""
    try:
        return ImageOps.exif_transpose(source)
    except Exception as exc:  # the pixels are fine; only the orientation note is unreadable
        log.info("ignored unreadable orientation: %s", exc)
        return source.copy()


def _has_transparency(picture: Image.Image) -> bool:
    """Does the picture use its alpha channel (many opaque PNGs carry one they never use)?"""
    if picture.mode not in ("RGBA", "LA"):
        return False
    low, _high = picture.getchannel("A").getextrema()
    return low < 255


def _to_srgb(picture: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert to L, RGB or RGBA in sRGB; colours from an embedded profile are kept faithful."""
    if picture.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        high = picture.getextrema()[1]
        factor = 255 / high if isinstance(high, int | float) and high > 255 else 1
        picture = picture.convert("I").point(lambda v: v * factor).convert("L")
    if picture.mode == "P" or picture.mode == "PA":
        has_alpha = picture.mode == "PA" or "transparency" in picture.info
        picture = picture.convert("RGBA" if has_alpha else "RGB")
    elif picture.mode in ("1", "L"):
        picture = picture.convert("L")
    elif picture.mode == "LA":
        picture = picture if _has_transparency(picture) else picture.convert("L")
    elif picture.mode not in ("RGB", "RGBA"):
        picture = _convert_with_profile(picture, icc, "RGB") or picture.convert("RGB")
        icc = None
    if picture.mode == "RGBA" and not _has_transparency(picture):
        picture = picture.convert("RGB")
    if icc and picture.mode in ("RGB", "RGBA"):
        picture = _convert_with_profile(picture, icc, picture.mode) or picture
    return picture


_SRGB = ImageCms.createProfile("sRGB")


def _convert_with_profile(picture: Image.Image, icc: bytes | None, mode: str) -> Image.Image | None:
    """Apply an embedded colour profile (e.g. an iPad's Display P3), or None when unusable."""
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(picture, profile, _SRGB, outputMode=mode)
    except Exception as exc:  # a broken profile is dropped, as every profile is
        log.info("ignored a colour profile: %s", exc)
        return None


def _fresh(picture: Image.Image) -> Image.Image:
    """A new image from the raw pixels only: no info, EXIF, palette or profile can follow."""
    return Image.frombytes(picture.mode, picture.size, picture.tobytes())


def _save(picture: Image.Image, quality: int) -> Encoded:
    """Encode as PNG when transparent, else as JPEG, with nothing but pixels."""
    clean = _fresh(picture)
    out = io.BytesIO()
    if clean.mode in ("RGBA", "LA"):
        clean.save(out, format="PNG", optimize=False, compress_level=6)
        content_type = "image/png"
    else:
        # Baseline, not progressive: progressive encoding costs ten times as long here.
        clean.save(out, format="JPEG", quality=quality, subsampling="4:2:0")
        content_type = "image/jpeg"
    return Encoded(out.getvalue(), content_type, clean.width, clean.height)


def _encode(picture: Image.Image) -> Processed:
    """The full-size picture and its thumbnail."""
    full = _save(picture, JPEG_QUALITY)
    thumb_source = picture.copy()
    thumb_source.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return Processed(full=full, thumb=_save(thumb_source, THUMB_QUALITY))
