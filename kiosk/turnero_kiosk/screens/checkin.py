"""Checking in for an appointment: its code (or the phone it was booked with) on a
keyboard; at a branch with remote check-in, also a turn taken from a phone ("I'm
here", by the phone it was taken with)."""
from __future__ import annotations

from PySide6.QtWidgets import QLayout

from ..flow import KioskFlow
from ..states import Screen
from .page import EntryPage
from .widgets import Keyboard


class CheckInScreen(EntryPage):
    step_screen = Screen.CHECKIN
    go_words = "checkin.submit"
    field_words = placeholder_words = "checkin.field"
    typed_look, placeholder_look = "checkin.typed", "checkin.placeholder"

    def __init__(self, flow: KioskFlow):
        super().__init__(flow, field_height=132, pad=Keyboard(), submit=flow.submit_check_in,
                         changed=flow.checkInTextChanged, keys={"key": flow.press_key, "deleted": flow.delete_key})
        self.keyboard = self.pad

    @property
    def words(self) -> str:  # title and subtitle
        if self.flow.settings.scanner:
            return "checkin_scan"
        return "checkin_remote" if self.flow.remote_check_in else "checkin"

    def typed(self) -> str:
        return self.flow.check_in_text

    def build(self, landscape: bool) -> QLayout:
        self.keyboard.set_key_height(116)
        return self.entry_layout(landscape, self.go, split=(1, 1), gap=48)
