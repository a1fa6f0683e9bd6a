"""The only way out of the kiosk: hold the top-left corner, then type the staff PIN."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from .. import i18n
from ..style import LOOKS
from .parts import button, hbox, label, set_text, vbox
from .widgets import Keypad

log = logging.getLogger(__name__)

HOLD_TO_EXIT_MS = 3000
PIN_PAD_IDLE_MS = 30_000   # an unused PIN pad closes itself
MAX_PIN_DIGITS = 12


class CornerHotspot(QWidget):
    """Invisible top-left corner: hold it for a few seconds to ask for the staff PIN."""

    held = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFixedSize(110, 110)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HOLD_TO_EXIT_MS)
        self._timer.timeout.connect(self.held)

    def mousePressEvent(self, event) -> None:
        self._timer.start()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        self._timer.stop()
        event.accept()


class PinOverlay(QWidget):
    """The staff PIN pad over a dimmed kiosk."""

    accepted = Signal()

    def __init__(self, pin: str, lang_of, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pin")
        self.pin = pin
        self.lang_of = lang_of
        self.entered = ""
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(LOOKS["pin"])
        self.title = label(look="pin.title")
        self.subtitle = label(look="pin.subtitle")
        self.value = label(wrap=False, look="pin.value")
        self.message = label(look="pin.message")
        self.keypad = Keypad(key_height=112)
        self.keypad.setFixedWidth(600)
        self.keypad.digit.connect(self._digit)
        self.keypad.deleted.connect(lambda: self._set(self.entered[:-1]))
        self.keypad.cleared.connect(lambda: self._set(""))
        self.cancel = button("secondary", self.close_pad)
        self.ok = button("primary", self._check)
        self.ok.setStyleSheet(LOOKS["pin.ok"])
        self.setLayout(vbox("stretch", self.title, self.subtitle, 12, self.value, self.message, 12,
                            (self.keypad, 0, Qt.AlignmentFlag.AlignHCenter), 24,
                            hbox("stretch", self.cancel, 24, self.ok, "stretch"), "stretch",
                            spacing=8, margins=(60, 40, 60, 40)))
        self._close_timer = QTimer(self)
        self._close_timer.setSingleShot(True)
        self._close_timer.setInterval(PIN_PAD_IDLE_MS)
        self._close_timer.timeout.connect(self.close_pad)
        self.hide()

    def open_pad(self) -> None:
        lang = self.lang_of()
        self.title.setText(i18n.text("admin.title", lang))
        self.subtitle.setText(i18n.text("admin.subtitle", lang))
        self.keypad.retranslate(lang)
        set_text(self.cancel, i18n.text("common.cancel", lang))
        set_text(self.ok, i18n.text("admin.exit", lang))
        self.message.setText("")
        self._set("")
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self._close_timer.start()

    def close_pad(self) -> None:
        self._set("")
        self._close_timer.stop()
        self.hide()

    def _digit(self, d: str) -> None:
        if len(self.entered) < MAX_PIN_DIGITS:
            self._set(self.entered + d)
        self._close_timer.start()

    def _set(self, value: str) -> None:
        self.entered = value
        self.value.setText("●" * len(value) if value else "–")
        self.value.setAccessibleName(i18n.text("admin.field", self.lang_of()))

    def _check(self) -> None:
        if self.pin and self.entered == self.pin:
            log.warning("kiosk closed by staff PIN")
            self.close_pad()
            self.accepted.emit()
        else:
            self.message.setText(i18n.text("admin.wrong", self.lang_of()))
            self._set("")
