"""A QR code as a QImage (one pixel per module, with its quiet zone): scale it
with Qt.FastTransformation so the modules stay sharp on any screen."""
from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from turnero_qt.qr import qr_matrix

QUIET = 2


def qr_image(content: str, dark: str = "#000000", light: str = "#ffffff") -> QImage:
    matrix = qr_matrix(content)
    size = len(matrix) + 2 * QUIET
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor(light))
    ink = QColor(dark).rgb()
    for y, row in enumerate(matrix):
        for x, on in enumerate(row):
            if on:
                image.setPixel(x + QUIET, y + QUIET, ink)
    return image
