"""The display's lines as a Qt list model (LineList, over Line dataclasses) and the
view that paints them: the same services change in place, the view is as tall as
its rows, and every text fits its place."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QFontMetrics  # noqa: E402
from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget  # noqa: E402

from turnero_display.lines_view import LinesView  # noqa: E402
from turnero_display.model import Line, LineList  # noqa: E402


def line(id_, name, waiting=3, wait="4–9 min", prefix="A", color="#1f6feb"):
    return Line(id=id_, name=name, prefix=prefix, color=color, waiting=waiting, people=f"{waiting} personas",
                wait=wait)


CAJA = line("caja", "Caja")
PLATAFORMA = line("plataforma", "Atención a clientes", waiting=0, wait="hasta 15 min", prefix="B")


def test_the_list_model_shows_each_line_and_says_it(qtbot):
    lines = LineList()
    with qtbot.waitSignal(lines.modelReset):
        lines.set_lines([CAJA, PLATAFORMA], "Espera")
    assert lines.rowCount() == 2
    assert lines.index(1).data() == "Atención a clientes"
    assert lines.index(0).data(LineList.LINE_ROLE) == CAJA
    assert lines.index(0).data(Qt.ItemDataRole.AccessibleTextRole) == "Caja: 3 personas. Espera 4–9 min"
    assert lines.roleNames()[LineList.LINE_ROLE] == b"line"


def test_the_same_services_change_in_place_and_others_reset(qtbot):
    lines = LineList()
    lines.set_lines([CAJA, PLATAFORMA], "Espera")
    with qtbot.waitSignal(lines.dataChanged), qtbot.assertNotEmitted(lines.modelReset):
        lines.set_lines([line("caja", "Caja", waiting=4), PLATAFORMA], "Espera")
    assert lines.index(0).data(LineList.LINE_ROLE).waiting == 4
    with qtbot.waitSignal(lines.modelReset):
        lines.set_lines([PLATAFORMA], "Wait")
    assert lines.rowCount() == 1 and lines.wait_label == "Wait"


def shown(qtbot, lines: LineList, width: int, u: float) -> LinesView:
    """The view in a window of its own, as in the lines panel."""
    panel = QWidget()
    qtbot.addWidget(panel)
    view = LinesView(lines, panel)
    view.panel = panel   # keeps the window alive as long as the view is used
    box = QVBoxLayout(panel)
    box.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)   # as the display's window
    box.addWidget(view)
    box.addStretch(1)
    view.scale(u)
    panel.resize(width, 1000)
    panel.show()
    qtbot.waitExposed(panel)
    return view


def test_the_view_is_as_tall_as_its_rows_and_hidden_without_lines(qtbot):
    lines = LineList()
    lines.set_lines([CAJA, PLATAFORMA], "Espera")
    view = shown(qtbot, lines, 1000, 10.8)
    delegate = view.delegate
    heights = [delegate.row_texts(view.viewport().width(), x, "Espera")[0] for x in (CAJA, PLATAFORMA)]
    assert view.height() == sum(heights) + delegate.spacing()
    lines.set_lines([CAJA], "Espera")
    assert view.height() == heights[0]
    lines.set_lines([], "Espera")
    assert not view.isVisible()


def test_every_text_of_a_row_fits_its_place(qtbot):
    long = line("plataforma", "Atención a clientes y cuentas especiales", wait="1 h – 2 h")
    lines = LineList()
    lines.set_lines([CAJA, long], "Espera estimada")
    view = shown(qtbot, lines, 900, 10.8)
    _height, _badge, texts = view.delegate.row_texts(view.viewport().width(), long, "Espera estimada")
    name = texts[0]
    assert name.font.pixelSize() < int(cap_px(view, "NAME"))  # shrunk to fit
    for text in texts:
        assert QFontMetrics(text.font).horizontalAdvance(text.text) <= text.rect.width(), text.text
    assert view.texts() == ["A", "Caja", "3 personas", "Espera estimada", "4–9 min",
                            "A", long.name, "3 personas", "Espera estimada", "1 h – 2 h"]


def cap_px(view: LinesView, which: str) -> float:
    """The largest type of one of a row's texts (NAME, PEOPLE, WAIT_LABEL, WAIT), in px."""
    cap, _weight, _color = getattr(view.delegate, which)
    return cap * view.delegate.u
