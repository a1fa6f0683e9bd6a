"""The first screen: one big card per service (its letter on its colour, the wait,
the people in line), "how it works", and "I have an appointment"."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLayout, QSizePolicy, QWidget

from turnero_qt.widgets import readable_on

from .. import i18n
from ..flow import KioskFlow
from ..style import (INK, MUTED, NAVY, SERVICE_IN_LINE, SERVICE_LETTER, SERVICE_NAME, SERVICE_WAIT, STEP_NUMBER,
                     STEP_TEXT, WARNING, service_color)
from .page import Page
from .parts import button, hbox, label, set_text, vbox, widget_of
from .widgets import CardButton


# A service card's height: at least (eight lines fit a landscape screen; the type
# shrinks to fit), what leaves room for "how it works" below, at most.
CARD_HEIGHTS = (110, 220, 360)


class ServiceButton(CardButton):
    """One service: its letter on its colour, its name, the wait and the people in line."""

    def __init__(self, service: dict, lang: str, parent: QWidget | None = None):
        super().__init__(QSize(900, 260), max_height=CARD_HEIGHTS[-1], parent=parent)
        self.update_service(service, lang)

    def update_service(self, service: dict, lang: str) -> None:
        self.service, self.lang = service, lang
        self.name = i18n.service_name(service, lang)
        self.in_line = i18n.plural("service.in_line", int(service.get("waiting") or 0), lang)
        self.wait = i18n.text("wait.no_one_serving", lang) if service.get("serving") == 0 \
            else i18n.wait_line(service.get("eta"), lang, keep_together=True)
        # A line its manager paused: its message instead of the wait.
        self.paused = service.get("joining", "open") != "open"
        if self.paused:
            self.wait = service.get("message") or i18n.text("service.paused", lang)
        self.setText(self.name)
        self.setAccessibleName(i18n.text("service.button.name", lang, service=self.name, in_line=self.in_line,
                                         wait=self.wait or self.in_line))
        self.update()

    def band(self, card: QRectF) -> tuple[QRectF, QColor]:
        """The service's colour down the card's left side, its letter on it."""
        return QRectF(card.x(), card.y(), min(180.0, card.width() * 0.2), card.height()), service_color(self.service)

    def paint_face(self, p: QPainter, r: QRectF) -> None:
        strip, color = self.band(r)
        p.setPen(readable_on(color))
        p.setFont(SERVICE_LETTER.font())
        p.drawText(strip, int(Qt.AlignmentFlag.AlignCenter), str(self.service.get("prefix") or self.name[:1]))

        text = r.adjusted(strip.width() + 44, 20, -110, -20)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        for scale in (1.0, 0.92, 0.84, 0.76, 0.68, 0.6):  # the largest type that fits the card
            lines = [(self.name, SERVICE_NAME.font(scale), QColor(INK), 14 * scale)]
            if self.wait:
                lines.append((self.wait, SERVICE_WAIT.font(scale), QColor(WARNING if self.paused else INK),
                              6 * scale))
            lines.append((self.in_line, SERVICE_IN_LINE.font(scale), QColor(MUTED), 0))
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
        p.setFont(STEP_NUMBER.font())
        p.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), str(self.number))
        p.setPen(QColor(INK))
        p.setFont(STEP_TEXT.font())
        p.drawText(QRectF(8, 86, self.width() - 16, self.height() - 86),
                   int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                   self.text)
        p.end()


class WelcomeScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")
        self.empty = label(role="subtitle")
        self.appointment = button("secondary", flow.start_check_in)
        self.appointment.setMinimumHeight(120)
        self.how = label(look="welcome.how")
        self.steps = [StepBadge(n) for n in (1, 2, 3)]
        self.buttons: dict[str, ServiceButton] = {}
        self.grid: QGridLayout | None = None
        self._placed_columns = 0

    def build(self, landscape: bool) -> QLayout:
        self.grid = QGridLayout()
        self.grid.setSpacing(28)
        self._place()
        self.how_it_works = widget_of(vbox(self.how, 16, hbox(*self.steps, spacing=24)))
        # What space the cards leave is shared out above and below "how it works", so
        # that no large empty band opens in the middle when a branch has few lines.
        layout = vbox(self.title, self.subtitle, 36, self.grid, self.empty, "stretch", self.how_it_works,
                      "stretch", self.appointment, spacing=14, margins=(64, 48, 64, 44))
        layout.setStretchFactor(self.grid, 3)  # cards grow to their largest before the space below does
        return layout

    def set_landscape(self, landscape: bool) -> None:
        super().set_landscape(landscape)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Cards as tall as the room allows (CARD_HEIGHTS), all alike; "how it works"
        only where cards still get a comfortable height with it."""
        if self.content is None or self.grid is None or not self.buttons:
            return
        layout = self.content.layout()
        short = self.content.height() < 800  # a laptop-sized screen: less margin
        layout.setContentsMargins(64, 20 if short else 48, 64, 20 if short else 44)
        self.appointment.setMinimumHeight(96 if short else 120)
        columns = self._columns()
        rows = -(-len(self.buttons) // columns)
        low, comfortable, high = CARD_HEIGHTS

        def card_height() -> int:
            layout.invalidate()
            others = layout.sizeHint().height() - self.grid.sizeHint().height()
            room = self.content.height() - others - self.grid.spacing() * (rows - 1)
            return max(low, min(high, room // rows))

        self.how_it_works.setVisible(True)
        if card_height() < comfortable:
            self.how_it_works.setVisible(False)
        height = card_height()
        if columns != self._placed_columns:
            self._place()
        for b in self.buttons.values():
            b.setFixedHeight(height)

    def _columns(self) -> int:
        if not self.landscape or len(self.buttons) < 2:
            return 1
        return 3 if len(self.buttons) > 6 and self.width() >= 1700 else 2

    def _place(self) -> None:
        if self.grid is None:
            return
        columns = self._placed_columns = self._columns()
        for b in self.buttons.values():
            self.grid.removeWidget(b)
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
        label = "welcome.appointment_or_turn" if self.flow.remote_check_in else "welcome.appointment"
        set_text(self.appointment, f"{i18n.text(label, lang)}  ·  {i18n.text('welcome.appointment.hint', lang)}")
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
            self._fit()
        for s in services:
            self.buttons[s["id"]].update_service(s, lang)
        self.empty.setVisible(not services)
