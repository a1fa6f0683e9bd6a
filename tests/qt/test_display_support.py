"""Helpers for the display tests (no tests here): a speech engine that records what
it was asked to say, and a display wired exactly as `turnero-display` wires it."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402

from test_qt_client_support import FAST  # noqa: E402
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
