"""Out of service, in both languages (who is at the door is not known yet), while
the kiosk reconnects by itself."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLayout, QWidget

from .. import i18n
from ..flow import KioskFlow
from ..style import FOCUS, SOFT_ON_DARK
from .page import Page
from .parts import hbox, label, vbox
from .widgets import Spinner


class OutOfServiceIcon(QWidget):
    """A round "no entry" sign."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFixedSize(190, 190)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(12, 12, -12, -12)
        p.setPen(QPen(QColor("white"), 16))
        p.drawEllipse(r)
        p.fillRect(QRectF(r.x() + 36, r.center().y() - 15, r.width() - 72, 30), QColor(FOCUS))
        p.end()


class OfflineScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow, header=False)
        self.setObjectName("offline")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.branch = label(look="offline.branch")
        self.icon = OutOfServiceIcon()
        self.title = label(look="offline.title")
        self.subtitle = label(look="offline.subtitle")
        self.other_title = label(look="offline.other_title")
        self.other_subtitle = label(look="offline.other_subtitle")
        self.spinner = Spinner(color=SOFT_ON_DARK, size=60)
        self.retrying = label(wrap=False, look="offline.retrying")
        self.detail = label(look="offline.detail")

    def build(self, landscape: bool) -> QLayout:
        return vbox(self.branch, "stretch", (self.icon, 0, Qt.AlignmentFlag.AlignHCenter), 36, self.title,
                    self.subtitle, 48, self.other_title, self.other_subtitle, "stretch",
                    hbox("stretch", self.spinner, 20, self.retrying, "stretch"), 8, self.detail,
                    spacing=14, margins=(80, 56, 80, 48))

    def refresh(self) -> None:
        lang = self.flow.lang
        other = "en" if lang == "es" else "es"
        self.branch.setText((self.flow.branch or {}).get("name") or "")
        self.title.setText(i18n.text("offline.title", lang))
        self.subtitle.setText(i18n.text("offline.subtitle", lang))
        self.other_title.setText(i18n.text("offline.title", other))
        self.other_subtitle.setText(i18n.text("offline.subtitle", other))
        self.retrying.setText(i18n.text("offline.retrying", lang))
        self.detail.setText(self.flow.detail)
        self.detail.setVisible(bool(self.flow.detail))
        self.setAccessibleName(f"{self.title.text()}. {self.subtitle.text()}")
