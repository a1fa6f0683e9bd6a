"""The priority step (when the branch offers it): two big yes/no cards."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLayout, QWidget

from turnero_qt.widgets import readable_on

from .. import i18n
from ..flow import KioskFlow
from ..style import CHOICE_HINT, CHOICE_SYMBOL, CHOICE_TITLE, FOCUS, INK, MUTED, NAVY
from .page import StepPage
from .parts import hbox, vbox
from .widgets import CardButton


class ChoiceButton(CardButton):
    """A big yes/no card: a symbol on a coloured disc, a title and a line of help."""

    def __init__(self, symbol: str, color: str, parent: QWidget | None = None):
        super().__init__(QSize(900, 280), max_height=340, parent=parent)
        self.symbol, self.color, self.hint = symbol, QColor(color), ""

    def set_texts(self, title: str, hint: str) -> None:
        self.setText(title)
        self.hint = hint
        self.setAccessibleName(title)
        self.setAccessibleDescription(hint)
        self.update()

    def paint_face(self, p: QPainter, r: QRectF) -> None:
        disc = QRectF(r.x() + 48, r.center().y() - 70, 140, 140)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.color)
        p.drawEllipse(disc)
        p.setPen(readable_on(self.color))
        p.setFont(CHOICE_SYMBOL.font())
        p.drawText(disc, int(Qt.AlignmentFlag.AlignCenter), self.symbol)
        text = r.adjusted(disc.width() + 96, 24, -40, -24)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        p.setFont(CHOICE_TITLE.font())
        title = p.boundingRect(QRectF(0, 0, text.width(), 1000), flags, self.text()).height()
        p.setFont(CHOICE_HINT.font())
        hint = p.boundingRect(QRectF(0, 0, text.width(), 1000), flags, self.hint).height()
        y = text.y() + max(0.0, (text.height() - title - hint - 10) / 2)
        p.setPen(QColor(INK))
        p.setFont(CHOICE_TITLE.font())
        p.drawText(QRectF(text.x(), y, text.width(), title), flags, self.text())
        p.setPen(QColor(MUTED))
        p.setFont(CHOICE_HINT.font())
        p.drawText(QRectF(text.x(), y + title + 10, text.width(), hint), flags, self.hint)


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
