"""The lines panel's rows, drawn from the model's LineList by a delegate: a service's
letter on its colour, its name and the people waiting, the wait range on the right.
Every size follows the window's unit `u` (`scale`)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QStyledItemDelegate, QStyleOptionViewItem

from turnero_qt.widgets import SMALLEST_PX, fit_px, readable_on

from .model import Line, LineList
from .style import ACCENT, BLACK, BOLD, NORMAL, ROW, SOFT, TEXT

LEFT, RIGHT = (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Text:
    """One text of a row, where and how it is drawn."""

    text: str
    rect: QRect
    font: QFont
    color: str
    align: Qt.AlignmentFlag


class LineDelegate(QStyledItemDelegate):
    """Paints a line as a rounded row: the letter badge spans two text rows, the name
    over the people waiting (11 parts of the width), the word "Wait" over the range
    (8 parts). Each text's type shrinks to fit its place, never above its cap."""

    # (cap in u, weight, colour) of name, people, wait label, wait
    NAME, PEOPLE, WAIT_LABEL, WAIT = (4.0, BOLD, TEXT), (3.3, NORMAL, SOFT), (2.8, NORMAL, SOFT), (4.2, BOLD, ACCENT)

    def __init__(self, view: QListView):
        super().__init__(view)
        self.view = view
        self.u = 10.0

    def row_texts(self, width: int, line: Line, wait_label: str) -> tuple[int, QRect, list[Text]]:
        """The row's height, its badge and its texts (positions from the row's top left)."""
        u = self.u
        left, top, right, bottom = int(u * 1.0), int(u * 0.8), int(u * 1.6), int(u * 0.8)
        badge, gap = int(u * 9), int(u * 2)
        free = width - left - right - badge - 2 * gap
        first = int(free * 11 / 19 + 0.5)
        columns = ((left + badge + gap, first), (left + badge + 2 * gap + first, free - first))
        cells = [(line.name, self.NAME, columns[0], LEFT), (wait_label, self.WAIT_LABEL, columns[1], RIGHT),
                 (line.people, self.PEOPLE, columns[0], LEFT), (line.wait, self.WAIT, columns[1], RIGHT)]
        fonts, heights = [], []
        for text, (cap, weight, _color), (_x, w), align in cells:
            font = self._fit(text, w, cap * u, weight)
            fonts.append(font)
            # a label's height: its text's bounding box, as QLabel measures it
            flags = int(align & ~Qt.AlignmentFlag.AlignVCenter)
            heights.append(QFontMetrics(font).boundingRect(QRect(0, 0, 2000, 2000), flags, text).height())
        rows = [max(heights[0], heights[1]), max(heights[2], heights[3])]
        short = max(0, badge - sum(rows))   # the badge is taller than the text: both rows grow
        rows = [rows[0] + short // 2, rows[1] + short - short // 2]
        texts = []
        for i, (text, (_cap, _weight, color), (x, w), align) in enumerate(cells):
            y = top if i < 2 else top + rows[0]
            texts.append(Text(text, QRect(x, y, w, rows[i // 2]), fonts[i], color, align))
        badge_rect = QRect(left, top + (sum(rows) - badge) // 2, badge, badge)
        return top + sum(rows) + bottom, badge_rect, texts

    def _fit(self, text: str, width: int, cap: float, weight: QFont.Weight) -> QFont:
        font = QFont(self.view.font())
        px = cap
        if text and width - 4 > 10:
            px = fit_px(text, width - 4, cap, weight, font)
        font.setPixelSize(max(SMALLEST_PX, int(px)))
        font.setWeight(weight)
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt's name
        width = self.view.viewport().width()
        height, _badge, _texts = self.row_texts(width, index.data(LineList.LINE_ROLE), index.model().wait_label)
        return QSize(width, height + self.spacing())

    def spacing(self) -> int:
        """The gap under each row (the last one's falls outside the view)."""
        return int(self.u * 1.0)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        line: Line = index.data(LineList.LINE_ROLE)
        rect = option.rect
        height, badge, texts = self.row_texts(rect.width(), line, index.model().wait_label)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.translate(rect.topLeft())
        _rounded(p, QRectF(0, 0, rect.width(), height), self.u, ROW)
        _rounded(p, QRectF(badge), self.u * 1.6, line.color)
        badge_font = QFont(self.view.font())
        badge_font.setPixelSize(max(SMALLEST_PX, int(self.u * 5.4)))
        badge_font.setWeight(BLACK)
        p.setFont(badge_font)
        p.setPen(readable_on(line.color))
        p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), line.prefix)
        for text in texts:
            p.setFont(text.font)
            p.setPen(QColor(text.color))
            p.drawText(text.rect, int(text.align), text.text)
        p.restore()


def _rounded(p: QPainter, rect: QRectF, radius: float, color: str) -> None:
    path = QPainterPath()
    path.addRoundedRect(rect, int(radius), int(radius))
    p.fillPath(path, QColor(color))


class LinesView(QListView):
    """The model's LineList, one painted row per line, as tall as its rows (it never
    scrolls: the panel makes room)."""

    def __init__(self, lines: LineList, parent=None):
        super().__init__(parent)
        self.setObjectName("lines")
        self.delegate = LineDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setModel(lines)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setStyleSheet("#lines { background: transparent; }")
        self.viewport().setAutoFillBackground(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        for signal in (lines.modelReset, lines.dataChanged, lines.rowsInserted, lines.rowsRemoved):
            signal.connect(self._fit_height)
        self._fit_height()

    def scale(self, u: float) -> None:
        self.delegate.u = u
        self.scheduleDelayedItemsLayout()
        self._fit_height()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def texts(self) -> list[str]:
        """Every text the rows show."""
        model: LineList = self.model()
        return [t for line in model.lines for t in (line.prefix, line.name, line.people, model.wait_label, line.wait)
                if t]

    def _fit_height(self, *_args) -> None:
        model: LineList = self.model()
        rows = [self.delegate.row_texts(self.viewport().width(), line, model.wait_label)[0] for line in model.lines]
        self.setVisible(bool(rows))
        self.setFixedHeight(sum(rows) + self.delegate.spacing() * max(0, len(rows) - 1))
        self.doItemsLayout()
