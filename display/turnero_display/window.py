"""The lobby screen: only shows the DisplayModel. Sizes follow the window (from
1280x720 to 3840x2160, landscape or portrait), to be read from across a room."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLayout, QSizePolicy, QVBoxLayout, QWidget

from turnero_qt.brand import BrandLogo, brand_colors
from turnero_qt.widgets import FitLabel, readable_on, set_px

from . import model as m
from .lines_view import LinesView
from .parts import CallRow, NowRow, Panel, text_label
from .qr import qr_image
from .style import ACCENT, BACKGROUND, BLACK, BOLD, DEMI, PANEL, PANEL_EDGE, SOFT, TEXT, WARN


class DisplayWindow(QWidget):
    """The whole screen. `model` is a DisplayModel; nothing here decides anything."""

    def __init__(self, model: m.DisplayModel, brand: BrandLogo | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.brand = brand  # the branch's logo and colour in the header, when given
        self.setObjectName("display")
        self.setWindowTitle("Turnero")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#display {{ background: {BACKGROUND}; }} QLabel {{ color: {TEXT}; }}")
        self._portrait: bool | None = None
        self._qr_for: str | None = None
        self._qr_image = None

        # header: the branch's logo and name, connection mark, clock
        self.header = QFrame(self)
        self.header.setObjectName("header")
        self.head = QGridLayout(self.header)
        self.logo = QLabel(self.header)
        self.logo.setObjectName("logo")
        self.logo.setVisible(False)
        self.branch = FitLabel(weight=BOLD, name="branch", parent=self.header)
        # The logo just left of the name, the two as one cell of the header.
        self.named = QWidget(self.header)
        named = QHBoxLayout(self.named)
        named.setContentsMargins(0, 0, 0, 0)
        named.addWidget(self.logo)
        named.addWidget(self.branch, 1)
        self.status = QLabel(self.header)
        self.status.setObjectName("status")
        self.status.setAccessibleName("connection")
        self.clock = QLabel(self.header)
        self.clock.setObjectName("clock")
        self.clock.setAccessibleName("clock")
        self.date = QLabel(self.header)
        self.date.setObjectName("date")
        self.head.setColumnStretch(0, 1)  # where the widgets go: _arrange

        # the current call, very large
        self.call = Panel("callPanel", self)
        self.now = FitLabel(weight=BOLD, name="now", parent=self.call)
        self.code = FitLabel(weight=BLACK, fill=True, name="code", parent=self.call)
        self.counter = FitLabel(weight=BOLD, fill=True, name="counter", parent=self.call)
        self.recall = FitLabel(weight=DEMI, name="recall", parent=self.call)
        for widget in (self.now, self.code, self.counter, self.recall):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setAccessibleName("current call")
        self.call.box.addWidget(self.now)
        self.call.box.addWidget(self.code, 11)
        self.call.box.addWidget(self.counter, 5)
        self.call.box.addWidget(self.recall)
        # several counters called within seconds: one large row each
        self.now_rows = [NowRow(self.call) for _ in range(m.MAX_NOW)]
        for row in self.now_rows:
            self.call.box.addWidget(row, 1)

        # the last calls
        self.recent = Panel("recentPanel", self)
        self.recent_title = FitLabel(weight=BOLD, name="recentTitle", parent=self.recent)
        self.recent.box.addWidget(self.recent_title)
        self.rows = [CallRow(self.recent) for _ in range(m.LAST_CALLS)]
        for row in self.rows:
            self.recent.box.addWidget(row)
        self.recent.box.addStretch(1)
        # The panel takes the room the grid gives it and shows the rows that fit whole:
        # its rows never make it taller (nor push the call panel).
        self.recent.box.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.recent.setSizePolicy(self.recent.sizePolicy().horizontalPolicy(), QSizePolicy.Policy.Ignored)
        self.recent.installEventFilter(self)

        # the lines and their waits
        self.lines = Panel("linesPanel", self)
        self.lines_title = FitLabel(weight=BOLD, name="linesTitle", parent=self.lines)
        self.lines.box.addWidget(self.lines_title)
        self.lines_view = LinesView(model.line_list, self.lines)
        self.lines.box.addWidget(self.lines_view)
        self.lines.box.addStretch(1)

        # join from your phone
        self.join = Panel("joinPanel", self)
        self.qr = QLabel(self.join)
        self.qr.setObjectName("qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.join_title = text_label("joinTitle", parent=self.join)
        self.join_hint = text_label("joinHint", parent=self.join)
        self.join_row = QHBoxLayout()
        texts = QVBoxLayout()
        texts.addStretch(1)
        texts.addWidget(self.join_title)
        texts.addWidget(self.join_hint)
        texts.addStretch(1)
        self.join_row.addWidget(self.qr)
        self.join_row.addLayout(texts, 1)
        self.join.box.addLayout(self.join_row)

        # the branch's message
        self.message = text_label("message", parent=self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.grid = QGridLayout(self)
        self.grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

        # Bound methods, not lambdas: Qt drops them when the window goes away first.
        model.changed.connect(self.refresh)
        if brand is not None:
            brand.changed.connect(self._show_brand)
        model.connection_changed.connect(self._connection_changed)
        model.highlight_changed.connect(self._highlight_changed)
        model.clock_changed.connect(self._clock_changed)
        self._clock_changed(model.clock)
        self.rescale()
        self.refresh()

    # ------------------------------------------------------------ show the model

    @Slot(str)
    def _connection_changed(self, _state: str) -> None:
        self.refresh()

    @Slot(str)
    def _clock_changed(self, clock: str) -> None:
        self.clock.setText(clock)
        self.date.setText(self.model.date)

    @Slot(bool)
    def _highlight_changed(self, _on: bool) -> None:
        self.restyle_call()

    @Slot()
    def refresh(self) -> None:
        model = self.model
        self.branch.setText(model.branch_name)
        self.now.setText(model.tr("calls.now").upper())
        self.recent_title.setText(model.tr("calls.last").upper())
        self.lines_title.setText(model.tr("services.title").upper())
        self.join_title.setText(model.tr("join.title"))
        self.join_hint.setText(model.tr("join.hint"))
        calling = model.now_calls
        first = calling[0] if calling else None
        single = len(calling) == 1
        for widget in (self.code, self.counter):
            widget.setVisible(len(calling) < 2)
        self.now.setVisible(first is not None)
        if first is not None:  # (with several calls, the rows below show them)
            self.code.setText(first.code)
            self.counter.setText(f"{model.tr('calls.counter')} {first.counter_name}")
            self.recall.setText(model.tr("calls.recall") if single and first.recall else "")
        else:
            self.code.setText("")
            self.counter.setText(model.tr("status.connecting") if model.connection == "connecting"
                                 else model.tr("calls.none"))
            self.recall.setText("")
        self.code.setVisible(single)
        self.recall.setVisible(bool(self.recall.text()))
        for i, row in enumerate(self.now_rows):
            row.show_call(calling[i] if len(calling) > 1 and i < len(calling) else None,
                          model.tr("calls.counter"), model.tr("calls.recall"))
        self._fit_recent()
        problem = model.tr("status.problem", message=model.problem) if model.problem else ""
        self.message.setText(problem or model.message)
        self.message.setVisible(bool(self.message.text()))
        self._show_qr()
        self._show_status()
        self.restyle_call()

    def _show_status(self) -> None:
        state = self.model.connection
        text = {"reconnecting": self.model.tr("status.reconnecting"),
                "connecting": self.model.tr("status.connecting")}.get(state, "")
        self.status.setText(f"● {text}" if text else "")
        self.status.setVisible(bool(text))

    def _show_qr(self) -> None:
        url = self.model.join_url
        self.join.setVisible(url is not None)
        if url and url != self._qr_for:
            self._qr_for, self._qr_image = url, qr_image(url)
            self.qr.setAccessibleName(self.model.tr("join.title"))
            self.qr.setAccessibleDescription(url)
            self._scale_qr()

    def _fit_recent(self) -> None:
        """The last calls that fit whole in their panel, newest first; none is cut."""
        last = self.model.last_calls
        box = self.recent.box
        top, bottom = box.contentsMargins().top(), box.contentsMargins().bottom()
        room = self.recent.height() - top - bottom - self.recent_title.sizeHint().height() - box.spacing()
        step = self.rows[0].height() + box.spacing()
        fits = max(0, (room + box.spacing()) // step) if step > 0 else 0
        for i, row in enumerate(self.rows):
            row.show_call(last[i] if i < min(fits, len(last)) else None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.recent and event.type() == QEvent.Type.Resize:
            self._fit_recent()
        return super().eventFilter(watched, event)

    def restyle_call(self) -> None:
        current = self.model.now_calls[0] if len(self.model.now_calls) == 1 else None
        lit = self.model.highlighted and current is not None
        u = self._unit()
        if lit:
            background, edge = current.color, ACCENT
            fg = counter = readable_on(background).name()
        else:
            background, fg, counter, edge = PANEL, TEXT, ACCENT, PANEL_EDGE
        if current is None:
            counter = SOFT
        self.call.setStyleSheet(
            f"#callPanel {{ background: {background}; border: {max(3, int(u * 0.7))}px solid {edge};"
            f" border-radius: {int(u * 2)}px; }}"
            f" #now {{ color: {fg}; letter-spacing: {max(1, int(u * 0.4))}px; }} #code {{ color: {fg}; }}"
            f" #counter {{ color: {counter}; }} #recall {{ color: {fg}; }}")

    # ------------------------------------------------------------ sizes

    def _unit(self) -> float:
        return max(4.0, min(self.width(), self.height()) / 100)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.rescale()

    def rescale(self) -> None:
        u = self._unit()
        portrait = self.height() > self.width()
        if portrait != self._portrait:
            self._portrait = portrait
            self._arrange(portrait)
        margin = int(u * 2.4)
        self.grid.setContentsMargins(margin, int(u * 1.0), margin, margin)
        self.grid.setSpacing(int(u * 2))
        self.header.layout().setContentsMargins(int(u * 0.6), 0, int(u * 0.6), 0)
        self.head.setHorizontalSpacing(int(u * 3))
        self.head.setVerticalSpacing(0)
        self.branch.set_cap(u * 4.6)
        self._show_brand()
        set_px(self.clock, u * 5.6, BOLD)
        set_px(self.date, u * 2.6)
        self.date.setStyleSheet(f"#date {{ color: {SOFT}; }}")
        set_px(self.status, u * 2.8, DEMI)
        # Discreet: an outlined mark in the header, the last known calls stay readable.
        self.status.setStyleSheet(f"#status {{ color: {WARN}; border: {max(1, int(u * 0.25))}px solid {WARN};"
                                  f" border-radius: {int(u * 1.8)}px;"
                                  f" padding: {int(u * 0.5)}px {int(u * 1.6)}px; }}")
        for panel in (self.recent, self.lines, self.join):
            panel.scale(u)
            panel.setStyleSheet(f"#{panel.objectName()} {{ background: {PANEL}; border: 2px solid {PANEL_EDGE};"
                                f" border-radius: {int(u * 2)}px; }}")
        for title in (self.recent_title, self.lines_title):
            title.set_cap(u * 2.9)
            title.setStyleSheet(f"color: {SOFT}; letter-spacing: {max(1, int(u * 0.35))}px;")
        row_height = u * (7.6 if portrait else 7.4)
        for row in self.rows:
            row.scale(u, row_height)
        self.lines_view.scale(u)
        set_px(self.join_title, u * 3.6, BOLD)
        set_px(self.join_hint, u * 3.0)
        self.join_hint.setStyleSheet(f"color: {SOFT};")
        self.join_row.setSpacing(int(u * 2.4))
        set_px(self.message, u * 3.6, DEMI)
        self.message.setStyleSheet(f"#message {{ color: {BACKGROUND}; background: {ACCENT};"
                                   f" border-radius: {int(u * 1.4)}px; padding: {int(u * 0.9)}px; }}")
        self.call.scale(u)
        for row in self.now_rows:
            row.scale(u)
        self.now.set_cap(u * 3.4)
        self.recall.set_cap(u * 3.4)
        self.code.set_cap(u * (40 if portrait else 34))
        self.counter.set_cap(u * (11 if portrait else 10))
        self._scale_qr()
        self.restyle_call()

    @Slot()
    def _show_brand(self) -> None:
        """The branch's colour behind the header with its ink, and its logo left of its name."""
        u = self._unit()
        band, ink = brand_colors(self.brand.brand if self.brand else None, "transparent", TEXT)
        pad = int(u * 0.8) if band != "transparent" else 0
        self.header.setStyleSheet(f"#header {{ background: {band}; border-radius: {int(u * 1.6)}px; }}"
                                  f" #branch, #clock {{ color: {ink}; }}")
        self.header.layout().setContentsMargins(int(u * 0.6) + pad * 2, pad, int(u * 0.6) + pad * 2, pad)
        image = self.brand.image if self.brand else None
        self.logo.setVisible(image is not None)
        if image is not None:
            height = int(u * 6.4)
            self.logo.setPixmap(QPixmap.fromImage(image).scaled(
                height * 4, height, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
            self.logo.setAccessibleName(self.model.branch_name)

    def _arrange(self, portrait: bool) -> None:
        """Landscape: the call and the lines on the left, the last calls and the QR on
        the right. Portrait: everything in one column, the call on top."""
        # The day beside the clock; on a portrait screen, under it (the header is narrow).
        for widget in (self.named, self.status, self.clock, self.date):
            self.head.removeWidget(widget)
        self.head.addWidget(self.named, 0, 0)
        self.head.addWidget(self.status, 0, 1)
        self.head.addWidget(self.clock, 0, 2)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if portrait:
            self.head.addWidget(self.date, 1, 0, 1, 3, right)
        else:
            self.head.addWidget(self.date, 0, 3, right)
        grid = self.grid
        for widget in (self.header, self.call, self.recent, self.lines, self.join, self.message):
            grid.removeWidget(widget)
        for i in range(6):
            grid.setRowStretch(i, 0)
            grid.setColumnStretch(i, 0)
        grid.addWidget(self.header, 0, 0, 1, 2)
        if portrait:
            grid.addWidget(self.call, 1, 0, 1, 2)
            grid.addWidget(self.recent, 2, 0, 1, 2)
            grid.addWidget(self.lines, 3, 0, 1, 2)
            grid.addWidget(self.join, 4, 0, 1, 2)
            grid.addWidget(self.message, 5, 0, 1, 2)
            grid.setRowStretch(1, 5)
            grid.setRowStretch(2, 3)
            grid.setColumnStretch(0, 1)
        else:
            grid.addWidget(self.call, 1, 0)
            grid.addWidget(self.lines, 2, 0)
            grid.addWidget(self.recent, 1, 1)
            grid.addWidget(self.join, 2, 1)
            grid.addWidget(self.message, 3, 0, 1, 2)
            grid.setRowStretch(1, 1)
            grid.setColumnStretch(0, 58)
            grid.setColumnStretch(1, 42)

    def _scale_qr(self) -> None:
        if self._qr_image is None:
            return
        side = int(self._unit() * (20 if self._portrait else 22))
        modules = self._qr_image.width()
        side = max(modules, side - side % modules)  # whole pixels per module: sharp edges
        pixmap = QPixmap.fromImage(self._qr_image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                          Qt.TransformationMode.FastTransformation)
        self.qr.setPixmap(pixmap)
        self.qr.setFixedSize(side, side)

    def all_texts(self) -> list[str]:
        """Every text on screen (what the privacy test reads)."""
        return [w.text() for w in self.findChildren(QLabel) if w.text()] + self.lines_view.texts()

    def hide_cursor(self) -> None:
        self.setCursor(Qt.CursorShape.BlankCursor)
