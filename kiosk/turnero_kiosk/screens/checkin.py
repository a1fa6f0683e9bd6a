"""Checking in for an appointment: its code (or the phone it was booked with) on a
keyboard."""
from __future__ import annotations

from PySide6.QtWidgets import QLayout

from ..flow import KioskFlow
from ..states import Screen
from .page import EntryPage
from .widgets import Keyboard


class CheckInScreen(EntryPage):
    step_screen = Screen.CHECKIN
    words, go_words = "checkin", "checkin.submit"
    field_words = placeholder_words = "checkin.field"
    typed_look, placeholder_look = "checkin.typed", "checkin.placeholder"

    def __init__(self, flow: KioskFlow):
        super().__init__(flow, field_height=132, pad=Keyboard(), submit=flow.submit_check_in,
                         changed=flow.checkInTextChanged, keys={"key": flow.press_key, "deleted": flow.delete_key})
        self.keyboard = self.pad

    def typed(self) -> str:
        return self.flow.check_in_text

    def build(self, landscape: bool) -> QLayout:
        self.keyboard.set_key_height(116)
        return self.entry_layout(landscape, self.go, split=(1, 1), gap=48)
