"""A USB QR scanner as the kiosk sees it: a keyboard that types a whole code within
milliseconds, then Enter. The kiosk has no other keyboard, so any such burst ending
in Enter is a scan; keys further apart than GAP_SECONDS start a new one."""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

GAP_SECONDS = 0.3
MAX_SCAN_CHARS = 512
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ScanReader(QObject):
    scanned = Signal(str)

    def __init__(self, now: Callable[[], float] = time.monotonic, parent: QObject | None = None):
        super().__init__(parent)
        self._now = now
        self._typed: list[str] = []
        self._last = 0.0

    def key(self, key: int, text: str) -> None:
        """One key press (its Qt key and the text it types)."""
        moment = self._now()
        if moment - self._last > GAP_SECONDS:
            self._typed = []
        self._last = moment
        if key in ENTER_KEYS:
            typed, self._typed = "".join(self._typed), []
            if typed.strip():
                self.scanned.emit(typed)
        elif text and text.isprintable() and len(self._typed) < MAX_SCAN_CHARS:
            self._typed.append(text)
