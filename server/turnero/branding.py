"""A branch's brand: its colour, the ink that reads on it, and its logo.

Plain Python (no Flask, no database): the admin checks an upload here, the pages and
the API ask which ink goes on the colour. A logo is a PNG or a JPEG whose every byte
was walked: the structure must be whole (PNG chunks with their checksums, JPEG
segments to the end-of-image marker), nothing may follow its end (a file that is also
a ZIP or an HTML page is refused), its size is capped, and what it says about itself
(text chunks, EXIF, XMP, comments) is dropped. SVG and anything else is refused: an
SVG served from this origin could run script.
"""
from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass

MAX_LOGO_BYTES = 256 * 1024
MAX_LOGO_SIDE = 2000
LIGHT_INK, DARK_INK = "#ffffff", "#0b1b33"
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary PNG chunks that change how the picture looks; every other one (text,
# EXIF, time, unknown private chunks) is dropped.
PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD",
            b"pHYs"}
# JPEG segments kept besides the frame and scan: JFIF (APP0) and Adobe's colour
# transform (APP14); EXIF and XMP (APP1), other APPn and comments are dropped.
JPEG_KEPT_APP = {0xE0, 0xEE}
JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class LogoRefused(ValueError):
    """Why an upload is not a logo: an English msgid (translated where it is shown) and its parameters."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message, self.params = message, params


def N_(message: str) -> str:
    """Marks a message for pybabel (this module imports nothing of Turnero's)."""
    return message


NOT_AN_IMAGE = N_("Use a PNG or JPEG image.")
DAMAGED = N_("This file is not a whole PNG or JPEG image.")
TOO_BIG = N_("The logo may be up to %(kb)d KB.")
TOO_LARGE = N_("The logo may be up to %(side)d pixels wide and tall.")


@dataclass(frozen=True)
class Logo:
    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def version(self) -> str:
        """Changes when the picture does: the `?v=` of its address."""
        return hashlib.sha256(self.data).hexdigest()[:16]


def checked_logo(data: bytes) -> Logo:
    """The upload, cleaned, once it is a whole PNG or JPEG of a sensible size; else LogoRefused."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoRefused(TOO_BIG, kb=MAX_LOGO_BYTES // 1024)
    if data.startswith(PNG_SIGNATURE):
        logo = _png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        logo = _jpeg(data)
    else:
        raise LogoRefused(NOT_AN_IMAGE)
    if not (0 < logo.width <= MAX_LOGO_SIDE and 0 < logo.height <= MAX_LOGO_SIDE):
        raise LogoRefused(TOO_LARGE, side=MAX_LOGO_SIDE)
    return logo


def _png(data: bytes) -> Logo:
    pos, kept, seen, size = len(PNG_SIGNATURE), [PNG_SIGNATURE], [], None
    while True:
        if pos + 12 > len(data):
            raise LogoRefused(DAMAGED)
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data) or not kind.isalpha():
            raise LogoRefused(DAMAGED)
        body = data[pos + 8:pos + 8 + length]
        if struct.unpack(">I", data[end - 4:end])[0] != zlib.crc32(kind + body):
            raise LogoRefused(DAMAGED)
        if not seen and (kind != b"IHDR" or length != 13):
            raise LogoRefused(DAMAGED)
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind[0:1].isupper() and kind not in PNG_KEPT:
            raise LogoRefused(DAMAGED)  # a critical chunk no viewer would know
        if kind in PNG_KEPT:
            kept.append(data[pos:end])
        seen.append(kind)
        pos = end
        if kind == b"IEND":
            break
    if pos != len(data) or b"IDAT" not in seen:
        raise LogoRefused(DAMAGED)
    return Logo(b"".join(kept), "image/png", *size)


def _jpeg(data: bytes) -> Logo:
    pos, kept, size = 2, [b"\xff\xd8"], None
    while True:
        if pos + 2 > len(data) or data[pos] != 0xFF:
            raise LogoRefused(DAMAGED)
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            kept.append(b"\xff\xd9")
            pos += 2
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            kept.append(data[pos:pos + 2])
            pos += 2
            continue
        if pos + 4 > len(data):
            raise LogoRefused(DAMAGED)
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise LogoRefused(DAMAGED)
        if marker in JPEG_SOF:
            if length < 8:
                raise LogoRefused(DAMAGED)
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            size = (width, height)
        if marker == 0xDA:  # a scan: its coded data runs to the next marker that is not a restart
            end = _scan_end(data, end)
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE) or marker in JPEG_KEPT_APP:
            kept.append(data[pos:end])
        pos = end
    if pos != len(data) or size is None:
        raise LogoRefused(DAMAGED)
    return Logo(b"".join(kept), "image/jpeg", *size)


def _scan_end(data: bytes, pos: int) -> int:
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise LogoRefused(DAMAGED)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


def brand_ink(color: str | None) -> str:
    """White or the dark navy, whichever has the higher contrast on `color` (#rrggbb)."""
    if not color or not COLOR_RE.match(color):
        return LIGHT_INK
    on = _luminance(color)
    with_light = (_luminance(LIGHT_INK) + 0.05) / (on + 0.05)
    with_dark = (on + 0.05) / (_luminance(DARK_INK) + 0.05)
    return LIGHT_INK if with_light >= with_dark else DARK_INK


def _luminance(color: str) -> float:
    channels = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def brand(color: str | None, logo_url: str | None) -> dict:
    """What clients show: `{"color", "ink", "logo_url"}` (no colour: the default look, white ink)."""
    return {"color": color.lower() if color else None, "ink": brand_ink(color), "logo_url": logo_url}
