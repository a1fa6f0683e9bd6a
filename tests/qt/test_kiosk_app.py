"""The kiosk app against a real `turnero serve`: a customer taps a service, types a
phone, gets a ticket the server has; retries never make two tickets; printer faults
keep the ticket on screen. Screenshots of every screen, es/en, portrait and landscape.
(The server going away and coming back: test_kiosk_outage.py.)"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
from test_kiosk_support import (  # noqa: E402, F401
    ADMIN_PIN,
    LANDSCAPE,
    PORTRAIT,
    WAIT,
    DummyPrinters,
    make_kiosk,
    shot,
    size_name,
    take_through_screens,
    tap,
    type_phone,
)
from kiosk_process import kiosk_command  # noqa: E402
from test_qt_client_support import FAST, Staff, agent_at_centro, device_token, staff  # noqa: E402, F401 - fixtures

from turnero_kiosk import i18n  # noqa: E402
from turnero_kiosk.check_in import CHECK_IN_PATH  # noqa: E402
from turnero_kiosk.config import KioskOptions  # noqa: E402
from turnero_kiosk.main import build  # noqa: E402
from turnero_kiosk.printing import make_printer  # noqa: E402
from turnero_kiosk.states import KioskSettings, PrintState, Screen  # noqa: E402
from turnero_qt import ClientConfig, DeviceLink, RestClient, new_idempotency_key  # noqa: E402

pytestmark = pytest.mark.live


# ---------------------------------------------------------------- taking a turn

def test_tap_a_service_type_a_phone_and_the_server_has_the_ticket(qtbot, make_kiosk, live, staff):
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

    mine = [t for t in staff.tickets() if t["code"] == code]
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


def test_a_bad_phone_is_refused_on_screen_and_can_be_skipped(qtbot, make_kiosk, live, staff):
    flow, window = make_kiosk()
    tap(qtbot, window.screens[Screen.WELCOME].buttons["plataforma"])
    type_phone(qtbot, window, "12345")
    phone = window.screens[Screen.PHONE]
    tap(qtbot, phone.go)
    assert flow.screen == Screen.PHONE
    assert phone.message.isVisible() and phone.message.text() == i18n.text("phone.invalid", "es")
    older = phone.toggles[0][0]  # the demo's first class: "Adulto mayor", on the same screen
    assert older.text().endswith("Adulto mayor")
    tap(qtbot, older)
    tap(qtbot, phone.skip)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    mine = [t for t in staff.tickets() if t["code"] == flow.ticket["code"]]
    assert mine[0]["phone"] is None and mine[0]["priority"] is True and mine[0]["priority_class"]
    assert window.screens[Screen.TICKET].badge.isVisible()


def test_the_server_refusing_the_phone_is_shown_on_the_phone_screen(qtbot, make_kiosk):
    # A number the kiosk accepts for another country (+ prefix typed by staff tools) but the
    # server refuses: its 422 lands on the phone step, translated, not on an error page.
    flow, window = make_kiosk()
    tap(qtbot, window.screens[Screen.WELCOME].buttons["caja"])
    flow.phone = "+999"  # what a stale or tampered client might send
    flow._after_phone()
    qtbot.waitUntil(lambda: flow.screen == Screen.PHONE, timeout=WAIT)
    message = window.screens[Screen.PHONE].message
    assert flow.message and message.isVisible() and message.text() == flow.message


def test_the_same_idempotency_key_twice_gives_one_ticket(qtbot, live, staff):
    rest = RestClient(live.url, device_token(live, "kiosk"))
    key = new_idempotency_key()
    first = rest.take_ticket("centro", "caja", idempotency_key=key, retries=0)
    with qtbot.waitSignal(first.finished, timeout=WAIT):
        pass
    again = rest.take_ticket("centro", "caja", idempotency_key=key, retries=0)
    with qtbot.waitSignal(again.finished, timeout=WAIT):
        pass
    assert first.status == again.status == 201
    assert again.replayed and not first.replayed
    assert first.data["code"] == again.data["code"]
    assert [t["code"] for t in staff.tickets()].count(first.data["code"]) == 1


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


def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_ticket(qtbot, make_kiosk, live,
                                                                          staff):
    proxy = LosingProxy(live.port)
    try:
        rest = RestClient(f"http://127.0.0.1:{proxy.port}", device_token(live, "kiosk"), retry_backoff=FAST)
        before = len(staff.tickets())
        flow, window = make_kiosk(rest=rest)
        ticket = take_through_screens(qtbot, flow, window, service="plataforma", phone=None)
        assert proxy.lost == 1 and proxy.posts == 2  # the first answer was lost, the kiosk asked again
        after = staff.tickets()
        assert len(after) == before + 1
        assert [t["code"] for t in after].count(ticket["code"]) == 1
    finally:
        proxy.close()


def test_the_appointment_button_shows_when_the_server_offers_check_in(qtbot, make_kiosk, live):
    # This server has the appointments API; without it the button stays hidden
    # (test_kiosk_check_in.py: test_the_appointment_button_follows_what_the_server_offers).
    paths = requests.get(f"{live.url}/api/v1/openapi.json", timeout=10).json()["paths"]
    assert CHECK_IN_PATH in paths
    flow, window = make_kiosk()
    qtbot.waitUntil(lambda: flow.check_in_available, timeout=WAIT)
    assert window.screens[Screen.WELCOME].appointment.isVisible()


def book_appointment_starting_soon(live) -> dict:
    """Open the branch all day today and tomorrow, check-in from two hours before, and book
    the next slot this phone has not booked yet. It starts within 40 minutes at any hour,
    so its check-in is open now: once the 23:20 slot has begun (one at 23:40 would run past
    closing) the next is tomorrow's 00:00, which check-in from 30 minutes before, the
    default, did not open in time (a run at 23:25 failed)."""
    tz = ZoneInfo("America/Mexico_City")
    now = datetime.now(tz)
    days = [now.date(), now.date() + timedelta(days=1)]
    admin = Staff(live.url, live.password, username="admin")
    admin.request("PUT", "/branches/centro/opening-hours",
                  json={"hours": {str(day.weekday()): "00:00-23:59" for day in days}})
    admin.request("PUT", "/branches/centro/check-in-window", json={"checkin_before_min": 120, "checkin_after_min": 30})
    for day in days:
        r = requests.get(f"{live.url}/api/v1/branches/centro/slots",
                         params={"service": "plataforma", "date": day.isoformat()}, timeout=10)
        assert r.status_code == 200, r.text
        free = [slot for slot in r.json() if slot["free"] > 0]
        if free:
            break
    assert free, "no free slot today or tomorrow"
    for slot in free:  # (another test of the module may have booked this phone at the first)
        r = requests.post(f"{live.url}/api/v1/branches/centro/appointments", timeout=10, json={
            "service": "plataforma", "start": slot["start"], "name": "Ana Kiosco", "phone": "5598765432"})
        if r.status_code != 409:
            break
    assert r.status_code == 201, r.text
    return r.json()


def test_check_in_by_appointment_code(qtbot, make_kiosk, live, staff):
    paths = requests.get(f"{live.url}/api/v1/openapi.json", timeout=10).json()["paths"]
    assert CHECK_IN_PATH in paths  # the appointments API is there
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
    shot(qtbot, window, "checkin-es", PORTRAIT)
    tap(qtbot, screen.go)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    ticket = flow.ticket
    assert ticket["code"].startswith("B")
    mine = [t for t in staff.tickets() if t["code"] == ticket["code"]]
    assert mine[0]["channel"] == "appointment" and mine[0]["phone"] == "+525598765432"


def test_a_scanned_appointment_page_qr_checks_in_at_the_welcome_screen(qtbot, make_kiosk, live, staff):
    """The QR the appointment page shows, read by the kiosk's scanner (keys, then Enter)
    on the welcome screen: checked in, no tap."""
    from PySide6.QtCore import Qt

    appointment = book_appointment_starting_soon(live)
    qr = requests.get(f"{live.url}/a/{appointment['token']}/qr.svg", timeout=10)
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
    flow, window = make_kiosk()
    qtbot.waitUntil(lambda: flow.check_in_available, timeout=WAIT)
    qtbot.keyClicks(window.current, f"{live.url}/a/{appointment['token']}")
    qtbot.keyClick(window.current, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    mine = [t for t in staff.tickets() if t["code"] == flow.ticket["code"]]
    assert mine[0]["channel"] == "appointment" and mine[0]["phone"] == "+525598765432"


def test_idle_customer_goes_back_to_welcome_and_language_resets(qtbot, make_kiosk):
    flow, window = make_kiosk(settings=KioskSettings(idle_seconds=1))
    tap(qtbot, window.screens[Screen.WELCOME].header.lang)
    assert flow.lang == "en"
    assert window.screens[Screen.WELCOME].title.text() == i18n.text("welcome.title", "en")
    tap(qtbot, window.screens[Screen.WELCOME].buttons["caja"])
    assert flow.screen == Screen.PHONE
    qtbot.waitUntil(lambda: flow.screen == Screen.WELCOME, timeout=WAIT)
    assert flow.lang == "es"
    assert window.screens[Screen.WELCOME].title.text() == i18n.text("welcome.title", "es")


def test_staff_exit_needs_the_pin(qtbot, make_kiosk):
    flow, window = make_kiosk()
    window.close()
    assert window.isVisible()  # a customer cannot close it
    window.corner.held.emit()  # the 3-second hold on the corner
    pad = window.pin
    assert pad.isVisible()
    shot(qtbot, window, "staff-pin-es", PORTRAIT)
    for d in "1111":
        tap(qtbot, pad.keypad.keys[d])
    tap(qtbot, pad.ok)
    assert window.isVisible() and pad.message.text()
    with qtbot.waitSignal(window.exit_requested, timeout=WAIT):
        for d in ADMIN_PIN:
            tap(qtbot, pad.keypad.keys[d])
        tap(qtbot, pad.ok)
    assert not window.isVisible()


def test_a_refused_token_shows_out_of_service_with_the_reason(qtbot, live):
    token = "not-a-device-token"
    kiosk = build(ClientConfig(server=live.url, token=token), KioskOptions(), make_printer("none"),
                  link=DeviceLink(live.url, token, kind="kiosk", backoff=FAST))
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(*PORTRAIT)
    kiosk.window.show()
    kiosk.start()
    try:
        qtbot.waitUntil(lambda: kiosk.flow.screen == Screen.OFFLINE and bool(kiosk.flow.detail), timeout=WAIT)
        offline = kiosk.window.screens[Screen.OFFLINE]
        assert offline.detail.isVisible() and "token" in offline.detail.text().lower()
    finally:
        kiosk.stop()
        kiosk.window.allow_close()


def test_the_command_starts_and_stops_cleanly(live, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("TURNERO_CONFIG", None)
    bad = subprocess.run([sys.executable, "-m", "turnero_kiosk.main", "--server", live.url], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "token" in bad.stderr
    with kiosk_command(["--server", live.url, "--token", device_token(live, "kiosk"), "--printer", f"pdf:{tmp_path}",
                        "--windowed"], env):
        pass  # it came up serving its branch; leaving stops it, and it must end cleanly


def test_on_a_small_screen_the_command_scales_its_screens_to_fit(live, tmp_path):
    """Full screen on a display smaller than 1920x1080 (the offscreen one is 800x800),
    the kiosk starts again with Qt scaling it to fit, once, and serves; an installer's
    own QT_SCALE_FACTOR is kept."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("TURNERO_CONFIG", None)
    env.pop("QT_SCALE_FACTOR", None)
    command = ["--server", live.url, "--token", device_token(live, "kiosk"), "--printer", "none"]
    with kiosk_command(command, env) as seen:
        log = "".join(seen)
        assert "the screen is 800x800" in log and log.count("scaled by 0.417") == 1, log
    with kiosk_command(command, {**env, "QT_SCALE_FACTOR": "1"}) as seen:
        assert "scaled by" not in "".join(seen)


@pytest.mark.parametrize("size,factor", [((1920, 1080), None), ((1080, 1920), None), ((3840, 2160), None),
                                         ((1280, 800), 0.667), ((800, 1280), 0.667), ((1366, 768), 0.711),
                                         ((1850, 1040), None)])
def test_the_screens_are_scaled_to_displays_smaller_than_they_are_laid_out_for(size, factor):
    from turnero_kiosk.main import screen_scale
    assert screen_scale(*size) == factor


def test_starting_again_scaled_does_not_pair_again():
    from turnero_kiosk.main import without_pairing
    assert without_pairing(["--server", "http://x", "--pair", "ab12", "--windowed"]) == ["--server", "http://x",
                                                                                         "--windowed"]
    assert without_pairing(["--pair=ab12", "--printer", "none"]) == ["--printer", "none"]


# ---------------------------------------------------------------- the ticket screen follows the line

def test_the_ticket_screen_follows_the_line_live_and_says_where_to_go(qtbot, make_kiosk, staff):
    staff.take("caja")  # someone in line before our customer (nobody else: the fixture emptied it)
    flow, window = make_kiosk(settings=KioskSettings(ticket_seconds=600))
    ticket = take_through_screens(qtbot, flow, window, service="caja", phone=None)
    screen = window.screens[Screen.TICKET]
    assert ticket["ahead"] == 1 and screen.ahead.text() == i18n.plural("ticket.ahead", 1, "es")
    assert not screen.called.isVisible()

    staff.call_next("v1")  # the one before is called: nobody ahead now, told over Socket.IO
    qtbot.waitUntil(lambda: screen.ahead.text() == i18n.plural("ticket.ahead", 0, "es"), timeout=WAIT)
    assert flow.screen == Screen.TICKET and screen.code.text() == ticket["code"]
    shot(qtbot, window, "ticket-live-es", PORTRAIT)

    assert staff.call_next("v1")["code"] == ticket["code"]
    qtbot.waitUntil(lambda: screen.called.isVisible(), timeout=WAIT)
    assert screen.called_counter.text() == i18n.text("ticket.called.go", "es", counter="Ventanilla 1")
    assert "Ventanilla 1" in screen.called.accessibleName()
    assert not screen.ahead.isVisible() and not screen.wait.isVisible()
    assert screen.code.text() == ticket["code"] and screen.qr.accessibleDescription() == ticket["track_url"]
    for size in (PORTRAIT, LANDSCAPE):
        window.resize(*size)
        for lang in ("es", "en"):
            flow.set_lang(lang)
            shot(qtbot, window, f"ticket-called-{lang}", size)   # once laid out for the size
            line = screen.called_counter   # one line, never cut
            assert line.fontMetrics().horizontalAdvance(line.text()) <= line.width(), (lang, size)
    assert screen.called_counter.text() == i18n.text("ticket.called.go", "en", counter="Ventanilla 1")
    window.resize(*PORTRAIT)
    qtbot.waitUntil(screen.done.isVisible, timeout=WAIT)  # laid out again for portrait
    tap(qtbot, screen.done)
    assert flow.screen == Screen.WELCOME
    assert flow.link.realtime._tickets == {}  # no longer followed


# ---------------------------------------------------------------- printing through the flow

def test_printer_fault_shows_the_message_and_keeps_the_ticket(qtbot, make_kiosk, live, staff):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    flow, window = make_kiosk(printer=make_printer(f"escpos-network:127.0.0.1:{dead}"))
    ticket = take_through_screens(qtbot, flow, window)
    qtbot.waitUntil(lambda: flow.print_state == PrintState.FAILED, timeout=WAIT)
    screen = window.screens[Screen.TICKET]
    assert screen.status.isVisible()
    assert i18n.text("ticket.not_printed", "es") in screen.status.text()
    assert screen.code.text() == ticket["code"] and screen.qr.isVisible()
    assert flow.countdown > KioskSettings().ticket_seconds  # more time to take the photo
    assert any(t["code"] == ticket["code"] for t in staff.tickets())


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
        shot(qtbot, window, f"welcome-{lang}", size)
        tap(qtbot, window.screens[Screen.WELCOME].buttons["plataforma"])
        type_phone(qtbot, window, "55123")
        shot(qtbot, window, f"phone-{lang}", size)
        type_phone(qtbot, window, "4")
        tap(qtbot, window.screens[Screen.PHONE].go)
        shot(qtbot, window, f"phone-invalid-{lang}", size)
        type_phone(qtbot, window, "5678")
        tap(qtbot, window.screens[Screen.PHONE].toggles[0][0])
        shot(qtbot, window, f"phone-priority-{lang}", size)
        tap(qtbot, window.screens[Screen.PHONE].toggles[0][0])  # and off again
        tap(qtbot, window.screens[Screen.PHONE].go)
        qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
        qtbot.waitUntil(lambda: flow.print_state == PrintState.PRINTED, timeout=WAIT)
        shot(qtbot, window, f"ticket-{lang}", size)
        tap(qtbot, window.screens[Screen.TICKET].done)

        faulty.set_lang(lang)
        take_through_screens(qtbot, faulty, faulty_window, service="caja", phone=None, priority=True)
        qtbot.waitUntil(lambda: faulty.print_state == PrintState.FAILED, timeout=WAIT)
        shot(qtbot, faulty_window, f"printer-fault-{lang}", size)
        tap(qtbot, faulty_window.screens[Screen.TICKET].done)


# ---------------------------------------------------------------- the branch's brand

@pytest.fixture
def branded_centro(live):
    """centro with a yellow brand colour and a red logo (written as the admin form
    would, through the server's own check); plain again afterwards."""
    from io import BytesIO

    from PIL import Image
    from sqlalchemy import create_engine, update

    from turnero.branding import checked_logo
    from turnero.models import Branch
    picture = BytesIO()
    Image.new("RGB", (300, 100), (200, 30, 30)).save(picture, "PNG")
    logo = checked_logo(picture.getvalue())
    engine = create_engine(live.env["TURNERO_DATABASE_URL"])

    def brand(**values):
        with engine.begin() as conn:
            conn.execute(update(Branch).where(Branch.slug == "centro").values(**values))
    brand(brand_color="#ffcc00", brand_logo=logo.data, brand_logo_type=logo.media_type,
          brand_logo_version=logo.version)
    yield logo
    brand(brand_color=None, brand_logo=None, brand_logo_type=None, brand_logo_version=None)
    engine.dispose()


def test_the_header_and_the_slip_carry_the_branchs_logo_and_colour(qtbot, make_kiosk, branded_centro, tmp_path):
    flow, window = make_kiosk(printer=make_printer(f"pdf:{tmp_path / 'tickets'}"))
    header = window.screens[Screen.WELCOME].header
    qtbot.waitUntil(lambda: header.logo.isVisible(), timeout=WAIT)  # fetched without blocking
    assert flow.brand_logo.data == branded_centro.data
    assert header.logo.pixmap().height() <= 84 and header.logo.accessibleName() == "Sucursal Centro"
    assert "background: #ffcc00" in header.styleSheet() and "color: #0b1b33" in header.styleSheet()
    for lang in ("es", "en"):
        flow.set_lang(lang)
        shot(qtbot, window, f"welcome-branded-{lang}", PORTRAIT)
    ticket = take_through_screens(qtbot, flow, window, phone=None)
    qtbot.waitUntil(lambda: flow.print_state == PrintState.PRINTED, timeout=WAIT)
    pdf = next((tmp_path / "tickets").glob(f"*-{ticket['code']}.pdf"))
    assert b"/Subtype /Image" in pdf.read_bytes()  # the logo drawn on the slip (a slip without one has none)
