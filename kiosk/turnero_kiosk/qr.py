"""QR codes drawn with QPainter: the same modules on screen, on paper and in a PDF."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath

from turnero_qt.qr import qr_matrix

__all__ = ["paint_qr", "qr_matrix"]


def paint_qr(painter: QPainter, rect: QRectF, matrix: list[list[bool]], quiet: int = 2,
             color: QColor | None = None, background: QColor | None = None) -> None:
    """Fill `rect` (square) with the code, `quiet` light modules around it.

    Dark runs of a row are merged into one rectangle so PDF viewers show no seams."""
    if not matrix:
        return
    n = len(matrix) + 2 * quiet
    module = min(rect.width(), rect.height()) / n
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(QRectF(rect.x(), rect.y(), module * n, module * n), background or QColor("white"))
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.addRect(QRectF(rect.x() + (start + quiet) * module, rect.y() + (r + quiet) * module,
                                    (c - start) * module, module))
            else:
                c += 1
    painter.fillPath(path, color or QColor("black"))
    painter.restore()
