"""KioskFlow checking in, alone (no server, the fake link of test_kiosk_support.py): by
a code or a phone typed, by the appointment's QR scanned, turns taken from a phone at a
branch with remote check-in, and the button only where the server offers check-in."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from test_kiosk_support import BRANCH, TICKET, answer, flow  # noqa: F401 - flow: a fixture

from turnero_kiosk.check_in import CHECK_IN_PATH
from turnero_kiosk.states import Screen
from turnero_kiosk.window import KioskWindow
from turnero_qt.rest import ApiError


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
