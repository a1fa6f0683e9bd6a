"""The display's widget-free core alone: DisplayModel and the Announcer queue."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timedelta, timezone  # noqa: E402

import pytest  # noqa: E402
from test_display_support import RecordingSpeech  # noqa: E402

from turnero_display import i18n  # noqa: E402
from turnero_display.announcer import Announcer, Chime, QtSpeech  # noqa: E402
from turnero_display.model import LATE_ANNOUNCE, DisplayModel  # noqa: E402
from turnero_display.words import announcement  # noqa: E402

WAIT = 20_000


STATE = {
    "branch": "centro", "seq": 9,
    "services": [
        {"id": "caja", "name": "Caja", "names": {"es": "Caja", "en": "Cashier"}, "prefix": "A",
         "color": "#1f6feb", "waiting": 3, "eta": {"low_min": 4, "high_min": 9}},
        {"id": "plataforma", "name": "Atención a clientes", "names": {"es": "Atención a clientes",
                                                                       "en": "Customer service"},
         "prefix": "B", "color": "#8250df", "waiting": 0, "eta": {"low_min": 0, "high_min": 15}},
    ],
    "calling": [
        {"code": "A042", "service": "caja", "counter": {"id": "v3", "name": "Ventanilla 3"},
         "called_at": "2026-11-23T15:04:05Z", "recall": True},
        {"code": "B007", "service": "plataforma", "counter": {"id": "v2", "name": "Ventanilla 2"},
         "called_at": "2026-11-23T15:03:00Z", "recall": False},
        {"code": "A042", "service": "caja", "counter": {"id": "v3", "name": "Ventanilla 3"},
         "called_at": "2026-11-23T15:01:00Z", "recall": False},
    ],
}
DETAIL = {"slug": "centro", "name": "Sucursal Centro", "lang": "es", "timezone": "America/Mexico_City",
          "message": "  Hoy cerramos a las 15:00  "}


def test_the_model_shows_the_servers_numbers_and_each_code_once(qtbot):
    model = DisplayModel(join_url="http://turnos.test")
    model.on_branch_changed(DETAIL)
    with qtbot.waitSignal(model.changed):
        model.on_branch_state(STATE, "subscribe")
    assert model.current.code == "A042" and model.current.counter_name == "Ventanilla 3"
    assert model.current.recall and model.current.color == "#1f6feb"
    assert [c.code for c in model.last_calls] == ["B007"]
    caja, plataforma = model.lines
    assert (caja.name, caja.waiting, caja.people, caja.wait) == (
        "Caja", 3, i18n.people(3, "es"), i18n.wait_range({"low_min": 4, "high_min": 9}, "es"))
    assert (plataforma.people, plataforma.wait) == (
        i18n.people(0, "es"), i18n.wait_range({"low_min": 0, "high_min": 15}, "es"))
    assert model.message == "Hoy cerramos a las 15:00"
    assert model.join_url == "http://turnos.test/b/centro/join"
    # No counter serving a line: it says so, not a wait no one is working down.
    closed = {**STATE, "seq": 10, "services": [{**STATE["services"][0], "serving": 0}, STATE["services"][1]]}
    with qtbot.waitSignal(model.changed):
        model.on_branch_state(closed, "event")
    assert model.lines[0].wait == "Nadie atendiendo ahora"
    assert len(model.clock) == 5 and model.clock[2] == ":"


def test_a_call_of_a_counter_that_paused_is_history_not_now(qtbot):
    model = DisplayModel(join_url="http://turnos.test")
    model.on_branch_changed(DETAIL)
    paused = {**STATE, "calling": [{**STATE["calling"][0], "counter": {"id": "v3", "name": "Ventanilla 3",
                                                                         "state": "paused"}}, *STATE["calling"][1:]]}
    with qtbot.waitSignal(model.changed):
        model.on_branch_state(paused, "subscribe")
    assert model.current is None
    assert [c.code for c in model.last_calls] == ["A042", "B007"]


def test_a_language_override_renames_the_lines_and_speaks_english(qtbot):
    model = DisplayModel(lang="en")
    model.on_branch_changed(DETAIL)
    model.on_branch_state(STATE)
    assert [line.name for line in model.lines] == ["Cashier", "Customer service"]
    with qtbot.waitSignal(model.announce) as said:
        model.on_called({"seq": 10, "code": "A043", "counter": {"id": "v1", "name": "Ventanilla 1"}})
    assert said.args == [announcement("A043", "Ventanilla 1", "en"), "en"]


def test_a_call_is_highlighted_for_a_while_then_not(qtbot):
    model = DisplayModel(highlight_seconds=0.2)
    with qtbot.waitSignal(model.highlight_changed) as lit:
        model.on_called({"seq": 1, "code": "A001", "counter": {"id": "v1", "name": "Ventanilla 1"}})
    assert lit.args == [True]
    with qtbot.waitSignal(model.highlight_changed, timeout=WAIT) as unlit:
        pass
    assert unlit.args == [False]


def test_connection_states(qtbot):
    model = DisplayModel()
    assert model.connection == "connecting"
    model.on_online_changed(False)
    assert model.connection == "connecting"   # never reached yet
    model.on_online_changed(True)
    with qtbot.waitSignal(model.connection_changed) as changed:
        model.on_online_changed(False)
    assert changed.args == ["reconnecting"]


def test_the_announcer_says_a_burst_one_after_the_other_in_order(qtbot):
    speech = RecordingSpeech()
    announcer = Announcer(speech, None, pause_ms=10)
    for n in range(1, 6):
        announcer.announce(f"Turno A{n}", "es")
    qtbot.waitUntil(lambda: len(speech.said) == 5 and not announcer.busy, timeout=WAIT)
    assert speech.said == [(f"Turno A{n}", "es") for n in range(1, 6)]


def test_a_speech_engine_that_never_finishes_does_not_stop_the_queue(qtbot):
    speech = RecordingSpeech(finishes=False)
    announcer = Announcer(speech, None, pause_ms=10, speech_timeout_ms=200)
    announcer.announce("uno", "es")
    announcer.announce("dos", "es")
    qtbot.waitUntil(lambda: [t for t, _ in speech.said] == ["uno", "dos"], timeout=WAIT)


def test_sound_off_says_nothing(qtbot):
    speech = RecordingSpeech()
    announcer = Announcer(speech, None, enabled=False)
    with qtbot.assertNotEmitted(announcer.started):
        announcer.announce("Turno A1", "es")
    assert not announcer.busy and not announcer.queue   # nothing left to say later either
    assert speech.said == []


# What Qt Multimedia says, on its own, when it starts on a machine with no audio
# libraries and no sound server: the very machine this test is about.
NO_AUDIO_MACHINE = (r"Couldn't (load|resolve) (pipewire-0\.3|va(-x11|-drm|\(in plugin\))?) (library|symbols)$",
                    r"^PulseAudioService: pa_context_connect\(\) failed$")


@pytest.mark.qt_log_ignore(*NO_AUDIO_MACHINE)
def test_the_real_chime_and_qt_speech_run_without_an_audio_device(qtbot):
    """No sound card here: the chime plays to nowhere and the queue still moves on.
    Qt's "mock" engine stands for a real one; an engine that cannot start ("speechd"
    without its daemon) is skipped over, never stuck on."""
    assert not QtSpeech("no-such-engine").available
    chime = Chime()
    assert chime.path.exists() and chime.path.stat().st_size > 10_000
    for engine in ("mock", "no-such-engine"):
        announcer = Announcer(QtSpeech(engine), chime, pause_ms=10)
        with qtbot.waitSignal(announcer.spoken, timeout=WAIT) as spoken:
            announcer.announce("Turno A cero cero uno, ventanilla uno", "es")
        assert spoken.args == ["Turno A cero cero uno, ventanilla uno"]


# ---------------------------------------------------------------- calls learnt from the branch's list

SERVER_NOW = "2026-11-23T15:10:00Z"


def server_clock():
    """The server's clock as the display knows it: 15:10:00 UTC on 23 Nov 2026, whatever
    this machine's clock says (calls are judged by the server's time, not ours)."""
    return datetime.fromisoformat(SERVER_NOW.replace("Z", "+00:00"))


def before_now(delta: timedelta) -> str:
    """The server's time `delta` before its now, as the server writes it."""
    return (server_clock() - delta).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def said_for(code: str, counter: str) -> str:
    """What the display says for `code` at counter `counter` ("v1" is Ventanilla 1), in Spanish."""
    return announcement(code, f"Ventanilla {counter[1:]}", "es")


def entry(code, counter, called_at, recall=False):
    return {"code": code, "service": "caja", "counter": {"id": counter, "name": f"Ventanilla {counter[1:]}"},
            "called_at": called_at, "recall": recall}


def state(seq, *calling, **extra):
    return {"branch": "centro", "seq": seq, "services": STATE["services"], "calling": list(calling), **extra}


def listening(model):
    said = []
    model.announce.connect(lambda text, lang: said.append(text))
    return said


A1 = entry("A001", "v1", "2026-11-23T15:09:50Z")


def test_the_first_state_after_starting_is_shown_and_not_read_out():
    model = DisplayModel(server_now=server_clock)
    said = listening(model)
    model.on_branch_state(state(5, A1), "subscribe")   # called ten seconds ago, before we were on
    assert model.current.code == "A001" and said == []
    model.on_branch_state(state(5, A1), "resync")
    assert said == []


def test_a_call_whose_event_was_lost_is_said_from_the_list_once():
    model = DisplayModel(server_now=server_clock)
    said = listening(model)
    model.on_branch_state(state(5), "subscribe")
    a2 = entry("A002", "v2", "2026-11-23T15:09:55Z")
    model.on_branch_state(state(7, a2, A1), "reconnect")   # both called while we were away (newest first)
    assert said == [said_for("A001", "v1"), said_for("A002", "v2")]
    model.on_branch_state(state(8, a2, A1), "event")
    model.on_branch_state(state(8, a2, A1), "resync")
    assert len(said) == 2


def test_old_calls_in_the_list_are_shown_but_not_said():
    model = DisplayModel(server_now=server_clock)
    said = listening(model)
    model.on_branch_state(state(5), "subscribe")
    old = entry("A003", "v3", before_now(LATE_ANNOUNCE + timedelta(seconds=1)))
    edge = entry("A004", "v1", before_now(LATE_ANNOUNCE))   # exactly that old: still said
    model.on_branch_state(state(9, edge, old), "reconnect")
    assert [c.code for c in model.calls] == ["A004", "A003"]
    assert said == [said_for("A004", "v1")]


def test_a_call_heard_as_an_event_is_not_said_again_from_the_list():
    model = DisplayModel(server_now=server_clock)
    said = listening(model)
    model.on_branch_state(state(5), "subscribe")
    model.on_called({"seq": 6, "code": "A001", "counter": {"id": "v1", "name": "Ventanilla 1"}})
    model.on_branch_state(state(6, A1), "event")
    model.on_branch_state(state(6, A1), "resync")
    assert said == [said_for("A001", "v1")]
    # A recall is another call (a new called_at): said again, once.
    recall = entry("A001", "v1", "2026-11-23T15:09:58Z", recall=True)
    model.on_called({"seq": 7, "code": "A001", "counter": {"id": "v1", "name": "Ventanilla 1"}, "recall": True})
    model.on_branch_state(state(7, recall, A1), "event")
    assert said == [said_for("A001", "v1")] * 2
    # The list brings a recall whose event was lost: said once more.
    again = entry("A001", "v1", "2026-11-23T15:09:59Z", recall=True)
    model.on_branch_state(state(9, again, recall, A1), "resync")
    assert said == [said_for("A001", "v1")] * 3


def test_a_state_that_overtook_its_call_event_says_the_call_once():
    model = DisplayModel(server_now=server_clock)
    said = listening(model)
    model.on_branch_state(state(5), "subscribe")
    model.on_branch_state(state(6, A1), "event")   # its ticket.called comes second
    model.on_called({"seq": 6, "code": "A001", "counter": {"id": "v1", "name": "Ventanilla 1"}})
    assert said == [said_for("A001", "v1")]


# ---------------------------------------------------------------- the branch message

def test_the_message_follows_branch_state_and_an_older_detail_does_not_undo_it():
    model = DisplayModel()
    model.on_branch_changed({**DETAIL, "seq": 9})
    model.on_branch_state(state(9), "subscribe")
    assert model.message == "Hoy cerramos a las 15:00"          # no message field: kept
    model.on_branch_state(state(10, message="  Cerrado el lunes  "), "event")
    assert model.message == "Cerrado el lunes"
    model.on_branch_changed({**DETAIL, "seq": 9})                        # fetched before that change
    assert model.message == "Cerrado el lunes"
    model.on_branch_state(state(11, message=None), "event")             # the admin cleared it
    assert model.message == ""
    model.on_branch_state(state(12), "event")
    assert model.message == ""
    model.on_branch_changed({**DETAIL, "seq": 12, "message": "Hola"})
    assert model.message == "Hola"


def test_a_recall_in_the_same_second_as_its_call_is_said_again():
    """The list gives times to the second: a recall made that same second is still
    another call, whether its state or its event comes first."""
    model = DisplayModel(server_now=server_clock)
    said = listening(model)
    model.on_branch_state(state(5), "subscribe")
    model.on_called({"seq": 6, "code": "A001", "counter": {"id": "v1", "name": "Ventanilla 1"}})
    model.on_branch_state(state(6, A1), "event")
    recall = entry("A001", "v1", A1["called_at"], recall=True)
    model.on_branch_state(state(7, recall, A1), "resync")   # the state overtook the recall's event
    model.on_called({"seq": 7, "code": "A001", "counter": {"id": "v1", "name": "Ventanilla 1"}, "recall": True})
    assert said == [said_for("A001", "v1")] * 2
