"""Helpers for the display tests (no tests here): a speech engine that records what
it was asked to say, a display wired exactly as `turnero-display` wires it (and the
`display` fixture that starts them against the module's server), and `branch_rows`,
which changes a branch's columns for one test and puts them back."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import create_engine, text  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from test_qt_client_support import FAST, device_token  # noqa: E402

from turnero_display.announcer import SpeechEngine  # noqa: E402
from turnero_display.main import Display, Options, build  # noqa: E402
from turnero_qt import ClientConfig, DeviceLink, RealtimeClient  # noqa: E402


class RecordingSpeech(SpeechEngine):
    """A text-to-speech engine that writes down what it was asked to say."""

    def __init__(self, finishes: bool = True):
        super().__init__()
        self.said: list[tuple[str, str]] = []
        self.finishes = finishes

    def say(self, text, lang):
        self.said.append((text, lang))
        if self.finishes:
            QTimer.singleShot(10, self, self.finished.emit)

    @property
    def texts(self) -> list[str]:
        return [text for text, _ in self.said]


def make_display(server_url: str, token: str, *, lang: str | None = None, transport_factory=None,
                 size=(1920, 1080)) -> tuple[Display, RecordingSpeech]:
    speech = RecordingSpeech()
    link = DeviceLink(server_url, token, kind="display", backoff=FAST,
                      realtime=RealtimeClient(server_url, token, backoff=FAST,
                                              transport_factory=transport_factory))
    display = build(ClientConfig(server=server_url, token=token), Options(lang=lang, highlight_seconds=3),
                    speech=speech, chime=None, link=link)
    display.announcer.pause_ms = 20
    display.window.resize(*size)
    display.window.show()
    return display, speech


WAIT = 20_000  # ms, generous: not a timing assertion


@pytest.fixture
def display(qtbot, live):
    """`display(branch="centro", **make_display_options)` -> (Display, RecordingSpeech),
    online with its branch's detail; stopped after the test."""
    made = []

    def _make(branch="centro", **kwargs):
        shown, speech = make_display(live.url, device_token(live, "display", branch), **kwargs)
        qtbot.addWidget(shown.window)
        made.append(shown)
        with qtbot.waitSignal(shown.link.branch_changed, timeout=WAIT):
            shown.start()
        qtbot.waitUntil(lambda: shown.model.connection == "online", timeout=WAIT)
        return shown, speech
    yield _make
    for shown in made:
        shown.stop()


@pytest.fixture
def branch_rows(live):
    """`branch_rows(slug, message=..., lang=..., name=...)` sets those columns of a
    branch straight in the database (as an admin tool would, with no event), and the
    test's end puts back what they were, so no test sees another's branch."""
    engine = create_engine(live.env["TURNERO_DATABASE_URL"])  # SQLite or PostgreSQL, as the server runs
    saved: list[tuple[str, dict]] = []

    def write(slug: str, values: dict) -> None:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE branches SET {', '.join(f'{k} = :{k}' for k in values)} WHERE slug = :slug"),
                         {**values, "slug": slug})

    def _set(slug: str, **values) -> None:
        with engine.connect() as conn:
            row = conn.execute(text(f"SELECT {', '.join(values)} FROM branches WHERE slug = :slug"),
                               {"slug": slug}).mappings().one()
        saved.append((slug, dict(row)))
        write(slug, values)
    yield _set
    for slug, values in reversed(saved):
        write(slug, values)
    engine.dispose()
