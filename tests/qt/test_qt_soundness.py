"""The Qt for Python the apps run on keeps its references to None (turnero_qt.soundness):
PySide6 6.12.0 on Python 3.11 did not, and a lobby display died within a minute."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402

from PySide6.QtGui import QFont  # noqa: E402
from PySide6.QtWidgets import QLabel  # noqa: E402

from turnero_qt import soundness  # noqa: E402


def test_calls_that_return_nothing_keep_none_alive(qapp):
    font, label = QFont(), QLabel()
    before = sys.getrefcount(None)
    for _ in range(100):  # (few: where the fault is, thousands would end this process)
        font.setPixelSize(14)
        font.setWeight(QFont.Weight.Bold)
        label.setText("A012")
    assert sys.getrefcount(None) > before - 150, "this PySide6 loses references to None: the apps would crash"
    assert soundness.unsound_message() is None


def test_the_check_names_the_fault_when_there_is_one(monkeypatch):
    monkeypatch.setattr(soundness, "loses_references_to_none", lambda: True)
    message = soundness.unsound_message()
    assert message and "PySide6" in message and "!=6.12.0" in message
