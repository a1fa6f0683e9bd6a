"""The branch's logo on the printed ticket: at most LOGO_MAX_WIDTH x LOGO_MAX_HEIGHT
(printer dots, and the slip's layout units), in black and white for thermal printers."""
from __future__ import annotations

import logging
from io import BytesIO

log = logging.getLogger(__name__)

LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT = 384, 144


def logo_bitmap(data: bytes | None):
    """The logo as a black-and-white Pillow image a thermal printer can print (white
    behind transparent parts, dithered, at most LOGO_MAX_WIDTH x LOGO_MAX_HEIGHT dots);
    None without a logo or when it cannot be read (the slip then has the name alone)."""
    if not data:
        return None
    from PIL import Image, UnidentifiedImageError  # python-escpos's own dependency
    try:
        with Image.open(BytesIO(data)) as source:
            source.load()
            picture = source.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("the branch's logo cannot be printed: %s", exc)
        return None
    flat = Image.new("RGBA", picture.size, "white")
    flat.alpha_composite(picture)
    flat.thumbnail((LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT))
    return flat.convert("L").convert("1")
