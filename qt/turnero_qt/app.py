"""What a device app's `build()` hands back: its pieces, connected, to start."""
from __future__ import annotations

from dataclasses import dataclass

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
