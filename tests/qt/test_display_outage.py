"""The lobby display when its server process stops and starts again. A module of
its own: it stops this module's server, which no other test shares."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from test_display_support import WAIT, display  # noqa: E402, F401 - fixture
from test_qt_client_support import agent_at_centro, staff  # noqa: E402, F401 - fixtures

from turnero_display.words import announcement  # noqa: E402

pytestmark = pytest.mark.live


def test_server_stopped_then_restarted_the_display_reconnects_and_resyncs(qtbot, live, staff, display):
    """The module's server process is stopped and started again on the same port
    (LiveServer keeps it): the display marks the outage, keeps the last calls on
    screen, reconnects by itself and follows the calls again."""
    first = staff.take("caja")
    staff.call_next("v1")
    shown, speech = display()
    qtbot.waitUntil(lambda: shown.window.code.text() == first["code"], timeout=WAIT)
    live.stop()
    try:
        qtbot.waitUntil(lambda: shown.model.connection == "reconnecting", timeout=WAIT)
        assert shown.window.status.isVisible()
        assert shown.window.code.text() == first["code"]   # the last known calls stay on screen
    finally:
        live.start()
    qtbot.waitUntil(lambda: shown.model.connection == "online", timeout=WAIT)
    assert not shown.window.status.isVisible()
    ticket = staff.take("caja")
    staff.call_next("v1")
    qtbot.waitUntil(lambda: shown.window.code.text() == ticket["code"], timeout=WAIT)
    qtbot.waitUntil(lambda: speech.texts == [announcement(ticket["code"], "Ventanilla 1", "es")], timeout=WAIT)
