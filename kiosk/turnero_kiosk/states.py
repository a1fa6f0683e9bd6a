"""The kiosk's vocabulary, shared by the flow, the screens and the settings: which
screen is up, what the printer did, which ticket statuses mean "called", and the
kiosk's settings."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

CALLED_STATES = ("called", "serving")


class Screen(str, Enum):
    STARTING = "starting"
    WELCOME = "welcome"
    PHONE = "phone"
    PRIORITY = "priority"
    TAKING = "taking"
    TICKET = "ticket"
    CHECKIN = "checkin"
    ERROR = "error"
    OFFLINE = "offline"
    # The branch takes no walk-ins now (outside its hours): when it opens next.
    CLOSED = "closed"


# Screens where a customer is in the middle of something: idle -> welcome.
IDLE_SCREENS = {Screen.PHONE, Screen.PRIORITY, Screen.CHECKIN, Screen.ERROR, Screen.WELCOME}


@dataclass
class KioskSettings:
    ticket_seconds: int = 20        # the ticket screen, then welcome
    fault_ticket_seconds: int = 60  # longer when the slip did not print (time to take a photo)
    idle_seconds: int = 45          # a half-finished step with no touch, then welcome
    ask_phone: bool = True          # offer SMS/WhatsApp updates
    scanner: bool = False           # a QR scanner (keyboard wedge) reads appointments' codes
    lang: str | None = None         # the kiosk's first language; the branch's when None


class PrintState(str, Enum):
    NONE = "none"          # this kiosk has no printer: photograph the QR
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"      # could not print: photograph the QR
