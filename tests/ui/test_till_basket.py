"""The basket on screen adds up like the receipt: each line at its own price less its own discounts,
basket-level discounts as rows of their own, and the amount column sums to the total."""

from __future__ import annotations

from decimal import Decimal

from tests.ui.conftest import open_till, scan, settle, sign_in

NUTS = "6900000000403"  # Three Squirrels Daily Nuts 70g, ¥11.30, snacks 10% off
RICE = "6900000000496"  # Arawana Rice 5kg, ¥72.30
TISSUE = "6900000000564"  # Vinda Facial Tissue 3 packs, ¥31.30


def column(window, col: int) -> list[str]:
    model = window.sale.model
    return [model.data(model.index(row, col)) for row in range(model.rowCount())]


def yuan(text: str) -> Decimal:
    return Decimal(text.replace("¥", ""))


def test_line_amounts_and_basket_discount_rows_add_up_to_the_total(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    scan(qtbot, window, NUTS)
    assert column(window, 3) == ["¥10.17"]  # 11.30 less its own 10% (1.13)
    scan(qtbot, window, RICE)
    assert column(window, 3) == ["¥10.17", "¥72.30"]  # 83.60: no basket discount yet
    scan(qtbot, window, TISSUE)
    # 114.90 before discounts, 113.77 after the snack discount: "spend 100, save 15" applies
    names, amounts = column(window, 0), column(window, 3)
    assert amounts == ["¥10.17", "¥72.30", "¥31.30", "-¥15.00"]  # the nuts' amount did not move
    assert names[0].startswith("Three Squirrels Daily Nuts 70g") and "Snacks 10% off  -¥1.13" in names[0]
    assert names[3] == "Spend 100, save 15"
    assert window.sale.total.text() == "¥98.77"
    assert sum(map(yuan, amounts)) == Decimal("98.77")


def test_a_basket_discount_row_cannot_be_chosen_or_voided(qtbot, window):
    from PySide6.QtCore import Qt

    sign_in(qtbot, window)
    open_till(qtbot, window)
    for code in (NUTS, RICE, TISSUE):
        scan(qtbot, window, code)
    table = window.sale.table
    rect = table.visualRect(window.sale.model.index(3, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.sale.selected_line() is None
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert "Choose a line in the basket first" in window.sale.message.text()
    assert [line.voided for line in window.sale.model.lines] == [False, False, False]
    assert window.sale.total.text() == "¥98.77"
    # a line chosen again is voided, and the basket discount row goes with the threshold
    rect = table.visualRect(window.sale.model.index(2, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert [line.voided for line in window.sale.model.lines] == [False, False, True]
    assert window.sale.total.text() == "¥82.47"  # 10.17 + 72.30: under 100 again
    assert window.sale.model.rowCount() == 3
