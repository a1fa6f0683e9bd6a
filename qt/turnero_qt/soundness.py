"""Whether this Qt for Python keeps its references to None.

PySide6 6.12.0 on Python 3.11 gives back one reference to None too many on every call
of a method that returns nothing (`QFont.setPixelSize`, `QFont.setWeight`...). Before
Python 3.12, None is counted like any object, so after a few thousand such calls
Python frees None and the process dies ("Fatal Python error: none_dealloc"): a lobby
display painting its rows did, within a minute (tests/qt/test_left_running_live.py
found it). pyproject.toml excludes that release; this check finds any build with the
same fault, whatever its version, before an app runs for hours and then stops."""
from __future__ import annotations

import sys

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtGui import QFont

CALLS = 200


def loses_references_to_none() -> bool:
    """True when a method returning nothing takes a reference to None with it."""
    font = QFont()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        font.setPixelSize(12)
    # Other threads may take or drop a few references meanwhile; the fault drops one a call.
    return sys.getrefcount(None) < before - CALLS // 2


def unsound_message() -> str | None:
    """Why this installation must not run an app for long, or None when it may."""
    if not loses_references_to_none():
        return None
    return (f"PySide6 {PYSIDE_VERSION} on Python {sys.version.split()[0]} loses a reference to None on every "
            "Qt call that returns nothing: the app would crash within minutes. Install another PySide6 "
            "release (pip install 'PySide6-Essentials!=6.12.0' 'PySide6-Addons!=6.12.0') or Python 3.12 or later.")
