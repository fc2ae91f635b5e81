"""Keys a cashier presses on the sale screen, sent to whatever has focus, as a keyboard sends them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.ui.panels import MemberPanel, QuantityPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in


def start(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)


def type_into_focus(qtbot, text: str) -> None:
    """Keys to the widget that has the keyboard focus, wherever that is."""
    for ch in text:
        qtbot.keyClick(QApplication.focusWidget(), ch)


def press(qtbot, key) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key)


def test_delete_voids_the_selected_line(qtbot, window):
    start(qtbot, window)
    first, second = barcodes(window.terminal, 1, 2)
    scan(qtbot, window, first)
    scan(qtbot, window, second)
    assert window.sale.scan_field.hasFocus()
    press(qtbot, Qt.Key.Key_Delete)
    settle(qtbot, window)
    lines = window.sale.model.lines
    assert [line.voided for line in lines] == [False, True]  # the selected (last) line
    assert window.sale.view.item_count == 1


def test_delete_in_a_typed_code_still_deletes_a_character(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    field = window.sale.scan_field
    qtbot.keyClicks(field, "4011")
    field.setCursorPosition(0)
    press(qtbot, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert field.text() == "011"
    assert not window.sale.model.lines[0].voided


def test_f3_then_digits_land_in_the_phone_field(qtbot, window):
    start(qtbot, window)
    press(qtbot, Qt.Key.Key_F3)
    panel = window.sale.side_panel
    assert isinstance(panel, MemberPanel)
    type_into_focus(qtbot, "13800138000")
    assert panel.phone.text() == "13800138000"


def test_f4_then_digits_land_in_the_quantity_field(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    press(qtbot, Qt.Key.Key_F4)
    panel = window.sale.side_panel
    assert isinstance(panel, QuantityPanel)
    type_into_focus(qtbot, "3")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.sale.model.lines[0].quantity == "3"


def enter_quantity(qtbot, window, text: str) -> QuantityPanel:
    press(qtbot, Qt.Key.Key_F4)
    panel = window.sale.side_panel
    assert isinstance(panel, QuantityPanel)
    type_into_focus(qtbot, text)
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    return panel


def test_a_huge_quantity_gets_the_same_limit_message_as_1000(qtbot, window, capfd):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    limit = "At most 999 of one item per line"
    for typed in ("1000", "99999999", "99999999999999999999"):
        panel = enter_quantity(qtbot, window, typed)
        assert panel.error.text() == limit, typed
        assert window.sale.side_panel is panel  # still open: the cashier corrects the number
        qtbot.keyClick(panel.value, Qt.Key.Key_Escape)
        settle(qtbot, window)
    panel = enter_quantity(qtbot, window, "999")  # the largest allowed
    assert window.sale.side_panel is None and window.sale.model.lines[0].quantity == "999"
    assert "overflow" not in capfd.readouterr().err.lower()
