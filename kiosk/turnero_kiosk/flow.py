"""What a customer does at the kiosk, as a widget-free state machine.

welcome -> phone (with priority, where offered) -> taking -> ticket -> welcome
welcome -> priority -> taking -> ...  (a kiosk that does not ask for a phone)
welcome -> check-in -> taking -> ticket -> welcome
any screen -> offline while the server cannot be reached -> welcome when it answers

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
import re

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from turnero_qt.brand import BrandLogo
from turnero_qt.rest import ApiError

from . import i18n
from .phone_numbers import MAX_PHONE_DIGITS, MIN_PHONE_DIGITS, format_as_typed, normalize_phone
from .printing import PrintService, Slip
from .request import CHECK_IN, TICKET, TurnRequest
from .shown_ticket import ShownTicket
from .states import IDLE_SCREENS, KioskSettings, PrintState, Screen

log = logging.getLogger(__name__)

CHECK_IN_PATH = "/api/v1/branches/{branch}/check-in"
MAX_CHECKIN_CHARS = 16
# What an appointment page's QR code holds: its link, ending in /a/TOKEN.
APPOINTMENT_LINK = re.compile(r"/a/([A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])")



class KioskFlow(QObject):
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
    def offers_priority(self) -> bool:
        return bool((self.branch or {}).get("offers_priority"))

    @property
    def offers_whatsapp(self) -> bool:
        """The server sends by WhatsApp: the phone step asks SMS or WhatsApp."""
        return bool((self.branch or {}).get("whatsapp"))

    @property
    def remote_check_in(self) -> bool:
        """Turns taken from a phone check in here too (by the phone they were taken with)."""
        return bool((self.branch or {}).get("remote_check_in"))

    @property
    def country(self) -> str | None:
        return ((self.branch or {}).get("country") or "").upper() or None

    @property
    def phone_display(self) -> str:
        return format_as_typed(self.phone_digits, self.country)

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

    def service_info(self, service_id: str | None) -> dict:
        return next((s for s in self.services if s.get("id") == service_id), {"id": service_id})

    def tr(self, key: str, **params) -> str:
        return i18n.text(key, self.lang, **params)

    # ------------------------------------------------------------ starting and staying connected

    def start(self) -> None:
        self.link.start()

    def stop(self) -> None:
        self._idle.stop()
        self.shown.stop()
        self._drop_attempt()
        self.link.stop()
        self.printing.shutdown()

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

    # ------------------------------------------------------------ customer actions

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

    @property
    def priority_classes(self) -> list[dict]:
        """The priority classes this kiosk offers (the branch's, marked for the kiosk)."""
        return [c for c in (self.branch or {}).get("priority_classes") or [] if c.get("at_kiosk") and c.get("id")]

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

    @Slot()
    def finish(self) -> None:
        """The customer is done with the ticket screen."""
        if self.screen == Screen.TICKET:
            self._end_ticket()

    @Slot()
    def retry(self) -> None:
        """After an error: the same attempt again, with the same Idempotency-Key."""
        if self.screen == Screen.ERROR and self._attempt is not None:
            self._send_attempt()

    # ------------------------------------------------------------ check-in (appointments)

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

    # ------------------------------------------------------------ taking the ticket

    def _take(self) -> None:
        body = {"service": self.service, "priority": self.priority, "lang": self.lang}
        if self.priority and self.priority_class is not None:
            body["priority_class"] = self.priority_class
        if self.phone:
            body["phone"] = self.phone
            if self.notify_by:
                body["notify_by"] = self.notify_by
        self._begin_attempt(TICKET, body)

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

    # ------------------------------------------------------------ the ticket screen

    def _slip(self, ticket: dict) -> Slip:
        service = self.service_info(ticket.get("service"))
        name = i18n.service_name(service, self.lang) if service.get("names") else None
        return Slip.from_ticket(ticket, self.branch or {}, self.lang, service_name=name, logo=self.brand_logo.data)

    def _end_ticket(self) -> None:
        if self.online and self.branch is not None:
            self._go_welcome(reset_lang=True)
        else:
            self._go_offline()

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

    def _set_message(self, message: str) -> None:
        if message != self.message:
            self.message = message
            self.messageChanged.emit(message)

    def _set_detail(self, detail: str) -> None:
        if detail != self.detail:
            self.detail = detail
            self.detailChanged.emit(detail)


