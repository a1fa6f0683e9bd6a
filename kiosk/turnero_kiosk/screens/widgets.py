"""Controls more than one screen uses: the big cards to tap, the spinner while the
kiosk waits, the digit keypad (phone number, staff PIN) and the keyboard
(appointment code)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QAbstractButton, QGridLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from .. import i18n
from ..style import MIN_TARGET, NAVY, paint_card, rounded
from .parts import button, set_text


class CardButton(QAbstractButton):
    """A big card to tap (a service, a yes or a no): painted as a card that shows
    when it is pressed or has the keyboard focus; `paint_face` draws what is on it."""

    def __init__(self, size_hint: QSize, max_height: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._size_hint = size_hint
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(520, 220)
        self.setMaximumHeight(max_height)

    def sizeHint(self) -> QSize:
        return self._size_hint

    def band(self, card: QRectF) -> tuple[QRectF, QColor] | None:
        """A coloured area inside the card, under its edge (none by default)."""
        return None

    def paint_face(self, p: QPainter, card: QRectF) -> None:
        raise NotImplementedError

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        paint_card(p, rounded(card), pressed=self.isDown(), focused=self.hasFocus(), band=self.band(card))
        self.paint_face(p, card)
        p.end()


class Spinner(QWidget):
    """A turning arc while the kiosk waits for the server."""

    def __init__(self, color: str = NAVY, size: int = 140, parent: QWidget | None = None):
        super().__init__(parent)
        self.color = QColor(color)
        self.angle = 0
        self.setFixedSize(size, size)
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._turn)

    def showEvent(self, event) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def _turn(self) -> None:
        self.angle = (self.angle + 12) % 360
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = max(6.0, self.width() / 10)
        r = QRectF(self.rect()).adjusted(pen, pen, -pen, -pen)
        faint = QColor(self.color)
        faint.setAlpha(50)
        p.setPen(QPen(faint, pen))
        p.drawEllipse(r)
        p.setPen(QPen(self.color, pen, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawArc(r, -self.angle * 16, 100 * 16)
        p.end()


def fix_height(widgets, height: int) -> None:
    """Style sheets set a button's minimum height when polished, so the height is
    fixed in each button's own style sheet (which the window's rules cascade into)."""
    for w in widgets:
        w.setStyleSheet(f"min-height: {height}px; max-height: {height}px;")


class Keypad(QWidget):
    """0-9 with delete and clear, big keys (phone and PIN)."""

    digit = Signal(str)
    deleted = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None, key_height: int = 124):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(18)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        for i, d in enumerate("123456789"):
            self.keys[d] = self._key(d)
            grid.addWidget(self.keys[d], i // 3, i % 3)
        self.clear = button("keyaction", self.cleared.emit)
        self.delete = button("keyaction", self.deleted.emit)
        self.keys["0"] = self._key("0")
        grid.addWidget(self.clear, 3, 0)
        grid.addWidget(self.keys["0"], 3, 1)
        grid.addWidget(self.delete, 3, 2)
        for w in [*self.keys.values(), self.clear, self.delete]:
            w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_key_height(key_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_key_height(self, height: int) -> None:
        fix_height([*self.keys.values(), self.clear, self.delete], height)

    def _key(self, d: str) -> QPushButton:
        key = button("key", lambda: self.digit.emit(d))
        key.setText(d)
        return key

    def retranslate(self, lang: str) -> None:
        for d, key in self.keys.items():
            key.setAccessibleName(i18n.text("keypad.digit.name", lang, d=d))
        set_text(self.clear, i18n.text("keypad.clear", lang), i18n.text("keypad.clear.name", lang))
        set_delete_text(self.delete, lang)


def set_delete_text(key: QPushButton, lang: str) -> None:
    set_text(key, "⌫ " + i18n.text("keypad.delete", lang), i18n.text("keypad.delete.name", lang))


class Keyboard(QWidget):
    """Digits and letters, for an appointment code (or a phone)."""

    key = Signal(str)
    deleted = Signal()

    ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setSpacing(12)
        box.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        self.delete = button("keyaction", self.deleted.emit)
        for r, row in enumerate(self.ROWS):
            line = QHBoxLayout()
            line.setSpacing(10)
            line.addStretch(1)
            for ch in row:
                k = button("keysmall", lambda _=False, ch=ch: self.key.emit(ch))
                k.setText(ch)
                k.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                k.setMaximumWidth(120)
                self.keys[ch] = k
                line.addWidget(k, 10)
            if r == len(self.ROWS) - 1:
                self.delete.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                self.delete.setMaximumWidth(260)
                line.addWidget(self.delete, 25)
            line.addStretch(1)
            box.addLayout(line)
        self.set_key_height(MIN_TARGET + 24)

    def set_key_height(self, height: int) -> None:
        fix_height([*self.keys.values(), self.delete], height)

    def retranslate(self, lang: str) -> None:
        for ch, k in self.keys.items():
            k.setAccessibleName(ch)
        set_delete_text(self.delete, lang)
