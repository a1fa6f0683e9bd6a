"""Something went wrong taking the ticket: what, "Cancel" and "Try again" (the same
request, with the same Idempotency-Key)."""
from __future__ import annotations

from PySide6.QtWidgets import QLayout

from .. import i18n
from ..flow import KioskFlow
from .page import Page
from .parts import button, hbox, label, set_text, vbox


class ErrorScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.message = label(look="error.message")
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
