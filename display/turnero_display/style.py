"""The lobby display's look in one place: colours and weights. Sizes follow the
window: every size is a multiple of its unit `u` (a hundredth of its shorter side)."""
from __future__ import annotations

from PySide6.QtGui import QFont

BACKGROUND = "#0a0f1c"
PANEL = "#141d31"
PANEL_EDGE = "#26314a"
ROW = "#1b2640"        # a row inside a panel (a last call, a line)
TEXT = "#ffffff"
SOFT = "#cfd8e8"       # secondary text, still > 12:1 on the panels
ACCENT = "#ffd24a"     # counter names and waits
WARN = "#ffb020"

BOLD, DEMI, BLACK, NORMAL = QFont.Weight.Bold, QFont.Weight.DemiBold, QFont.Weight.Black, QFont.Weight.Normal
