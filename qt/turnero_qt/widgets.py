"""What the kiosk's and the lobby display's screens share (QtWidgets, and still no
server import): which text colour reads on a coloured background, and one line of
large type that shrinks to fit its width."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

WHITE = "#ffffff"
NEAR_BLACK = "#111111"  # dark text on light colours (the server's pages use the same)
SMALLEST_PX = 8


def luminance(color: QColor | str) -> float:
    """WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    c = QColor(color)

    def linear(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())


def contrast(a: QColor | str, b: QColor | str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(background: QColor | str) -> QColor:
    """White or near-black text, whichever has the larger WCAG contrast ratio with
    `background` (white on a tie): a service's letter on its colour."""
    if contrast(WHITE, background) >= contrast(NEAR_BLACK, background):
        return QColor(WHITE)
    return QColor(NEAR_BLACK)


def set_px(widget: QWidget, px: float, weight: QFont.Weight = QFont.Weight.Normal) -> None:
    """Set the widget's type size (pixels) and weight, keeping its family."""
    font = widget.font()
    font.setPixelSize(max(SMALLEST_PX, int(px)))
    font.setWeight(weight)
    widget.setFont(font)


def fit_px(text: str, width: float, start: float, weight: QFont.Weight, base: QFont) -> float:
    """The largest pixel size <= start at which one line of `text` fits in `width`."""
    font = QFont(base)
    font.setWeight(weight)
    font.setPixelSize(max(SMALLEST_PX, int(start)))
    measured = QFontMetrics(font).horizontalAdvance(text) or 1
    if measured <= width:
        return start
    return max(float(SMALLEST_PX), start * width / measured * 0.97)


class FitLabel(QLabel):
    """One line of plain text whose type shrinks to fit its width instead of wrapping
    or being cut (a counter's name can be long): never above `cap` px nor below
    `floor` px. With `fill`, it also grows into the height the layout gives it. Its
    size hint never pushes the window wider than the screen."""

    def __init__(self, cap: float = 24.0, weight: QFont.Weight = QFont.Weight.Normal, *,
                 floor: float = SMALLEST_PX, fill: bool = False, name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)  # server text is never markup
        self.setWordWrap(False)
        self.weight = weight
        self.fill = fill
        self.cap = cap
        self.floor = floor
        vertical = QSizePolicy.Policy.Ignored if fill else QSizePolicy.Policy.Preferred
        self.setSizePolicy(QSizePolicy.Policy.Ignored, vertical)
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def set_cap(self, px: float) -> None:
        self.cap = px
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        px = self.cap
        if self.fill and self.height() > 10:
            px = min(px, self.height() / 1.18)
        width = self.contentsRect().width() - 4
        if self.text() and width > 10:
            self.ensurePolished()
            px = max(self.floor, fit_px(self.text(), width, px, self.weight, self.font()))
        font = self.font()
        if font.pixelSize() != max(SMALLEST_PX, int(px)) or font.weight() != self.weight:
            set_px(self, px, self.weight)
