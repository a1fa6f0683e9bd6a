"""turnero_qt.widgets, which the kiosk and the display share: text colour on a
service's colour, and one-line labels whose type fits their width."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtGui import QColor, QFont  # noqa: E402

from turnero_qt.widgets import NEAR_BLACK, WHITE, FitLabel, contrast, readable_on  # noqa: E402


def test_contrast_is_the_wcag_ratio():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#777777", "#777777") == pytest.approx(1)
    assert contrast("#ffffff", "#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("background, text", [
    ("#0A2A5E", WHITE),       # the kiosk's navy
    ("#1f6feb", WHITE),       # the demo's blue service
    ("#8250df", WHITE),
    ("#F2B705", NEAR_BLACK),  # the kiosk's gold (priority)
    ("#ffd24a", NEAR_BLACK),
    ("#ffffff", NEAR_BLACK),
])
def test_text_on_a_colour_is_white_or_near_black(background, text):
    assert readable_on(background) == QColor(text)
    assert readable_on(QColor(background)) == QColor(text)


def test_the_chosen_text_colour_always_has_the_larger_contrast():
    for value in range(0, 256, 5):
        for background in (QColor(value, value, value), QColor(value, 255 - value, 128), QColor(255, value, 0)):
            chosen = readable_on(background)
            other = QColor(NEAR_BLACK) if chosen == QColor(WHITE) else QColor(WHITE)
            assert contrast(chosen, background) >= contrast(other, background), background.name()


def test_a_fit_label_shrinks_to_its_width_between_floor_and_cap(qtbot):
    label = FitLabel(76, QFont.Weight.Black, floor=30)
    qtbot.addWidget(label)
    label.resize(900, 120)
    label.show()   # a hidden widget is told its size only when shown
    label.setText("Caja")
    assert label.font().pixelSize() == 76 and label.font().weight() == QFont.Weight.Black
    label.setText("Pase a la Ventanilla de Atención Preferente 12")
    assert 30 < label.font().pixelSize() < 76
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    label.resize(200, 120)
    assert label.font().pixelSize() == 30   # never smaller than its floor


def test_a_filling_fit_label_follows_its_height(qtbot):
    label = FitLabel(400, fill=True)
    qtbot.addWidget(label)
    label.show()
    label.setText("A042")
    label.resize(1600, 236)
    assert label.font().pixelSize() == 200   # the height over the line's 1.18
    label.set_cap(120)
    assert label.font().pixelSize() == 120
