"""The kiosk's screens on its display, both ways up (no server, the fake link of
test_kiosk_support.py): every control named and a finger's size, and welcome cards that
never overlap nor leave a hole, however many lines the branch has."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from test_kiosk_support import TICKET, flow  # noqa: F401 - flow: a fixture

from turnero_kiosk.states import Screen
from turnero_kiosk.style import MIN_TARGET
from turnero_kiosk.window import KioskWindow


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
          "color": "#0b4fb3", "waiting": i, "eta": {"low_min": i, "high_min": 2 * i + 3, "about_min": (3 * i + 3) // 2}} for i in range(8)]


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
