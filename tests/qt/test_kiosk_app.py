"""The kiosk app against a real `turnero serve`: a customer taps a service, types a
phone, gets a ticket the server has; retries never make two tickets; the server going
away shows "out of service" and coming back shows the welcome screen; printer faults
keep the ticket on screen. Screenshots of every screen, es/en, portrait and landscape."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import signal
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from escpos.printer import Dummy
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from conftest import ARTIFACTS, DEMO_PASSWORD
from turnero_kiosk import i18n
from turnero_kiosk.flow import KioskFlow
from turnero_kiosk.printing import EscposPrinter, PrintService, make_printer
from turnero_kiosk.states import KioskSettings, PrintState, Screen
from turnero_kiosk.window import KioskWindow
from turnero_qt import Backoff, DeviceLink, RestClient

pytestmark = pytest.mark.live

PORTRAIT, LANDSCAPE = (1080, 1920), (1920, 1080)
FAST = Backoff(first=0.2, factor=2.0, maximum=1.0)
WAIT = 30_000  # ms: generous; nothing here is a timing assertion


class DummyPrinters:
    """An ESC/POS printer whose every job lands in a python-escpos Dummy."""

    def __init__(self):
        self.jobs: list[Dummy] = []
        self.printer = EscposPrinter(self._new, "dummy", check_paper=False)

    def _new(self) -> Dummy:
        self.jobs.append(Dummy())
        return self.jobs[-1]


def device_token(server, branch="centro") -> str:
    return server.cli("device", "add", "--branch", branch, "--kind", "kiosk").strip().splitlines()[-1]


@pytest.fixture(scope="module")
def kiosk_token(live):
    return device_token(live)


@pytest.fixture(scope="module")
def agent(live):
    r = requests.post(f"{live.url}/api/v1/auth/token", json={"username": "agente", "password": DEMO_PASSWORD},
                      timeout=10)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def staff_tickets(live, agent) -> list[dict]:
    r = requests.get(f"{live.url}/api/v1/branches/centro/tickets", headers=agent, timeout=10)
    r.raise_for_status()
    return r.json()


@pytest.fixture
def make_kiosk(qtbot, live, kiosk_token):
    made = []

    def _make(printer=None, server=None, token=None, size=PORTRAIT, rest=None, settings=None):
        link = DeviceLink(server or live.url, token or kiosk_token, kind="kiosk", backoff=FAST, rest=rest)
        flow = KioskFlow(link, PrintService(printer or DummyPrinters().printer), settings or KioskSettings())
        window = KioskWindow(flow, admin_pin="2468")
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        made.append((flow, window))
        flow.start()
        qtbot.waitUntil(lambda: flow.screen == Screen.WELCOME, timeout=WAIT)
        return flow, window

    yield _make
    for flow, window in made:
        flow.stop()
        window.allow_close()
        window.close()


def shot(window, name: str, size) -> None:
    QApplication.processEvents()
    assert window.size().toTuple() == size  # every screen fits the kiosk's display, both ways up
    path = ARTIFACTS / "screenshots" / f"kiosk-{name}-{size_name(size)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    image = window.grab()
    assert image.size().toTuple() == size
    assert image.save(str(path)), path


def size_name(size) -> str:
    return f"{size[0]}x{size[1]}"


def tap(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.accessibleName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_phone(qtbot, window, digits: str) -> None:
    keypad = window.screens[Screen.PHONE].keypad
    for d in digits:
        tap(qtbot, keypad.keys[d])


def take_through_screens(qtbot, flow, window, service="caja", phone="5512345678", priority=False):
    tap(qtbot, window.screens[Screen.WELCOME].buttons[service])
    assert flow.screen == Screen.PHONE
    if phone:
        type_phone(qtbot, window, phone)
        tap(qtbot, window.screens[Screen.PHONE].go)
    else:
        tap(qtbot, window.screens[Screen.PHONE].skip)
    assert flow.screen == Screen.PRIORITY  # the demo branch offers priority turns
    screen = window.screens[Screen.PRIORITY]
    tap(qtbot, screen.yes if priority else screen.no)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    return flow.ticket


# ---------------------------------------------------------------- taking a turn

def test_tap_a_service_type_a_phone_and_the_server_has_the_ticket(qtbot, make_kiosk, live, agent):
    printers = DummyPrinters()
    flow, window = make_kiosk(printer=printers.printer)
    welcome = window.screens[Screen.WELCOME]
    assert set(welcome.buttons) == {"caja", "plataforma"}
    assert "Caja" in welcome.buttons["caja"].accessibleName()

    ticket = take_through_screens(qtbot, flow, window, phone="5512345678")
    code = ticket["code"]
    assert code.startswith("A")
    shown = window.screens[Screen.TICKET]
    assert shown.code.text() == code and shown.isVisible()
    assert shown.qr.accessibleDescription() == ticket["track_url"]

    qtbot.waitUntil(lambda: flow.print_state == PrintState.PRINTED, timeout=WAIT)
    assert code.encode() in printers.jobs[-1].output
    assert ticket["track_url"].encode() in printers.jobs[-1].output

    mine = [t for t in staff_tickets(live, agent) if t["code"] == code]
    assert len(mine) == 1
    assert mine[0]["channel"] == "kiosk"
    assert mine[0]["phone"] == "+525512345678"
    assert mine[0]["priority"] is False

    tap(qtbot, shown.done)
    assert flow.screen == Screen.WELCOME


def test_the_welcome_buttons_follow_the_line_live(qtbot, make_kiosk, live):
    flow, window = make_kiosk()
    card = window.screens[Screen.WELCOME].buttons["plataforma"]
    before = int(flow.service_info("plataforma")["waiting"])
    r = requests.post(f"{live.url}/api/v1/branches/centro/tickets", json={"service": "plataforma"}, timeout=10)
    assert r.status_code == 201
    # Told over Socket.IO (branch.state), not polled.
    qtbot.waitUntil(lambda: card.in_line == i18n.plural("service.in_line", before + 1, "es"), timeout=WAIT)
    assert str(before + 1) in card.accessibleName()


def test_a_bad_phone_is_refused_on_screen_and_can_be_skipped(qtbot, make_kiosk, live, agent):
    flow, window = make_kiosk()
    tap(qtbot, window.screens[Screen.WELCOME].buttons["plataforma"])
    type_phone(qtbot, window, "12345")
    phone = window.screens[Screen.PHONE]
    tap(qtbot, phone.go)
    assert flow.screen == Screen.PHONE
    assert phone.message.isVisible() and "válido" in phone.message.text()
    tap(qtbot, phone.skip)
    tap(qtbot, window.screens[Screen.PRIORITY].yes)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    mine = [t for t in staff_tickets(live, agent) if t["code"] == flow.ticket["code"]]
    assert mine[0]["phone"] is None and mine[0]["priority"] is True
    assert window.screens[Screen.TICKET].badge.isVisible()


def test_the_server_refusing_the_phone_is_shown_on_the_phone_screen(qtbot, make_kiosk):
    # A number the kiosk accepts for another country (+ prefix typed by staff tools) but the
    # server refuses: its 422 lands on the phone step, translated, not on an error page.
    flow, window = make_kiosk()
    tap(qtbot, window.screens[Screen.WELCOME].buttons["caja"])
    flow.phone = "+999"  # what a stale or tampered client might send
    flow._after_phone()
    tap(qtbot, window.screens[Screen.PRIORITY].no)
    qtbot.waitUntil(lambda: flow.screen == Screen.PHONE, timeout=WAIT)
    assert flow.message
    assert window.screens[Screen.PHONE].message.isVisible()


def test_the_same_idempotency_key_twice_gives_one_ticket(qtbot, live, kiosk_token, agent):
    rest = RestClient(live.url, kiosk_token)
    first = rest.take_ticket("centro", "caja", idempotency_key="kiosk-test-key-1", retries=0)
    with qtbot.waitSignal(first.finished, timeout=WAIT):
        pass
    again = rest.take_ticket("centro", "caja", idempotency_key="kiosk-test-key-1", retries=0)
    with qtbot.waitSignal(again.finished, timeout=WAIT):
        pass
    assert first.status == again.status == 201
    assert again.replayed and not first.replayed
    assert first.data["code"] == again.data["code"]
    assert [t["code"] for t in staff_tickets(live, agent)].count(first.data["code"]) == 1


class LosingProxy:
    """A TCP relay to the server that loses the answer to the first ticket POST: the
    server made the ticket, the kiosk never heard. Like a Wi-Fi drop at the worst moment."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.posts = 0
        self.lost = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        upstream = socket.create_connection(self.target)
        state = {"drop": False}

        def up():
            try:
                while data := client.recv(65536):
                    if b"POST /api/v1/branches/centro/tickets" in data:
                        with self._lock:
                            self.posts += 1
                            state["drop"] = self.lost == 0
                    upstream.sendall(data)
            except OSError:
                pass
            finally:
                upstream.close()

        threading.Thread(target=up, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                if state["drop"]:
                    with self._lock:
                        self.lost += 1
                    break  # the answer is lost with the connection
                client.sendall(data)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)  # wakes the other thread's recv and tells the kiosk at once
                except OSError:
                    pass
                s.close()

    def close(self):
        self.listener.close()


def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_ticket(qtbot, make_kiosk, live, kiosk_token,
                                                                          agent):
    proxy = LosingProxy(live.port)
    try:
        rest = RestClient(f"http://127.0.0.1:{proxy.port}", kiosk_token, retry_backoff=FAST)
        before = len(staff_tickets(live, agent))
        flow, window = make_kiosk(rest=rest)
        ticket = take_through_screens(qtbot, flow, window, service="plataforma", phone=None)
        assert proxy.lost == 1 and proxy.posts >= 2  # the first answer was lost, the kiosk asked again
        after = staff_tickets(live, agent)
        assert len(after) == before + 1
        assert [t["code"] for t in after].count(ticket["code"]) == 1
    finally:
        proxy.close()


def test_no_appointment_button_unless_the_server_offers_check_in(qtbot, make_kiosk, live):
    flow, window = make_kiosk()
    spec = requests.get(f"{live.url}/api/v1/openapi.json", timeout=10)
    # No document (or no check-in in it): the button stays hidden rather than broken.
    offered = spec.ok and "/api/v1/branches/{branch}/check-in" in spec.json().get("paths", {})
    qtbot.waitUntil(lambda: flow.check_in_available == offered, timeout=WAIT)
    assert window.screens[Screen.WELCOME].appointment.isVisible() == offered


def book_appointment_starting_soon(live) -> dict:
    """Open the branch all day today and tomorrow, and book the next slot (it starts within
    20 minutes, so its check-in window, 30 minutes before, is open now)."""
    tz = ZoneInfo("America/Mexico_City")
    now = datetime.now(tz)
    days = [now.date(), now.date() + timedelta(days=1)]
    r = requests.post(f"{live.url}/api/v1/auth/token", json={"username": "admin", "password": DEMO_PASSWORD},
                      timeout=10)
    r.raise_for_status()
    r = requests.put(f"{live.url}/api/v1/branches/centro/opening-hours", timeout=10,
                     headers={"Authorization": f"Bearer {r.json()['token']}"},
                     json={"hours": {str(day.weekday()): "00:00-23:59" for day in days}})
    assert r.status_code == 200, r.text
    for day in days:
        r = requests.get(f"{live.url}/api/v1/branches/centro/slots",
                         params={"service": "plataforma", "date": day.isoformat()}, timeout=10)
        assert r.status_code == 200, r.text
        free = [slot for slot in r.json() if slot["free"] > 0]
        if free:
            break
    assert free, "no free slot today or tomorrow"
    r = requests.post(f"{live.url}/api/v1/branches/centro/appointments", timeout=10, json={
        "service": "plataforma", "start": free[0]["start"], "name": "Ana Kiosco", "phone": "5598765432"})
    assert r.status_code == 201, r.text
    return r.json()


def test_check_in_by_appointment_code(qtbot, make_kiosk, live, agent):
    paths = requests.get(f"{live.url}/api/v1/openapi.json", timeout=10).json()["paths"]
    assert "/api/v1/branches/{branch}/check-in" in paths  # the appointments API is there
    appointment = book_appointment_starting_soon(live)
    flow, window = make_kiosk()
    welcome = window.screens[Screen.WELCOME]
    qtbot.waitUntil(lambda: welcome.appointment.isVisible(), timeout=WAIT)
    tap(qtbot, welcome.appointment)
    assert flow.screen == Screen.CHECKIN
    screen = window.screens[Screen.CHECKIN]
    for ch in "ZZZZZZ":
        tap(qtbot, screen.keyboard.keys[ch])
    tap(qtbot, screen.go)
    qtbot.waitUntil(lambda: flow.screen == Screen.CHECKIN and bool(flow.message), timeout=WAIT)
    assert screen.message.isVisible()  # unknown code: said on the same screen
    for _ in range(6):
        tap(qtbot, screen.keyboard.delete)
    for ch in appointment["code"]:
        tap(qtbot, screen.keyboard.keys[ch])
    shot(window, "checkin-es", PORTRAIT)
    tap(qtbot, screen.go)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    ticket = flow.ticket
    assert ticket["code"].startswith("B")
    mine = [t for t in staff_tickets(live, agent) if t["code"] == ticket["code"]]
    assert mine[0]["channel"] == "appointment" and mine[0]["phone"] == "+525598765432"


def test_idle_customer_goes_back_to_welcome_and_language_resets(qtbot, make_kiosk):
    flow, window = make_kiosk(settings=KioskSettings(idle_seconds=1))
    tap(qtbot, window.screens[Screen.WELCOME].header.lang)
    assert flow.lang == "en"
    assert window.screens[Screen.WELCOME].title.text() == "Welcome"
    tap(qtbot, window.screens[Screen.WELCOME].buttons["caja"])
    assert flow.screen == Screen.PHONE
    qtbot.waitUntil(lambda: flow.screen == Screen.WELCOME, timeout=WAIT)
    assert flow.lang == "es"
    assert window.screens[Screen.WELCOME].title.text() == "Bienvenido"


def test_staff_exit_needs_the_pin(qtbot, make_kiosk):
    flow, window = make_kiosk()
    window.close()
    assert window.isVisible()  # a customer cannot close it
    window.corner.held.emit()  # the 3-second hold on the corner
    pad = window.pin
    assert pad.isVisible()
    shot(window, "staff-pin-es", PORTRAIT)
    for d in "1111":
        tap(qtbot, pad.keypad.keys[d])
    tap(qtbot, pad.ok)
    assert window.isVisible() and pad.message.text()
    with qtbot.waitSignal(window.exit_requested, timeout=WAIT):
        for d in "2468":
            tap(qtbot, pad.keypad.keys[d])
        tap(qtbot, pad.ok)
    assert not window.isVisible()


def test_a_refused_token_shows_out_of_service_with_the_reason(qtbot, live):
    link = DeviceLink(live.url, "not-a-device-token", kind="kiosk", backoff=FAST)
    flow = KioskFlow(link, PrintService(make_printer("none")), KioskSettings())
    window = KioskWindow(flow)
    qtbot.addWidget(window)
    window.resize(*PORTRAIT)
    window.show()
    flow.start()
    try:
        qtbot.waitUntil(lambda: flow.screen == Screen.OFFLINE and bool(flow.detail), timeout=WAIT)
        offline = window.screens[Screen.OFFLINE]
        assert offline.detail.isVisible() and "token" in offline.detail.text().lower()
    finally:
        flow.stop()
        window.allow_close()


def test_the_command_starts_and_stops_cleanly(live, kiosk_token, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("TURNERO_CONFIG", None)
    bad = subprocess.run([sys.executable, "-m", "turnero_kiosk.main", "--server", live.url], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "token" in bad.stderr
    proc = subprocess.Popen([sys.executable, "-m", "turnero_kiosk.main", "--server", live.url, "--token",
                             kiosk_token, "--printer", f"pdf:{tmp_path}", "--windowed"],
                            env=env, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "kiosk of branch centro" in line:
                break
        assert proc.poll() is None, "the kiosk ended by itself:\n" + "".join(seen) + proc.stderr.read()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        assert code == 0, f"exit code {code}:\n" + "".join(seen) + proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


# ---------------------------------------------------------------- the ticket screen follows the line

def call_next(live, agent, counter: str) -> dict:
    r = requests.post(f"{live.url}/api/v1/branches/centro/counters/{counter}/call-next", headers=agent, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_ticket_screen_follows_the_line_live_and_says_where_to_go(qtbot, make_kiosk, live, agent):
    r = requests.post(f"{live.url}/api/v1/branches/centro/counters/v1/open", headers=agent, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.post(f"{live.url}/api/v1/branches/centro/tickets", json={"service": "caja"}, timeout=10)
    assert r.status_code == 201  # someone in line before our customer
    flow, window = make_kiosk(settings=KioskSettings(ticket_seconds=600))
    ticket = take_through_screens(qtbot, flow, window, service="caja", phone=None)
    screen = window.screens[Screen.TICKET]
    ahead = ticket["ahead"]
    assert ahead >= 1 and screen.ahead.text() == i18n.plural("ticket.ahead", ahead, "es")
    assert not screen.called.isVisible()

    call_next(live, agent, "v1")  # the first in line is called: one fewer ahead, told over Socket.IO
    qtbot.waitUntil(lambda: screen.ahead.text() == i18n.plural("ticket.ahead", ahead - 1, "es"), timeout=WAIT)
    assert flow.screen == Screen.TICKET and screen.code.text() == ticket["code"]
    shot(window, "ticket-live-es", PORTRAIT)

    while call_next(live, agent, "v1")["code"] != ticket["code"]:
        pass
    qtbot.waitUntil(lambda: screen.called.isVisible(), timeout=WAIT)
    assert screen.called_counter.text() == "Pase a Ventanilla 1"
    assert "Ventanilla 1" in screen.called.accessibleName()
    assert not screen.ahead.isVisible() and not screen.wait.isVisible()
    assert screen.code.text() == ticket["code"] and screen.qr.accessibleDescription() == ticket["track_url"]
    for size in (PORTRAIT, LANDSCAPE):
        window.resize(*size)
        for lang in ("es", "en"):
            flow.set_lang(lang)
            shot(window, f"ticket-called-{lang}", size)
            line = screen.called_counter   # one line, never cut
            assert line.fontMetrics().horizontalAdvance(line.text()) <= line.width(), (lang, size)
    assert screen.called_counter.text() == "Please go to Ventanilla 1"
    window.resize(*PORTRAIT)
    qtbot.waitUntil(screen.done.isVisible, timeout=WAIT)  # laid out again for portrait
    tap(qtbot, screen.done)
    assert flow.screen == Screen.WELCOME
    assert flow.link.realtime._tickets == {}  # no longer followed


# ---------------------------------------------------------------- printing through the flow

def test_printer_fault_shows_the_message_and_keeps_the_ticket(qtbot, make_kiosk, live, agent):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    flow, window = make_kiosk(printer=make_printer(f"escpos-network:127.0.0.1:{dead}"))
    ticket = take_through_screens(qtbot, flow, window)
    qtbot.waitUntil(lambda: flow.print_state == PrintState.FAILED, timeout=WAIT)
    screen = window.screens[Screen.TICKET]
    assert screen.status.isVisible()
    assert "foto del código QR" in screen.status.text()
    assert screen.code.text() == ticket["code"] and screen.qr.isVisible()
    assert flow.countdown > KioskSettings().ticket_seconds  # more time to take the photo
    assert any(t["code"] == ticket["code"] for t in staff_tickets(live, agent))


def test_pdf_printer_writes_the_ticket(qtbot, make_kiosk, tmp_path):
    flow, window = make_kiosk(printer=make_printer(f"pdf:{tmp_path / 'tickets'}"))
    ticket = take_through_screens(qtbot, flow, window, phone=None)
    qtbot.waitUntil(lambda: flow.print_state == PrintState.PRINTED, timeout=WAIT)
    files = list((tmp_path / "tickets").glob(f"*-{ticket['code']}.pdf"))
    assert len(files) == 1 and files[0].read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------- screenshots

@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=size_name)
def test_screenshots(qtbot, make_kiosk, size):
    """Every screen a customer sees, es and en (saved for people to look at)."""
    flow, window = make_kiosk(size=size)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    faulty, faulty_window = make_kiosk(size=size, printer=make_printer(f"escpos-network:127.0.0.1:{dead}"))
    for lang in ("es", "en"):
        flow.set_lang(lang)
        shot(window, f"welcome-{lang}", size)
        tap(qtbot, window.screens[Screen.WELCOME].buttons["plataforma"])
        type_phone(qtbot, window, "55123")
        shot(window, f"phone-{lang}", size)
        type_phone(qtbot, window, "4")
        tap(qtbot, window.screens[Screen.PHONE].go)
        shot(window, f"phone-invalid-{lang}", size)
        type_phone(qtbot, window, "5678")
        tap(qtbot, window.screens[Screen.PHONE].go)
        shot(window, f"priority-{lang}", size)
        tap(qtbot, window.screens[Screen.PRIORITY].no)
        qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
        qtbot.waitUntil(lambda: flow.print_state == PrintState.PRINTED, timeout=WAIT)
        shot(window, f"ticket-{lang}", size)
        tap(qtbot, window.screens[Screen.TICKET].done)

        faulty.set_lang(lang)
        take_through_screens(qtbot, faulty, faulty_window, service="caja", phone=None, priority=True)
        qtbot.waitUntil(lambda: faulty.print_state == PrintState.FAILED, timeout=WAIT)
        shot(faulty_window, f"printer-fault-{lang}", size)
        tap(qtbot, faulty_window.screens[Screen.TICKET].done)


# ---------------------------------------------------------------- the server going away

def test_server_stopped_then_restarted(qtbot, live, make_kiosk, agent):
    # Last in this module: it stops the module's server (start() brings it back on the same port).
    server = live
    flow, window = make_kiosk()
    server.stop()
    qtbot.waitUntil(lambda: flow.screen == Screen.OFFLINE, timeout=WAIT)
    offline = window.screens[Screen.OFFLINE]
    assert offline.isVisible() and offline.title.text() == "Fuera de servicio"
    for size in (PORTRAIT, LANDSCAPE):
        window.resize(*size)
        for lang in ("es", "en"):
            flow.set_lang(lang)
            shot(window, f"offline-{lang}", size)
    window.resize(*PORTRAIT)
    server.start()
    qtbot.waitUntil(lambda: flow.screen == Screen.WELCOME, timeout=WAIT)
    assert window.screens[Screen.WELCOME].isVisible()
    assert flow.lang == "es"
    ticket = take_through_screens(qtbot, flow, window, phone=None)
    assert any(t["code"] == ticket["code"] for t in staff_tickets(live, agent))
