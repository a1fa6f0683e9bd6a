"""The priority step (when the branch offers it): one big card per priority class the
kiosk offers (or a plain "yes" when the branch has none), and "no"."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QLayout, QWidget

from turnero_qt.widgets import readable_on

from .. import i18n
from ..flow import KioskFlow
from ..style import CHOICE_HINT, CHOICE_SYMBOL, CHOICE_TITLE, FOCUS, INK, MUTED, NAVY
from .page import StepPage
from .parts import vbox
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
        self.classes: list[ChoiceButton] = []
        self._class_ids: list[int] = []

    def _class_buttons(self) -> list[ChoiceButton]:
        """One card per class the kiosk offers, made again when the classes change."""
        offered = self.flow.priority_classes
        ids = [c["id"] for c in offered]
        if ids != self._class_ids:
            for b in self.classes:
                b.deleteLater()
            self.classes = []
            for c in offered:
                b = ChoiceButton("★", FOCUS)
                b.clicked.connect(lambda _=False, cid=c["id"]: self.flow.choose_priority(True, cid))
                self.classes.append(b)
            self._class_ids = ids
            if self.landscape is not None:  # lay the page out again with the new cards
                landscape, self.landscape = self.landscape, None
                self.set_landscape(landscape)
        return self.classes

    def build(self, landscape: bool) -> QLayout:
        # "Yes" stays laid out (hidden when classes stand for it): a widget left out of
        # the new layout would go with the old one.
        cards = [*self.classes, self.no, self.yes] if self.classes else [self.yes, self.no]
        self.yes.setVisible(not self.classes)
        columns = 2 if landscape else 1
        choices = QGridLayout()
        choices.setSpacing(28 if len(cards) > 2 else 36)
        for i, card in enumerate(cards):
            choices.addWidget(card, i // columns, i % columns)
        return vbox(self.top(), 8, self.title, self.subtitle, "stretch", choices, "stretch", "stretch",
                    spacing=16, margins=(64, 20, 64, 48))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text("priority.title", lang))
        self.subtitle.setText(i18n.text("priority.subtitle", lang))
        self.yes.set_texts(i18n.text("priority.yes", lang), i18n.text("priority.yes.hint", lang))
        self.no.set_texts(i18n.text("priority.no", lang), i18n.text("priority.no.hint", lang))
        for card, c in zip(self._class_buttons(), self.flow.priority_classes):
            card.set_texts(i18n.service_name(c, lang), i18n.text("priority.class.hint", lang))
