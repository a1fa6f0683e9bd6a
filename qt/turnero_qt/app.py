"""What a device app's `build()` hands back: its pieces, connected, to start."""
from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QWidget

from .link import DeviceLink


@dataclass
class DeviceApp:
    """The link to the server and the window; each app adds its own pieces.
    `start()` connects to the server, `stop()` lets go of it."""

    link: DeviceLink
    window: QWidget

    @property
    def driver(self):
        """What starts and stops the app: the link, unless the app has its own (the
        kiosk's flow, which stops the printer too)."""
        return self.link

    def start(self) -> None:
        self.driver.start()

    def stop(self) -> None:
        self.driver.stop()


def quit_on_signals(app: QCoreApplication, before: Callable[[], None] | None = None) -> QTimer:
    """systemd's stop (SIGTERM) and Ctrl+C (SIGINT) end the app through its event loop,
    so it lets go of the server and exits 0 (`before` runs first). Qt's loop does not
    let Python see a signal by itself: the returned timer wakes it twice a second (keep
    a reference)."""
    def _quit(*_args) -> None:
        if before is not None:
            before()
        app.quit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _quit)
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(500)
    return heartbeat
