"""Taking cash as a cashier does: far too much is refused, far more than is due is confirmed first,
and a payment can be taken back on the paid screen until the sale is completed (the drawer opens)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_app.db import schema
from pos_app.domain.money import Money
from pos_app.ui.payment import PaymentPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in

COLLECT, PAID, CONFIRM = 0, 1, 3


def ring_up(qtbot, window) -> tuple[PaymentPanel, Money]:
    sign_in(qtbot, window)
    open_till(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    due = window.sale.view.total
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    assert isinstance(panel, PaymentPanel) and panel.amount.hasFocus()
    return panel, due


def tender(qtbot, window, panel, amount: Money) -> None:
    panel.amount.clear()
    qtbot.keyClicks(panel.amount, amount.plain())
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)


def test_cash_far_above_what_is_due_is_confirmed_and_can_be_taken_back(qtbot, window):
    panel, due = ring_up(qtbot, window)
    # ¥99,999,999: no drawer gives that change -- refused where it was typed, nothing taken
    tender(qtbot, window, panel, Money.of("99999999"))
    assert panel.stack.currentIndex() == COLLECT and window.sale.view.payment.tenders == ()
    assert "No drawer gives that much change" in panel.error.text()
    # change of ¥100.01, one fen above the store's ¥100 threshold: the cashier confirms first
    tender(qtbot, window, panel, due + Money.of("100.01"))
    assert panel.stack.currentIndex() == CONFIRM and window.sale.view.payment.tenders == ()
    assert panel.confirm_change.text() == "Change ¥100.01"
    qtbot.keyClick(panel.confirm_button, Qt.Key.Key_Escape)  # "no": back to the amount, kept to correct
    assert panel.stack.currentIndex() == COLLECT and window.sale.full_panel is panel
    assert panel.amount.text() == (due + Money.of("100.01")).plain() and panel.amount.hasFocus()
    qtbot.keyClick(panel.amount, "\r")
    assert panel.stack.currentIndex() == CONFIRM
    assert window.sale.view.payment.tenders == ()  # the Enter that typed it did not also confirm it
    qtbot.wait(50)  # the cashier reads the question, then presses Enter: "yes", by keyboard
    assert panel.confirm_button.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), "\r")
    settle(qtbot, window)
    assert panel.stack.currentIndex() == PAID and panel.change.text() == "¥100.01"
    # the customer had handed over a different note: the payment goes back before the drawer opens
    assert panel.take_back_paid_button.isVisible()
    qtbot.mouseClick(panel.take_back_paid_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert panel.stack.currentIndex() == COLLECT and window.sale.view.payment.tenders == ()
    assert window.sale.view.payment.due == due
    # exactly ¥100.00 change is at the threshold: taken without a question
    tender(qtbot, window, panel, due + Money.of("100"))
    assert panel.stack.currentIndex() == PAID and panel.change.text() == "¥100.00"
    qtbot.mouseClick(panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    with window.terminal.ctx.db.read() as conn:
        tenders = conn.execute(select(schema.tender.c.tendered, schema.tender.c.change)).all()
    assert tenders == [((due + Money.of("100")).minor, 10_000)]


def test_small_change_needs_no_confirmation_and_the_confirmed_cash_is_kept(qtbot, window):
    panel, due = ring_up(qtbot, window)
    tender(qtbot, window, panel, due + Money.of("99.99"))
    assert panel.stack.currentIndex() == PAID and panel.change.text() == "¥99.99"
    qtbot.mouseClick(panel.take_back_paid_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    tender(qtbot, window, panel, due + Money.of("500"))
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)  # "yes", by touch
    settle(qtbot, window)
    assert panel.stack.currentIndex() == PAID and panel.change.text() == "¥500.00"
