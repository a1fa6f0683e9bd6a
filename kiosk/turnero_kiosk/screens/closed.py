"""The branch takes no walk-ins now (outside its opening hours): when it opens next,
in the customer's language and the other; a customer with an appointment can still
check in."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout

from .. import i18n
from ..flow import KioskFlow
from .page import Page
from .parts import button, label, set_text, vbox


def _opening(flow: KioskFlow, lang: str) -> str:
    """"Puede tomar un turno mañana a las 09:00." in the branch's time zone."""
    if not flow.closed_until:
        return i18n.text("closed.no_hours", lang)
    try:
        zone = ZoneInfo((flow.branch or {}).get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        moment = datetime.fromisoformat(flow.closed_until.replace("Z", "+00:00")).astimezone(zone)
    except ValueError:
        return i18n.text("closed.no_hours", lang)
    return i18n.text("closed.opens", lang, when=i18n.opening(moment, datetime.now(zone), lang))


class ClosedScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.setObjectName("closed")
        self.title = label(role="title")
        self.opens = label(look="closed.opens")
        self.other = label(look="closed.other")
        self.appointment = button("secondary", flow.start_check_in)
        self.appointment.setMinimumHeight(120)

    def build(self, landscape: bool) -> QLayout:
        return vbox("stretch", self.title, 24, self.opens, 36, self.other, "stretch",
                    (self.appointment, 0, Qt.AlignmentFlag.AlignHCenter), spacing=14, margins=(80, 56, 80, 48))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        other = "en" if lang == "es" else "es"
        self.title.setText(i18n.text("closed.title", lang))
        self.opens.setText(_opening(self.flow, lang))
        self.other.setText(f"{i18n.text('closed.title', other)}. {_opening(self.flow, other)}")
        label = "welcome.appointment_or_turn" if self.flow.remote_check_in else "welcome.appointment"
        set_text(self.appointment, f"{i18n.text(label, lang)}  ·  {i18n.text('welcome.appointment.hint', lang)}")
        self.appointment.setVisible(self.flow.check_in_available)
        self.setAccessibleName(f"{self.title.text()}. {self.opens.text()}")
