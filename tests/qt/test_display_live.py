"""The lobby display app against a real `turnero serve`: what the room sees and hears."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from conftest import ARTIFACTS  # noqa: E402
from PySide6.QtGui import QFontMetrics  # noqa: E402
from test_display_support import WAIT, branch_rows, display  # noqa: E402, F401 - fixtures
from test_qt_client_support import Network, Staff, agent_at_centro, layout_settled, staff  # noqa: E402, F401

from turnero_display import i18n  # noqa: E402
from turnero_display.words import announcement  # noqa: E402
from turnero_qt import SocketIOTransport  # noqa: E402
from turnero_qt.widgets import FitLabel  # noqa: E402

pytestmark = pytest.mark.live
SHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="module")
def admin_staff(live_server):
    return Staff(live_server.url, live_server.password, username="admin")


def test_a_call_appears_with_its_counter_and_is_announced(qtbot, staff, display):
    shown, speech = display()
    window = shown.window
    ticket = staff.take("caja")
    staff.call_next("v1")
    qtbot.waitUntil(lambda: window.code.text() == ticket["code"], timeout=WAIT)
    assert window.counter.text() == f"{i18n.text('calls.counter', 'es')} Ventanilla 1"  # "Pase a", as on the web
    expected = announcement(ticket["code"], "Ventanilla 1", "es")
    assert expected.startswith("Turno A cero") and expected.endswith(", ventanilla uno")
    qtbot.waitUntil(lambda: speech.texts == [expected], timeout=WAIT)
    assert speech.said[0][1] == "es"
    assert shown.model.highlighted


def test_a_recall_is_announced_again(qtbot, staff, display):
    shown, speech = display()
    ticket = staff.take("plataforma")
    called = staff.call_next("v3")
    said = announcement(ticket["code"], "Ventanilla 3", "es")
    qtbot.waitUntil(lambda: speech.texts == [said], timeout=WAIT)
    staff.recall(called["id"])
    qtbot.waitUntil(lambda: speech.texts == [said, said], timeout=WAIT)
    # Said on the large call (or on its row, if another counter called in the same seconds).
    window = shown.window
    labels = [window.recall] + [row.recall for row in window.now_rows]
    qtbot.waitUntil(lambda: any(label.isVisible() for label in labels), timeout=WAIT)
    assert {label.text() for label in labels if label.isVisible()} == {i18n.text("calls.recall", "es")}
    assert [c.code for c in shown.model.calls].count(ticket["code"]) == 1


def test_a_burst_of_five_calls_is_announced_five_times_in_order(qtbot, staff, display):
    shown, speech = display()
    tickets = [staff.take("caja") for _ in range(5)]
    counters = ["v1", "v2", "v1", "v2", "v1"]
    for counter in counters:
        staff.call_next(counter)
    expected = [announcement(t["code"], f"Ventanilla {c[1]}", "es") for t, c in zip(tickets, counters)]
    qtbot.waitUntil(lambda: len(speech.texts) >= 5 and not shown.announcer.busy, timeout=WAIT)
    assert speech.texts == expected
    assert shown.window.code.text() == tickets[-1]["code"]
    # Large (v1's and, for a few seconds, v2's: and another counter's call of an earlier
    # test, if that recent) then the last calls: every code, newest first.
    window = shown.window
    large = [row.code.text() for row in window.now_rows if row.isVisible()] or [window.code.text()]
    codes = [t["code"] for t in reversed(tickets)]
    shown_codes = large + [row.code.text() for row in window.rows if row.isVisible()]
    assert [code for code in shown_codes if code in codes] == codes


def test_no_names_or_phones_are_ever_shown(qtbot, staff, display):
    shown, speech = display()
    ticket = staff.take("caja", name="Rosalía Privada", phone="55 1234 5678")
    staff.call_next("v1")
    qtbot.waitUntil(lambda: shown.window.code.text() == ticket["code"], timeout=WAIT)
    qtbot.waitUntil(lambda: len(speech.texts) == 1, timeout=WAIT)
    on_screen = " ".join(shown.window.all_texts() + speech.texts)
    assert ticket["code"] in on_screen
    for private in ("Rosalía", "Privada", "1234", "5678", "+52"):
        assert private not in on_screen


def test_a_call_during_a_short_outage_is_shown_and_said_once_after_it(qtbot, staff, display):
    network = Network()
    shown, speech = display(transport_factory=network.factory)
    network.cut()
    qtbot.waitUntil(lambda: shown.model.connection == "reconnecting", timeout=WAIT)
    assert shown.window.status.isVisible() and i18n.text("status.reconnecting", "es") in shown.window.status.text()
    save(shown.window, "display-es-1920x1080-reconnecting")
    ticket = staff.take("caja")
    staff.call_next("v2")   # its ticket.called goes nowhere: only the snapshot after the outage has it
    network.restore()
    qtbot.waitUntil(lambda: shown.window.code.text() == ticket["code"], timeout=WAIT)
    # The snapshot and the "online" that follows it reach the window one event apart.
    qtbot.waitUntil(lambda: shown.model.connection == "online", timeout=WAIT)
    assert not shown.window.status.isVisible()
    late = announcement(ticket["code"], "Ventanilla 2", "es")
    qtbot.waitUntil(lambda: speech.texts == [late], timeout=WAIT)   # seconds ago: still worth saying
    assert shown.model.highlighted
    save(shown.window, "display-es-1920x1080-after-outage")
    follow = staff.take("caja")
    staff.call_next("v1")
    qtbot.waitUntil(lambda: len(speech.texts) >= 2 and not shown.announcer.busy, timeout=WAIT)
    assert speech.texts == [late, announcement(follow["code"], "Ventanilla 1", "es")]


class LosesOneCall(SocketIOTransport):
    """Loses the first `ticket.called` it is sent; its `branch.state` still comes."""

    lost: list[dict] = []

    def handle_event(self, name, data):
        if name == "ticket.called" and not self.lost:
            self.lost.append(data)
            return
        super().handle_event(name, data)


def test_a_lost_call_event_is_said_once_from_the_branch_state(qtbot, staff, display):
    LosesOneCall.lost = []
    shown, speech = display(transport_factory=LosesOneCall)
    first = staff.take("caja")
    second = staff.take("caja")
    staff.call_next("v1")
    qtbot.waitUntil(lambda: shown.window.code.text() == first["code"], timeout=WAIT)
    assert [call["code"] for call in LosesOneCall.lost] == [first["code"]]
    staff.call_next("v2")
    qtbot.waitUntil(lambda: len(speech.texts) >= 2 and not shown.announcer.busy, timeout=WAIT)
    assert speech.texts == [announcement(first["code"], "Ventanilla 1", "es"),
                            announcement(second["code"], "Ventanilla 2", "es")]


def test_a_display_switched_on_does_not_read_out_earlier_calls(qtbot, staff, display):
    earlier = staff.take("caja")
    staff.call_next("v1")   # a few seconds ago: recent, but called before the display was on
    shown, speech = display()
    assert shown.model.server_now == shown.link.server_now   # calls are judged by the server's clock
    qtbot.waitUntil(lambda: shown.window.code.text() == earlier["code"], timeout=WAIT)
    ticket = staff.take("caja")
    staff.call_next("v2")
    qtbot.waitUntil(lambda: len(speech.texts) >= 1 and not shown.announcer.busy, timeout=WAIT)
    assert speech.texts == [announcement(ticket["code"], "Ventanilla 2", "es")]


def test_the_branch_message_follows_branch_state_without_resubscribing(qtbot, staff, display, branch_rows):
    branch_rows("centro", message="Bienvenidos")
    shown, _ = display()
    qtbot.waitUntil(lambda: shown.window.message.text() == "Bienvenidos", timeout=WAIT)
    hows = []
    shown.link.branch_state.connect(lambda state, how: hows.append(how))
    branch_rows("centro", message="Hoy cerramos a las 14:00")
    staff.take("plataforma")   # any change of the branch sends its branch.state
    qtbot.waitUntil(lambda: shown.window.message.text() == "Hoy cerramos a las 14:00", timeout=WAIT)
    assert shown.window.message.isVisible()
    save(shown.window, "display-es-1920x1080-message-live")
    branch_rows("centro", message=None)
    staff.take("plataforma")
    qtbot.waitUntil(lambda: not shown.window.message.isVisible(), timeout=WAIT)
    assert hows and set(hows) == {"event"}   # told by the events, not by a new snapshot


def save(window, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert window.grab().save(str(path))
    return path


@pytest.mark.parametrize("branch, lang", [("centro", "es"), ("norte", "en")])
def test_screenshots_landscape_and_portrait(qtbot, staff, admin_staff, display, branch_rows, branch, lang):
    """1920x1080 and 1080x1920, es (centro) and en (norte switched to English for the
    test): saved under test-artifacts/screenshots/ and looked at."""
    if branch == "norte":
        # Any hour of the run; turns taken on the web are called without "I'm here".
        branch_rows("norte", lang="en", name="North Branch", join_hours=False, remote_check_in=False)
        staff = admin_staff
        staff.open("v1", branch="norte")
        staff.finish_everyone(branch="norte")
    branch_rows(branch, message="Hoy atendemos hasta las 15:00 · Traiga su identificación" if lang == "es"
                else "Open until 3 pm today · Please have your ID ready")
    counters = ["v1", "v2", "v3", "v1", "v2", "v3"] if branch == "centro" else ["v1"] * 6
    for _ in range(9):
        staff.take("caja", branch=branch)
    for _ in range(4):
        staff.take("plataforma", branch=branch)
    for counter in counters:
        staff.call_next(counter, branch=branch)
    shown, speech = display(branch=branch)
    window = shown.window
    qtbot.waitUntil(lambda: len(shown.model.calls) >= 6 and window.message.isVisible(), timeout=WAIT)
    last = staff.call_next(counters[0], branch=branch)
    qtbot.waitUntil(lambda: window.code.text() == last["code"] and shown.model.highlighted, timeout=WAIT)
    qtbot.waitUntil(lambda: len(speech.texts) == 1, timeout=WAIT)
    assert speech.said[0][1] == lang
    if lang == "en":
        assert speech.texts[0].startswith("Ticket A zero")
        assert window.recent_title.text() == i18n.text("calls.last", "en").upper()
        lines = window.lines_view.model()
        assert [lines.index(row).data() for row in range(lines.rowCount())] == ["Cashier", "Customer service"]
    for width, height in ((1920, 1080), (1080, 1920)):
        window.resize(width, height)
        qtbot.waitUntil(lambda: window.size().width() == width and window.size().height() == height,
                        timeout=WAIT)
        qtbot.waitUntil(lambda: layout_settled(window), timeout=WAIT)
        path = save(window, f"display-{lang}-{width}x{height}")
        assert path.stat().st_size > 20_000
        assert_every_text_fits(window)
    qtbot.waitUntil(lambda: not shown.model.highlighted, timeout=WAIT)
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920 and layout_settled(window), timeout=WAIT)
    save(window, f"display-{lang}-1920x1080-settled")


def assert_every_text_fits(window) -> None:
    """No text is cut off: each fitted label, and each text of the lines' rows, fits its place."""
    for label in window.findChildren(FitLabel):
        if label.isVisible() and label.text():
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width() + 2, label.text()
    view = window.lines_view
    for line in view.model().lines:
        for text in view.delegate.row_texts(view.viewport().width(), line, view.model().wait_label)[2]:
            assert QFontMetrics(text.font).horizontalAdvance(text.text) <= text.rect.width(), text.text


def test_the_layout_scales_from_720p_to_4k(qtbot, staff, display):
    staff.take("caja")
    staff.call_next("v2")
    shown, _ = display()
    window = shown.window
    sizes = {}
    for width, height in ((1280, 720), (3840, 2160)):
        window.resize(width, height)
        qtbot.waitUntil(lambda: window.width() == width and layout_settled(window), timeout=WAIT)
        # The clock: the call's own size also depends on how many counters call at once
        # (other tests' calls on this server may still be highlighted).
        sizes[width] = window.clock.font().pixelSize()
        save(window, f"display-es-{width}x{height}")
    assert sizes[3840] > 2.5 * sizes[1280]


def test_the_header_shows_the_branchs_logo_and_colour(qtbot, display, branch_rows):
    from io import BytesIO

    from PIL import Image

    from turnero.branding import checked_logo
    picture = BytesIO()
    Image.new("RGB", (300, 100), (200, 30, 30)).save(picture, "PNG")
    logo = checked_logo(picture.getvalue())
    branch_rows("centro", brand_color="#ffcc00", brand_logo=logo.data, brand_logo_type=logo.media_type,
                brand_logo_version=logo.version)
    shown, _speech = display()
    window = shown.window
    qtbot.waitUntil(lambda: window.logo.isVisible(), timeout=WAIT)  # fetched through the REST client
    assert window.logo.pixmap().width() == 3 * window.logo.pixmap().height()
    assert "background: #ffcc00" in window.header.styleSheet() and "color: #0b1b33" in window.header.styleSheet()
    qtbot.waitUntil(lambda: layout_settled(window), timeout=WAIT)
    save(window, "display-branded-1920x1080")
    assert_every_text_fits(window)
