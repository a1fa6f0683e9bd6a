"""Asking the server for the ticket (a walk-in's turn or an appointment's check-in,
as one TurnRequest), what its answer or refusal leads to, and the ticket screen
until the customer is done (its ShownTicket prints, follows and counts down)."""
from __future__ import annotations

import logging

from PySide6.QtCore import Slot

from turnero_qt.rest import ApiError

from . import i18n
from .printing import Slip
from .request import CHECK_IN, TICKET, TurnRequest
from .states import PrintState, Screen

log = logging.getLogger(__name__)


class TicketTaking:
    """KioskFlow's (flow.py) sending of the request under way (`_attempt`), its
    answer, and the ticket screen. Mixed into KioskFlow, whose state and plumbing it
    uses."""

    @property
    def ticket(self) -> dict | None:
        """The ticket taken last (server JSON), as it changed while on screen."""
        return self.shown.ticket

    @property
    def print_state(self) -> PrintState:
        return self.shown.print_state

    @property
    def countdown(self) -> int:
        """Seconds left on the ticket screen."""
        return self.shown.countdown

    @property
    def attempt_key(self) -> str | None:
        """The Idempotency-Key of the request under way (or to try again), if any."""
        return self._attempt.key if self._attempt is not None else None

    @Slot()
    def retry(self) -> None:
        """After an error: the same attempt again, with the same Idempotency-Key."""
        if self.screen == Screen.ERROR and self._attempt is not None:
            self._send_attempt()

    def _begin_attempt(self, kind: str, body: dict) -> None:
        self._drop_attempt()
        self._attempt = TurnRequest(kind, body, self)
        self._attempt.answered.connect(self._on_taken)
        self._attempt.refused.connect(self._on_take_failed)
        self._send_attempt()

    def _send_attempt(self) -> None:
        attempt, branch = self._attempt, self.branch_slug
        if attempt is None or branch is None:
            return
        self._set_message("")
        self._set_screen(Screen.TAKING)
        self.rest.lang = self.lang
        attempt.send(self.rest, branch)

    def _on_taken(self, ticket: dict, replayed: bool) -> None:
        if self.screen != Screen.TAKING:
            return
        log.info("kiosk ticket %s taken%s", ticket["code"], " (replayed)" if replayed else "")
        self._drop_attempt()
        self.shown.set_ticket(ticket)
        self._set_screen(Screen.TICKET)
        self.shown.show(lambda: self._slip(ticket))

    def _on_take_failed(self, error: ApiError) -> None:
        if self.screen != Screen.TAKING or self._attempt is None:
            return
        kind = self._attempt.kind
        if error.status == 422 and kind == TICKET and error.errors.get("phone"):
            self._drop_attempt()
            self._set_screen(Screen.PHONE)
            self._set_message(error.field_error("phone") or self.tr("phone.invalid"))
            return
        if kind == CHECK_IN and error.status in (404, 409, 422):
            self._drop_attempt()
            self._set_screen(Screen.CHECKIN)
            self._set_message(str(error) or self.tr("checkin.not_found"))
            return
        if error.status in (401, 403):
            self._set_detail(str(error))
            self._go_offline()
            return
        if error.status == 409 and kind == TICKET and error.extra.get("joining") == "closed":
            # The branch closed for walk-ins since this screen was drawn.
            self._drop_attempt()
            self.closed_until = error.extra.get("opens_at")
            self._set_screen(Screen.CLOSED)
            return
        if error.network and not self.online:
            self._go_offline()
            return
        # Still the same request: "Try again" sends it with the same key.
        self._set_screen(Screen.ERROR)
        self._set_message(self.tr("error.busy") if error.network else (str(error) or self.tr("error.generic")))

    def _drop_attempt(self) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is not None:
            attempt.abort()
            attempt.deleteLater()

    def _slip(self, ticket: dict) -> Slip:
        service = self.service_info(ticket.get("service"))
        name = i18n.service_name(service, self.lang) if service.get("names") else None
        return Slip.from_ticket(ticket, self.branch or {}, self.lang, service_name=name, logo=self.brand_logo.data)

    @Slot()
    def finish(self) -> None:
        """The customer is done with the ticket screen."""
        if self.screen == Screen.TICKET:
            self._end_ticket()

    def _end_ticket(self) -> None:
        if self.online and self.branch is not None:
            self._go_welcome(reset_lang=True)
        else:
            self._go_offline()
