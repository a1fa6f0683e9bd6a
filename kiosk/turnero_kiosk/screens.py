"""The kiosk's full-screen touch UI. Screens only show KioskFlow's state and call its
slots; they hold no rules. Large targets (at least 64 px, most well over 100),
high contrast (dark ink on white, white on navy), an accessible name on every
control, and no way out but the staff gesture (hold the top-left corner, then PIN).

Each screen lays itself out for portrait or landscape (`build`), from the same
widgets, whenever the window's shape changes.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QAbstractButton, QApplication, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QLayout, QPushButton, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget)

from . import i18n
from turnero_qt.widgets import FitLabel, readable_on

from .flow import KioskFlow, PrintState, Screen
from .printing import FONT_FAMILIES
from .qr import paint_qr, qr_matrix

log = logging.getLogger(__name__)

NAVY = "#0A2A5E"
NAVY_DARK = "#061A3D"
INK = "#0B1B33"
MUTED = "#3A4863"
PAGE = "#EEF1F6"
CARD = "#FFFFFF"
LINE = "#C5CEDD"
PRESSED = "#DCE5F5"
FOCUS = "#F2B705"
DANGER, DANGER_BG = "#A4161A", "#FDECEC"
OK, OK_BG = "#12633A", "#E3F3E8"
WARN, WARN_BG = "#6B4A00", "#FFF3CF"
MIN_TARGET = 64
NBSP = "\u00a0"
HOLD_TO_EXIT_MS = 3000

STYLE = f"""
#kiosk {{ background: {PAGE}; }}
QLabel {{ color: {INK}; }}
QLabel[role="title"] {{ font-size: 62px; font-weight: 800; }}
QLabel[role="subtitle"] {{ font-size: 32px; color: {MUTED}; }}
QLabel[role="message"] {{ font-size: 30px; font-weight: 700; color: {DANGER}; background: {DANGER_BG};
    border: 3px solid {DANGER}; border-radius: 16px; padding: 14px 22px; }}
QPushButton {{ font-size: 38px; font-weight: 700; border-radius: 22px; padding: 12px 36px;
    min-height: {MIN_TARGET + 40}px; min-width: {MIN_TARGET * 3}px; }}
QPushButton[role="primary"] {{ background: {NAVY}; color: white; border: 3px solid {NAVY}; }}
QPushButton[role="primary"]:pressed {{ background: {NAVY_DARK}; }}
QPushButton[role="primary"]:disabled {{ background: #8893A8; border-color: #8893A8; color: #F4F6FA; }}
QPushButton[role="secondary"] {{ background: {CARD}; color: {NAVY}; border: 3px solid {NAVY}; }}
QPushButton[role="secondary"]:pressed {{ background: {PRESSED}; }}
QPushButton[role="quiet"] {{ background: transparent; color: {NAVY}; border: 3px solid transparent;
    font-size: 34px; min-width: {MIN_TARGET * 2}px; min-height: {MIN_TARGET + 16}px; padding: 6px 20px; }}
QPushButton[role="quiet"]:pressed {{ background: {PRESSED}; }}
QPushButton[role="key"] {{ background: {CARD}; color: {INK}; border: 3px solid {LINE}; font-size: 56px;
    font-weight: 700; min-width: {MIN_TARGET + 40}px; min-height: 0; padding: 0; }}
QPushButton[role="key"]:pressed {{ background: {PRESSED}; border-color: {NAVY}; }}
QPushButton[role="keysmall"] {{ background: {CARD}; color: {INK}; border: 3px solid {LINE}; font-size: 38px;
    font-weight: 700; min-width: {MIN_TARGET + 8}px; min-height: 0; padding: 0; border-radius: 16px; }}
QPushButton[role="keysmall"]:pressed {{ background: {PRESSED}; border-color: {NAVY}; }}
QPushButton[role="keyaction"] {{ background: #E3E8F1; color: {NAVY}; border: 3px solid {LINE}; font-size: 32px;
    min-width: {MIN_TARGET + 40}px; min-height: 0; padding: 0 12px; }}
QPushButton[role="keyaction"]:pressed {{ background: #CBD6EA; }}
QPushButton[role="lang"] {{ background: transparent; color: white; border: 3px solid white; font-size: 30px;
    min-height: {MIN_TARGET + 8}px; min-width: {MIN_TARGET * 3}px; padding: 0 28px; border-radius: 36px; }}
QPushButton[role="lang"]:pressed {{ background: rgba(255,255,255,0.18); }}
QPushButton:focus {{ border-color: {FOCUS}; }}
#header {{ background: {NAVY}; }}
#header QLabel {{ color: white; }}
#field {{ background: {CARD}; border: 4px solid {NAVY}; border-radius: 22px; }}
#offline {{ background: {NAVY_DARK}; }}
#offline QLabel {{ color: white; }}
#pin QLabel {{ color: white; }}
"""


def kiosk_font(px: int = 28, weight=QFont.Weight.Normal) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(px)
    font.setWeight(weight)
    return font


def label(text: str = "", role: str | None = None, wrap: bool = True, css: str | None = None,
          align=Qt.AlignmentFlag.AlignCenter) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if css:
        widget.setStyleSheet(css)
    widget.setWordWrap(wrap)
    widget.setAlignment(align)
    return widget


def button(role: str, on_click=None) -> QPushButton:
    widget = QPushButton()
    widget.setProperty("role", role)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    if on_click is not None:
        widget.clicked.connect(on_click)
    return widget


def set_text(widget, text: str, name: str | None = None) -> None:
    """Text and screen-reader name (the text unless said otherwise) together."""
    widget.setText(text)
    widget.setAccessibleName(name or text.replace("\n", " "))


def vbox(*items, spacing: int = 0, margins=(0, 0, 0, 0)) -> QVBoxLayout:
    return _fill(QVBoxLayout(), items, spacing, margins)


def hbox(*items, spacing: int = 0, margins=(0, 0, 0, 0)) -> QHBoxLayout:
    return _fill(QHBoxLayout(), items, spacing, margins)


def _fill(layout, items, spacing, margins):
    """Items: a widget, a layout, an int (fixed space), "stretch", or (widget, stretch[, alignment])."""
    layout.setSpacing(spacing)
    layout.setContentsMargins(*margins)
    for item in items:
        if item is None:
            continue
        if item == "stretch":
            layout.addStretch(1)
        elif isinstance(item, int):
            layout.addSpacing(item)
        elif isinstance(item, QLayout):
            layout.addLayout(item)
        elif isinstance(item, tuple):
            layout.addWidget(*item)
        else:
            layout.addWidget(item)
    return layout


def service_color(service: dict) -> QColor:
    color = QColor(service.get("color") or NAVY)
    return color if color.isValid() else QColor(NAVY)


# ---------------------------------------------------------------- drawn widgets

class ServiceButton(QAbstractButton):
    """One service: its letter on its colour, its name, the wait and the people in line."""

    def __init__(self, service: dict, lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(520, 220)
        self.setMaximumHeight(320)
        self.update_service(service, lang)

    def update_service(self, service: dict, lang: str) -> None:
        self.service, self.lang = service, lang
        self.name = i18n.service_name(service, lang)
        self.in_line = i18n.plural("service.in_line", int(service.get("waiting") or 0), lang)
        wait = i18n.wait_range(service.get("eta"), lang)
        # The range itself never breaks across lines.
        self.wait = f"{i18n.text('wait.label', lang)}: {wait.replace(' ', NBSP)}" if wait else ""
        self.setText(self.name)
        self.setAccessibleName(i18n.text("service.button.name", lang, service=self.name, in_line=self.in_line,
                                         wait=self.wait or self.in_line))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(900, 260)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        card = QPainterPath()
        card.addRoundedRect(r, 28, 28)
        p.fillPath(card, QColor(PRESSED if self.isDown() else CARD))
        color = service_color(self.service)
        strip = QRectF(r.x(), r.y(), min(180.0, r.width() * 0.2), r.height())
        p.save()
        p.setClipPath(card)
        p.fillRect(strip, color)
        p.restore()
        border = QColor(FOCUS) if self.hasFocus() else QColor(NAVY) if self.isDown() else QColor(LINE)
        p.setPen(QPen(border, 4))
        p.drawPath(card)
        p.setPen(readable_on(color))
        p.setFont(kiosk_font(104, QFont.Weight.Black))
        p.drawText(strip, int(Qt.AlignmentFlag.AlignCenter), str(self.service.get("prefix") or self.name[:1]))

        text = r.adjusted(strip.width() + 44, 20, -110, -20)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        for scale in (1.0, 0.92, 0.84, 0.76, 0.68, 0.6):  # the largest type that fits the card
            lines = [(self.name, kiosk_font(int(58 * scale), QFont.Weight.Bold), QColor(INK), 14 * scale)]
            if self.wait:
                lines.append((self.wait, kiosk_font(int(34 * scale), QFont.Weight.DemiBold), QColor(INK), 6 * scale))
            lines.append((self.in_line, kiosk_font(int(32 * scale)), QColor(MUTED), 0))
            heights = []
            for content, font, _color, gap in lines:
                p.setFont(font)
                heights.append(p.boundingRect(QRectF(0, 0, text.width(), 1000), flags, content).height() + gap)
            if sum(heights) <= text.height():
                break
        y = text.y() + max(0.0, (text.height() - sum(heights)) / 2)
        for (content, font, color, _gap), height in zip(lines, heights):
            p.setFont(font)
            p.setPen(color)
            p.drawText(QRectF(text.x(), y, text.width(), height), flags, content)
            y += height
        p.setPen(QPen(QColor(NAVY), 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        cx, cy = r.right() - 56, r.center().y()
        p.drawPolyline([QPointF(cx - 14, cy - 28), QPointF(cx + 14, cy), QPointF(cx - 14, cy + 28)])
        p.end()


class ChoiceButton(QAbstractButton):
    """A big yes/no card: a symbol on a coloured disc, a title and a line of help."""

    def __init__(self, symbol: str, color: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.symbol, self.color, self.hint = symbol, QColor(color), ""
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(520, 220)
        self.setMaximumHeight(340)

    def set_texts(self, title: str, hint: str) -> None:
        self.setText(title)
        self.hint = hint
        self.setAccessibleName(title)
        self.setAccessibleDescription(hint)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(900, 280)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        card = QPainterPath()
        card.addRoundedRect(r, 28, 28)
        p.fillPath(card, QColor(PRESSED if self.isDown() else CARD))
        p.setPen(QPen(QColor(FOCUS) if self.hasFocus() else QColor(NAVY) if self.isDown() else QColor(LINE), 4))
        p.drawPath(card)
        disc = QRectF(r.x() + 48, r.center().y() - 70, 140, 140)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.color)
        p.drawEllipse(disc)
        p.setPen(readable_on(self.color))
        p.setFont(kiosk_font(84, QFont.Weight.Bold))
        p.drawText(disc, int(Qt.AlignmentFlag.AlignCenter), self.symbol)
        text = r.adjusted(disc.width() + 96, 24, -40, -24)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        p.setFont(kiosk_font(48, QFont.Weight.Bold))
        title = p.boundingRect(QRectF(0, 0, text.width(), 1000), flags, self.text()).height()
        p.setFont(kiosk_font(30))
        hint = p.boundingRect(QRectF(0, 0, text.width(), 1000), flags, self.hint).height()
        y = text.y() + max(0.0, (text.height() - title - hint - 10) / 2)
        p.setPen(QColor(INK))
        p.setFont(kiosk_font(48, QFont.Weight.Bold))
        p.drawText(QRectF(text.x(), y, text.width(), title), flags, self.text())
        p.setPen(QColor(MUTED))
        p.setFont(kiosk_font(30))
        p.drawText(QRectF(text.x(), y + title + 10, text.width(), hint), flags, self.hint)
        p.end()


class StepBadge(QWidget):
    """A numbered circle and a short line of "how it works"."""

    def __init__(self, number: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.number = number
        self.text = ""
        self.setMinimumSize(240, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_text(self, text: str) -> None:
        self.text = text
        self.setAccessibleName(f"{self.number}. {text}")
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        circle = QRectF((self.width() - 72) / 2, 0, 72, 72)
        p.setBrush(QColor(NAVY))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(circle)
        p.setPen(QColor("white"))
        p.setFont(kiosk_font(38, QFont.Weight.Black))
        p.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), str(self.number))
        p.setPen(QColor(INK))
        p.setFont(kiosk_font(28, QFont.Weight.DemiBold))
        p.drawText(QRectF(8, 86, self.width() - 16, self.height() - 86),
                   int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                   self.text)
        p.end()


class QrView(QWidget):
    """The ticket's tracking link as a QR code, to scan or photograph."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._matrix: list[list[bool]] = []

    def set_content(self, content: str, name: str) -> None:
        if content != self.accessibleDescription() or not self._matrix:
            self._matrix = qr_matrix(content) if content else []
        self.setAccessibleName(name)
        self.setAccessibleDescription(content)
        self.update()

    def paintEvent(self, _event) -> None:
        side = min(self.width(), self.height())
        p = QPainter(self)
        paint_qr(p, QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side), self._matrix, quiet=2)
        p.end()


class TicketCard(QFrame):
    """A white ticket with a perforated line between the turn and its QR stub."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.stub: QWidget | None = None
        self.vertical = False

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        shape = QPainterPath()
        shape.addRoundedRect(r, 32, 32)
        notch = 26.0
        if self.stub is not None:
            geo = self.stub.geometry()
            if self.vertical:
                x = geo.x() - self.layout().spacing() / 2
                holes = [QRectF(x - notch, r.top() - notch, 2 * notch, 2 * notch),
                         QRectF(x - notch, r.bottom() - notch, 2 * notch, 2 * notch)]
                line = (QPointF(x, r.top() + notch + 14), QPointF(x, r.bottom() - notch - 14))
            else:
                y = geo.y() - self.layout().spacing() / 2
                holes = [QRectF(r.left() - notch, y - notch, 2 * notch, 2 * notch),
                         QRectF(r.right() - notch, y - notch, 2 * notch, 2 * notch)]
                line = (QPointF(r.left() + notch + 14, y), QPointF(r.right() - notch - 14, y))
            for hole in holes:
                cut = QPainterPath()
                cut.addEllipse(hole)
                shape = shape.subtracted(cut)
        p.fillPath(shape, QColor(CARD))
        p.setPen(QPen(QColor(LINE), 3))
        p.drawPath(shape)
        if self.stub is not None:
            p.setPen(QPen(QColor("#9AA7BD"), 4, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(*line)
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


class OutOfServiceIcon(QWidget):
    """A round "no entry" sign."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFixedSize(190, 190)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(12, 12, -12, -12)
        p.setPen(QPen(QColor("white"), 16))
        p.drawEllipse(r)
        p.fillRect(QRectF(r.x() + 36, r.center().y() - 15, r.width() - 72, 30), QColor(FOCUS))
        p.end()


class StatusBanner(QLabel):
    """The printer's news on the ticket screen, coloured by what it means."""

    STYLES = {
        "ok": f"color: {OK}; background: {OK_BG}; border: 3px solid {OK};",
        "warn": f"color: {WARN}; background: {WARN_BG}; border: 3px solid {WARN};",
        "bad": f"color: {DANGER}; background: {DANGER_BG}; border: 4px solid {DANGER};",
    }

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(MIN_TARGET + 40)
        self.kind = "ok"

    def show_status(self, text: str, kind: str) -> None:
        self.kind = kind
        self.setText(text)
        self.setAccessibleName(text)
        self.setStyleSheet(f"QLabel {{ {self.STYLES[kind]} font-size: 34px; font-weight: 800; "
                           "border-radius: 18px; padding: 10px 26px; }")


# ---------------------------------------------------------------- keypads

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
        set_text(self.delete, "⌫ " + i18n.text("keypad.delete", lang), i18n.text("keypad.delete.name", lang))


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
        set_text(self.delete, "⌫ " + i18n.text("keypad.delete", lang), i18n.text("keypad.delete.name", lang))


# ---------------------------------------------------------------- screens

class Header(QFrame):
    """Navy band: branch name, the time at the branch, and the language switch."""

    def __init__(self, flow: KioskFlow, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("header")
        self.setFixedHeight(124)
        self.branch = label(wrap=False, css="font-size: 40px; font-weight: 800;",
                            align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.branch.setMinimumWidth(200)
        self.branch.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.clock = label(wrap=False, css="font-size: 40px; font-weight: 600;",
                           align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.lang = button("lang", flow.toggle_lang)
        self.setLayout(hbox((self.branch, 1), self.clock, 28, self.lang, spacing=16, margins=(48, 0, 40, 0)))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(15_000)

    def refresh(self) -> None:
        name = (self.flow.branch or {}).get("name") or ""
        self.branch.setText(name)
        self.branch.setAccessibleName(name)
        lang = self.flow.lang
        set_text(self.lang, i18n.text("welcome.language", lang), i18n.text("welcome.language.name", lang))
        self.tick()

    def tick(self) -> None:
        tz_name = (self.flow.branch or {}).get("timezone")
        now = datetime.now(timezone.utc)
        try:
            now = now.astimezone(ZoneInfo(tz_name)) if tz_name else now.astimezone()
        except (ZoneInfoNotFoundError, ValueError):
            now = now.astimezone()
        self.clock.setText(f"{now:%H:%M}")
        self.clock.setAccessibleName(self.clock.text())


class Page(QWidget):
    """A screen: the header (optional) over a body that `build` lays out for the
    window's shape, from widgets made once."""

    def __init__(self, flow: KioskFlow, header: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = flow
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.outer.setSpacing(0)
        self.header = Header(flow) if header else None
        if self.header is not None:
            self.outer.addWidget(self.header)
        self.content: QWidget | None = None
        self.landscape: bool | None = None

    def set_landscape(self, landscape: bool) -> None:
        if landscape == self.landscape:
            return
        self.landscape = landscape
        content = QWidget()
        content.setLayout(self.build(landscape))
        old, self.content = self.content, content
        self.outer.addWidget(content, 1)
        if old is not None:
            self.outer.removeWidget(old)
            old.deleteLater()

    def build(self, landscape: bool) -> QLayout:
        raise NotImplementedError

    def refresh(self) -> None:
        if self.header is not None:
            self.header.refresh()


class WelcomeScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")
        self.empty = label(role="subtitle")
        self.appointment = button("secondary", flow.start_check_in)
        self.appointment.setMinimumHeight(120)
        self.how = label(css=f"font-size: 30px; font-weight: 800; color: {MUTED}; letter-spacing: 2px;")
        self.steps = [StepBadge(n) for n in (1, 2, 3)]
        self.buttons: dict[str, ServiceButton] = {}
        self.grid: QGridLayout | None = None

    def build(self, landscape: bool) -> QLayout:
        self.grid = QGridLayout()
        self.grid.setSpacing(28)
        self._place()
        layout = vbox(self.title, self.subtitle, 36, self.grid, self.empty, "stretch", self.how, 16,
                      hbox(*self.steps, spacing=24), "stretch", self.appointment,
                      spacing=14, margins=(64, 48, 64, 44))
        layout.setStretchFactor(self.grid, 3)  # cards grow to their largest before the space below does
        return layout

    def _place(self) -> None:
        if self.grid is None:
            return
        columns = 2 if self.landscape and len(self.buttons) > 1 else 1
        for i, b in enumerate(self.buttons.values()):
            self.grid.addWidget(b, i // columns, i % columns)

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text("welcome.title", lang))
        self.subtitle.setText(i18n.text("welcome.subtitle", lang))
        self.empty.setText(i18n.text("welcome.no_services", lang))
        self.how.setText(i18n.text("welcome.how", lang).upper())
        for n, step in enumerate(self.steps, start=1):
            step.set_text(i18n.text(f"welcome.step{n}", lang))
        set_text(self.appointment, f"{i18n.text('welcome.appointment', lang)}  ·  "
                                   f"{i18n.text('welcome.appointment.hint', lang)}")
        self.appointment.setVisible(self.flow.check_in_available)
        self.show_services()

    def show_services(self) -> None:
        services, lang = self.flow.services, self.flow.lang
        if list(self.buttons) != [s["id"] for s in services]:
            for b in self.buttons.values():
                b.deleteLater()
            self.buttons = {}
            for s in services:
                b = ServiceButton(s, lang)
                b.clicked.connect(lambda _=False, sid=s["id"]: self.flow.choose_service(sid))
                self.buttons[s["id"]] = b
            self._place()
        for s in services:
            self.buttons[s["id"]].update_service(s, lang)
        self.empty.setVisible(not services)


class StepPage(Page):
    """A step of taking a turn: "Back" and the chosen service above the step."""

    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.back = button("quiet", flow.back)
        self.chip = label(wrap=False)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")

    def top(self) -> QHBoxLayout:
        return hbox(self.back, "stretch", self.chip)

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        set_text(self.back, "‹  " + i18n.text("common.back", lang), i18n.text("common.back.name", lang))
        service = self.flow.service_info(self.flow.service)
        if self.flow.service:
            color = service_color(service)
            self.chip.setText(f"  {service.get('prefix', '')}  ·  {i18n.service_name(service, lang)}  ")
            self.chip.setAccessibleName(i18n.text("step.for", lang, service=i18n.service_name(service, lang)))
            self.chip.setStyleSheet(f"font-size: 30px; font-weight: 800; border-radius: 30px; padding: 10px 18px;"
                                    f"background: {color.name()}; color: {readable_on(color).name()};")
        self.chip.setVisible(bool(self.flow.service))


class EntryPage(StepPage):
    """A step where the customer types into one big field, with a message line under
    it that shows the flow's message while this page's screen is the current one."""

    step_screen: Screen

    def __init__(self, flow: KioskFlow, field_height: int):
        super().__init__(flow)
        self.field = QFrame()
        self.field.setObjectName("field")
        self.field.setFixedHeight(field_height)
        self.value = label(wrap=False)
        self.field.setLayout(vbox(self.value, margins=(28, 0, 28, 0)))
        self.message = label(role="message")
        flow.messageChanged.connect(lambda _m: self.show_message())

    def show_message(self) -> None:
        self.message.setText(self.flow.message)
        self.message.setAccessibleName(self.flow.message)
        self.message.setVisible(bool(self.flow.message) and self.flow.screen == self.step_screen)


class PhoneScreen(EntryPage):
    step_screen = Screen.PHONE

    def __init__(self, flow: KioskFlow):
        super().__init__(flow, field_height=148)
        self.keypad = Keypad()
        self.keypad.digit.connect(flow.press_digit)
        self.keypad.deleted.connect(flow.delete_digit)
        self.keypad.cleared.connect(flow.clear_phone)
        self.skip = button("secondary", flow.skip_phone)
        self.go = button("primary", flow.submit_phone)
        flow.phoneChanged.connect(self.show_phone)

    def build(self, landscape: bool) -> QLayout:
        self.keypad.set_key_height(160 if landscape else 170)
        actions = hbox((self.skip, 1), (self.go, 1), spacing=28)
        if landscape:
            left = vbox(self.title, self.subtitle, 28, self.field, self.message, "stretch", actions, spacing=18)
            return vbox(self.top(), hbox((QWidget_from(left), 11), 56, (self.keypad, 9, Qt.AlignmentFlag.AlignTop)),
                        spacing=12, margins=(56, 20, 56, 44))
        return vbox(self.top(), 8, self.title, self.subtitle, 28, self.field, self.message, 28, self.keypad,
                    "stretch", actions, spacing=16, margins=(64, 20, 64, 48))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text("phone.title", lang))
        self.subtitle.setText(i18n.text("phone.subtitle", lang))
        self.keypad.retranslate(lang)
        set_text(self.skip, i18n.text("phone.skip", lang))
        set_text(self.go, i18n.text("phone.continue", lang))
        self.show_phone(self.flow.phone_display)
        self.show_message()

    def show_phone(self, shown: str) -> None:
        lang = self.flow.lang
        if shown:
            self.value.setText(shown)
            self.value.setStyleSheet(f"font-size: 76px; font-weight: 800; color: {INK};")
        else:
            self.value.setText(i18n.text("phone.placeholder", lang))
            self.value.setStyleSheet("font-size: 42px; font-weight: 500; color: #5E6A82;")
        self.value.setAccessibleName(f"{i18n.text('phone.field', lang)}: {shown}")
        self.go.setEnabled(bool(shown))


def QWidget_from(layout: QLayout) -> QWidget:  # noqa: N802 - reads like the constructor it stands for
    widget = QWidget()
    widget.setLayout(layout)
    return widget


class PriorityScreen(StepPage):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.yes = ChoiceButton("♿", FOCUS)
        self.no = ChoiceButton("→", NAVY)
        self.yes.clicked.connect(lambda: flow.choose_priority(True))
        self.no.clicked.connect(lambda: flow.choose_priority(False))

    def build(self, landscape: bool) -> QLayout:
        choices = (hbox((self.yes, 1), (self.no, 1), spacing=36) if landscape
                   else vbox(self.yes, self.no, spacing=36))
        return vbox(self.top(), 8, self.title, self.subtitle, "stretch", choices, "stretch", "stretch",
                    spacing=16, margins=(64, 20, 64, 48))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text("priority.title", lang))
        self.subtitle.setText(i18n.text("priority.subtitle", lang))
        self.yes.set_texts(i18n.text("priority.yes", lang), i18n.text("priority.yes.hint", lang))
        self.no.set_texts(i18n.text("priority.no", lang), i18n.text("priority.no.hint", lang))


class WaitScreen(Page):
    """"One moment…" with a spinner (taking the ticket, starting up)."""

    def __init__(self, flow: KioskFlow, title_key: str, subtitle_key: str | None, header: bool = True):
        super().__init__(flow, header=header)
        self.keys = (title_key, subtitle_key)
        self.spinner = Spinner()
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")

    def build(self, landscape: bool) -> QLayout:
        return vbox("stretch", (self.spinner, 0, Qt.AlignmentFlag.AlignHCenter), 40, self.title, self.subtitle,
                    "stretch", "stretch", margins=(64, 40, 64, 40))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text(self.keys[0], lang))
        self.subtitle.setText(i18n.text(self.keys[1], lang) if self.keys[1] else "")


class TicketScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.card = TicketCard()
        self.service = label(css=f"font-size: 50px; font-weight: 800; color: {INK};")
        self.your_turn = label(css=f"font-size: 30px; font-weight: 800; color: {MUTED}; letter-spacing: 6px;")
        self.code = label(wrap=False)
        self.badge = label(wrap=False, css=f"font-size: 30px; font-weight: 800; color: white; background: {INK};"
                                           "border-radius: 12px; padding: 6px 28px;")
        self.ahead = label(css=f"font-size: 44px; font-weight: 800; color: {INK};")
        self.wait = label(css=f"font-size: 36px; font-weight: 600; color: {MUTED};")
        # Called while still on screen: where to go, big, on green.
        self.called = QFrame()
        self.called.setObjectName("called")
        self.called.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.called.setStyleSheet(f"#called {{ background: {OK}; border-radius: 24px; }}")
        self.called_title = label(css="font-size: 34px; font-weight: 800; color: white; letter-spacing: 4px;")
        self.called_counter = FitLabel(76, QFont.Weight.Black, floor=30)
        self.called_counter.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.called_counter.setStyleSheet("color: white;")
        self.called.setLayout(vbox(self.called_title, self.called_counter, spacing=4, margins=(28, 18, 28, 22)))
        self.qr = QrView()
        self.follow = label(css=f"font-size: 36px; font-weight: 800; color: {INK};")
        self.hint = label(css=f"font-size: 28px; color: {MUTED};")
        self.status = StatusBanner()
        self.done = button("primary", flow.finish)
        self.done.setMinimumWidth(360)
        self.back_in = label(wrap=False, role="subtitle")
        self.stub: QWidget | None = None
        flow.ticketChanged.connect(lambda _t: self.refresh())
        flow.printStateChanged.connect(lambda _s: self.show_print_state())
        flow.countdownChanged.connect(lambda _n: self.show_countdown())

    def build(self, landscape: bool) -> QLayout:
        info = vbox("stretch", self.service, 4, self.your_turn, self.code, (self.badge, 0, Qt.AlignmentFlag.AlignHCenter),
                    18, self.ahead, self.wait, self.called, "stretch", spacing=6)
        self.stub = QWidget_from(vbox("stretch", (self.qr, 0, Qt.AlignmentFlag.AlignHCenter), 18, self.follow,
                                      self.hint, "stretch", spacing=4))
        self.code.setStyleSheet(f"font-size: {230 if landscape else 270}px; font-weight: 900; color: {INK};")
        side = 380 if landscape else 420
        self.qr.setFixedSize(side, side)
        if landscape:
            card_layout = hbox((QWidget_from(info), 3), (self.stub, 2), spacing=80, margins=(40, 28, 40, 28))
            bottom = hbox((self.status, 1), 28, self.back_in, 28, self.done)
            layout = vbox((self.card, 1), 24, bottom, margins=(48, 32, 48, 32))
        else:
            card_layout = vbox((QWidget_from(info), 5), (self.stub, 4), spacing=64, margins=(40, 36, 40, 36))
            self.back_in.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            layout = vbox((self.card, 1), 24, self.status, 20, hbox((self.back_in, 1), self.done),
                          margins=(48, 36, 48, 36))
        old = self.card.layout()
        if old is not None:
            QWidget().setLayout(old)  # hand the old layout to a throwaway widget so it can be replaced
        self.card.setLayout(card_layout)
        self.card.stub, self.card.vertical = self.stub, landscape
        return layout

    def refresh(self) -> None:
        super().refresh()
        ticket, lang = self.flow.ticket or {}, self.flow.lang
        service = self.flow.service_info(ticket.get("service"))
        self.service.setText(i18n.service_name(service, lang) if service.get("names")
                             else ticket.get("service_name", ""))
        self.your_turn.setText(i18n.text("ticket.your_turn", lang).upper())
        code = ticket.get("code", "")
        self.code.setText(code)
        self.code.setAccessibleName(f"{i18n.text('ticket.your_turn', lang)}: {' '.join(code)}")
        self.badge.setText(i18n.text("priority.badge", lang).upper())
        self.badge.setVisible(bool(ticket.get("priority")))
        self.show_place(ticket, lang)
        self.qr.set_content(ticket.get("track_url", ""), i18n.text("ticket.qr.name", lang, code=code))
        self.follow.setText(i18n.text("ticket.follow", lang))
        self.hint.setText(i18n.text("ticket.follow.hint", lang))
        set_text(self.done, i18n.text("ticket.done", lang), i18n.text("ticket.done.name", lang))
        self.show_print_state()
        self.show_countdown()

    def show_place(self, ticket: dict, lang: str) -> None:
        """People ahead and the wait while it waits (live); where to go once called."""
        status = ticket.get("status") or "waiting"
        counter = (ticket.get("counter") or {}).get("name") or (ticket.get("counter") or {}).get("id") or ""
        ahead, wait = "", ""
        if status == "waiting":
            if ticket.get("ahead") is not None:
                ahead = i18n.plural("ticket.ahead", int(ticket["ahead"]), lang)
            wait = i18n.wait_range(ticket.get("eta"), lang)
            wait = f"{i18n.text('wait.label', lang)}: {wait.replace(' ', NBSP)}" if wait else ""
        elif status == "cancelled":
            ahead = i18n.text("ticket.cancelled", lang)
        elif status not in ("called", "serving"):
            ahead = i18n.text("ticket.ended", lang)
        set_text(self.ahead, ahead)
        set_text(self.wait, wait)
        self.ahead.setVisible(bool(ahead))
        self.wait.setVisible(bool(wait))
        called = status in ("called", "serving")
        if called:
            self.called_title.setText(i18n.text(f"ticket.{status}.title", lang).upper())
            self.called_counter.setText(i18n.text(f"ticket.{status}.go", lang, counter=counter))
            self.called.setAccessibleName(f"{i18n.text(f'ticket.{status}.title', lang)} "
                                          f"{self.called_counter.text()}")
        self.called.setVisible(called)

    def show_print_state(self) -> None:
        lang, state = self.flow.lang, self.flow.print_state
        if state == PrintState.PRINTED:
            self.status.show_status("✓  " + i18n.text("ticket.printed", lang), "ok")
        elif state == PrintState.PRINTING:
            self.status.show_status(i18n.text("ticket.printing", lang), "warn")
        elif state == PrintState.FAILED:
            self.status.show_status("⚠  " + i18n.text("ticket.not_printed", lang), "bad")
        else:
            self.status.show_status(i18n.text("ticket.no_printer", lang), "warn")

    def show_countdown(self) -> None:
        self.back_in.setText(i18n.text("ticket.back_in", self.flow.lang, n=max(0, self.flow.countdown)))


class CheckInScreen(EntryPage):
    step_screen = Screen.CHECKIN

    def __init__(self, flow: KioskFlow):
        super().__init__(flow, field_height=132)
        self.keyboard = Keyboard()
        self.keyboard.key.connect(flow.press_key)
        self.keyboard.deleted.connect(flow.delete_key)
        self.go = button("primary", flow.submit_check_in)
        flow.checkInTextChanged.connect(lambda _t: self.show_text())

    def build(self, landscape: bool) -> QLayout:
        self.keyboard.set_key_height(116)
        if landscape:
            left = vbox(self.title, self.subtitle, 28, self.field, self.message, "stretch", self.go, spacing=18)
            return vbox(self.top(), hbox((QWidget_from(left), 1), 48, (self.keyboard, 1, Qt.AlignmentFlag.AlignTop)),
                        spacing=12, margins=(56, 20, 56, 44))
        return vbox(self.top(), 8, self.title, self.subtitle, 28, self.field, self.message, 28, self.keyboard,
                    "stretch", self.go, spacing=16, margins=(64, 20, 64, 48))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text("checkin.title", lang))
        self.subtitle.setText(i18n.text("checkin.subtitle", lang))
        self.keyboard.retranslate(lang)
        set_text(self.go, i18n.text("checkin.submit", lang))
        self.show_text()
        self.show_message()

    def show_text(self) -> None:
        text, lang = self.flow.check_in_text, self.flow.lang
        if text:
            self.value.setText(text)
            self.value.setStyleSheet(f"font-size: 68px; font-weight: 800; color: {INK}; letter-spacing: 6px;")
        else:
            self.value.setText(i18n.text("checkin.field", lang))
            self.value.setStyleSheet("font-size: 40px; color: #5E6A82;")
        self.value.setAccessibleName(f"{i18n.text('checkin.field', lang)}: {text}")
        self.go.setEnabled(bool(text))


class ErrorScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.message = label(css=f"font-size: 50px; font-weight: 800; color: {INK};")
        self.cancel = button("secondary", flow.cancel)
        self.retry = button("primary", flow.retry)
        flow.messageChanged.connect(lambda _m: self.refresh())

    def build(self, landscape: bool) -> QLayout:
        return vbox("stretch", self.message, 56, hbox((self.cancel, 1), (self.retry, 1), spacing=28),
                    "stretch", "stretch", margins=(80, 60, 80, 60))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.message.setText(self.flow.message or i18n.text("error.generic", lang))
        self.message.setAccessibleName(self.message.text())
        set_text(self.cancel, i18n.text("common.cancel", lang), i18n.text("common.cancel.name", lang))
        set_text(self.retry, i18n.text("error.retry", lang))


class OfflineScreen(Page):
    """Out of service, in both languages (who is at the door is not known yet)."""

    def __init__(self, flow: KioskFlow):
        super().__init__(flow, header=False)
        self.setObjectName("offline")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.branch = label(css="font-size: 40px; font-weight: 700; color: #C9D6EE;")
        self.icon = OutOfServiceIcon()
        self.title = label(css="font-size: 96px; font-weight: 900; color: white;")
        self.subtitle = label(css="font-size: 44px; font-weight: 600; color: white;")
        self.other_title = label(css="font-size: 54px; font-weight: 800; color: #C9D6EE;")
        self.other_subtitle = label(css="font-size: 34px; color: #C9D6EE;")
        self.spinner = Spinner(color="#C9D6EE", size=60)
        self.retrying = label(wrap=False, css="font-size: 30px; color: #C9D6EE;")
        self.detail = label(css="font-size: 24px; color: #9FB0CF;")

    def build(self, landscape: bool) -> QLayout:
        return vbox(self.branch, "stretch", (self.icon, 0, Qt.AlignmentFlag.AlignHCenter), 36, self.title,
                    self.subtitle, 48, self.other_title, self.other_subtitle, "stretch",
                    hbox("stretch", self.spinner, 20, self.retrying, "stretch"), 8, self.detail,
                    spacing=14, margins=(80, 56, 80, 48))

    def refresh(self) -> None:
        lang = self.flow.lang
        other = "en" if lang == "es" else "es"
        self.branch.setText((self.flow.branch or {}).get("name") or "")
        self.title.setText(i18n.text("offline.title", lang))
        self.subtitle.setText(i18n.text("offline.subtitle", lang))
        self.other_title.setText(i18n.text("offline.title", other))
        self.other_subtitle.setText(i18n.text("offline.subtitle", other))
        self.retrying.setText(i18n.text("offline.retrying", lang))
        self.detail.setText(self.flow.detail)
        self.detail.setVisible(bool(self.flow.detail))
        self.setAccessibleName(f"{self.title.text()}. {self.subtitle.text()}")


# ---------------------------------------------------------------- staff exit

class CornerHotspot(QWidget):
    """Invisible top-left corner: hold it for a few seconds to ask for the staff PIN."""

    held = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFixedSize(110, 110)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HOLD_TO_EXIT_MS)
        self._timer.timeout.connect(self.held)

    def mousePressEvent(self, event) -> None:
        self._timer.start()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        self._timer.stop()
        event.accept()


class PinOverlay(QWidget):
    """The staff PIN pad over a dimmed kiosk."""

    accepted = Signal()

    def __init__(self, pin: str, lang_of, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pin")
        self.pin = pin
        self.lang_of = lang_of
        self.entered = ""
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#pin {{ background: {NAVY_DARK}; }}")
        self.title = label(css="font-size: 56px; font-weight: 800;")
        self.subtitle = label(css="font-size: 30px; color: #C9D6EE;")
        self.value = label(wrap=False, css="font-size: 72px; font-weight: 900; letter-spacing: 16px;")
        self.message = label(css=f"font-size: 30px; font-weight: 800; color: {FOCUS};")
        self.keypad = Keypad(key_height=112)
        self.keypad.setFixedWidth(600)
        self.keypad.digit.connect(self._digit)
        self.keypad.deleted.connect(lambda: self._set(self.entered[:-1]))
        self.keypad.cleared.connect(lambda: self._set(""))
        self.cancel = button("secondary", self.close_pad)
        self.ok = button("primary", self._check)
        self.ok.setStyleSheet(f"background: {FOCUS}; color: {INK}; border-color: {FOCUS};")
        self.setLayout(vbox("stretch", self.title, self.subtitle, 12, self.value, self.message, 12,
                            (self.keypad, 0, Qt.AlignmentFlag.AlignHCenter), 24,
                            hbox("stretch", self.cancel, 24, self.ok, "stretch"), "stretch",
                            spacing=8, margins=(60, 40, 60, 40)))
        self._close_timer = QTimer(self)
        self._close_timer.setSingleShot(True)
        self._close_timer.setInterval(30_000)
        self._close_timer.timeout.connect(self.close_pad)
        self.hide()

    def open_pad(self) -> None:
        lang = self.lang_of()
        self.title.setText(i18n.text("admin.title", lang))
        self.subtitle.setText(i18n.text("admin.subtitle", lang))
        self.keypad.retranslate(lang)
        set_text(self.cancel, i18n.text("common.cancel", lang))
        set_text(self.ok, i18n.text("admin.exit", lang))
        self.message.setText("")
        self._set("")
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self._close_timer.start()

    def close_pad(self) -> None:
        self._set("")
        self._close_timer.stop()
        self.hide()

    def _digit(self, d: str) -> None:
        if len(self.entered) < 12:
            self._set(self.entered + d)
        self._close_timer.start()

    def _set(self, value: str) -> None:
        self.entered = value
        self.value.setText("●" * len(value) if value else "–")
        self.value.setAccessibleName(i18n.text("admin.field", self.lang_of()))

    def _check(self) -> None:
        if self.pin and self.entered == self.pin:
            log.warning("kiosk closed by staff PIN")
            self.close_pad()
            self.accepted.emit()
        else:
            self.message.setText(i18n.text("admin.wrong", self.lang_of()))
            self._set("")


# ---------------------------------------------------------------- the window

class KioskWindow(QWidget):
    """Every screen in a stack, shown as KioskFlow says. Closing needs the staff PIN."""

    exit_requested = Signal()

    def __init__(self, flow: KioskFlow, admin_pin: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFont(kiosk_font())
        self.setStyleSheet(STYLE)
        self.setWindowTitle("Turnero")
        self.stack = QStackedLayout(self)
        # Each page fits both shapes once laid out for it; the minimum of the other
        # shape must not stop the window from turning.
        self.stack.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.screens: dict[Screen, Page] = {
            Screen.STARTING: WaitScreen(flow, "starting.title", None, header=False),
            Screen.WELCOME: WelcomeScreen(flow),
            Screen.PHONE: PhoneScreen(flow),
            Screen.PRIORITY: PriorityScreen(flow),
            Screen.TAKING: WaitScreen(flow, "taking.title", "taking.subtitle"),
            Screen.TICKET: TicketScreen(flow),
            Screen.CHECKIN: CheckInScreen(flow),
            Screen.ERROR: ErrorScreen(flow),
            Screen.OFFLINE: OfflineScreen(flow),
        }
        for screen in self.screens.values():
            screen.set_landscape(False)
            self.stack.addWidget(screen)
        self._allow_close = False
        self.pin = PinOverlay(admin_pin or "", lambda: flow.lang, self)
        self.pin.accepted.connect(self._staff_exit)
        self.corner = CornerHotspot(self)
        self.corner.held.connect(self._ask_pin if admin_pin else lambda: log.warning(
            "staff exit gesture used, but no admin_pin is configured"))
        flow.screenChanged.connect(lambda _s: self.show_screen())
        flow.langChanged.connect(lambda _l: self.refresh())
        flow.servicesChanged.connect(lambda _s: self._services_changed())
        flow.branchChanged.connect(lambda _b: self.refresh())
        flow.checkInAvailableChanged.connect(lambda _a: self.refresh())
        flow.detailChanged.connect(lambda _d: self.screens[Screen.OFFLINE].refresh())
        QApplication.instance().installEventFilter(self)
        self.show_screen()

    @property
    def current(self) -> Page:
        return self.screens[self.flow.screen]

    def show_screen(self) -> None:
        page = self.current
        page.set_landscape(self.width() > self.height())
        page.refresh()
        self.stack.setCurrentWidget(page)
        page.setFocus(Qt.FocusReason.OtherFocusReason)  # no button looks selected on arrival
        self.refresh_corner()

    def refresh(self) -> None:
        self.current.refresh()
        self.refresh_corner()

    def refresh_corner(self) -> None:
        self.corner.setAccessibleName(i18n.text("admin.corner.name", self.flow.lang))
        self.corner.raise_()
        if self.pin.isVisible():
            self.pin.raise_()

    def _services_changed(self) -> None:
        if self.flow.screen == Screen.WELCOME:
            self.screens[Screen.WELCOME].show_services()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        landscape = self.width() > self.height()
        for page in self.screens.values():
            page.set_landscape(landscape)
        self.current.refresh()
        self.corner.move(0, 0)
        if self.pin.isVisible():
            self.pin.setGeometry(self.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress):
            self.flow.touch()
        return False

    def keyPressEvent(self, event) -> None:
        # No key leaves or hides the kiosk (Escape does nothing; closing needs the PIN).
        event.accept()

    def _ask_pin(self) -> None:
        self.pin.open_pad()

    def _staff_exit(self) -> None:
        self._allow_close = True
        self.exit_requested.emit()
        self.close()

    def closeEvent(self, event) -> None:
        if self._allow_close:
            QApplication.instance().removeEventFilter(self)
            event.accept()
        else:
            event.ignore()

    def allow_close(self) -> None:
        """For shutdown paths that close the window on purpose (signals, tests)."""
        self._allow_close = True
