"""The settings screen: languages, and the till's devices and options."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from pos_app.ui.backoffice import SettingsPanel
from tests.ui.conftest import open_till, settle, sign_in


def open_settings(qtbot, window) -> SettingsPanel:
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F10)
    menu = window.sale.side_panel
    button = next(b for b in menu.findChildren(QPushButton) if b.text() == "Settings")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    panel = window.sale.full_panel
    assert isinstance(panel, SettingsPanel)
    return panel


def test_every_choice_in_a_drop_down_is_a_touch_target(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    panel = open_settings(qtbot, window)
    combo = panel.language
    assert combo.height() >= 48
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)  # the list opens
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    heights = [view.visualRect(combo.model().index(row, 0)).height() for row in range(combo.count())]
    assert min(heights) >= 44, heights
    chinese = combo.findData("zh_CN")
    rect = view.visualRect(combo.model().index(chinese, 0))
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a list just opened ignores a quick release
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
    assert combo.currentData() == "zh_CN"
