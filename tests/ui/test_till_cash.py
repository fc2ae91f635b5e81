"""The drawer is counted blind: a cashier never learns what it should hold -- not from a refused
cash-out, not from the X report."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from pos_app.domain.money import Money
from pos_app.ui.backoffice import CashPanel, ReportPanel
from pos_app.ui.panels import ApprovalPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import approve_as_supervisor, open_till, scan, settle, sign_in


def menu_item(qtbot, window, text: str) -> None:
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F10)
    menu = window.sale.side_panel
    button = next(b for b in menu.findChildren(QPushButton) if b.text().split("\n")[0] == text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)


def cash_out(qtbot, window, amount: str) -> CashPanel:
    menu_item(qtbot, window, "Cash in / out")
    panel = window.sale.side_panel
    assert isinstance(panel, CashPanel) and panel.kind.currentData() == "cash_out"
    assert panel.amount.hasFocus()
    qtbot.keyClicks(panel.amount, amount)
    qtbot.keyClick(panel.amount, "\r")
    qtbot.keyClicks(panel.reason, "to the safe")
    qtbot.keyClick(panel.reason, "\r")
    settle(qtbot, window)
    return panel


def shown_text(window) -> str:
    panel = window.sale.side_panel
    return " ".join([window.sale.message.text(), panel.error.text() if panel else ""])


def test_a_cash_out_above_the_drawer_is_refused_before_approval_without_the_amount(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window, "500")
    panel = cash_out(qtbot, window, "500.01")  # one fen more than the float
    assert window.sale.side_panel is panel  # no supervisor was called over
    assert "does not hold that much cash" in panel.error.text()
    assert "500" not in shown_text(window)
    qtbot.keyClick(panel.amount, Qt.Key.Key_Escape)
    settle(qtbot, window)
    cash_out(qtbot, window, "500")  # all of it: allowed, a supervisor approves
    assert isinstance(window.sale.side_panel, ApprovalPanel)
    approve_as_supervisor(qtbot, window)
    assert "Cash movement of ¥500.00 recorded" in window.sale.message.text()
    assert window.terminal.till.totals().expected_cash == Money.of("0")


def x_report_text(qtbot, window) -> str:
    menu_item(qtbot, window, "X report")
    report = window.sale.full_panel
    assert isinstance(report, ReportPanel)
    text = report.view.toPlainText()
    qtbot.mouseClick(report.secondary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    return text


def test_the_x_report_is_blind_for_a_cashier_and_open_for_a_supervisor(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window, "500")
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    qtbot.keyClick(window.sale.full_panel.amount, "\r")  # exact cash
    settle(qtbot, window)
    qtbot.mouseClick(window.sale.full_panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    expected = window.terminal.till.totals().expected_cash
    cashier = x_report_text(qtbot, window)
    assert "Expected cash" not in cashier and expected.plain() not in cashier
    assert "counted blind" in cashier
    window.lock()
    sign_in(qtbot, window, 2001)
    supervisor = x_report_text(qtbot, window)
    assert "Expected cash" in supervisor and expected.plain() in supervisor
