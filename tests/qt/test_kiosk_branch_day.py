"""The kiosk through the branch's day (no server, the fake link of test_kiosk_support.py):
closed outside its hours and back when it opens, a turn refused because it just closed,
a paused line, and a line no counter is serving."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from test_kiosk_support import BRANCH, answer, flow, to_taking  # noqa: F401 - flow: a fixture

from turnero_kiosk.states import Screen
from turnero_kiosk.window import KioskWindow
from turnero_qt.rest import ApiError


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


def test_a_line_no_counter_is_serving_says_so_on_its_button(qtbot, flow):
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    button = window.screens[Screen.WELCOME].buttons["caja"]
    assert button.wait.startswith("Espera estimada")
    f.link.branch_state.emit({"seq": 2, "services": [{**BRANCH["services"][0], "serving": 0}]}, "event")
    button = window.screens[Screen.WELCOME].buttons["caja"]
    assert button.wait == "Nadie atendiendo ahora" and "Nadie atendiendo ahora" in button.accessibleName()
