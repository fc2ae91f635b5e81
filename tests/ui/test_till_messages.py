"""The message bar says what just happened: an error stays until the next thing that works."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in


def test_a_bad_scan_message_clears_on_the_next_good_scan(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    scan(qtbot, window, "4006381333932")  # wrong check digit
    assert window.sale.message.kind == "error" and "check digit" in window.sale.message.text()
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    assert window.sale.message.text() == "" and window.sale.message.kind == "none"
    scan(qtbot, window, "4006381333932")
    assert "check digit" in window.sale.message.text()  # and a new error shows again


def test_a_wrong_pin_message_is_gone_after_a_good_sign_in(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F11)  # lock
    settle(qtbot, window)
    signin = window.signin
    qtbot.keyClicks(signin.staff_field, "1001")
    qtbot.keyClick(signin.staff_field, "\r")
    qtbot.keyClicks(signin.pin_field, "9" * len(window.terminal.demo.staff[1001][2]))
    qtbot.keyClick(signin.pin_field, "\r")
    settle(qtbot, window)
    assert "Wrong staff number or PIN" in signin.error.text()
    sign_in(qtbot, window)
    assert window.pages.currentWidget() is window.sale
    assert "Wrong" not in window.sale.message.text()
    assert window.sale.message.kind in ("none", "ok")


def test_a_completed_sale_message_stays_while_nothing_new_happens(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    qtbot.keyClick(window.sale.full_panel.amount, "\r")
    settle(qtbot, window)
    qtbot.mouseClick(window.sale.full_panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "completed" in window.sale.message.text()  # the refresh after it is no new success
