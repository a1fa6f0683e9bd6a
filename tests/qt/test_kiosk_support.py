"""Helpers for the kiosk tests (no tests here): printers that keep what they print,
the `make_kiosk` fixture (a kiosk built as `turnero-kiosk` builds it, against the
module's server), and a customer's taps through the screens."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from conftest import ARTIFACTS  # noqa: E402
from escpos.printer import Dummy  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from test_qt_client_support import FAST, device_token, layout_settled  # noqa: E402

from turnero_kiosk.config import KioskOptions  # noqa: E402
from turnero_kiosk.main import build  # noqa: E402
from turnero_kiosk.printing import EscposPrinter  # noqa: E402
from turnero_kiosk.states import KioskSettings, Screen  # noqa: E402
from turnero_qt import ClientConfig, DeviceLink  # noqa: E402

PORTRAIT, LANDSCAPE = (1080, 1920), (1920, 1080)
ADMIN_PIN = "2468"
WAIT = 30_000  # ms: generous; nothing here is a timing assertion


class DummyPrinters:
    """An ESC/POS printer whose every job lands in a python-escpos Dummy."""

    def __init__(self):
        self.jobs: list[Dummy] = []
        self.printer = EscposPrinter(self._new, "dummy", check_paper=False)

    def _new(self) -> Dummy:
        self.jobs.append(Dummy())
        return self.jobs[-1]


@pytest.fixture
def make_kiosk(qtbot, live):
    """`make_kiosk(printer=None, size=PORTRAIT, rest=None, settings=None)` -> (flow, window),
    on the welcome screen; `rest` replaces the link's REST client (a relay in between)."""
    made = []

    def _make(printer=None, size=PORTRAIT, rest=None, settings=None):
        token = device_token(live, "kiosk")
        kiosk = build(ClientConfig(server=live.url, token=token),
                      KioskOptions(admin_pin=ADMIN_PIN, settings=settings or KioskSettings()),
                      printer or DummyPrinters().printer,
                      link=DeviceLink(live.url, token, kind="kiosk", backoff=FAST, rest=rest))
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(*size)
        kiosk.window.show()
        made.append(kiosk)
        kiosk.start()
        qtbot.waitUntil(lambda: kiosk.flow.screen == Screen.WELCOME, timeout=WAIT)
        return kiosk.flow, kiosk.window

    yield _make
    for kiosk in made:
        kiosk.stop()
        kiosk.window.allow_close()
        kiosk.window.close()


def shot(qtbot, window, name: str, size) -> None:
    """Save the window as test-artifacts/screenshots/kiosk-NAME-WxH.png, once laid out."""
    qtbot.waitUntil(lambda: layout_settled(window), timeout=WAIT)
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
    screen = window.screens[Screen.PHONE]
    # The demo branch offers priority turns, with classes: the first one the kiosk offers.
    assert screen.toggles
    if priority:
        tap(qtbot, screen.toggles[0][0])
    if phone:
        type_phone(qtbot, window, phone)
        tap(qtbot, screen.go)
    else:
        tap(qtbot, screen.skip)
    qtbot.waitUntil(lambda: flow.screen == Screen.TICKET, timeout=WAIT)
    return flow.ticket
