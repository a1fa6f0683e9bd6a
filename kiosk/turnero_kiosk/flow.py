"""What a customer does at the kiosk, as a widget-free state machine.

welcome -> (phone) -> (priority) -> taking -> ticket -> welcome
welcome -> check-in -> taking -> ticket -> welcome
any screen -> offline while the server cannot be reached -> welcome when it answers

While the ticket screen is up the flow follows that ticket over Socket.IO (its
`ticket.update`s: people ahead, wait, and being called), and stops after.

The screens only show `KioskFlow`'s state and call its slots; the flow talks to the
server through turnero_qt's DeviceLink (REST + Socket.IO) and prints through a
PrintService. Nothing here blocks: every call answers with a signal.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

import phonenumbers
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from turnero_qt.rest import ApiError, RestReply, new_idempotency_key

from . import i18n
from .printing import PrintService, Slip

log = logging.getLogger(__name__)

CHECK_IN_PATH = "/api/v1/branches/{branch}/check-in"
MAX_PHONE_DIGITS = 15
MIN_PHONE_DIGITS = 8
MAX_CHECKIN_CHARS = 16
CALLED_SECONDS = 15  # a ticket called while on screen stays at least this long ("go to counter 2")


class Screen(str, Enum):
    STARTING = "starting"
    WELCOME = "welcome"
    PHONE = "phone"
    PRIORITY = "priority"
    TAKING = "taking"
    TICKET = "ticket"
    CHECKIN = "checkin"
    ERROR = "error"
    OFFLINE = "offline"


class PrintState(str, Enum):
    NONE = "none"          # this kiosk has no printer: photograph the QR
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"      # could not print: photograph the QR


@dataclass
class KioskSettings:
    ticket_seconds: int = 20        # the ticket screen, then welcome
    fault_ticket_seconds: int = 60  # longer when the slip did not print (time to take a photo)
    idle_seconds: int = 45          # a half-finished step with no touch, then welcome
    ask_phone: bool = True          # offer SMS/WhatsApp updates
    lang: str | None = None         # the kiosk's first language; the branch's when None


# Screens where a customer is in the middle of something: idle -> welcome.
_IDLE_SCREENS = {Screen.PHONE, Screen.PRIORITY, Screen.CHECKIN, Screen.ERROR, Screen.WELCOME}


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
        self.check_in_text = ""
        self.ticket: dict | None = None
        self.print_state = PrintState.NONE
        self.countdown = 0
        self.attempt_key: str | None = None
        self._watched: str | None = None   # token of the ticket on screen, followed live
        self._attempt: dict | None = None
        self._pending: RestReply | None = None

        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)

        link.attach(self)
        printing.started.connect(lambda code: self._print_event(code, PrintState.PRINTING))
        printing.printed.connect(lambda code: self._print_event(code, PrintState.PRINTED))
        printing.failed.connect(lambda code, reason: self._print_event(code, PrintState.FAILED))

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
    def country(self) -> str | None:
        return ((self.branch or {}).get("country") or "").upper() or None

    @property
    def phone_display(self) -> str:
        return format_as_typed(self.phone_digits, self.country)

    def service_info(self, service_id: str | None) -> dict:
        return next((s for s in self.services if s.get("id") == service_id), {"id": service_id})

    def tr(self, key: str, **params) -> str:
        return i18n.text(key, self.lang, **params)

    # ------------------------------------------------------------ starting and staying connected

    def start(self) -> None:
        self.link.start()

    def stop(self) -> None:
        self._idle.stop()
        self._tick.stop()
        self._unwatch()
        if self._pending is not None:
            self._pending.abort()
        self.link.stop()
        self.printing.shutdown()

    @Slot(object)
    def on_device_known(self, device) -> None:
        log.info("kiosk of branch %s", (device or {}).get("branch"))

    @Slot(object)
    def on_branch_changed(self, detail) -> None:
        first = self.branch is None
        self.branch = detail
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
        if self.screen in _IDLE_SCREENS:
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
        self.service = service_id
        self.phone_digits, self.phone, self.priority = "", None, False
        self.phoneChanged.emit("")
        self._set_message("")
        if self.settings.ask_phone:
            self._set_screen(Screen.PHONE)
        else:
            self._after_phone()

    @Slot(str)
    def press_digit(self, digit: str) -> None:
        if self.screen != Screen.PHONE or not digit.isdigit() or len(self.phone_digits) >= MAX_PHONE_DIGITS:
            return
        self.phone_digits += digit
        self._set_message("")
        self.phoneChanged.emit(self.phone_display)
        self.touch()

    @Slot()
    def delete_digit(self) -> None:
        if self.screen == Screen.PHONE and self.phone_digits:
            self.phone_digits = self.phone_digits[:-1]
            self._set_message("")
            self.phoneChanged.emit(self.phone_display)
        self.touch()

    @Slot()
    def clear_phone(self) -> None:
        if self.screen == Screen.PHONE:
            self.phone_digits = ""
            self._set_message("")
            self.phoneChanged.emit("")
        self.touch()

    @Slot()
    def submit_phone(self) -> None:
        if self.screen != Screen.PHONE:
            return
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
        self._set_message("")
        if self.offers_priority:
            self._set_screen(Screen.PRIORITY)
        else:
            self._take()

    @Slot(bool)
    def choose_priority(self, priority: bool) -> None:
        if self.screen != Screen.PRIORITY:
            return
        self.priority = bool(priority)
        self._take()

    @Slot()
    def back(self) -> None:
        """One step back (priority -> phone -> welcome)."""
        if self.screen == Screen.PRIORITY and self.settings.ask_phone:
            self._set_message("")
            self._set_screen(Screen.PHONE)
        elif self.screen in (Screen.PHONE, Screen.PRIORITY, Screen.CHECKIN, Screen.ERROR):
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
        if self.screen != Screen.WELCOME or not self.check_in_available or not self.online:
            return
        self.check_in_text = ""
        self.checkInTextChanged.emit("")
        self._set_message("")
        self._set_screen(Screen.CHECKIN)

    @Slot(str)
    def press_key(self, key: str) -> None:
        if self.screen != Screen.CHECKIN or len(key) != 1 or not key.isalnum():
            return
        if len(self.check_in_text) < MAX_CHECKIN_CHARS:
            self.check_in_text += key.upper()
            self._set_message("")
            self.checkInTextChanged.emit(self.check_in_text)
        self.touch()

    @Slot()
    def delete_key(self) -> None:
        if self.screen == Screen.CHECKIN and self.check_in_text:
            self.check_in_text = self.check_in_text[:-1]
            self._set_message("")
            self.checkInTextChanged.emit(self.check_in_text)
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
        self._begin_attempt("check-in", body)

    # ------------------------------------------------------------ taking the ticket

    def _take(self) -> None:
        body = {"service": self.service, "priority": self.priority, "lang": self.lang}
        if self.phone:
            body["phone"] = self.phone
        self._begin_attempt("ticket", body)

    def _begin_attempt(self, kind: str, body: dict) -> None:
        # One key per attempt: the automatic retries and "Try again" reuse it, so
        # the server hands back the same ticket however often the answer is lost.
        self.attempt_key = new_idempotency_key()
        self._attempt = {"kind": kind, "body": body}
        self._send_attempt()

    def _send_attempt(self) -> None:
        attempt, branch = self._attempt, self.branch_slug
        if attempt is None or branch is None:
            return
        self._set_message("")
        self._set_screen(Screen.TAKING)
        body = attempt["body"]
        self.rest.lang = self.lang
        if attempt["kind"] == "ticket":
            reply = self.rest.take_ticket(branch, body["service"], phone=body.get("phone"),
                                          priority=body.get("priority", False), lang=body.get("lang"),
                                          idempotency_key=self.attempt_key)
        else:
            reply = self.rest.check_in(branch, code=body.get("code"), phone=body.get("phone"),
                                       idempotency_key=self.attempt_key)
        self._pending = reply
        reply.succeeded.connect(lambda data, r=reply: self._on_taken(r, data))
        reply.failed.connect(lambda error, r=reply: self._on_take_failed(r, error))

    def _on_taken(self, reply: RestReply, ticket) -> None:
        if reply is not self._pending or self.screen != Screen.TAKING:
            return
        self._pending = None
        if not isinstance(ticket, dict) or not ticket.get("code"):
            self._on_take_failed(reply, ApiError(reply.status, "bad answer"))
            return
        log.info("kiosk ticket %s taken%s", ticket["code"], " (replayed)" if reply.replayed else "")
        self._drop_attempt(keep_reply=True)
        self.ticket = ticket
        self.ticketChanged.emit(ticket)
        self._set_screen(Screen.TICKET)
        self._watch(ticket)
        self._print(ticket)
        self._start_countdown(self.settings.ticket_seconds)

    def _on_take_failed(self, reply: RestReply, error: ApiError) -> None:
        if reply is not self._pending or self.screen != Screen.TAKING:
            return
        self._pending = None
        kind = (self._attempt or {}).get("kind")
        if error.status == 422 and kind == "ticket" and error.errors.get("phone"):
            self._drop_attempt()
            self._set_screen(Screen.PHONE)
            self._set_message(_first(error.errors["phone"]) or self.tr("phone.invalid"))
            return
        if kind == "check-in" and error.status in (404, 409, 422):
            self._drop_attempt()
            self._set_screen(Screen.CHECKIN)
            self._set_message(str(error) or self.tr("checkin.not_found"))
            return
        if error.status in (401, 403):
            self._set_detail(str(error))
            self._go_offline()
            return
        if error.network and not self.online:
            self._go_offline()
            return
        # Still the same attempt: "Try again" sends it with the same key.
        self._set_screen(Screen.ERROR)
        self._set_message(self.tr("error.busy") if error.network else (str(error) or self.tr("error.generic")))

    def _drop_attempt(self, keep_reply: bool = False) -> None:
        if self._pending is not None and not keep_reply:
            self._pending.abort()
        self._pending = None
        self._attempt = None
        self.attempt_key = None

    # ------------------------------------------------------------ the ticket screen

    def _print(self, ticket: dict) -> None:
        if not self.printing.enabled:
            self._set_print_state(PrintState.NONE)
            return
        service = self.service_info(ticket.get("service"))
        name = i18n.service_name(service, self.lang) if service.get("names") else None
        self._set_print_state(PrintState.PRINTING)
        self.printing.print_slip(Slip.from_ticket(ticket, self.branch or {}, self.lang, service_name=name))

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

    @Slot(object)
    def on_ticket_updated(self, update) -> None:
        """The ticket on screen moved (people ahead, wait) or was called: show it now."""
        ticket = self.ticket
        if (self.screen != Screen.TICKET or ticket is None or self._watched is None
                or not isinstance(update, dict) or update.get("id") != ticket.get("id")):
            return
        was_called = ticket.get("status") in CALLED_STATES
        # The update has no token nor link (they are only for the holder): keep ours.
        self.ticket = {**ticket, **{k: v for k, v in update.items() if k not in ("token", "track_url")}}
        self.ticketChanged.emit(self.ticket)
        if self.ticket.get("status") in CALLED_STATES and not was_called:
            log.info("kiosk ticket %s called while on screen", self.ticket.get("code"))
            self._start_countdown(max(self.countdown, CALLED_SECONDS))

    def _print_event(self, code: str, state: PrintState) -> None:
        if self.ticket is None or self.ticket.get("code") != code or self.screen != Screen.TICKET:
            return
        self._set_print_state(state)
        if state == PrintState.FAILED:
            self._start_countdown(max(self.countdown, self.settings.fault_ticket_seconds))

    def _start_countdown(self, seconds: int) -> None:
        self.countdown = max(1, int(seconds))
        self.countdownChanged.emit(self.countdown)
        self._tick.start()

    def _on_tick(self) -> None:
        self.countdown -= 1
        self.countdownChanged.emit(max(0, self.countdown))
        if self.countdown <= 0:
            self._end_ticket()

    def _end_ticket(self) -> None:
        self._tick.stop()
        if self.online and self.branch is not None:
            self._go_welcome(reset_lang=True)
        else:
            self._go_offline()

    # ------------------------------------------------------------ plumbing

    def _go_welcome(self, reset_lang: bool = False) -> None:
        self._tick.stop()
        self._drop_attempt()
        self.service, self.phone, self.phone_digits, self.priority = None, None, "", False
        self.check_in_text = ""
        if reset_lang:
            self._set_lang(self.default_lang)
        self._set_message("")
        self._set_screen(Screen.WELCOME)

    def _on_idle(self) -> None:
        if self.screen == Screen.WELCOME:
            if self.lang != self.default_lang:
                self._set_lang(self.default_lang)
            return
        if self.screen in _IDLE_SCREENS:
            log.info("kiosk idle on %s; back to welcome", self.screen.value)
            self._go_welcome(reset_lang=True)

    def _set_screen(self, screen: Screen) -> None:
        if screen != Screen.TICKET:
            self._tick.stop()
            self._unwatch()
        if screen in _IDLE_SCREENS:
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

    def _set_message(self, message: str) -> None:
        if message != self.message:
            self.message = message
            self.messageChanged.emit(message)

    def _set_detail(self, detail: str) -> None:
        if detail != self.detail:
            self.detail = detail
            self.detailChanged.emit(detail)

    def _set_print_state(self, state: PrintState) -> None:
        if state != self.print_state:
            self.print_state = state
            self.printStateChanged.emit(state.value)


CALLED_STATES = ("called", "serving")


def _first(messages) -> str:
    if isinstance(messages, list) and messages:
        return str(messages[0])
    return str(messages or "")


def normalize_phone(digits: str, country: str | None) -> str | None:
    """Digits typed at a branch of `country` -> E.164, or None when not a valid phone there."""
    try:
        number = phonenumbers.parse(digits, country or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if country and phonenumbers.region_code_for_number(number) != country and not digits.startswith("+"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_as_typed(digits: str, country: str | None) -> str:
    """"5512345678" -> "55 1234 5678" while typing (the country's own grouping)."""
    if not digits:
        return ""
    formatter = phonenumbers.AsYouTypeFormatter(country or "ZZ")
    shown = ""
    for d in digits:
        shown = formatter.input_digit(d)
    return shown
