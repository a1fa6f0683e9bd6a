"""A walk-in's steps at the kiosk: the line, then the phone for SMS or WhatsApp
alerts (with priority on the same screen, where offered) or priority on its own
step, then the ticket asked for (taking.py)."""
from __future__ import annotations

from PySide6.QtCore import Slot

from .phone_numbers import format_as_typed, normalize_phone
from .request import TICKET
from .states import Screen


class WalkInSteps:
    """KioskFlow's (flow.py) slots for a walk-in, from the welcome screen to the ticket
    asked for. Mixed into KioskFlow, whose state and plumbing it uses."""

    @property
    def offers_priority(self) -> bool:
        return bool((self.branch or {}).get("offers_priority"))

    @property
    def offers_whatsapp(self) -> bool:
        """The server sends by WhatsApp: the phone step asks SMS or WhatsApp."""
        return bool((self.branch or {}).get("whatsapp"))

    @property
    def phone_display(self) -> str:
        return format_as_typed(self.phone_digits, self.country)

    @property
    def priority_classes(self) -> list[dict]:
        """The priority classes this kiosk offers (the branch's, marked for the kiosk)."""
        return [c for c in (self.branch or {}).get("priority_classes") or [] if c.get("at_kiosk") and c.get("id")]

    @Slot(str)
    def choose_service(self, service_id: str) -> None:
        if self.screen != Screen.WELCOME or not self.online:
            return
        if service_id not in {s.get("id") for s in self.services}:
            return
        chosen = self.service_info(service_id)
        if chosen.get("joining", "open") != "open":
            # Its manager stopped new turns to this line: say so, stay here.
            self._set_message(chosen.get("message") or self.tr("service.paused"))
            return
        self.service = service_id
        self.phone_digits, self.phone, self.priority, self.notify_by = "", None, False, None
        self.priority_class = None
        self.phoneChanged.emit("")
        self.priorityChanged.emit()
        self._set_message("")
        if self.settings.ask_phone:
            self._set_screen(Screen.PHONE)
        else:
            self._after_phone()

    @Slot(str)
    def press_digit(self, digit: str) -> None:
        if digit.isdigit():
            self._type(Screen.PHONE, self.phone_digits + digit)

    @Slot()
    def delete_digit(self) -> None:
        self._type(Screen.PHONE, self.phone_digits[:-1])

    @Slot()
    def clear_phone(self) -> None:
        self._type(Screen.PHONE, "")

    @Slot()
    def submit_phone_whatsapp(self) -> None:
        """The number, with its alerts by WhatsApp."""
        self.submit_phone("whatsapp")

    @Slot()
    def submit_phone(self, channel: str | None = None) -> None:
        """The number, with its alerts by SMS (or `channel`) when the branch offers both."""
        if self.screen != Screen.PHONE:
            return
        self.notify_by = (channel or "sms") if self.offers_whatsapp else None
        if not self.phone_digits:
            self.skip_phone()
            return
        e164 = normalize_phone(self.phone_digits, self.country)
        if e164 is None:
            self._set_message(self.tr("phone.invalid"))
            self.touch()
            return
        self.phone = e164
        self._after_phone()

    @Slot()
    def skip_phone(self) -> None:
        if self.screen != Screen.PHONE:
            return
        self.phone, self.phone_digits = None, ""
        self._after_phone()

    def _after_phone(self) -> None:
        """The phone step asks for priority too (one screen, so a customer who wants
        neither taps twice); a kiosk without the phone step asks it on its own."""
        self._set_message("")
        if self.offers_priority and self.screen != Screen.PHONE:
            self._set_screen(Screen.PRIORITY)
        else:
            self._take()

    @Slot(bool)
    def set_priority(self, priority: bool, priority_class: int | None = None) -> None:
        """On the phone step: priority on or off (with the branch's classes, which one)."""
        if self.screen != Screen.PHONE or not self.offers_priority:
            return
        if priority_class is not None and priority_class not in {c["id"] for c in self.priority_classes}:
            return
        self.priority = bool(priority) or priority_class is not None
        self.priority_class = priority_class if self.priority else None
        self.priorityChanged.emit()
        self.touch()

    @Slot(bool)
    def choose_priority(self, priority: bool, priority_class: int | None = None) -> None:
        """Priority or not; with the branch's classes, which one (`priority_class`)."""
        if self.screen != Screen.PRIORITY:
            return
        self.priority = bool(priority) or priority_class is not None
        self.priority_class = priority_class if self.priority else None
        self._take()

    def _take(self) -> None:
        body = {"service": self.service, "priority": self.priority, "lang": self.lang}
        if self.priority and self.priority_class is not None:
            body["priority_class"] = self.priority_class
        if self.phone:
            body["phone"] = self.phone
            if self.notify_by:
                body["notify_by"] = self.notify_by
        self._begin_attempt(TICKET, body)
