"""A branch's brand on the Qt apps: its colours (the band behind the header and the
ink on it) and its logo, fetched once per version through the REST client (never
blocking), for the kiosk's header and slip and the lobby display's header."""
from __future__ import annotations

import logging
import re

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from .rest import RestClient, RestReply

log = logging.getLogger(__name__)

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_LOGO_BYTES = 512 * 1024  # the server keeps them under 256 KB


def brand_colors(brand: dict | None, background: str, ink: str) -> tuple[str, str]:
    """The band's colour and the ink on it: the branch's, else (`background`, `ink`)."""
    brand = brand if isinstance(brand, dict) else {}
    color, on = brand.get("color"), brand.get("ink")
    if isinstance(color, str) and COLOR_RE.match(color):
        return color, on if isinstance(on, str) and COLOR_RE.match(on) else ink
    return background, ink


class BrandLogo(QObject):
    """The branch's logo: `show(brand)` with the branch detail's `brand` (or attach it
    to a DeviceLink: `on_branch_changed`); `changed()` once the picture (`image`,
    `data`) is there or gone, and when the colours (`brand`) change. A logo that fails
    to load leaves none (the apps show the name alone) and is asked for again next time."""

    changed = Signal()

    def __init__(self, rest: RestClient, parent: QObject | None = None):
        super().__init__(parent)
        self.rest = rest
        self.url: str | None = None
        self.data: bytes | None = None
        self.image: QImage | None = None
        self.brand: dict = {}
        self._pending: RestReply | None = None

    @Slot(object)
    def on_branch_changed(self, detail) -> None:
        brand = detail.get("brand") if isinstance(detail, dict) else None
        brand = brand if isinstance(brand, dict) else {}
        colors_changed, self.brand = brand != self.brand, brand
        before = self.url, self.data
        self.show(brand)
        if colors_changed and (self.url, self.data) == before:
            self.changed.emit()

    def show(self, brand: dict | None) -> None:
        url = (brand or {}).get("logo_url") if isinstance(brand, dict) else None
        url = url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else None
        if url == self.url and (self.data is not None or self._pending is not None):
            return
        self.url = url
        if self._pending is not None:
            self._pending.abort()
            self._pending = None
        if url is None:
            self._set(None, None)
            return
        reply = self._pending = self.rest.fetch(url)
        reply.succeeded.connect(lambda data: self._loaded(reply, data))
        reply.failed.connect(lambda error: self._failed(reply, error))

    def _loaded(self, reply: RestReply, data) -> None:
        if reply is not self._pending:
            return
        self._pending = None
        image = QImage.fromData(data) if isinstance(data, bytes) and len(data) <= MAX_LOGO_BYTES else QImage()
        if image.isNull():
            log.warning("the logo at %s is not a picture", self.url)
            self._set(None, None)
            return
        self._set(data, image)

    def _failed(self, reply: RestReply, error) -> None:
        if reply is self._pending:
            self._pending = None
            log.warning("the logo at %s did not load: %s", self.url, error)
            self._set(None, None)

    def _set(self, data: bytes | None, image: QImage | None) -> None:
        self.data, self.image = data, image
        self.changed.emit()
