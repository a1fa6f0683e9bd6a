"""KioskFlow alone (no widgets, no server): a fake link hands it branch data and
answers its requests, so each rule of the flow is checked on its own."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from turnero_kiosk import i18n
from turnero_kiosk.check_in import CHECK_IN_PATH
from turnero_kiosk.flow import KioskFlow
from turnero_kiosk.printing import PrinterFault, PrintService, make_printer
from turnero_kiosk.shown_ticket import CALLED_SECONDS
from turnero_kiosk.states import KioskSettings, PrintState, Screen
from turnero_kiosk.style import MIN_TARGET
from turnero_kiosk.window import KioskWindow
from turnero_qt.link import LinkSignals
from turnero_qt.rest import ApiError, RestReply

BRANCH = {"slug": "centro", "name": "Sucursal Centro", "timezone": "America/Mexico_City", "lang": "es",
          "country": "MX", "offers_priority": True,
          "services": [{"id": "caja", "names": {"es": "Caja", "en": "Cashier"}, "prefix": "A",
                        "waiting": 2, "eta": {"low_min": 3, "high_min": 8}}]}
TICKET = {"id": "t-7", "token": "tok-7", "status": "waiting",
          "code": "A007", "service": "caja", "ahead": 2, "eta": {"low_min": 3, "high_min": 8},
          "track_url": "http://turnero.test/t/abc", "created_at": "2026-11-23T15:04:05Z", "priority": False}


class FakeRest:
    def __init__(self):
        self.lang = None
        self.sent: list[tuple[str, dict, RestReply]] = []

    def take_ticket(self, branch, service, **kw):
        reply = RestReply("POST", f"/branches/{branch}/tickets", kw.get("idempotency_key"))
        self.sent.append(("ticket", {"service": service, **kw}, reply))
        return reply

    def check_in(self, branch, **kw):
        reply = RestReply("POST", f"/branches/{branch}/check-in", kw.get("idempotency_key"))
        self.sent.append(("check-in", kw, reply))
        return reply

    def get(self, path, params=None):
        reply = RestReply("GET", path, None)
        self.sent.append(("get", {"path": path}, reply))
        return reply

    def last(self, kind):
        return next(item for item in reversed(self.sent) if item[0] == kind)


class FakeLink(LinkSignals):
    """A DeviceLink's signals, emitted by the test; no server."""

    def __init__(self):
        super().__init__()
        self.rest = FakeRest()
        self.device = {"branch": "centro", "kind": "kiosk"}
        self.watched: list[str] = []

    def watch_ticket(self, token):
        self.watched.append(token)

    def unwatch_ticket(self, token):
        self.watched.remove(token)

    def start(self):
        self.online_changed.emit(True)
        self.branch_state.emit({"seq": 1, "services": BRANCH["services"]}, "subscribe")
        self.branch_changed.emit(BRANCH)

    def stop(self):
        pass


def answer(reply: RestReply, data=None, error: ApiError | None = None):
    reply.done = True
    if error is None:
        reply.status, reply.data = 201, data
        reply.succeeded.emit(data)
    else:
        reply.status, reply.error = error.status, error
        reply.failed.emit(error)
    reply.finished.emit()


class FailingPrinter:
    blocking_io = False
    description = "broken"

    def print_slip(self, slip):
        raise PrinterFault("broken: paper jam")


@pytest.fixture
def flow(qtbot):
    made = []

    def _make(printer=None, **settings):
        link = FakeLink()
        f = KioskFlow(link, PrintService(printer or make_printer("none")), KioskSettings(**settings))
        f.start()
        made.append(f)
        assert f.screen == Screen.WELCOME
        return f

    yield _make
    for f in made:
        f.stop()


def to_taking(f, phone_digits=""):
    f.choose_service("caja")
    for d in phone_digits:
        f.press_digit(d)
    f.submit_phone()
    f.choose_priority(False)
    assert f.screen == Screen.TAKING
    return f.link.rest.last("ticket")


def test_try_again_after_an_error_sends_the_same_idempotency_key(flow):
    f = flow()
    _, body, first = to_taking(f, "5512345678")
    assert body["phone"] == "+525512345678" and body["idempotency_key"]
    answer(first, error=ApiError(503, "Service Unavailable"))
    assert f.screen == Screen.ERROR and f.message
    f.retry()
    _, again, second = f.link.rest.last("ticket")
    assert again["idempotency_key"] == body["idempotency_key"]
    answer(second, TICKET)
    assert f.screen == Screen.TICKET and f.ticket["code"] == "A007"


def test_a_new_customer_gets_a_new_key(flow):
    f = flow()
    _, first, reply = to_taking(f)
    answer(reply, TICKET)
    f.finish()
    _, second, _ = to_taking(f)
    assert second["idempotency_key"] != first["idempotency_key"]


def test_the_servers_phone_complaint_goes_back_to_the_phone_step(flow):
    f = flow()
    _, _, reply = to_taking(f, "5512345678")
    answer(reply, error=ApiError(422, "Unprocessable", "Invalid input",
                                 errors={"phone": ["No es un número de teléfono válido."]}))
    assert f.screen == Screen.PHONE
    assert f.message == "No es un número de teléfono válido."


@pytest.mark.parametrize("outcome, said", [
    ({"error": ApiError(None, "server unreachable", timeout=True)}, "error.busy"),
    ({"data": {"unexpected": True}}, "error.generic"),
], ids=["lost-connection-while-online", "answer-without-a-ticket"])
def test_no_ticket_offers_to_try_again_with_the_same_key(flow, outcome, said):
    f = flow()
    _, body, reply = to_taking(f)
    answer(reply, **outcome)
    assert f.screen == Screen.ERROR and f.message == i18n.text(said, "es")
    f.retry()
    assert f.link.rest.last("ticket")[1]["idempotency_key"] == body["idempotency_key"]


def test_going_offline_keeps_the_ticket_on_screen_until_done(flow):
    f = flow()
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    f.link.online_changed.emit(False)
    assert f.screen == Screen.TICKET
    f.finish()
    assert f.screen == Screen.OFFLINE
    f.link.online_changed.emit(True)
    assert f.screen == Screen.WELCOME


def test_offline_drops_a_half_taken_turn(flow):
    f = flow()
    to_taking(f)
    f.link.online_changed.emit(False)
    assert f.screen == Screen.OFFLINE and f.attempt_key is None
    f.choose_service("caja")
    assert f.screen == Screen.OFFLINE  # nothing to tap while out of service


def test_a_printer_fault_keeps_the_ticket_longer(flow, qtbot):
    f = flow(printer=FailingPrinter(), ticket_seconds=10, fault_ticket_seconds=50)
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    qtbot.waitUntil(lambda: f.print_state == PrintState.FAILED, timeout=10_000)
    assert f.screen == Screen.TICKET and f.countdown > 10


def test_no_printer_says_to_photograph_the_qr(flow):
    f = flow()
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    assert f.print_state == PrintState.NONE


def test_the_ticket_on_screen_is_followed_until_the_screen_goes(flow):
    f = flow(ticket_seconds=5)
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    assert f.link.watched == ["tok-7"]
    f.link.ticket_updated.emit({**TICKET, "id": "someone-else", "ahead": 0})
    assert f.ticket["ahead"] == 2
    update = {k: v for k, v in TICKET.items() if k not in ("token", "track_url")}
    f.link.ticket_updated.emit({**update, "ahead": 1, "position": 2, "eta": {"low_min": 1, "high_min": 4}})
    assert f.ticket["ahead"] == 1 and f.ticket["eta"]["high_min"] == 4
    assert f.ticket["token"] == "tok-7" and f.ticket["track_url"] == TICKET["track_url"]
    f.link.ticket_updated.emit({**update, "status": "called", "ahead": None, "counter": {"id": "v2", "name": "Caja 2"}})
    assert f.ticket["status"] == "called" and f.countdown >= CALLED_SECONDS  # time to read where to go
    f.finish()
    assert f.link.watched == []
    f.link.ticket_updated.emit({**update, "status": "serving"})
    assert f.ticket["status"] == "called"  # no longer on screen: nothing changes


def test_check_in_sends_a_code_or_a_phone(flow):
    f = flow()
    f._on_openapi({"paths": {CHECK_IN_PATH: {}}})
    assert f.check_in_available
    f.start_check_in()
    for ch in "k7m3pa":
        f.press_key(ch)
    f.submit_check_in()
    kind, body, reply = f.link.rest.last("check-in")
    assert body["code"] == "K7M3PA" and body["idempotency_key"]
    answer(reply, error=ApiError(409, "Check-in is closed", "Es muy temprano para registrar su llegada."))
    assert f.screen == Screen.CHECKIN and "temprano" in f.message
    for _ in range(6):
        f.delete_key()
    for ch in "5598765432":
        f.press_key(ch)
    f.submit_check_in()
    _, body, reply = f.link.rest.last("check-in")
    assert body == {"phone": "+525598765432", "code": None, "token": None, "idempotency_key": body["idempotency_key"]}
    answer(reply, {**TICKET, "code": "B001", "service": "plataforma"})
    assert f.screen == Screen.TICKET


TOKEN = "Zq8-Kd_3xVwP0aTr7LmN2s"


def test_a_scanned_appointment_qr_checks_in_from_the_welcome_screen(qtbot, flow):
    """The scanner types the appointment page's link and Enter: checked in at once, by
    the page's token; a scanned bare code is as if typed; anything else is said so."""
    from PySide6.QtCore import Qt

    f = flow(scanner=True)
    f._on_openapi({"paths": {CHECK_IN_PATH: {}}})
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.current, f"https://turnero.example/a/{TOKEN}")
    assert not [s for s in f.link.rest.sent if s[0] == "check-in"]  # nothing until Enter
    qtbot.keyClick(window.current, Qt.Key.Key_Return)
    _, body, reply = f.link.rest.last("check-in")
    assert body["token"] == TOKEN and body["code"] is None and f.screen == Screen.TAKING
    answer(reply, {**TICKET, "code": "B004", "channel": "appointment"})
    assert f.screen == Screen.TICKET
    f.finish()

    f.scan("hk7mxr\n")
    _, body, _reply = f.link.rest.last("check-in")
    assert body["code"] == "HK7MXR" and f.screen == Screen.TAKING
    f._drop_attempt()
    f._go_welcome()
    f.scan("WIFI:T:WPA;S:lobby;;")
    assert f.screen == Screen.CHECKIN and "leer" in f.message
    window.show_screen()
    assert window.current.subtitle.text().startswith("Acerque al lector")
    window.allow_close()


def test_the_scanner_reads_a_burst_of_keys_ending_in_enter():
    from PySide6.QtCore import Qt

    from turnero_kiosk.scanner import GAP_SECONDS, ScanReader

    moments = iter([0.0, 0.01, 0.02, 0.03, 5.0, 5.01, 5.02, 9.0, 9.0 + GAP_SECONDS * 2, 9.9])
    reader = ScanReader(now=lambda: next(moments))
    got = []
    reader.scanned.connect(got.append)
    for key, text in ((Qt.Key.Key_A, "a"), (Qt.Key.Key_B, "b"), (Qt.Key.Key_C, "c"), (Qt.Key.Key_Return, "\r")):
        reader.key(key, text)
    assert got == ["abc"]
    reader.key(Qt.Key.Key_X, "x")            # a stray key, long after
    reader.key(Qt.Key.Key_Y, "y")
    reader.key(Qt.Key.Key_Enter, "\r")
    assert got == ["abc", "xy"]
    reader.key(Qt.Key.Key_Z, "z")            # a key, then Enter far too late: not one scan
    reader.key(Qt.Key.Key_Return, "\r")
    reader.key(Qt.Key.Key_Return, "\r")     # Enter alone: nothing
    assert got == ["abc", "xy"]


def test_at_a_branch_with_remote_check_in_the_kiosk_checks_in_turns_from_phones_too(qtbot, flow):
    """The same button and keyboard: the words say a turn taken from a phone checks in
    here too (the server finds it by its phone), and the ticket is shown and printed."""
    f = flow()
    f._on_openapi({"paths": {CHECK_IN_PATH: {}}})
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.show()
    welcome, check_in = window.screens[Screen.WELCOME], window.screens[Screen.CHECKIN]
    assert welcome.appointment.text().startswith("Tengo una cita  ·")
    f.link.branch_changed.emit({**BRANCH, "remote_check_in": True})
    assert welcome.appointment.text().startswith("Tengo cita o turno  ·")
    f.start_check_in()
    window.show_screen()
    assert check_in.title.text() == "Registre su llegada"
    assert "el teléfono con el que tomó su turno" in check_in.subtitle.text()
    f._set_lang("en")
    assert "the phone you took your turn with" in check_in.subtitle.text()
    for ch in "5512345678":
        f.press_key(ch)
    f.submit_check_in()
    _, body, reply = f.link.rest.last("check-in")
    assert body["phone"] == "+525512345678"
    answer(reply, {**TICKET, "code": "A012", "channel": "web", "arrived_at": "2026-11-23T15:04:05Z"})
    assert f.screen == Screen.TICKET and f.ticket["code"] == "A012"
    window.allow_close()


def test_no_check_in_button_without_the_endpoint(flow):
    f = flow()
    f._on_openapi({"paths": {"/api/v1/branches/{branch}/tickets": {}}})
    assert not f.check_in_available
    f.start_check_in()
    assert f.screen == Screen.WELCOME


def test_the_appointment_button_follows_what_the_server_offers(qtbot, flow):
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.show()
    button = window.screens[Screen.WELCOME].appointment
    f._on_openapi({"paths": {"/api/v1/branches/{branch}/tickets": {}}})   # no appointments API
    assert not button.isVisible()
    f._on_openapi({"paths": {CHECK_IN_PATH: {}}})
    assert button.isVisible()
    window.allow_close()


def test_language_follows_the_branch_and_resets_for_the_next_customer(flow):
    f = flow()
    assert f.lang == "es"
    f.set_lang("en")
    _, body, reply = to_taking(f)
    assert body["lang"] == "en" and f.link.rest.lang == "en"  # server messages come in English too
    answer(reply, TICKET)
    f.finish()
    assert f.lang == "es"


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_every_control_is_named_and_large(qtbot, flow, size):
    from PySide6.QtWidgets import QAbstractButton

    f = flow()
    f.check_in_available = True
    f.service = "caja"
    f.shown.set_ticket({**TICKET, "priority": True})
    window = KioskWindow(f, admin_pin="2468")
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    for screen in Screen:
        f.screen = screen
        window.show_screen()
        qtbot.waitExposed(window)
        assert window.size().toTuple() == size, screen  # nothing pushes the window past the display
        for lang in ("es", "en"):
            f._set_lang(lang)
            for control in window.current.findChildren(QAbstractButton):
                if not control.isVisibleTo(window.current):
                    continue
                assert control.accessibleName().strip(), (screen, control.text())
                assert control.width() >= MIN_TARGET and control.height() >= MIN_TARGET, (
                    screen, control.accessibleName())
    window.allow_close()


LINES = [{"id": f"s{i}", "names": {"es": f"Servicio {i}", "en": f"Service {i}"}, "prefix": "ABCDEFGH"[i],
          "color": "#0b4fb3", "waiting": i, "eta": {"low_min": i, "high_min": 2 * i + 3}} for i in range(8)]


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (1366, 768)], ids=["portrait", "landscape", "laptop"])
def test_the_welcome_screen_never_overlaps_and_never_leaves_a_hole(qtbot, flow, size):
    """However many lines a branch has, the cards, "how it works" and the appointment
    button never cover each other, cards are alike and at least a finger's height, and
    the room left between them stays small (no large empty middle)."""
    from PySide6.QtCore import QPoint, QRect

    from turnero_kiosk.screens.welcome import CARD_HEIGHTS

    f = flow()
    f.check_in_available = True
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    page = window.screens[Screen.WELCOME]
    most = 4 if size[1] < 1000 else 8
    for count in range(1, most + 1):
        f.link.branch_state.emit({"seq": count + 1, "services": LINES[:count]}, "event")
        qtbot.wait(20)  # the new cards are shown and laid out
        parts = [*page.buttons.values(), page.appointment]
        if page.how_it_works.isVisible():
            parts.append(page.how_it_works)
        boxes = [QRect(w.mapTo(page, QPoint(0, 0)), w.size()) for w in parts]
        for i, a in enumerate(boxes):
            assert page.rect().contains(a), (count, parts[i])
            for b in boxes[i + 1:]:
                assert not a.intersects(b), (count, a, b)
        heights = {b.height() for b in page.buttons.values()}
        assert len(heights) == 1 and heights.pop() >= CARD_HEIGHTS[0] >= MIN_TARGET, count
        tops = sorted((b.top(), b.bottom()) for b in boxes)
        widest = max(below[0] - above[1] for above, below in zip(tops, tops[1:]))
        assert widest < page.height() * 0.3, (count, widest)
    window.allow_close()


# ---------------------------------------------------------------- the branch's day

CLOSED = [{**BRANCH["services"][0], "joining": "closed", "message": None, "until": None,
           "opens_at": "2031-03-03T15:00:00Z"}]  # Monday 09:00 in Mexico City


def test_outside_the_branchs_hours_the_kiosk_says_when_it_opens_and_is_back_when_it_does(qtbot, flow):
    from conftest import ARTIFACTS
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    f.link.branch_state.emit({"seq": 2, "services": CLOSED}, "event")
    assert f.screen == Screen.CLOSED
    page = window.screens[Screen.CLOSED]
    assert page.opens.text().startswith("Puede tomar un turno") and "a las 09:00" in page.opens.text()
    assert page.other.text().startswith("Branch closed. You can take a turn") and "09:00" in page.other.text()
    assert page.accessibleName().startswith("Sucursal cerrada.")
    f.choose_service("caja")  # nothing to choose here
    assert f.screen == Screen.CLOSED and f.link.rest.sent == [s for s in f.link.rest.sent if s[0] == "get"]
    qtbot.waitExposed(window)
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "screenshots" / "kiosk-closed-es-portrait.png"))
    f.link.branch_state.emit({"seq": 3, "services": BRANCH["services"]}, "event")
    assert f.screen == Screen.WELCOME
    window.allow_close()


def test_a_turn_refused_because_the_branch_just_closed_shows_the_closed_screen(flow):
    f = flow()
    _, _, reply = to_taking(f)
    answer(reply, error=ApiError(409, "Conflicto", "La sucursal está cerrada ahora.",
                                 extra={"joining": "closed", "opens_at": "2031-03-03T15:00:00Z"}))
    assert f.screen == Screen.CLOSED and f.closed_until == "2031-03-03T15:00:00Z"


def test_a_paused_line_says_why_and_cannot_be_chosen(qtbot, flow):
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.show()
    paused = [{**BRANCH["services"][0], "joining": "paused", "message": "Caja cerrada hasta las 14:00"}]
    f.link.branch_state.emit({"seq": 2, "services": paused}, "event")
    assert window.screens[Screen.WELCOME].buttons["caja"].wait == "Caja cerrada hasta las 14:00"
    f.choose_service("caja")
    assert f.screen == Screen.WELCOME and f.message == "Caja cerrada hasta las 14:00"
    window.allow_close()


CLASSES = [{"id": 7, "name": "Adulto mayor", "names": {"es": "Adulto mayor", "en": "Older adult"},
            "boost_min": 15, "at_kiosk": True},
           {"id": 8, "name": "Embarazo", "names": {"es": "Embarazo", "en": "Pregnancy"},
            "boost_min": 15, "at_kiosk": True},
           {"id": 9, "name": "Urgencia", "names": {"es": "Urgencia", "en": "Urgency"},
            "boost_min": 60, "at_kiosk": False}]


def test_the_phone_step_offers_priority_too_so_neither_takes_two_taps(qtbot, flow):
    """Service, then "No thanks": a regular ticket in two taps. Priority is a toggle on
    the same screen (one per class the kiosk offers; staff-only classes are not)."""
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    page = window.screens[Screen.PHONE]
    f.choose_service("caja")                                 # tap 1
    window.show_screen()
    assert [t.text() for t, _ in page.toggles] == ["♿  Atención preferente"]
    assert page.toggles[0][0].accessibleName().startswith("Atención preferente: personas mayores")
    page.skip.click()                                        # tap 2
    _, body, reply = f.link.rest.last("ticket")
    assert f.screen == Screen.TAKING and body["priority"] is False and body.get("priority_class") is None
    answer(reply, TICKET)
    f.finish()

    f.link.branch_changed.emit({**BRANCH, "priority_classes": CLASSES})
    f.choose_service("caja")
    window.show_screen()
    toggles = [t for t, _ in page.toggles]
    assert [t.text() for t in toggles] == ["♿  Adulto mayor", "♿  Embarazo"]
    toggles[0].click()
    toggles[1].click()                                       # one class at a time
    assert [t.isChecked() for t in toggles] == [False, True] and toggles[1].text() == "✓  Embarazo"
    qtbot.waitExposed(window)
    from conftest import ARTIFACTS
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "screenshots" / "kiosk-phone-priority-es-portrait.png"))
    f.set_priority(True, 9)                                  # not offered at the kiosk: ignored
    assert f.priority_class == 8
    for d in "5512345678":
        f.press_digit(d)
    page.go.click()
    _, body, reply = f.link.rest.last("ticket")
    assert (body["priority"], body["priority_class"], body["phone"]) == (True, 8, "+525512345678")
    answer(reply, TICKET)
    f.finish()
    f.choose_service("caja")                                 # the next customer starts without it
    assert not f.priority and not any(t.isChecked() for t, _ in page.toggles)
    window.allow_close()


def test_a_kiosk_that_does_not_ask_for_a_phone_asks_priority_on_its_own_step(qtbot, flow):
    f = flow(ask_phone=False)
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    f.link.branch_changed.emit({**BRANCH, "priority_classes": CLASSES})
    f.choose_service("caja")
    assert f.screen == Screen.PRIORITY
    page = window.screens[Screen.PRIORITY]
    assert [b.text() for b in page.classes] == ["Adulto mayor", "Embarazo"]
    assert not page.yes.isVisible() and page.no.isVisible()
    f.back()
    assert f.screen == Screen.WELCOME
    f.choose_service("caja")
    page.classes[0].click()
    _, body, _reply = f.link.rest.last("ticket")
    assert (body["priority"], body["priority_class"]) == (True, 7)
    window.allow_close()


def test_where_the_server_sends_by_whatsapp_the_phone_step_asks_sms_or_whatsapp(qtbot, flow):
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    phone_screen = window.screens[Screen.PHONE]

    def served(reply):
        answer(reply, TICKET)
        f.finish()
        assert f.screen == Screen.WELCOME

    _, body, reply = to_taking(f, "5512345678")
    assert body["notify_by"] is None  # the branch offers SMS only: no choice to make
    assert phone_screen.whatsapp.isHidden()
    served(reply)
    f.link.branch_changed.emit({**BRANCH, "whatsapp": True})
    f.choose_service("caja")
    assert not phone_screen.whatsapp.isHidden()
    assert (phone_screen.go.text(), phone_screen.whatsapp.text()) == ("SMS", "WhatsApp")
    assert phone_screen.whatsapp.accessibleName() == "Avisos por WhatsApp"
    for d in "5512345678":
        f.press_digit(d)
    f.submit_phone_whatsapp()
    f.choose_priority(False)
    _, body, reply = f.link.rest.last("ticket")
    assert (body["phone"], body["notify_by"]) == ("+525512345678", "whatsapp")
    served(reply)
    _, body, reply = to_taking(f, "5512345678")
    assert body["notify_by"] == "sms"
    served(reply)
    _, body, _ = to_taking(f)  # no number: nothing to send anywhere
    assert body.get("phone") is None and body["notify_by"] is None


def test_a_line_no_counter_is_serving_says_so_on_its_button(qtbot, flow):
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    button = window.screens[Screen.WELCOME].buttons["caja"]
    assert button.wait.startswith("Espera estimada")
    f.link.branch_state.emit({"seq": 2, "services": [{**BRANCH["services"][0], "serving": 0}]}, "event")
    button = window.screens[Screen.WELCOME].buttons["caja"]
    assert button.wait == "Nadie atendiendo ahora" and "Nadie atendiendo ahora" in button.accessibleName()
