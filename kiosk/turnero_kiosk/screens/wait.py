""""One moment…" with a spinner: while the ticket is being taken, and while starting."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout

from .. import i18n
from ..flow import KioskFlow
from .page import Page
from .parts import label, vbox
from .widgets import Spinner


class WaitScreen(Page):
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
