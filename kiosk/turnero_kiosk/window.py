"""The kiosk's window: every screen in a stack, shown as KioskFlow says. No key
leaves it; closing needs the staff PIN."""
from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QLayout, QStackedLayout, QWidget

from . import i18n
from .flow import KioskFlow
from .scanner import ScanReader
from .screens import (CheckInScreen, ClosedScreen, CornerHotspot, ErrorScreen, OfflineScreen, Page, PhoneScreen,
                      PinOverlay, PriorityScreen, TicketScreen, WaitScreen, WelcomeScreen)
from .states import Screen
from .style import STYLE, font

log = logging.getLogger(__name__)


class KioskWindow(QWidget):
    """Every screen in a stack, shown as KioskFlow says. Closing needs the staff PIN."""

    exit_requested = Signal()

    def __init__(self, flow: KioskFlow, admin_pin: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFont(font())
        self.setStyleSheet(STYLE)
        self.setWindowTitle("Turnero")
        self.stack = QStackedLayout(self)
        # Each page fits both shapes once laid out for it; the minimum of the other
        # shape must not stop the window from turning.
        self.stack.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.screens: dict[Screen, Page] = {
            Screen.STARTING: WaitScreen(flow, "starting.title", None, header=False),
            Screen.WELCOME: WelcomeScreen(flow),
            Screen.PHONE: PhoneScreen(flow),
            Screen.PRIORITY: PriorityScreen(flow),
            Screen.TAKING: WaitScreen(flow, "taking.title", "taking.subtitle"),
            Screen.TICKET: TicketScreen(flow),
            Screen.CHECKIN: CheckInScreen(flow),
            Screen.ERROR: ErrorScreen(flow),
            Screen.OFFLINE: OfflineScreen(flow),
            Screen.CLOSED: ClosedScreen(flow),
        }
        for screen in self.screens.values():
            screen.set_landscape(False)
            self.stack.addWidget(screen)
        self._allow_close = False
        self.pin = PinOverlay(admin_pin or "", lambda: flow.lang, self)
        self.pin.accepted.connect(self._staff_exit)
        self.corner = CornerHotspot(self)
        self.corner.held.connect(self._ask_pin if admin_pin else lambda: log.warning(
            "staff exit gesture used, but no admin_pin is configured"))
        flow.screenChanged.connect(lambda _s: self.show_screen())
        flow.langChanged.connect(lambda _l: self.refresh())
        flow.servicesChanged.connect(lambda _s: self._services_changed())
        flow.branchChanged.connect(lambda _b: self.refresh())
        flow.checkInAvailableChanged.connect(lambda _a: self.refresh())
        flow.detailChanged.connect(lambda _d: self.screens[Screen.OFFLINE].refresh())
        self.scanner = ScanReader(parent=self)
        self.scanner.scanned.connect(flow.scan)
        QApplication.instance().installEventFilter(self)
        self.show_screen()

    @property
    def current(self) -> Page:
        return self.screens[self.flow.screen]

    def show_screen(self) -> None:
        page = self.current
        page.set_landscape(self.width() > self.height())
        page.refresh()
        self.stack.setCurrentWidget(page)
        page.setFocus(Qt.FocusReason.OtherFocusReason)  # no button looks selected on arrival
        self.refresh_corner()

    def refresh(self) -> None:
        self.current.refresh()
        self.refresh_corner()

    def refresh_corner(self) -> None:
        self.corner.setAccessibleName(i18n.text("admin.corner.name", self.flow.lang))
        self.corner.raise_()
        if self.pin.isVisible():
            self.pin.raise_()

    def _services_changed(self) -> None:
        if self.flow.screen == Screen.WELCOME:
            self.screens[Screen.WELCOME].show_services()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        landscape = self.width() > self.height()
        for page in self.screens.values():
            page.set_landscape(landscape)
        self.current.refresh()
        self.corner.move(0, 0)
        if self.pin.isVisible():
            self.pin.setGeometry(self.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress):
            self.flow.touch()
        return False

    def keyPressEvent(self, event) -> None:
        # No key leaves or hides the kiosk (Escape does nothing; closing needs the PIN).
        # What keys there are come from the QR scanner.
        self.scanner.key(event.key(), event.text())
        event.accept()

    def _ask_pin(self) -> None:
        self.pin.open_pad()

    def _staff_exit(self) -> None:
        self._allow_close = True
        self.exit_requested.emit()
        self.close()

    def closeEvent(self, event) -> None:
        if self._allow_close:
            QApplication.instance().removeEventFilter(self)
            event.accept()
        else:
            event.ignore()

    def allow_close(self) -> None:
        """For shutdown paths that close the window on purpose (signals, tests)."""
        self._allow_close = True
