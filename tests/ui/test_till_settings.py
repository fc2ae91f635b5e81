"""The settings screen: languages, and the till's devices and options."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea

from pos_app import config
from pos_app.config import Settings
from pos_app.ui.panels import ApprovalPanel
from pos_app.ui.settings import SettingsPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import approve_as_supervisor, open_till, scan, settle, sign_in


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


# --- devices chosen on the settings screen work at once -------------------------------------------


def reveal(qtbot, widget) -> None:
    """Scroll the settings until ``widget`` is on screen (as a person would, to touch it)."""
    scroll = widget.window().findChild(QScrollArea, "settingsScroll")
    scroll.ensureWidgetVisible(widget)
    qtbot.wait(10)


def choose(qtbot, combo, value) -> None:
    """Open a drop-down by touch and touch the choice with ``value``."""
    reveal(qtbot, combo)
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    view.scrollTo(combo.model().index(combo.findData(value), 0))
    rect = view.visualRect(combo.model().index(combo.findData(value), 0))
    qtbot.wait(QApplication.doubleClickInterval() + 50)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
    assert combo.currentData() == value


def type_field(qtbot, panel, key: str, text: str) -> None:
    edit = panel.fields[key]
    reveal(qtbot, edit)
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def save_as_supervisor(qtbot, window, panel) -> None:
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert isinstance(window.sale.side_panel, ApprovalPanel)
    approve_as_supervisor(qtbot, window)
    qtbot.waitUntil(lambda: "Settings saved" in window.sale.message.text(), timeout=10_000)
    settle(qtbot, window)


def test_a_printer_chosen_on_the_settings_screen_prints_the_next_receipt(qtbot, window, home, tmp_path):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    receipts = tmp_path / "receipts.txt"
    panel = open_settings(qtbot, window)
    choose(qtbot, panel.fields[config.PRINTER_KIND.key], "text")
    type_field(qtbot, panel, config.PRINTER_CONNECTION.key, str(receipts))
    save_as_supervisor(qtbot, window, panel)
    assert "the devices now work with them" in window.sale.message.text()
    assert Settings.load(home).get(config.PRINTER_KIND) == "text"  # kept for the next start too
    scan(qtbot, window, barcodes(window.terminal, 1)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    qtbot.keyClick(window.sale.full_panel.amount, "\r")
    settle(qtbot, window)
    qtbot.mouseClick(window.sale.full_panel.print_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    receipt = window.last_receipt
    qtbot.waitUntil(lambda: receipts.exists() and receipt in receipts.read_text("utf-8"), timeout=5000)


def key_trace(window, text: str, start_ms: int, gap_ms: int = 6) -> None:
    """A wedge reader's keys (digits, then Enter) with window-system timestamps."""
    handle = window.windowHandle()
    stamp = start_ms
    for ch in text + "\r":
        stamp += gap_ms
        key = Qt.Key.Key_Return if ch == "\r" else Qt.Key(ord(ch))
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
            event.setTimestamp(stamp)
            QCoreApplication.sendEvent(handle, event)


def test_reader_customer_display_and_wechat_pay_chosen_on_the_settings_screen(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    assert window.wedge is None and window.customer_window is None
    panel = open_settings(qtbot, window)
    choose(qtbot, panel.fields[config.SCANNER_KIND.key], "wedge")
    choose(qtbot, panel.fields[config.DISPLAY_KIND.key], "window")
    choose(qtbot, panel.fields[config.PAYMENT_GATEWAY.key], "simulator")
    save_as_supervisor(qtbot, window, panel)
    assert window.wedge is not None and window.customer_window is not None
    assert window.customer_window.isVisible()
    window.sale.scan_field.setFocus()
    key_trace(window, barcodes(window.terminal, 4)[0], 1_000_000)  # the reader, as the window gets it
    settle(qtbot, window)
    assert len(window.sale.model.lines) == 1 and window.sale.scan_field.text() == ""
    qtbot.waitUntil(lambda: window.customer_window.title.text() == window.sale.model.lines[0].name)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    payment = window.sale.full_panel
    assert payment.mobile_button.isEnabled()
    window.terminal.payments.query_interval_s = 0.01
    qtbot.mouseClick(payment.mobile_button, Qt.MouseButton.LeftButton)
    key_trace(window, "134567890123456789", 2_000_000)  # the customer's WeChat Pay code, read
    settle(qtbot, window)
    assert window.sale.view.payment.settled and window.sale.view.payment.tenders[0].label == "WeChat Pay"
    qtbot.mouseClick(payment.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    # and back to none: the filter and the window go away
    panel = open_settings(qtbot, window)
    choose(qtbot, panel.fields[config.SCANNER_KIND.key], "none")
    choose(qtbot, panel.fields[config.DISPLAY_KIND.key], "none")
    save_as_supervisor(qtbot, window, panel)
    assert window.wedge is None and window.customer_window is None


def test_devices_stay_while_a_payment_is_under_way(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    scan(qtbot, window, barcodes(window.terminal, 4)[0])
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    qtbot.keyClicks(window.sale.full_panel.amount, "1")
    qtbot.keyClick(window.sale.full_panel.amount, "\r")  # ¥1 in cash taken: a payment under way
    settle(qtbot, window)
    panel = open_settings(qtbot, window)
    choose(qtbot, panel.fields[config.PRINTER_KIND.key], "fake")
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "A payment is under way" in panel.error.text()
    assert window.terminal.settings.get(config.PRINTER_KIND) == "none"


def test_a_cashier_changes_the_language_without_a_supervisor(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    panel = open_settings(qtbot, window)
    choose(qtbot, panel.receipt_language, "en")
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.sale.full_panel is None and window.sale.side_panel is None  # no approval asked
    assert window.terminal.settings.get(config.RECEIPT_LANGUAGE) == "en"
    assert window.sale.message.text() == "Settings saved"


def test_a_value_that_cannot_be_is_refused_where_it_was_typed(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)
    panel = open_settings(qtbot, window)
    type_field(qtbot, panel, config.SALE_OPEN_PRICE_MAX.key, "lots")
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert panel.error.text() == "Their highest price (¥): “lots” is not possible here"
    assert window.sale.full_panel is panel


def test_a_camera_chosen_on_the_settings_screen_scans_at_once(qtbot, window, tmp_path):
    from tests.ui.test_till_devices import qr_video

    video = tmp_path / "member.avi"
    qr_video(video, window.terminal.demo.member_code, blank_s=0.5, shown_s=10.0)
    sign_in(qtbot, window)
    open_till(qtbot, window)
    assert window.camera_preview is None
    panel = open_settings(qtbot, window)
    type_field(qtbot, panel, config.CAMERA_SOURCE.key, str(video))
    save_as_supervisor(qtbot, window, panel)
    assert window.camera_preview is not None and window.camera_preview.isVisible()
    qtbot.waitUntil(
        lambda: window.sale.view is not None and window.sale.view.member is not None, timeout=15_000
    )
    panel = open_settings(qtbot, window)
    type_field(qtbot, panel, config.CAMERA_SOURCE.key, "")
    save_as_supervisor(qtbot, window, panel)
    assert window.camera_preview is None and window.terminal.devices.camera is None


def test_goods_without_a_barcode_once_a_supervisor_allows_them(qtbot, window):
    from pos_app.db import schema
    from pos_app.ui.panels import OpenPricePanel

    sign_in(qtbot, window)
    open_till(qtbot, window)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F10)
    menu = window.sale.side_panel
    assert not [b for b in menu.findChildren(QPushButton) if b.text() == "Other item (no barcode)"]
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    panel = open_settings(qtbot, window)
    allow = panel.fields[config.SALE_OPEN_PRICE.key]
    reveal(qtbot, allow)
    qtbot.mouseClick(allow, Qt.MouseButton.LeftButton)
    assert allow.isChecked()
    type_field(qtbot, panel, config.SALE_OPEN_PRICE_MAX.key, "50")
    save_as_supervisor(qtbot, window, panel)
    assert window.terminal.settings.get(config.SALE_OPEN_PRICE)

    def other_item(price: str) -> OpenPricePanel:
        qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F10)
        menu = window.sale.side_panel
        button = next(b for b in menu.findChildren(QPushButton) if b.text() == "Other item (no barcode)")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        open_price = window.sale.side_panel
        assert isinstance(open_price, OpenPricePanel) and open_price.price.hasFocus()
        qtbot.keyClicks(open_price.price, price)
        qtbot.keyClick(open_price.price, "\r")
        settle(qtbot, window)
        return open_price

    refused = other_item("50.01")  # one fen above the highest price allowed
    assert window.sale.side_panel is refused and "costs at most 50.00" in refused.error.text()
    qtbot.keyClick(refused.price, Qt.Key.Key_Escape)
    other_item("12.50")
    assert window.sale.side_panel is None
    line = window.sale.model.lines[0]
    assert (line.name, line.quantity, line.unit_price, line.net) == ("Other item", "1", "¥12.50", "¥12.50")
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    qtbot.keyClick(window.sale.full_panel.amount, "\r")
    settle(qtbot, window)
    qtbot.mouseClick(window.sale.full_panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "completed" in window.sale.message.text()
    with window.terminal.ctx.db.read() as conn:
        moves = conn.execute(schema.stock_move.select()).all()
    assert moves == []  # goods without a barcode are not counted in stock
