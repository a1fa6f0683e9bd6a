"""The display app's call panel and last calls, as the web lobby shows them: several
counters calling within seconds each get a large row (then the newest alone, as
always), the last calls show only rows that fit whole, landscape and portrait, and
the words, the highlight time and the rule are the web lobby's."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timedelta, timezone  # noqa: E402

import pytest  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402
from conftest import ARTIFACTS, ROOT  # noqa: E402
from test_qt_client_support import layout_settled  # noqa: E402

from turnero.queue import lobby  # noqa: E402
from turnero_display import i18n  # noqa: E402
from turnero_display import model as m  # noqa: E402
from turnero_display.window import DisplayWindow  # noqa: E402

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)
SERVICES = [{"id": "caja", "name": "Caja", "names": {"es": "Caja", "en": "Cashier"}, "prefix": "A",
             "color": "#1f6feb", "waiting": 4, "eta": {"low_min": 4, "high_min": 9, "about_min": 6}},
            {"id": "plataforma", "name": "Atención a clientes",
             "names": {"es": "Atención a clientes", "en": "Customer service"}, "prefix": "B",
             "color": "#8250df", "waiting": 1, "eta": {"low_min": 0, "high_min": 5, "about_min": 2}}]
DETAIL = {"slug": "centro", "name": "Sucursal Centro", "lang": "es", "timezone": "America/Mexico_City"}


def call(code, counter, seconds_ago, service="caja"):
    at = (NOW - timedelta(seconds=seconds_ago)).isoformat().replace("+00:00", "Z")
    return {"code": code, "service": service, "counter": {"id": counter, "name": f"Ventanilla {counter[1:]}"},
            "called_at": at, "recall": False}


# Three counters within seconds, then seven earlier calls (the branch's list holds ten).
CALLING = [call("A021", "v1", 1), call("B012", "v3", 3, "plataforma"), call("A020", "v2", 5)] + [
    call(f"A0{10 + i}", f"v{1 + i % 3}", 120 + 60 * i) for i in range(7)]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_three_counters_at_once_and_last_calls_that_fit_whole(qtbot, lang):
    clock = {"now": NOW}
    model = m.DisplayModel(lang=lang, join_url="http://turnos.test", server_now=lambda: clock["now"])
    window = DisplayWindow(model)
    qtbot.addWidget(window)
    model.on_branch_changed(DETAIL)
    model.on_branch_state({"branch": "centro", "seq": 5, "services": SERVICES, "calling": CALLING}, "subscribe")
    window.show()
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    for width, height in ((1920, 1080), (1080, 1920)):
        window.resize(width, height)
        qtbot.waitUntil(lambda: window.width() == width and layout_settled(window))
        rows = [row for row in window.now_rows if row.isVisible()]
        assert [row.code.text() for row in rows] == ["A021", "B012", "A020"]
        assert rows[1].counter.text() == f"{i18n.text('calls.counter', lang)} Ventanilla 3"
        assert not window.code.isVisible()
        panel = window.recent.contentsRect().adjusted(0, 0, 0, -window.recent.box.contentsMargins().bottom())
        shown = [row for row in window.rows if row.isVisible()]
        assert 2 <= len(shown) < len(CALLING) - 3, len(shown)
        assert [row.code.text() for row in shown] == [c["code"] for c in CALLING[3:3 + len(shown)]]
        for row in shown:
            assert panel.contains(row.geometry()), (width, row.code.text(), row.geometry(), panel)
        assert window.date.text() == i18n.long_date(NOW.astimezone(model.zone).date(), lang)
        assert window.grab().save(str(ARTIFACTS / "screenshots" / f"display-3-calling-{lang}-{width}x{height}.png"))
    # Their time is up: the newest alone, large, as with one call.
    clock["now"] = NOW + timedelta(seconds=m.HIGHLIGHT_SECONDS)
    model.on_branch_state({"branch": "centro", "seq": 6, "services": SERVICES, "calling": CALLING}, "event")
    qtbot.waitUntil(lambda: layout_settled(window))
    assert not any(row.isVisible() for row in window.now_rows)
    assert window.code.isVisible() and window.code.text() == "A021"
    assert window.rows[0].code.text() == "B012"


def test_the_app_and_the_web_lobby_keep_the_same_rule_time_and_words():
    assert (m.HIGHLIGHT_SECONDS, m.MAX_NOW) == (lobby.HIGHLIGHT_SECONDS, lobby.MAX_NOW)
    state = {"calling": CALLING}
    model = m.DisplayModel(server_now=lambda: NOW)
    model.on_branch_state(state, "subscribe")
    web_now, web_recent = lobby.split_calls(CALLING, NOW)
    assert [c.code for c in model.now_calls] == [c["code"] for c in web_now]
    assert [c.code for c in model.last_calls] == [c["code"] for c in web_recent]
    with open(ROOT / "server/turnero/translations/es/LC_MESSAGES/messages.po", "rb") as po:
        spanish = read_po(po)
    for key, msgid in (("calls.now", "Now calling"), ("calls.counter", "Go to"), ("calls.last", "Last calls"),
                       ("calls.none", "The next call will appear here."), ("calls.recall", "Called again"),
                       ("services.title", "Waiting now"), ("join.title", "Take your turn from your phone"),
                       ("join.hint", "Scan the code, choose a service and wait where you like: your phone tells "
                                     "you when it is your turn.")):
        assert i18n.text(key, "en") == msgid
        assert i18n.text(key, "es") == spanish[msgid].string, key
