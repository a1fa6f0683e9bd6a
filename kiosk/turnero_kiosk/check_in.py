"""Checking in for an appointment at the kiosk: offered only when the server has
check-in; by its code or the phone it was booked with (typed), or by its page's QR
code (scanned). At a branch with remote check-in, a turn taken from a phone checks
in the same way. The check-in is asked for as a ticket is (taking.py)."""
from __future__ import annotations

import re

from PySide6.QtCore import Slot

from .phone_numbers import MIN_PHONE_DIGITS, normalize_phone
from .request import CHECK_IN
from .states import Screen

CHECK_IN_PATH = "/api/v1/branches/{branch}/check-in"
MAX_CHECKIN_CHARS = 16
# What an appointment page's QR code holds: its link, ending in /a/TOKEN.
APPOINTMENT_LINK = re.compile(r"/a/([A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])")


class CheckInSteps:
    """KioskFlow's (flow.py) slots for checking in. Mixed into KioskFlow, whose state
    and plumbing it uses."""

    @property
    def remote_check_in(self) -> bool:
        """Turns taken from a phone check in here too (by the phone they were taken with)."""
        return bool((self.branch or {}).get("remote_check_in"))

    def _ask_check_in(self) -> None:
        """Show "I have an appointment" only when the server offers check-in."""
        reply = self.rest.get("/openapi.json")
        reply.succeeded.connect(self._on_openapi)

    def _on_openapi(self, spec) -> None:
        paths = spec.get("paths") if isinstance(spec, dict) else None
        available = isinstance(paths, dict) and CHECK_IN_PATH in paths
        if available != self.check_in_available:
            self.check_in_available = available
            self.checkInAvailableChanged.emit(available)

    @Slot()
    def start_check_in(self) -> None:
        if self.screen not in (Screen.WELCOME, Screen.CLOSED) or not self.check_in_available or not self.online:
            return
        self.check_in_text = ""
        self.checkInTextChanged.emit("")
        self._set_message("")
        self._set_screen(Screen.CHECKIN)

    @Slot(str)
    def press_key(self, key: str) -> None:
        if len(key) == 1 and key.isalnum():
            self._type(Screen.CHECKIN, self.check_in_text + key.upper())

    @Slot()
    def delete_key(self) -> None:
        self._type(Screen.CHECKIN, self.check_in_text[:-1])

    @Slot()
    def submit_check_in(self) -> None:
        if self.screen != Screen.CHECKIN or not self.check_in_text:
            return
        text = self.check_in_text
        body: dict = {}
        if text.isdigit() and len(text) >= MIN_PHONE_DIGITS:  # appointment codes are short
            phone = normalize_phone(text, self.country)
            if phone is None:
                self._set_message(self.tr("phone.invalid"))
                return
            body["phone"] = phone
        else:
            body["code"] = text
        self._begin_attempt(CHECK_IN, body)

    @Slot(str)
    def scan(self, text: str) -> None:
        """What the QR scanner read (it types like a keyboard, then Enter): an
        appointment page's link checks in at once, from the welcome screen too; a bare
        code is as if typed. Anything else: say so on the check-in screen."""
        if self.screen not in (Screen.WELCOME, Screen.CLOSED, Screen.CHECKIN) or not self.online \
                or not self.check_in_available:
            return
        text = text.strip()
        link = APPOINTMENT_LINK.search(text)
        if link is not None:
            self._begin_attempt(CHECK_IN, {"token": link.group(1)})
            return
        if self.screen != Screen.CHECKIN:
            self.start_check_in()
        if text.isalnum() and len(text) <= MAX_CHECKIN_CHARS:
            self.check_in_text = text.upper()
            self.checkInTextChanged.emit(self.check_in_text)
            self.submit_check_in()
        else:
            self._set_message(self.tr("checkin.unreadable"))
