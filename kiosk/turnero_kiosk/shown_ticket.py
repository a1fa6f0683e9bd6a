"""The ticket on the kiosk's ticket screen: printed, followed live over Socket.IO
(people ahead, the wait, its call) and counted down until the screen goes."""
from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .printing import PrintService, Slip
from .states import CALLED_STATES, PrintState

log = logging.getLogger(__name__)

CALLED_SECONDS = 15  # a ticket called while on screen stays at least this long ("go to counter 2")


class ShownTicket(QObject):
    """`set_ticket(ticket)` then `show(slip)` put a ticket on screen: it is followed,
    printed and counted down from `ticket_seconds` (longer when the slip did not print,
    or once it is called); `stop()` takes it off. The link's `ticket_updated` comes to
    `on_ticket_updated` (link.attach).

    Signals: changed(ticket) (the server's ticket, then as it moves), printStateChanged(str)
    (a PrintState), countdownChanged(int) (seconds left), ended() (the countdown ran out)."""

    changed = Signal(object)
    printStateChanged = Signal(str)
    countdownChanged = Signal(int)
    ended = Signal()

    def __init__(self, link, printing: PrintService, settings, parent: QObject | None = None):
        """`settings`: the kiosk's (ticket_seconds, fault_ticket_seconds)."""
        super().__init__(parent)
        self.link = link
        self.printing = printing
        self.settings = settings
        self.ticket: dict | None = None
        self.print_state = PrintState.NONE
        self.countdown = 0
        self.on_screen = False
        self._watched: str | None = None   # its token while it is followed
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        printing.started.connect(lambda code: self._print_event(code, PrintState.PRINTING))
        printing.printed.connect(lambda code: self._print_event(code, PrintState.PRINTED))
        printing.failed.connect(lambda code, reason: self._print_event(code, PrintState.FAILED))

    def set_ticket(self, ticket: dict) -> None:
        self.ticket = ticket
        self.changed.emit(ticket)

    def show(self, slip: Callable[[], Slip]) -> None:
        """The ticket is on screen now: follow it, print `slip()`, count down."""
        self.on_screen = True
        self._watch(self.ticket)
        if self.printing.enabled:
            self._set_print_state(PrintState.PRINTING)
            self.printing.print_slip(slip())
        else:
            self._set_print_state(PrintState.NONE)
        self._start_countdown(self.settings.ticket_seconds)

    def stop(self) -> None:
        self.on_screen = False
        self._tick.stop()
        self._unwatch()

    @Slot(object)
    def on_ticket_updated(self, update) -> None:
        """The ticket on screen moved (people ahead, wait) or was called: show it now."""
        ticket = self.ticket
        if (ticket is None or self._watched is None or not isinstance(update, dict)
                or update.get("id") != ticket.get("id")):
            return
        was_called = ticket.get("status") in CALLED_STATES
        # The update has no token nor link (they are only for the holder): keep ours.
        self.set_ticket({**ticket, **{k: v for k, v in update.items() if k not in ("token", "track_url")}})
        if self.ticket.get("status") in CALLED_STATES and not was_called:
            log.info("kiosk ticket %s called while on screen", self.ticket.get("code"))
            self._start_countdown(max(self.countdown, CALLED_SECONDS))

    def _watch(self, ticket: dict) -> None:
        self._unwatch()
        token = ticket.get("token")
        if token:
            self._watched = token
            self.link.watch_ticket(token)

    def _unwatch(self) -> None:
        token, self._watched = self._watched, None
        if token:
            self.link.unwatch_ticket(token)

    def _print_event(self, code: str, state: PrintState) -> None:
        if self.ticket is None or self.ticket.get("code") != code or not self.on_screen:
            return
        self._set_print_state(state)
        if state == PrintState.FAILED:
            self._start_countdown(max(self.countdown, self.settings.fault_ticket_seconds))

    def _set_print_state(self, state: PrintState) -> None:
        if state != self.print_state:
            self.print_state = state
            self.printStateChanged.emit(state.value)

    def _start_countdown(self, seconds: int) -> None:
        self.countdown = max(1, int(seconds))
        self.countdownChanged.emit(self.countdown)
        self._tick.start()

    def _on_tick(self) -> None:
        self.countdown -= 1
        self.countdownChanged.emit(max(0, self.countdown))
        if self.countdown <= 0:
            self._tick.stop()
            self.ended.emit()
