"""The optional phone step: a keypad, "Continue" and "No thanks"; where the server
sends by WhatsApp, "By SMS" and "By WhatsApp" instead of "Continue". Where the branch
offers priority, its toggles are here too, so that a customer who wants neither a
text nor priority taps the service and "No thanks", and is done."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout, QPushButton, QWidget

from .. import i18n
from ..flow import KioskFlow
from ..states import Screen
from .page import EntryPage
from .parts import button, hbox, label, set_text, vbox
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
        self.priority_title = label(look="phone.priority", align=Qt.AlignmentFlag.AlignLeft)
        self.priority_row = QWidget()
        self.priority_row.setLayout(hbox(spacing=16))
        self.toggles: list[tuple[QPushButton, int | None]] = []
        flow.priorityChanged.connect(self.show_priority)

    def typed(self) -> str:
        return self.flow.phone_display

    def build(self, landscape: bool) -> QLayout:
        self.keypad.set_key_height(160 if landscape else 170)
        actions = hbox((self.skip, 1), (self.go, 1), (self.whatsapp, 1), spacing=28 if landscape else 20)
        below = vbox(self.priority_title, hbox(self.priority_row, "stretch"), 8, actions, spacing=10)
        return self.entry_layout(landscape, below, split=(11, 9), gap=56)

    def _toggles(self) -> list[tuple[QPushButton, int | None]]:
        """One toggle per priority class the kiosk offers (or one plain toggle), made
        again when the classes change."""
        offered = [c["id"] for c in self.flow.priority_classes] if self.flow.offers_priority else []
        wanted: list[int | None] = (offered or [None]) if self.flow.offers_priority else []
        if [cid for _b, cid in self.toggles] != wanted:
            layout = self.priority_row.layout()
            for b, _cid in self.toggles:
                layout.removeWidget(b)
                b.deleteLater()
            self.toggles = []
            for cid in wanted:
                toggle = button("toggle")
                toggle.setCheckable(True)
                toggle.clicked.connect(lambda on, cid=cid: self.flow.set_priority(on, cid if on else None))
                layout.addWidget(toggle)
                self.toggles.append((toggle, cid))
        return self.toggles

    def show_priority(self) -> None:
        lang, names = self.flow.lang, {c["id"]: c for c in self.flow.priority_classes}
        for toggle, cid in self._toggles():
            name = i18n.service_name(names[cid], lang) if cid is not None else i18n.text("priority.toggle", lang)
            spoken = name if cid is not None else i18n.text("priority.toggle.name", lang)
            on = self.flow.priority and self.flow.priority_class == cid
            set_text(toggle, ("✓  " if on else "♿  ") + name, spoken)
            toggle.setChecked(on)
        self.priority_title.setText(i18n.text("priority.title", lang))
        self.priority_title.setVisible(bool(self.toggles))
        self.priority_row.setVisible(bool(self.toggles))

    def refresh(self) -> None:
        lang = self.flow.lang
        set_text(self.skip, i18n.text("phone.skip", lang))
        super().refresh()
        both = self.flow.offers_whatsapp
        self.whatsapp.setVisible(both)
        if both:
            set_text(self.go, i18n.text("phone.by_sms", lang), i18n.text("phone.by_sms.name", lang))
            set_text(self.whatsapp, i18n.text("phone.by_whatsapp", lang), i18n.text("phone.by_whatsapp.name", lang))
        self.show_priority()
