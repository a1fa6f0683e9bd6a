"""Helpers for the kiosk tests (no tests here): printers that keep what they print,
the `make_kiosk` fixture (a kiosk built as `turnero-kiosk` builds it, against the
module's server), and a customer's taps through the screens; for KioskFlow alone, a
fake link that hands it branch data and answers its requests (no server), and the
`flow` fixture on it."""
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
from turnero_kiosk.flow import KioskFlow  # noqa: E402
from turnero_kiosk.printing import EscposPrinter, PrintService, make_printer  # noqa: E402
from turnero_kiosk.states import KioskSettings, Screen  # noqa: E402
from turnero_qt import ClientConfig, DeviceLink  # noqa: E402
from turnero_qt.link import LinkSignals  # noqa: E402
from turnero_qt.rest import ApiError, RestReply  # noqa: E402

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


# ---------------------------------------------------------------- KioskFlow alone: a fake link, no server

BRANCH = {"slug": "centro", "name": "Sucursal Centro", "timezone": "America/Mexico_City", "lang": "es",
          "country": "MX", "offers_priority": True,
          "services": [{"id": "caja", "names": {"es": "Caja", "en": "Cashier"}, "prefix": "A",
                        "waiting": 2, "eta": {"low_min": 3, "high_min": 8, "about_min": 5}}]}
TICKET = {"id": "t-7", "token": "tok-7", "status": "waiting",
          "code": "A007", "service": "caja", "ahead": 2, "eta": {"low_min": 3, "high_min": 8, "about_min": 5},
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
