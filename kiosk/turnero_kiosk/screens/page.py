"""What the screens have in common: the header band, a page laid out again for each
window shape, a step of taking a turn, and a step with one big typing field."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLayout, QSizePolicy, QVBoxLayout, QWidget

from turnero_qt.brand import brand_colors
from turnero_qt.widgets import FitLabel, readable_on

from .. import i18n
from ..flow import KioskFlow
from ..states import Screen
from ..style import HEADER_HEIGHT, LOGO_HEIGHT, LOOKS, NAVY, chip_look, header_look, service_color
from .parts import button, hbox, label, set_text, vbox, widget_of


class Header(QFrame):
    """The band at the top, navy or the branch's colour: its logo (when it has one) and
    name, the time at the branch, and the language switch."""

    def __init__(self, flow: KioskFlow, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = flow
        self.setObjectName("header")
        self.setFixedHeight(HEADER_HEIGHT)
        # The name shrinks (down to 26 px) rather than being cut when a logo shares the band.
        self.branch = FitLabel(40, QFont.Weight.ExtraBold, floor=26)
        self.branch.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.logo = label(wrap=False, align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.logo.setVisible(False)
        self.branch.setMinimumWidth(200)
        self.branch.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.clock = label(wrap=False, look="header.clock",
                           align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.lang = button("lang", flow.toggle_lang)
        self.setLayout(hbox(self.logo, (self.branch, 1), self.clock, 28, self.lang, spacing=16,
                            margins=(48, 0, 40, 0)))
        flow.brand_logo.changed.connect(self.show_brand)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(15_000)

    def refresh(self) -> None:
        name = (self.flow.branch or {}).get("name") or ""
        self.branch.setText(name)
        self.branch.setAccessibleName(name)
        self.show_brand()
        lang = self.flow.lang
        set_text(self.lang, i18n.text("welcome.language", lang), i18n.text("welcome.language.name", lang))
        self.tick()

    def show_brand(self) -> None:
        """The branch's colour behind the band, and its logo left of its name."""
        brand = (self.flow.branch or {}).get("brand")
        self.setStyleSheet(header_look(*brand_colors(brand, NAVY, "#ffffff")))
        image = self.flow.brand_logo.image
        if image is None:
            self.logo.clear()
            self.logo.setVisible(False)
            return
        pixmap = QPixmap.fromImage(image).scaled(LOGO_HEIGHT * 3, LOGO_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)
        self.logo.setPixmap(pixmap)
        self.logo.setFixedWidth(pixmap.width())
        self.logo.setAccessibleName((self.flow.branch or {}).get("name") or "")
        self.logo.setVisible(True)

    def tick(self) -> None:
        tz_name = (self.flow.branch or {}).get("timezone")
        now = datetime.now(timezone.utc)
        try:
            now = now.astimezone(ZoneInfo(tz_name)) if tz_name else now.astimezone()
        except (ZoneInfoNotFoundError, ValueError):
            now = now.astimezone()
        self.clock.setText(f"{now:%H:%M}")
        self.clock.setAccessibleName(self.clock.text())


class Page(QWidget):
    """A screen: the header (optional) over a body that `build` lays out for the
    window's shape, from widgets made once."""

    def __init__(self, flow: KioskFlow, header: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = flow
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.outer.setSpacing(0)
        self.header = Header(flow) if header else None
        if self.header is not None:
            self.outer.addWidget(self.header)
        self.content: QWidget | None = None
        self.landscape: bool | None = None

    def set_landscape(self, landscape: bool) -> None:
        if landscape == self.landscape:
            return
        self.landscape = landscape
        content = QWidget()
        content.setLayout(self.build(landscape))
        old, self.content = self.content, content
        self.outer.addWidget(content, 1)
        if old is not None:
            self.outer.removeWidget(old)
            old.deleteLater()

    def build(self, landscape: bool) -> QLayout:
        raise NotImplementedError

    def refresh(self) -> None:
        if self.header is not None:
            self.header.refresh()


class StepPage(Page):
    """A step of taking a turn: "Back" and the chosen service above the step."""

    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.back = button("quiet", flow.back)
        self.chip = label(wrap=False)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")

    def top(self) -> QHBoxLayout:
        # Landscape: the chip beside "Back", over the words, clear of the keys at the right.
        if self.landscape:
            return hbox(self.back, 24, self.chip, "stretch")
        return hbox(self.back, "stretch", self.chip)

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        set_text(self.back, "‹  " + i18n.text("common.back", lang), i18n.text("common.back.name", lang))
        service = self.flow.service_info(self.flow.service)
        if self.flow.service:
            color = service_color(service)
            self.chip.setText(f"  {service.get('prefix', '')}  ·  {i18n.service_name(service, lang)}  ")
            self.chip.setAccessibleName(i18n.text("step.for", lang, service=i18n.service_name(service, lang)))
            self.chip.setStyleSheet(chip_look(color, readable_on(color)))
        self.chip.setVisible(bool(self.flow.service))


class EntryPage(StepPage):
    """A step where the customer types into one big field on a `pad` of keys, then
    taps `go`; a message line under the field shows the flow's message while this
    page's screen is the current one. The class attributes name its words (i18n)
    and the field's looks (style.LOOKS)."""

    step_screen: Screen
    words: str              # "{words}.title", "{words}.subtitle"
    go_words: str
    field_words: str        # the field's accessible name
    placeholder_words: str  # shown in the field until something is typed
    typed_look = "field.typed"
    placeholder_look = "field.placeholder"

    def __init__(self, flow: KioskFlow, field_height: int, pad: QWidget, keys: dict, submit, changed):
        """`keys` connects the pad's signals to the flow's slots (by signal name);
        `changed` is the flow's signal that what was typed changed."""
        super().__init__(flow)
        self.pad = pad
        for signal, slot in keys.items():
            getattr(pad, signal).connect(slot)
        changed.connect(lambda _typed: self.show_typed())
        self.go = button("primary", submit)
        self.field = QFrame()
        self.field.setObjectName("field")
        self.field.setFixedHeight(field_height)
        self.value = label(wrap=False)
        self.field.setLayout(vbox(self.value, margins=(28, 0, 28, 0)))
        self.message = label(role="message")
        flow.messageChanged.connect(lambda _m: self.show_message())

    def typed(self) -> str:
        """What the field shows of what was typed."""
        raise NotImplementedError

    def entry_layout(self, landscape: bool, actions, split: tuple[int, int], gap: int) -> QLayout:
        """The field above the pad (portrait) or beside it, `split` in that ratio `gap`
        apart (landscape); `actions` (a button or a row of them) at the bottom."""
        if landscape:
            left = vbox(self.title, self.subtitle, 28, self.field, self.message, "stretch", actions, spacing=18)
            return vbox(self.top(), hbox((widget_of(left), split[0]), gap, (self.pad, split[1], Qt.AlignmentFlag.AlignTop)),
                        spacing=12, margins=(56, 20, 56, 44))
        return vbox(self.top(), 8, self.title, self.subtitle, 28, self.field, self.message, 28, self.pad,
                    "stretch", actions, spacing=16, margins=(64, 20, 64, 48))

    def refresh(self) -> None:
        super().refresh()
        lang = self.flow.lang
        self.title.setText(i18n.text(f"{self.words}.title", lang))
        self.subtitle.setText(i18n.text(f"{self.words}.subtitle", lang))
        self.pad.retranslate(lang)
        set_text(self.go, i18n.text(self.go_words, lang))
        self.show_typed()
        self.show_message()

    def show_message(self) -> None:
        self.message.setText(self.flow.message)
        self.message.setAccessibleName(self.flow.message)
        self.message.setVisible(bool(self.flow.message) and self.flow.screen == self.step_screen)

    def show_typed(self) -> None:
        """What was typed (or, before anything is, the placeholder) in the field."""
        shown, lang = self.typed(), self.flow.lang
        self.value.setText(shown or i18n.text(self.placeholder_words, lang))
        self.value.setStyleSheet(LOOKS[self.typed_look if shown else self.placeholder_look])
        self.value.setAccessibleName(f"{i18n.text(self.field_words, lang)}: {shown}")
        self.go.setEnabled(bool(shown))
