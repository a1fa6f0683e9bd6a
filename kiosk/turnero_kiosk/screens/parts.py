"""The small pieces every screen is built from: labels and buttons with a look and
an accessible name, and boxes that lay them out."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QVBoxLayout, QWidget

from .. import style


def label(text: str = "", role: str | None = None, wrap: bool = True, look: str | None = None,
          align=Qt.AlignmentFlag.AlignCenter) -> QLabel:
    """A label styled by the window's `role` rule or by its own `look` (style.LOOKS)."""
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if look:
        widget.setStyleSheet(style.LOOKS[look])
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


def widget_of(layout: QLayout) -> QWidget:
    """A plain widget holding `layout` (to give a group of items one stretch factor)."""
    widget = QWidget()
    widget.setLayout(layout)
    return widget
