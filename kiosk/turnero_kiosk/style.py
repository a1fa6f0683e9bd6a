"""The kiosk's look in one place: colours, type, sizes, the window's style sheet,
each label's own style, and how a card is painted. Screens name a look here
(`label(look="ticket.code")`); they hold no colour or type size of their own.

Large targets (at least MIN_TARGET px, most well over 100) and high contrast: dark
ink on white, white on navy.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

# ---------------------------------------------------------------- colours

NAVY = "#0A2A5E"
NAVY_DARK = "#061A3D"
INK = "#0B1B33"
MUTED = "#3A4863"
PLACEHOLDER = "#5E6A82"
PAGE = "#EEF1F6"
CARD = "#FFFFFF"
LINE = "#C5CEDD"
PERFORATION = "#9AA7BD"
PRESSED = "#DCE5F5"
FOCUS = "#F2B705"
WARNING = "#8A4B00"        # a line that takes no new turns (7.2:1 on white)
DISABLED, DISABLED_TEXT = "#8893A8", "#F4F6FA"
KEY_ACTION, KEY_ACTION_PRESSED = "#E3E8F1", "#CBD6EA"
SOFT_ON_DARK = "#C9D6EE"   # secondary text on navy
FAINT_ON_DARK = "#9FB0CF"
DANGER, DANGER_BG = "#A4161A", "#FDECEC"
OK, OK_BG = "#12633A", "#E3F3E8"
WARN, WARN_BG = "#6B4A00", "#FFF3CF"

# ---------------------------------------------------------------- sizes

MIN_TARGET = 64        # px: the smallest thing a finger has to hit
CARD_RADIUS = 28
CARD_EDGE = 4
TICKET_RADIUS = 32
TICKET_EDGE = 3
HEADER_HEIGHT = 124
LOGO_HEIGHT = 84  # the branch's logo in the header band

# ---------------------------------------------------------------- type

FONT_FAMILIES = ["Inter", "Noto Sans", "Segoe UI", "Roboto", "DejaVu Sans", "Liberation Sans", "Arial"]
NORMAL, DEMI, BOLD, BLACK = QFont.Weight.Normal, QFont.Weight.DemiBold, QFont.Weight.Bold, QFont.Weight.Black


def font(px: int = 28, weight: QFont.Weight = NORMAL) -> QFont:
    """The kiosk's (and the printed slip's) type at `px` pixels."""
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPixelSize(px)
    f.setWeight(weight)
    return f


@dataclass(frozen=True)
class Type:
    """Painted type: a size and a weight."""

    px: int
    weight: QFont.Weight = NORMAL

    def font(self, scale: float = 1.0) -> QFont:
        return font(int(self.px * scale), self.weight)


SERVICE_LETTER = Type(104, BLACK)
SERVICE_NAME = Type(58, BOLD)
SERVICE_WAIT = Type(34, DEMI)
SERVICE_IN_LINE = Type(32)
CHOICE_SYMBOL = Type(84, BOLD)
CHOICE_TITLE = Type(48, BOLD)
CHOICE_HINT = Type(30)
STEP_NUMBER = Type(38, BLACK)
STEP_TEXT = Type(28, DEMI)

# ---------------------------------------------------------------- style sheets

STYLE = f"""
#kiosk {{ background: {PAGE}; }}
QLabel {{ color: {INK}; }}
QLabel[role="title"] {{ font-size: 62px; font-weight: 800; }}
QLabel[role="subtitle"] {{ font-size: 32px; color: {MUTED}; }}
QLabel[role="message"] {{ font-size: 30px; font-weight: 700; color: {DANGER}; background: {DANGER_BG};
    border: 3px solid {DANGER}; border-radius: 16px; padding: 14px 22px; }}
QPushButton {{ font-size: 38px; font-weight: 700; border-radius: 22px; padding: 12px 36px;
    min-height: {MIN_TARGET + 40}px; min-width: {MIN_TARGET * 3}px; }}
QPushButton[role="primary"] {{ background: {NAVY}; color: white; border: 3px solid {NAVY}; }}
QPushButton[role="primary"]:pressed {{ background: {NAVY_DARK}; }}
QPushButton[role="primary"]:disabled {{ background: {DISABLED}; border-color: {DISABLED}; color: {DISABLED_TEXT}; }}
QPushButton[role="secondary"] {{ background: {CARD}; color: {NAVY}; border: 3px solid {NAVY}; }}
QPushButton[role="secondary"]:pressed {{ background: {PRESSED}; }}
QPushButton[role="quiet"] {{ background: transparent; color: {NAVY}; border: 3px solid transparent;
    font-size: 34px; min-width: {MIN_TARGET * 2}px; min-height: {MIN_TARGET + 16}px; padding: 6px 20px; }}
QPushButton[role="quiet"]:pressed {{ background: {PRESSED}; }}
QPushButton[role="key"] {{ background: {CARD}; color: {INK}; border: 3px solid {LINE}; font-size: 56px;
    font-weight: 700; min-width: {MIN_TARGET + 40}px; min-height: 0; padding: 0; }}
QPushButton[role="key"]:pressed {{ background: {PRESSED}; border-color: {NAVY}; }}
QPushButton[role="keysmall"] {{ background: {CARD}; color: {INK}; border: 3px solid {LINE}; font-size: 38px;
    font-weight: 700; min-width: {MIN_TARGET + 8}px; min-height: 0; padding: 0; border-radius: 16px; }}
QPushButton[role="keysmall"]:pressed {{ background: {PRESSED}; border-color: {NAVY}; }}
QPushButton[role="keyaction"] {{ background: {KEY_ACTION}; color: {NAVY}; border: 3px solid {LINE}; font-size: 32px;
    min-width: {MIN_TARGET + 40}px; min-height: 0; padding: 0 12px; }}
QPushButton[role="keyaction"]:pressed {{ background: {KEY_ACTION_PRESSED}; }}
QPushButton[role="toggle"] {{ background: {CARD}; color: {NAVY}; border: 3px solid {LINE}; font-size: 28px;
    min-height: {MIN_TARGET + 24}px; min-width: {MIN_TARGET * 2}px; padding: 6px 16px; border-radius: 20px; }}
QPushButton[role="toggle"]:checked {{ background: {NAVY}; color: white; border-color: {NAVY}; }}
QPushButton[role="toggle"]:pressed {{ background: {PRESSED}; color: {NAVY}; }}
QPushButton[role="lang"] {{ background: transparent; color: white; border: 3px solid white; font-size: 30px;
    min-height: {MIN_TARGET + 8}px; min-width: {MIN_TARGET * 3}px; padding: 0 28px; border-radius: 36px; }}
QPushButton[role="lang"]:pressed {{ background: rgba(255,255,255,0.18); }}
QPushButton:focus {{ border-color: {FOCUS}; }}
#header {{ background: {NAVY}; }}
#header QLabel {{ color: white; }}
#field {{ background: {CARD}; border: 4px solid {NAVY}; border-radius: 22px; }}
#offline {{ background: {NAVY_DARK}; }}
#offline QLabel {{ color: white; }}
#pin QLabel {{ color: white; }}
"""

def _status(color: str, background: str, edge: int) -> str:
    return (f"QLabel {{ color: {color}; background: {background}; border: {edge}px solid {color};"
            " font-size: 34px; font-weight: 800; border-radius: 18px; padding: 10px 26px; }")


# Each widget's own style sheet, by name (set on the widget, so it wins over the
# window's rules above).
LOOKS = {
    "phone.priority": f"font-size: 30px; font-weight: 700; color: {MUTED};",
    "header.branch": "font-size: 40px; font-weight: 800;",
    "header.clock": "font-size: 40px; font-weight: 600;",
    "welcome.how": f"font-size: 30px; font-weight: 800; color: {MUTED}; letter-spacing: 2px;",
    "field.typed": f"font-size: 76px; font-weight: 800; color: {INK};",
    "field.placeholder": f"font-size: 42px; font-weight: 500; color: {PLACEHOLDER};",
    "checkin.typed": f"font-size: 68px; font-weight: 800; color: {INK}; letter-spacing: 6px;",
    "checkin.placeholder": f"font-size: 40px; color: {PLACEHOLDER};",
    "ticket.service": f"font-size: 50px; font-weight: 800; color: {INK};",
    "ticket.your_turn": f"font-size: 30px; font-weight: 800; color: {MUTED}; letter-spacing: 6px;",
    "ticket.code.portrait": f"font-size: 270px; font-weight: 900; color: {INK};",
    "ticket.code.landscape": f"font-size: 230px; font-weight: 900; color: {INK};",
    "ticket.badge": f"font-size: 30px; font-weight: 800; color: white; background: {INK};"
                    "border-radius: 12px; padding: 6px 28px;",
    "ticket.ahead": f"font-size: 44px; font-weight: 800; color: {INK};",
    "ticket.wait": f"font-size: 36px; font-weight: 600; color: {MUTED};",
    "ticket.called": f"#called {{ background: {OK}; border-radius: 24px; }}",
    "ticket.called.title": "font-size: 34px; font-weight: 800; color: white; letter-spacing: 4px;",
    "ticket.called.counter": "color: white;",
    "ticket.follow": f"font-size: 36px; font-weight: 800; color: {INK};",
    "ticket.hint": f"font-size: 28px; color: {MUTED};",
    "status.ok": _status(OK, OK_BG, 3),
    "status.warn": _status(WARN, WARN_BG, 3),
    "status.bad": _status(DANGER, DANGER_BG, 4),
    "error.message": f"font-size: 50px; font-weight: 800; color: {INK};",
    "offline.branch": f"font-size: 40px; font-weight: 700; color: {SOFT_ON_DARK};",
    "offline.title": "font-size: 96px; font-weight: 900; color: white;",
    "offline.subtitle": "font-size: 44px; font-weight: 600; color: white;",
    "offline.other_title": f"font-size: 54px; font-weight: 800; color: {SOFT_ON_DARK};",
    "offline.other_subtitle": f"font-size: 34px; color: {SOFT_ON_DARK};",
    "offline.retrying": f"font-size: 30px; color: {SOFT_ON_DARK};",
    "offline.detail": f"font-size: 24px; color: {FAINT_ON_DARK};",
    "closed.opens": f"font-size: 56px; font-weight: 800; color: {INK};",
    "closed.other": f"font-size: 34px; color: {MUTED};",
    "pin": f"#pin {{ background: {NAVY_DARK}; }}",
    "pin.title": "font-size: 56px; font-weight: 800;",
    "pin.subtitle": f"font-size: 30px; color: {SOFT_ON_DARK};",
    "pin.value": "font-size: 72px; font-weight: 900; letter-spacing: 16px;",
    "pin.message": f"font-size: 30px; font-weight: 800; color: {FOCUS};",
    "pin.ok": f"background: {FOCUS}; color: {INK}; border-color: {FOCUS};",
}


def chip_look(color: QColor, text: QColor) -> str:
    """The chosen service's chip above a step: its colour, readable text on it."""
    return (f"font-size: 30px; font-weight: 800; border-radius: 30px; padding: 10px 18px;"
            f"background: {color.name()}; color: {text.name()};")


def service_color(service: dict) -> QColor:
    color = QColor(service.get("color") or NAVY)
    return color if color.isValid() else QColor(NAVY)


# ---------------------------------------------------------------- cards

def rounded(rect: QRectF, radius: float = CARD_RADIUS) -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    return path


def paint_card(p: QPainter, shape: QPainterPath, *, pressed: bool = False, focused: bool = False,
               edge: int = CARD_EDGE, band: tuple[QRectF, QColor] | None = None) -> None:
    """A white card (pale blue while pressed) with its edge: gold with the keyboard
    focus, navy while pressed, grey otherwise. `band` is a coloured area painted
    inside the card, under the edge (a service's colour strip)."""
    p.fillPath(shape, QColor(PRESSED if pressed else CARD))
    if band is not None:
        p.save()
        p.setClipPath(shape)
        p.fillRect(*band)
        p.restore()
    p.setPen(QPen(QColor(FOCUS if focused else NAVY if pressed else LINE), edge))
    p.drawPath(shape)


def header_look(background: str, ink: str) -> str:
    """The header band in the branch's colour (`background`) with the ink that reads on it."""
    return (f"#header {{ background: {background}; }} #header QLabel {{ color: {ink}; }} "
            f"#header QPushButton[role=\"lang\"] {{ color: {ink}; border-color: {ink}; }}")
