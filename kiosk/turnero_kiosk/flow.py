"""What a customer does at the kiosk, as a widget-free state machine.

welcome -> phone (with priority, where offered) -> taking -> ticket -> welcome
welcome -> priority -> taking -> ...  (a kiosk that does not ask for a phone)
welcome -> check-in -> taking -> ticket -> welcome
any screen -> offline while the server cannot be reached -> welcome when it answers

`KioskFlow` is one QObject: here, the state the screens read, its signals, and the
moves between screens; its slots and handlers for each part come from one module each:

    connection.py  the server's side: the branch, its lines open or closed, online or not
    walk_in.py     a walk-in's steps: the line, the phone (SMS or WhatsApp), priority
    check_in.py    an appointment's check-in: a code or phone typed, or its QR scanned
    taking.py      asking for the ticket, the answer or the refusal, the ticket screen

A ticket is asked for as one TurnRequest (request.py: one Idempotency-Key for all
its sends). While the ticket screen is up, its ShownTicket (shown_ticket.py) follows
that ticket over Socket.IO (people ahead, wait, being called), prints it and counts
down; it stops after.

The screens only show `KioskFlow`'s state and call its slots; the flow talks to the
server through turnero_qt's DeviceLink (REST + Socket.IO) and prints through a
PrintService. Nothing here blocks: every call answers with a signal.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from turnero_qt.brand import BrandLogo

from . import i18n
from .check_in import MAX_CHECKIN_CHARS, CheckInSteps
from .connection import ServerConnection
from .phone_numbers import MAX_PHONE_DIGITS
from .printing import PrintService
from .request import TurnRequest
from .shown_ticket import ShownTicket
from .states import IDLE_SCREENS, KioskSettings, Screen
from .taking import TicketTaking
from .walk_in import WalkInSteps

log = logging.getLogger(__name__)


class KioskFlow(QObject, ServerConnection, WalkInSteps, CheckInSteps, TicketTaking):
    """The kiosk's state. Read the properties; listen to the signals; call the slots."""

    screenChanged = Signal(str)
    langChanged = Signal(str)
    branchChanged = Signal(object)     # GET /branches/{b} detail
    servicesChanged = Signal(object)   # [{"id", "names", "waiting", "eta", "color", ...}]
    phoneChanged = Signal(str)         # the phone as typed, formatted
    checkInTextChanged = Signal(str)
    messageChanged = Signal(str)       # a problem to show on the current screen ("" = none)
    ticketChanged = Signal(object)     # the ticket just taken (server JSON), then as it changes
    printStateChanged = Signal(str)
    countdownChanged = Signal(int)     # seconds left on the ticket screen
    checkInAvailableChanged = Signal(bool)
    priorityChanged = Signal()         # the priority chosen on the phone step
    detailChanged = Signal(str)        # why the kiosk is out of service (for staff)

    def __init__(self, link, printing: PrintService, settings: KioskSettings | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.link = link
        self.rest = link.rest
        self.printing = printing
        self.settings = settings or KioskSettings()
        self.screen = Screen.STARTING
        self.lang = i18n.norm_lang(self.settings.lang)
        self.branch: dict | None = None
        self.services: list[dict] = []
        self.online = False
        self.check_in_available = False
        self.detail = ""
        self.message = ""
        self.service: str | None = None
        self.phone_digits = ""
        self.phone: str | None = None      # E.164, once accepted
        self.priority = False
        self.priority_class: int | None = None
        self.notify_by: str | None = None    # "sms" | "whatsapp": where the phone's alerts go
        self.check_in_text = ""
        self.closed = False                # every line closed for the branch's hours
        self.closed_until: str | None = None  # when it opens next (UTC ISO), if known
        self._attempt: TurnRequest | None = None
        self.brand_logo = BrandLogo(self.rest, self)  # the branch's logo, for the header and the slip
        self.shown = ShownTicket(link, printing, self.settings, self)  # the ticket on the ticket screen
        self.shown.changed.connect(self.ticketChanged)
        self.shown.printStateChanged.connect(self.printStateChanged)
        self.shown.countdownChanged.connect(self.countdownChanged)
        self.shown.ended.connect(self._end_ticket)

        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)
        link.attach(self)
        link.attach(self.shown)

    # ------------------------------------------------------------ reading

    @property
    def branch_slug(self) -> str | None:
        device = getattr(self.link, "device", None) or {}
        return (self.branch or {}).get("slug") or device.get("branch")

    @property
    def default_lang(self) -> str:
        return i18n.norm_lang(self.settings.lang or (self.branch or {}).get("lang"))

    @property
    def country(self) -> str | None:
        return ((self.branch or {}).get("country") or "").upper() or None

    def service_info(self, service_id: str | None) -> dict:
        return next((s for s in self.services if s.get("id") == service_id), {"id": service_id})

    def tr(self, key: str, **params) -> str:
        return i18n.text(key, self.lang, **params)

    # ------------------------------------------------------------ starting and stopping

    def start(self) -> None:
        self.link.start()

    def stop(self) -> None:
        self._idle.stop()
        self.shown.stop()
        self._drop_attempt()
        self.link.stop()
        self.printing.shutdown()

    # ------------------------------------------------------------ on any step

    @Slot()
    def touch(self) -> None:
        """Someone touched the screen: restart the idle countdown."""
        if self.screen in IDLE_SCREENS:
            self._idle.start(self.settings.idle_seconds * 1000)

    @Slot(str)
    def set_lang(self, lang: str) -> None:
        self._set_lang(i18n.norm_lang(lang))
        self.touch()

    @Slot()
    def toggle_lang(self) -> None:
        self.set_lang("en" if self.lang == "es" else "es")

    @Slot()
    def back(self) -> None:
        """One step back, to welcome."""
        if self.screen in (Screen.PHONE, Screen.PRIORITY, Screen.CHECKIN, Screen.ERROR):
            self._go_welcome()

    @Slot()
    def cancel(self) -> None:
        """Leave whatever step this is, back to welcome."""
        if self.screen in (Screen.PHONE, Screen.PRIORITY, Screen.CHECKIN, Screen.ERROR):
            self._go_welcome()

    def _type(self, screen: Screen, value: str) -> None:
        """A key of `screen`'s field (phone, appointment code) was pressed and the field
        would now hold `value`: kept if it fits and differs, which clears the message
        about the last try. Any key restarts the idle countdown."""
        if self.screen != screen:
            return
        phone = screen == Screen.PHONE
        current, limit = (self.phone_digits, MAX_PHONE_DIGITS) if phone else (self.check_in_text, MAX_CHECKIN_CHARS)
        if value != current and len(value) <= limit:
            if phone:
                self.phone_digits = value
            else:
                self.check_in_text = value
            self._set_message("")
            if phone:
                self.phoneChanged.emit(self.phone_display)
            else:
                self.checkInTextChanged.emit(value)
        self.touch()

    # ------------------------------------------------------------ plumbing

    def _go_welcome(self, reset_lang: bool = False) -> None:
        self._drop_attempt()
        self.service, self.phone, self.phone_digits, self.priority = None, None, "", False
        self.priority_class = None
        self.check_in_text = ""
        if reset_lang:
            self._set_lang(self.default_lang)
        self._set_message("")
        self._set_screen(Screen.CLOSED if self.closed else Screen.WELCOME)

    def _on_idle(self) -> None:
        if self.screen == Screen.WELCOME:
            if self.lang != self.default_lang:
                self._set_lang(self.default_lang)
            return
        if self.screen in IDLE_SCREENS:
            log.info("kiosk idle on %s; back to welcome", self.screen.value)
            self._go_welcome(reset_lang=True)

    def _set_screen(self, screen: Screen) -> None:
        if screen != Screen.TICKET:
            self.shown.stop()
        if screen in IDLE_SCREENS:
            self._idle.start(self.settings.idle_seconds * 1000)
        else:
            self._idle.stop()
        if screen != self.screen:
            self.screen = screen
            self.screenChanged.emit(screen.value)

    def _set_lang(self, lang: str) -> None:
        if lang != self.lang:
            self.lang = lang
            self.rest.lang = lang
            self.langChanged.emit(lang)
            if self.screen == Screen.PHONE:
                self.phoneChanged.emit(self.phone_display)

    def _set_message(self, message: str) -> None:
        if message != self.message:
            self.message = message
            self.messageChanged.emit(message)

    def _set_detail(self, detail: str) -> None:
        if detail != self.detail:
            self.detail = detail
            self.detailChanged.emit(detail)
