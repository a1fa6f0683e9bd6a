"""The optional phone step: a keypad, "Continue" and "No thanks"; where the server
sends by WhatsApp, "By SMS" and "By WhatsApp" instead of "Continue"."""
from __future__ import annotations

from PySide6.QtWidgets import QLayout

from .. import i18n
from ..flow import KioskFlow
from ..states import Screen
from .page import EntryPage
from .parts import button, hbox, set_text
from .widgets import Keypad


class PhoneScreen(EntryPage):
    step_screen = Screen.PHONE
    words, go_words = "phone", "phone.continue"
    field_words, placeholder_words = "phone.field", "phone.placeholder"

    def __init__(self, flow: KioskFlow):
        super().__init__(flow, field_height=148, pad=Keypad(), submit=flow.submit_phone, changed=flow.phoneChanged,
                         keys={"digit": flow.press_digit, "deleted": flow.delete_digit, "cleared": flow.clear_phone})
        self.keypad = self.pad
        self.skip = button("secondary", flow.skip_phone)
        self.whatsapp = button("primary", flow.submit_phone_whatsapp)

    def typed(self) -> str:
        return self.flow.phone_display

    def build(self, landscape: bool) -> QLayout:
        self.keypad.set_key_height(160 if landscape else 170)
        actions = hbox((self.skip, 1), (self.go, 1), (self.whatsapp, 1), spacing=28 if landscape else 20)
        return self.entry_layout(landscape, actions, split=(11, 9), gap=56)

    def refresh(self) -> None:
        lang = self.flow.lang
        set_text(self.skip, i18n.text("phone.skip", lang))
        super().refresh()
        both = self.flow.offers_whatsapp
        self.whatsapp.setVisible(both)
        if both:
            set_text(self.go, i18n.text("phone.by_sms", lang), i18n.text("phone.by_sms.name", lang))
            set_text(self.whatsapp, i18n.text("phone.by_whatsapp", lang), i18n.text("phone.by_whatsapp.name", lang))
