"""The kiosk's side of its link to the server (DeviceLink's signals, by link.attach):
the branch and its lines as they change, every line closed for the branch's hours
(the closed screen), and the server out of reach or refusing the kiosk (offline)."""
from __future__ import annotations

import logging

from PySide6.QtCore import Slot

from .states import Screen

log = logging.getLogger(__name__)


class ServerConnection:
    """KioskFlow's (flow.py) handlers of the link: `on_<signal>` for each DeviceLink
    signal it follows. Mixed into KioskFlow, whose state and plumbing it uses."""

    @Slot(object)
    def on_device_known(self, device) -> None:
        log.info("kiosk of branch %s", (device or {}).get("branch"))

    @Slot(object)
    def on_branch_changed(self, detail) -> None:
        first = self.branch is None
        self.branch = detail
        self.brand_logo.show(detail.get("brand"))
        if first and not self.settings.lang:
            self._set_lang(self.default_lang)
        self._set_services(detail.get("services") or [])
        self.branchChanged.emit(detail)
        if self.online and self.screen in (Screen.STARTING, Screen.OFFLINE):
            self._go_welcome(reset_lang=True)

    @Slot(object, str)
    def on_branch_state(self, state, how: str) -> None:
        if isinstance(state, dict) and isinstance(state.get("services"), list):
            self._set_services(state["services"])
        if how != "event":
            self._ask_check_in()

    @Slot(bool)
    def on_online_changed(self, online: bool) -> None:
        self.online = online
        if online:
            self._set_detail("")
            if self.branch is not None and self.screen in (Screen.STARTING, Screen.OFFLINE):
                self._go_welcome(reset_lang=True)
            return
        if self.screen == Screen.TICKET:
            return  # the ticket stays until its countdown ends; then offline
        self._go_offline()

    @Slot(str)
    def on_failed(self, message: str) -> None:
        log.error("the server refused this kiosk: %s", message)
        self._set_detail(message)
        if self.screen != Screen.TICKET:
            self._go_offline()

    def _go_offline(self) -> None:
        self._drop_attempt()
        self._set_screen(Screen.OFFLINE)

    def _set_services(self, services: list) -> None:
        self.services = [s for s in services if isinstance(s, dict) and s.get("id")]
        self.servicesChanged.emit(self.services)
        # Every line closed for the branch's hours: the closed screen, until one opens.
        closed = bool(self.services) and all(s.get("joining") == "closed" for s in self.services)
        self.closed_until = min((s["opens_at"] for s in self.services if s.get("opens_at")), default=None)
        if closed != self.closed:
            self.closed = closed
            if closed and self.screen == Screen.WELCOME:
                self._set_screen(Screen.CLOSED)
            elif not closed and self.screen == Screen.CLOSED:
                self._go_welcome(reset_lang=True)
        elif closed and self.screen == Screen.CLOSED:
            self.screenChanged.emit(self.screen.value)  # a new opening time
