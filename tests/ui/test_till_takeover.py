"""A locked till and another cashier: the sale belongs to the cashier who rang it up."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pos_app.domain.money import Money
from pos_app.ui.panels import HeldPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in


def lock(qtbot, window) -> None:
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F11)
    settle(qtbot, window)
    assert window.pages.currentWidget() is window.signin


def test_another_cashier_unlocking_parks_the_basket_for_its_owner(qtbot, window):
    sign_in(qtbot, window, 1001)  # 王芳
    open_till(qtbot, window)
    for code in barcodes(window.terminal, 1, 2):
        scan(qtbot, window, code)
    total = window.sale.view.total
    lock(qtbot, window)
    sign_in(qtbot, window, 1002)  # 李娜 unlocks: she does not get 王芳's sale
    assert window.pages.currentWidget() is window.sale
    assert window.sale.model.rowCount() == 0 and "李娜" in window.header.cashier.text()
    assert window.sale.message.text() == "王芳's sale is on hold for them; it comes back when they sign in."
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F7)
    settle(qtbot, window)
    held = window.sale.side_panel
    assert isinstance(held, HeldPanel) and held.items.count() == 1
    assert "王芳, till locked" in held.items.item(0).text() and total.plain() in held.items.item(0).text()
    qtbot.keyClick(held.items, Qt.Key.Key_Escape)
    settle(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 4)[0])  # 李娜 serves her own customer
    lock(qtbot, window)
    sign_in(qtbot, window, 1001)  # 王芳 is back: her sale comes back by itself; 李娜's is parked
    assert window.sale.view.total == total and len(window.sale.model.lines) == 2
    assert "Your sale is back as you left it." in window.sale.message.text()
    assert [h["label"] for h in window.terminal.checkout.held_baskets()] == ["李娜, till locked"]


def test_a_sale_with_a_payment_under_way_is_taken_over_only_by_a_supervisor(qtbot, window):
    sign_in(qtbot, window, 1001)
    open_till(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 4)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    qtbot.keyClicks(panel.amount, "1")  # ¥1 cash of more due: a payment under way
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)
    assert len(window.sale.view.payment.tenders) == 1
    lock(qtbot, window)
    sign_in(qtbot, window, 1002)  # another cashier: refused, the sale stays as it is
    assert window.pages.currentWidget() is window.signin
    assert "王芳's sale has a payment under way" in window.signin.error.text()
    assert window.terminal.checkout.cashier is None
    sign_in(qtbot, window, 2001)  # the supervisor takes it over, payment and all
    assert window.pages.currentWidget() is window.sale
    assert len(window.sale.view.payment.tenders) == 1
    assert window.sale.view.payment.due == window.sale.view.total - Money.of("1")
    assert "You took over 王芳's sale and its payment." in window.sale.message.text()
