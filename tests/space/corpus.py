"""Pictures made on the fly for the space tests: good photos with metadata, and a corpus of bad
uploads (bombs, damaged files, other formats in disguise, metadata carriers, hostile names).

Nothing binary is committed: every file is generated here.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageDraw

SECRET = b"SECRET-51.5074N"  # planted in every metadata carrier; must never be served
GPS = {1: "N", 2: (51.0, 30.0, 26.64), 3: "W", 4: (0.0, 7.0, 39.0)}
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="' + SECRET + b'"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
HTML = b"<html><script>alert(document.cookie)</script></html>"
METADATA_MARKERS = (SECRET, b"Exif", b"GPS", b"xmpmeta", b"http://ns.adobe.com", b"<script")


def drawing(width: int = 640, height: int = 480, mode: str = "RGB") -> Image.Image:
    """A simple picture with an unmistakable top: a red bar across the top edge."""
    image = Image.new("RGB", (width, height), (250, 245, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, max(1, height // 8)), fill=(220, 30, 30))
    draw.ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(30, 90, 200))
    return image.convert(mode) if mode != "RGB" else image


def photo(width: int = 4032, height: int = 3024) -> Image.Image:
    """A photo-like picture (gradient and grain), costly to compress like a real camera's."""
    base = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 40)
    return Image.merge("RGB", (base, grain, Image.eval(base, lambda v: 255 - v)))


def exif_bytes(orientation: int = 1, gps: bool = True) -> bytes:
    """EXIF with an orientation, a camera, GPS coordinates and the secret marker."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PupilCam"
    exif[0x0131] = SECRET.decode()
    if gps:
        exif[0x8825] = GPS
    return exif.tobytes()


def icc_profile() -> bytes:
    """An ICC profile to carry along (sRGB, so colour conversion is a no-op)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Save a picture to bytes."""
    if fmt.upper() == "HEIF":
        # The app registers pillow-heif's writer when it first decodes a picture; a test that
        # makes a HEIC before any upload in its process must not depend on which ran first.
        import exchange.space.decoding  # noqa: F401

    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg_with_everything(orientation: int = 6, size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG carrying EXIF (with GPS), XMP, a comment and an ICC profile."""
    return encode(
        drawing(*size),
        "JPEG",
        exif=exif_bytes(orientation),
        xmp=XMP,
        comment=SECRET + b" " + HTML,
        icc_profile=icc_profile(),
        quality=90,
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_text_chunks() -> bytes:
    """A PNG with tEXt, zTXt, iTXt and eXIf chunks inserted before IDAT."""
    png = encode(drawing(), "PNG")
    idat = png.index(b"IDAT") - 4
    extra = (
        png_chunk(b"tEXt", b"Comment\x00" + SECRET)
        + png_chunk(b"zTXt", b"Author\x00\x00" + zlib.compress(SECRET))
        + png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP)
        + png_chunk(b"eXIf", exif_bytes())
    )
    return png[:idat] + extra + png[idat:]


def png_header_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A few KB claiming 20000 x 20000: a header and the start of the pixel data."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 8, 9)
    return b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def png_full_bomb(side: int = 20000) -> bytes:
    """A complete, valid 20000 x 20000 one-bit PNG: about 50 KB that would decode to 400 MP."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")


def ztxt_bomb() -> bytes:
    """A small PNG whose zTXt chunk inflates to 64 MB of text."""
    png = encode(drawing(64, 64), "PNG")
    idat = png.index(b"IDAT") - 4
    bomb = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (64 << 20), 9))
    return png[:idat] + bomb + png[idat:]


def gif_screen_bomb() -> bytes:
    """A GIF whose logical screen claims 65535 x 65535."""
    gif = bytearray(encode(drawing(16, 16, "P"), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    return bytes(gif)


def jpeg_header_bomb() -> bytes:
    """A small JPEG whose frame header claims 60000 x 60000."""
    jpeg = bytearray(encode(drawing(64, 64), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)
    return bytes(jpeg)


def webp_canvas_bomb() -> bytes:
    """A WebP whose extended header claims a 16384 x 16384 canvas."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (16383).to_bytes(3, "little") * 2
    body = b"WEBP" + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def animated_gif(frames: int = 200) -> bytes:
    """A many-frame animated GIF with a comment; only the first frame is kept."""
    images = [drawing(120, 90, "P")] + [
        Image.new("P", (120, 90), i % 255) for i in range(1, frames)
    ]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], comment=SECRET, loop=0)


def truncate(data: bytes, keep: float = 0.5) -> bytes:
    """The first part of a file."""
    return data[: int(len(data) * keep)]


def corrupt_middle(data: bytes) -> bytes:
    """The same length with garbage in the middle (pixel data)."""
    middle = len(data) // 2
    return (
        data[:middle]
        + bytes((b * 7 + 13) % 256 for b in data[middle : middle + 400])
        + (data[middle + 400 :])
    )


@dataclass(frozen=True)
class Case:
    """One named upload: its file name, how to make its bytes, and what must happen.

    outcome "refused": the reason must contain `expect`; "clean": accepted, and what is
    stored carries no metadata.
    """

    name: str
    filename: str
    make: Callable[[], bytes]
    outcome: str
    expect: str = ""


def _jpeg() -> bytes:
    return encode(drawing(), "JPEG")


def _png() -> bytes:
    return encode(drawing(), "PNG")


BAD_UPLOADS: list[Case] = [
    Case("png_pixel_bomb_header_only", "bomb.png", png_header_bomb, "refused", "megapixels"),
    Case("png_pixel_bomb_20000x20000_complete", "bomb2.png", png_full_bomb, "refused", "pixels"),
    Case("gif_logical_screen_bomb", "bomb.gif", gif_screen_bomb, "refused", "pixels"),
    Case("jpeg_frame_header_bomb", "bomb.jpg", jpeg_header_bomb, "refused", "pixels"),
    Case("webp_canvas_bomb", "bomb.webp", webp_canvas_bomb, "refused", ""),
    Case("png_ztxt_decompression_bomb", "text.png", ztxt_bomb, "refused", "damaged"),
    Case(
        "strip_200000x1",
        "strip.png",
        lambda: encode(Image.new("L", (200000, 1)), "PNG"),
        "refused",
        "long and thin",
    ),
    Case(
        "strip_1x200000",
        "tall.png",
        lambda: encode(Image.new("L", (1, 200000)), "PNG"),
        "refused",
        "long and thin",
    ),
    Case("truncated_jpeg", "half.jpg", lambda: truncate(_jpeg()), "refused", "damaged"),
    Case("truncated_png", "half.png", lambda: truncate(_png()), "refused", "damaged"),
    Case(
        "truncated_gif",
        "half.gif",
        lambda: truncate(encode(drawing(), "GIF"), 0.3),
        "refused",
        "damaged",
    ),
    Case(
        "truncated_webp",
        "half.webp",
        lambda: truncate(encode(drawing(), "WEBP"), 0.5),
        "refused",
        "damaged",
    ),
    Case("corrupt_png_pixels", "broken.png", lambda: corrupt_middle(_png()), "refused", "damaged"),
    Case("header_only_jpeg", "stub.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 10, "refused", ""),
    Case("empty_file", "empty.jpg", lambda: b"", "refused", "empty"),
    Case("random_bytes_named_jpg", "photo.jpg", lambda: bytes(range(256)) * 40, "refused", ""),
    Case(
        "pdf_renamed_jpg",
        "worksheet.jpg",
        lambda: b"%PDF-1.7\n%\xe2\xe3\n1 0 obj",
        "refused",
        "PDF",
    ),
    Case("pdf", "worksheet.pdf", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj", "refused", "PDF"),
    Case("html_renamed_png", "page.png", lambda: b"<!DOCTYPE html>" + HTML, "refused", "web page"),
    Case(
        "zip_renamed_jpg", "model.jpg", lambda: b"PK\x03\x04" + b"\x00" * 100, "refused", "archive"
    ),
    Case(
        "elf_renamed_jpg",
        "game.jpg",
        lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
        "refused",
        "program",
    ),
    Case(
        "windows_exe_renamed_png",
        "setup.png",
        lambda: b"MZ\x90\x00" + b"\x00" * 100,
        "refused",
        "program",
    ),
    Case(
        "svg_with_script",
        "drawing.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "refused",
        "SVG",
    ),
    Case(
        "svg_renamed_png_with_xml_declaration",
        "drawing.png",
        lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        "refused",
        "SVG",
    ),
    Case("tiff", "scan.tiff", lambda: encode(drawing(), "TIFF"), "refused", "TIFF"),
    Case("psd", "art.psd", lambda: b"8BPS\x00\x01" + b"\x00" * 200, "refused", "Photoshop"),
    Case("bmp", "paint.bmp", lambda: encode(drawing(), "BMP"), "refused", "BMP"),
    Case(
        "mp4_video",
        "clip.jpg",
        lambda: b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64,
        "refused",
        "video",
    ),
    Case(
        "oversize_file_16mb",
        "huge.jpg",
        lambda: b"\xff\xd8\xff\xe0" + b"\x00" * (16 * 1024 * 1024),
        "refused",
        "at most 15 MB",
    ),
    Case(
        "polyglot_png_with_html_appended",
        "poly.png",
        lambda: _png() + HTML,
        "clean",
    ),
    Case(
        "polyglot_jpeg_with_html_in_comment",
        "poly.jpg",
        lambda: encode(drawing(), "JPEG", comment=HTML),
        "clean",
    ),
    Case("jpeg_exif_gps_xmp_comment_icc", "camera.jpg", jpeg_with_everything, "clean"),
    Case("png_text_xmp_exif_chunks", "chunks.png", png_with_text_chunks, "clean"),
    Case(
        "webp_with_exif_and_xmp",
        "phone.webp",
        lambda: encode(drawing(), "WEBP", exif=exif_bytes(), xmp=XMP, icc_profile=icc_profile()),
        "clean",
    ),
    Case("animated_gif_with_comment", "anim.gif", animated_gif, "clean"),
    Case(
        "heic_with_exif_gps_and_xmp",
        "IMG_0001.HEIC",
        lambda: encode(drawing(), "HEIF", exif=exif_bytes(6), xmp=XMP, quality=60),
        "clean",
    ),
    Case("path_traversal_name", "../../../../etc/passwd.jpg", _jpeg, "clean"),
    Case("nul_byte_name", "evil.jpg\x00.html", _jpeg, "clean"),
    Case(
        "cmyk_jpeg",
        "print.jpg",
        lambda: encode(drawing(mode="CMYK"), "JPEG"),
        "clean",
    ),
]


def case_named(name: str) -> Case:
    """A corpus case by its name."""
    return next(c for c in BAD_UPLOADS if c.name == name)


def assert_no_metadata(data: bytes) -> None:
    """What is stored is a clean JPEG or PNG: no EXIF, XMP, comment, profile or text chunks."""
    for marker in METADATA_MARKERS:
        assert marker not in data, f"{marker!r} survived"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format in ("JPEG", "PNG")
        assert not image.getexif(), "EXIF survived"
        leftover = set(image.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density",
                                      "dpi", "progressive", "progression", "adobe",
                                      "adobe_transform"}  # fmt: skip
        assert not leftover, f"metadata survived: {leftover}"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"tIME"):
            assert chunk not in data, f"{chunk!r} chunk survived"
    else:
        assert b"\xff\xfe" not in data[:2000], "JPEG comment survived"
        assert b"ICC_PROFILE" not in data, "ICC profile survived"
