"""The kiosk when its server process stops and starts again. A module of its own: it
stops this module's server, which no other test shares."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from test_kiosk_support import LANDSCAPE, PORTRAIT, WAIT, make_kiosk, shot, take_through_screens  # noqa: E402, F401
from test_qt_client_support import agent_at_centro, staff  # noqa: E402, F401 - fixtures

from turnero_kiosk import i18n  # noqa: E402
from turnero_kiosk.states import Screen  # noqa: E402

pytestmark = pytest.mark.live


def test_server_stopped_then_restarted(qtbot, live, make_kiosk, staff):
    """The server process is stopped and started again on the same port (LiveServer
    keeps it): "out of service" in both languages, then the welcome screen by itself."""
    flow, window = make_kiosk()
    live.stop()
    try:
        qtbot.waitUntil(lambda: flow.screen == Screen.OFFLINE, timeout=WAIT)
        offline = window.screens[Screen.OFFLINE]
        assert offline.isVisible() and offline.title.text() == i18n.text("offline.title", "es")
        for size in (PORTRAIT, LANDSCAPE):
            window.resize(*size)
            for lang in ("es", "en"):
                flow.set_lang(lang)
                shot(qtbot, window, f"offline-{lang}", size)
        window.resize(*PORTRAIT)
    finally:
        live.start()
    qtbot.waitUntil(lambda: flow.screen == Screen.WELCOME, timeout=WAIT)
    assert window.screens[Screen.WELCOME].isVisible()
    assert flow.lang == "es"
    ticket = take_through_screens(qtbot, flow, window, phone=None)
    assert any(t["code"] == ticket["code"] for t in staff.tickets())
