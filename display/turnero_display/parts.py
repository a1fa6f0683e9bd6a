"""The pieces of the lobby screen's panels: a panel, one of the last calls, a
wrapping label."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from turnero_qt.widgets import FitLabel, readable_on

from . import model as m
from .style import ACCENT, BOLD, DEMI, NORMAL, ROW, TEXT


def text_label(name: str, weight: QFont.Weight = NORMAL, parent: QWidget | None = None) -> QLabel:
    """A wrapping label (several lines allowed)."""
    widget = QLabel(parent)
    widget.setObjectName(name)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(True)
    widget.setProperty("weight", weight)
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return widget


class Panel(QFrame):
    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.box = QVBoxLayout(self)

    def scale(self, u: float) -> None:
        self.box.setContentsMargins(int(u * 2.4), int(u * 1.8), int(u * 2.4), int(u * 1.8))
        self.box.setSpacing(int(u * 1.0))


class CallRow(QFrame):
    """One of the last calls: colour stripe, code, counter."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("callRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        self.stripe = QFrame(self)
        self.stripe.setObjectName("stripe")
        self.stripe.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.code = FitLabel(weight=BOLD, name="recentCode", parent=self)
        self.counter = FitLabel(weight=DEMI, name="recentCounter", parent=self)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.stripe)
        row.addWidget(self.code, 4)
        row.addWidget(self.counter, 7)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def show_call(self, call: m.Call | None) -> None:
        self.setVisible(call is not None)
        if call is None:
            return
        self.code.setText(call.code)
        self.counter.setText(call.counter_name)
        self.stripe.setStyleSheet(f"#stripe {{ background: {call.color}; border-radius: 3px; }}")
        self.setAccessibleName(f"{call.code} {call.counter_name}")

    def scale(self, u: float, height: float) -> None:
        self.layout().setContentsMargins(int(u * 1.0), 0, int(u * 1.6), 0)
        self.layout().setSpacing(int(u * 1.6))
        self.stripe.setFixedWidth(max(4, int(u * 0.8)))
        self.stripe.setFixedHeight(int(height * 0.62))
        self.setFixedHeight(int(height))
        self.code.set_cap(height * 0.62)
        self.counter.set_cap(height * 0.46)
        self.setStyleSheet(f"#callRow {{ background: {ROW}; border-radius: {int(u)}px; }}"
                           f" #recentCode {{ color: {TEXT}; }} #recentCounter {{ color: {ACCENT}; }}")


class NowRow(QFrame):
    """One of several calls made within seconds, shown large in the call panel: the
    code and "Go to" the counter on the line's colour (and "Called again" under it)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("nowRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        self.code = FitLabel(weight=BOLD, fill=True, name="nowCode", parent=self)
        self.counter = FitLabel(weight=BOLD, fill=True, name="nowCounter", parent=self)
        self.recall = FitLabel(weight=DEMI, name="nowRecall", parent=self)
        for label in (self.counter, self.recall):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        where = QVBoxLayout()
        where.addWidget(self.counter, 1)
        where.addWidget(self.recall)
        row.addWidget(self.code, 9)
        row.addLayout(where, 11)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._u = 10.0

    def show_call(self, call: m.Call | None, go_to: str, recall: str) -> None:
        self.setVisible(call is not None)
        if call is None:
            return
        self.code.setText(call.code)
        self.counter.setText(f"{go_to} {call.counter_name}")
        self.recall.setText(recall if call.recall else "")
        self.recall.setVisible(call.recall)
        ink = readable_on(call.color).name()
        self.setStyleSheet(f"#nowRow {{ background: {call.color}; border-radius: {int(self._u * 1.6)}px; }}"
                           f" #nowCode, #nowCounter, #nowRecall {{ color: {ink}; }}")
        self.setAccessibleName(f"{call.code} {go_to} {call.counter_name}")

    def scale(self, u: float) -> None:
        self._u = u
        self.layout().setContentsMargins(int(u * 2.4), int(u * 0.6), int(u * 2.4), int(u * 0.6))
        self.layout().setSpacing(int(u * 2))
        self.code.set_cap(u * 16)
        self.counter.set_cap(u * 6)
        self.recall.set_cap(u * 3)
