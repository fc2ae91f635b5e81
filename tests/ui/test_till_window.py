"""The cashier's window, driven like a cashier drives it: keys, clicks and scans."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_app.db import schema
from pos_app.domain.money import Money
from pos_app.ui.backoffice import ClosePanel, PickupPanel, ReportPanel, ReturnPanel
from pos_app.ui.panels import HeldPanel, HoldPanel, PricePanel, QuantityPanel
from pos_app.ui.payment import PaymentPanel
from pos_app.ui.views import money
from tests.services.conftest import barcodes, scale_label
from tests.ui.conftest import approve_as_supervisor, open_till, scan, settle, sign_in


def start(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)


def test_sign_in_refuses_a_wrong_pin_then_opens_the_till(qtbot, window):
    assert window.pages.currentWidget() is window.signin
    qtbot.keyClicks(window.signin.staff_field, "1001")
    qtbot.keyClick(window.signin.staff_field, "\r")
    wrong = "0000" if window.terminal.demo.staff[1001][2] != "0000" else "1111"
    qtbot.keyClicks(window.signin.pin_field, wrong)
    qtbot.keyClick(window.signin.pin_field, "\r")
    settle(qtbot, window)
    assert "Wrong staff number or PIN" in window.signin.error.text()
    assert window.pages.currentWidget() is window.signin
    sign_in(qtbot, window)
    assert window.pages.currentWidget() is window.open_page
    open_till(qtbot, window)
    assert "王芳" in window.header.cashier.text()


def test_sign_in_by_touch_keypad(qtbot, window):
    for digit in "1001":
        qtbot.mouseClick(
            next(
                b
                for b in window.signin.keypad.findChildren(type(window.signin.keypad.ok))
                if b.text() == digit
            ),
            Qt.MouseButton.LeftButton,
        )
    qtbot.mouseClick(window.signin.keypad.ok, Qt.MouseButton.LeftButton)  # Enter: moves to the PIN
    for digit in window.terminal.demo.staff[1001][2]:
        window.signin.keypad._press(digit)
    qtbot.mouseClick(window.signin.keypad.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.pages.currentWidget() is window.open_page


def test_scan_products_member_and_coupon(qtbot, window):
    start(qtbot, window)
    for code in barcodes(window.terminal, 4, 4):
        scan(qtbot, window, code)
    assert len(window.sale.model.lines) == 4
    assert window.sale.view.total.minor > 5000
    scan(qtbot, window, window.terminal.demo.member_code)
    assert "138****8000" in window.sale.member_text.text()
    scan(qtbot, window, window.terminal.demo.coupon_codes[1])
    assert "10.00 off" in window.sale.coupon_text.text()
    assert window.sale.message.kind == "ok"
    scan(qtbot, window, "4006381333932")  # wrong check digit
    assert window.sale.message.kind == "error" and "check digit" in window.sale.message.text()
    assert len(window.sale.model.lines) == 4


def test_search_by_name_and_add_with_enter(qtbot, window):
    start(qtbot, window)
    field = window.sale.scan_field
    field.setFocus()
    qtbot.keyClicks(field, "nongfu")
    settle(qtbot, window)
    assert window.sale.results.isVisible()
    assert window.sale.results_model.rowCount() > 0
    first = window.sale.results_model.products[0]
    qtbot.keyClick(field, Qt.Key.Key_Down)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    qtbot.keyClick(field, "\r")
    settle(qtbot, window)
    assert window.sale.model.lines[0].name == first.name.en
    assert not window.sale.results.isVisible()


def test_weighed_item_by_scale_label_or_typed_weight(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, scale_label("10001", 650))
    assert window.sale.model.lines[0].quantity == "0.650 kg"
    scan(qtbot, window, "10002")  # bananas by PLU: the weight is asked for
    panel = window.sale.side_panel
    assert isinstance(panel, QuantityPanel) and panel.weighed
    qtbot.keyClicks(panel.value, "1.2")
    qtbot.keyClick(panel.value, "\r")
    settle(qtbot, window)
    assert window.sale.model.lines[1].quantity == "1.200 kg"


def test_quantity_void_and_price_override_with_supervisor(qtbot, window):
    start(qtbot, window)
    code = barcodes(window.terminal, 3)[0]
    scan(qtbot, window, code)
    qtbot.mouseClick(window.sale.plus_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.sale.model.lines[0].quantity == "2"
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F4)
    panel = window.sale.side_panel
    assert isinstance(panel, QuantityPanel)
    qtbot.keyClicks(panel.value, "5")
    qtbot.keyClick(panel.value, "\r")
    settle(qtbot, window)
    assert window.sale.model.lines[0].quantity == "5"
    qtbot.mouseClick(window.sale.price_button, Qt.MouseButton.LeftButton)
    price = window.sale.side_panel
    assert isinstance(price, PricePanel)
    qtbot.keyClicks(price.price, "1.00")
    qtbot.keyClicks(price.reason, "damaged")
    qtbot.mouseClick(price.primary, Qt.MouseButton.LeftButton)
    approve_as_supervisor(qtbot, window)
    assert window.sale.view.total == Money(500)
    assert "was" in window.sale.model.lines[0].price_note
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    window.sale.table.selectRow(1)
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert window.sale.model.lines[1].voided


def pay(qtbot, window):
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    assert isinstance(panel, PaymentPanel)
    return panel


def test_split_payment_points_card_cash_and_the_printed_receipt(qtbot, window, printer):
    start(qtbot, window)
    for code in barcodes(window.terminal, 4, 3):
        scan(qtbot, window, code)
    scan(qtbot, window, window.terminal.demo.member_code)
    total = window.sale.view.total
    panel = pay(qtbot, window)
    qtbot.mouseClick(panel.points_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.amount, "500")
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)
    qtbot.keyClicks(panel.amount, "10")
    qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.amount, "AUTH998877")
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)
    due = window.sale.view.payment.due
    assert due == total - Money(500) - Money(1000)
    qtbot.mouseClick(panel.quick_buttons[-1], Qt.MouseButton.LeftButton)  # the largest note offered
    settle(qtbot, window)
    assert panel.stack.currentIndex() == 1 and window.sale.view.payment.settled
    change = window.sale.view.payment.change
    assert panel.change.text() == f"¥{change.plain()}"
    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    document, copy = printer.documents[-1]
    assert not copy and document.total == total
    assert [t.kind.value for t in document.tenders] == ["points", "card", "cash"]
    assert "AUTH998877"[-4:] in printer.text and "Change" in printer.text
    assert printer.drawer_kicks == 1
    assert window.sale.full_panel is None and window.sale.model.rowCount() == 0
    assert "completed" in window.sale.message.text()


def test_payment_cannot_be_left_with_tenders_and_take_back_works(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 4)[0])
    panel = pay(qtbot, window)
    panel._card()
    qtbot.keyClicks(panel.amount, "A1")
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)
    qtbot.mouseClick(panel.secondary, Qt.MouseButton.LeftButton)
    assert "Take back the payments first" in panel.error.text()
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.sale.view.payment.tenders == ()
    qtbot.mouseClick(panel.secondary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.sale.full_panel is None


def test_hold_with_a_note_and_recall(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    total = window.sale.view.total
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F6)
    hold = window.sale.side_panel
    assert isinstance(hold, HoldPanel) and hold.note.hasFocus()
    for ch in "Mrs Wang, fetching rice":  # typed into whatever has the focus
        qtbot.keyClick(QApplication.focusWidget(), ch)
    qtbot.keyClick(QApplication.focusWidget(), "\r")
    settle(qtbot, window)
    assert window.sale.model.rowCount() == 0 and "on hold" in window.sale.message.text()
    scan(qtbot, window, barcodes(window.terminal, 2)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F6)
    qtbot.keyClick(QApplication.focusWidget(), "\r")  # no note: held all the same
    settle(qtbot, window)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F7)
    settle(qtbot, window)
    panel = window.sale.side_panel
    assert isinstance(panel, HeldPanel) and panel.items.count() == 2
    first = panel.items.item(0).text()
    assert first.endswith(f"1 lines  {money(total)}  Mrs Wang, fetching rice")
    assert panel.items.hasFocus()
    qtbot.keyClick(panel.items, "\r")  # the first (oldest) is chosen
    settle(qtbot, window)
    assert window.sale.view.total == total and len(window.sale.model.lines) == 1
    assert window.sale.message.kind != "error", window.sale.message.text()  # recalled once


def sell_cash(qtbot, window, codes, member=False):
    for code in codes:
        scan(qtbot, window, code)
    if member:
        scan(qtbot, window, window.terminal.demo.member_code)
    panel = pay(qtbot, window)
    qtbot.keyClick(panel.amount, "\r")  # exact cash
    settle(qtbot, window)
    qtbot.keyClick(panel, "\r")  # print the receipt
    settle(qtbot, window)
    with window.terminal.ctx.db.read() as conn:
        return conn.execute(select(schema.sale).where(schema.sale.c.receipt_no == window.last_receipt)).one()


def test_return_against_a_receipt_with_supervisor_approval(qtbot, window, printer):
    start(qtbot, window)
    dairy = barcodes(window.terminal, 2)[0]
    sold = sell_cash(qtbot, window, [dairy, dairy, dairy], member=True)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F8)
    panel = window.sale.full_panel
    assert isinstance(panel, ReturnPanel)
    window.sale.handle_scan(f"https://r.o2o.example/{sold.receipt_no}")  # the receipt's QR code
    settle(qtbot, window)
    assert panel.sale is not None and panel.table.rowCount() == 1
    spin = panel.spins[1]
    spin.setValue(1)
    qtbot.keyClicks(panel.reason, "wrong flavour")
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    approve_as_supervisor(qtbot, window)
    assert "Refunded" in window.sale.message.text()
    assert printer.documents[-1][0].kind.value == "refund"
    totals = window.terminal.till.totals()
    assert totals.refunds_count == 1 and totals.refunds_total == Money(sold.total).scale(1, 3)


def test_x_report_and_close_with_z_totals_matching_the_sales(qtbot, window):
    start(qtbot, window)
    first = sell_cash(qtbot, window, barcodes(window.terminal, 1, 2))
    second = sell_cash(qtbot, window, barcodes(window.terminal, 5, 1))
    window.sale.show_menu()
    window.backoffice("x_report")
    settle(qtbot, window)
    report = window.sale.full_panel
    assert isinstance(report, ReportPanel)
    expected_total = Money(first.total + second.total)
    assert expected_total.plain() in report.view.toPlainText()
    qtbot.mouseClick(report.secondary, Qt.MouseButton.LeftButton)
    window.backoffice("close")
    close = window.sale.side_panel
    assert isinstance(close, ClosePanel)
    expected_cash = Money.of("500") + expected_total
    qtbot.keyClicks(close.amount, expected_cash.plain())
    qtbot.keyClick(close.amount, "\r")
    settle(qtbot, window)
    z = window.sale.full_panel
    assert isinstance(z, ReportPanel)
    text = z.view.toPlainText()
    assert "Z REPORT" in text and expected_total.plain() in text and "Balanced" in text
    stored = window.terminal.till.z_report(_last_session(window))
    assert (
        stored["sales_count"] == 2
        and stored["sales_total"] == expected_total.minor
        and stored["over_short"] == 0
    )
    qtbot.mouseClick(z.secondary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.pages.currentWidget() is window.signin


def _last_session(window):
    with window.terminal.ctx.db.read() as conn:
        return conn.execute(
            select(schema.till_session.c.id).order_by(schema.till_session.c.opened_at.desc())
        ).scalar()


def test_void_a_sale_from_the_menu(qtbot, window):
    start(qtbot, window)
    sold = sell_cash(qtbot, window, barcodes(window.terminal, 1, 1))
    window.backoffice("void")
    panel = window.sale.full_panel
    assert panel.receipt.text() == sold.receipt_no
    qtbot.keyClicks(panel.reason, "customer changed mind")
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    approve_as_supervisor(qtbot, window)
    # confirmed under the voided sale's number (the first of the day), with the slip's own
    assert sold.receipt_no == "S001-T01-261123-0001"
    assert window.sale.message.text() == ("Sale S001-T01-261123-0001 voided (void slip S001-T01-261123-0002)")
    assert window.terminal.till.totals().voids_count == 1


def test_pickup_by_typed_code(qtbot, window):
    start(qtbot, window)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F9)
    panel = window.sale.full_panel
    assert isinstance(panel, PickupPanel)
    qtbot.keyClicks(panel.code, window.terminal.demo.pickup_code)
    qtbot.keyClick(panel.code, "\r")
    settle(qtbot, window)
    assert panel.lines.rowCount() == 3 and panel.primary.isEnabled()
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "handed over" in window.sale.message.text()


def test_scanned_pickup_code_opens_the_pickup_panel(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, window.terminal.demo.pickup_code)
    settle(qtbot, window)
    panel = window.sale.full_panel
    assert isinstance(panel, PickupPanel) and panel.order is not None


def test_lock_and_unlock_by_the_same_cashier_keeps_the_basket(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F11)
    settle(qtbot, window)
    assert window.pages.currentWidget() is window.signin
    assert "Locked by 王芳" in window.signin.subtitle.text()
    sign_in(qtbot, window, 1001)
    assert window.pages.currentWidget() is window.sale
    assert len(window.sale.model.lines) == 1


def test_switch_language_to_chinese(qtbot, window):
    start(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    window.set_language("zh_CN")
    settle(qtbot, window)
    assert window.sale.pay_button.text().startswith("收款")
    assert window.sale.model.headers()[0] == "商品"
    assert "农夫山泉" in window.sale.model.lines[0].name or window.sale.model.lines[0].name[0] > "\u3400"
    window.set_language("en")
    assert window.sale.pay_button.text().startswith("Pay")


def test_a_weighed_line_is_returned_whole_by_ticking_its_weight(qtbot, window):
    start(qtbot, window)
    sold = sell_cash(qtbot, window, [scale_label("10001", 650), barcodes(window.terminal, 1)[0]])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F8)
    panel = window.sale.full_panel
    qtbot.keyClicks(panel.receipt, sold.receipt_no)
    qtbot.keyClick(panel.receipt, "\r")
    settle(qtbot, window)
    weighed = panel.spins[1]
    assert weighed.text() == "0.650 kg" and weighed.isEnabled() and not weighed.isChecked()
    assert [panel.table.item(0, col).text() for col in (1, 3)] == ["0.650 kg", "0.650 kg"]
    assert not panel.primary.isEnabled()
    qtbot.mouseClick(weighed, Qt.MouseButton.LeftButton, pos=weighed.rect().center())
    assert weighed.isChecked() and panel.quantities() == {1: 650} and panel.primary.isEnabled()


def test_search_ranks_a_whole_word_before_a_word_it_begins(qtbot, window):
    start(qtbot, window)
    field = window.sale.scan_field
    qtbot.keyClicks(field, "milk")
    settle(qtbot, window)
    names = [p.name.en for p in window.sale.results_model.products]
    whole = [i for i, name in enumerate(names) if "milk" in name.lower().split()]
    begins = [i for i, name in enumerate(names) if name.startswith("Milkground")]
    assert len(whole) >= 10 and whole == list(range(len(whole))), names  # every whole word first
    assert not begins or min(begins) > max(whole), names
    assert names[0] == "Yili Whole Milk 1L"  # the shortest whole-word name (by its Chinese name)
    qtbot.keyClick(field, "\r")  # Enter takes the first: milk, not cheese sticks
    settle(qtbot, window)
    assert window.sale.model.lines[0].name == "Yili Whole Milk 1L"
