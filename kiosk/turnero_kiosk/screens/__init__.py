"""The kiosk's full-screen touch screens, one module each. A screen only shows
KioskFlow's state and calls its slots; it holds no rules. Each lays itself out for
portrait or landscape (`build`), from the same widgets, whenever the window's shape
changes. Every control has an accessible name; the look is in turnero_kiosk.style.

    parts       labels, buttons and boxes every screen is built from
    widgets     spinner, digit keypad, letter keyboard
    page        header band; Page, StepPage (a step of taking a turn), EntryPage (typing)
    welcome     the services to choose from          phone      the optional phone number
    priority    priority or not                      wait       "one moment…"
    ticket      the ticket, followed live            checkin    an appointment's code
    error       "try again"                          offline    out of service
    closed      the branch opens at...               (outside its hours for walk-ins)
    staff_exit  the corner to hold and the staff PIN pad
"""
from .checkin import CheckInScreen
from .closed import ClosedScreen
from .error import ErrorScreen
from .offline import OfflineScreen
from .page import Page
from .phone import PhoneScreen
from .priority import PriorityScreen
from .staff_exit import CornerHotspot, PinOverlay
from .ticket import TicketScreen
from .wait import WaitScreen
from .welcome import WelcomeScreen

__all__ = ["CheckInScreen", "ClosedScreen", "CornerHotspot", "ErrorScreen", "OfflineScreen", "Page", "PhoneScreen", "PinOverlay",
           "PriorityScreen", "TicketScreen", "WaitScreen", "WelcomeScreen"]
