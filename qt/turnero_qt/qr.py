"""The QR code both apps show (the kiosk's ticket link, the display's join link): one
encoding, medium error correction, no quiet zone (each app draws its own)."""
from __future__ import annotations

import qrcode


def qr_matrix(content: str) -> list[list[bool]]:
    """The dark/light modules of `content`'s QR code, without the quiet zone."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(content)
    code.make(fit=True)
    return code.get_matrix()
