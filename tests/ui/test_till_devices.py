"""The till window with its devices: the card terminal and the mobile-payment gateway (simulators), a
printer that runs out of paper, the keyboard-wedge reader, the customer display, a camera."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
import qrcode
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pos_app import config
from pos_app.domain.money import Money
from pos_app.ui.payment import PaymentPanel
from tests.services.conftest import barcodes
from tests.ui.conftest import approve_as_supervisor, open_till, scan, settle, sign_in

WECHAT_CODE = "134567890123456789"


def start(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)


def pay(qtbot, window) -> PaymentPanel:
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    return window.sale.full_panel


def fast_payments(window):
    window.terminal.payments.query_interval_s = 0.01
    window.terminal.payments.sleep = lambda _s: None


class TestPaymentDevices:
    @pytest.fixture
    def device_settings(self):
        return {config.PAYMENT_TERMINAL: "simulator", config.PAYMENT_GATEWAY: "simulator"}

    def test_card_on_the_connected_terminal(self, qtbot, window):
        start(qtbot, window)
        scan(qtbot, window, barcodes(window.terminal, 4)[0])
        total = window.sale.view.total
        panel = pay(qtbot, window)
        qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        assert window.sale.view.payment.settled
        assert window.terminal.payments.terminal.charges[0]["amount"] == total.minor

    def test_customer_payment_code_charges_what_is_due(self, qtbot, window):
        start(qtbot, window)
        scan(qtbot, window, barcodes(window.terminal, 4)[0])
        panel = pay(qtbot, window)
        qtbot.mouseClick(panel.mobile_button, Qt.MouseButton.LeftButton)
        window.sale.handle_scan(WECHAT_CODE)
        settle(qtbot, window)
        payment = window.sale.view.payment
        assert payment.settled and payment.tenders[0].label == "WeChat Pay"

    def test_a_payment_code_the_reader_cannot_read_is_typed(self, qtbot, window):
        start(qtbot, window)
        scan(qtbot, window, barcodes(window.terminal, 4)[0])
        panel = pay(qtbot, window)
        qtbot.mouseClick(panel.mobile_button, Qt.MouseButton.LeftButton)
        assert panel.mode == "code" and panel.amount.hasFocus()
        qtbot.keyClicks(panel.amount, "1345")
        qtbot.keyClick(panel.amount, "\r")
        assert "18 digits" in panel.error.text() and not window.sale.view.payment.tenders
        qtbot.keyClicks(panel.amount, "67890123456789")
        qtbot.keyClick(panel.amount, "\r")
        settle(qtbot, window)
        payment = window.sale.view.payment
        assert payment.settled and payment.tenders[0].label == "WeChat Pay"

    def test_card_charged_without_an_answer_is_settled_by_a_supervisor(self, qtbot, window):
        start(qtbot, window)
        fast_payments(window)
        terminal = window.terminal.payments.terminal
        terminal.script.extend(["charge_then_timeout"])
        terminal.query_script.extend(["timeout"] * 20)
        window.banner.answer_all(False)
        scan(qtbot, window, barcodes(window.terminal, 4)[0])
        panel = pay(qtbot, window)
        qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
        # the handler asks the person whether to keep asking the terminal: give up for now
        qtbot.waitUntil(lambda: bool(window.banner.questions), timeout=5000)
        assert "Do NOT charge again" in window.banner.text.text()
        qtbot.mouseClick(window.banner.give_up, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        assert window.sale.view.pending is not None and panel.stack.currentIndex() == 2
        qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)  # hidden page: nothing happens
        qtbot.keyClicks(panel.slip_reference, "REF123456")
        qtbot.mouseClick(panel.charged_button, Qt.MouseButton.LeftButton)
        approve_as_supervisor(qtbot, window)
        assert window.sale.view.pending is None
        assert window.sale.view.payment.settled
        assert len(terminal.charges) == 1  # charged exactly once


class TestPrinterOutOfPaper:
    @pytest.fixture
    def device_settings(self):
        return {config.PRINTER_KIND: "fake"}

    def test_the_sale_stays_and_the_cashier_retries_after_loading_paper(self, qtbot, window):
        start(qtbot, window)
        printer = window.terminal.ctx.printer
        printer.paper = False
        scan(qtbot, window, barcodes(window.terminal, 1)[0])
        panel = pay(qtbot, window)
        qtbot.keyClick(panel.amount, "\r")
        settle(qtbot, window)
        qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(window.banner.questions), timeout=5000)
        assert window.banner.isVisible() and "paper" in window.banner.text.text().lower()
        assert window.terminal.till.totals().sales_count == 1  # committed before printing
        # the till is not blocked while the printer waits: the next customer can be rung up
        field = window.sale.scan_field
        qtbot.keyClicks(field, barcodes(window.terminal, 2)[0])
        qtbot.keyClick(field, "\r")
        qtbot.waitUntil(lambda: window.sale.model.rowCount() == 1, timeout=3000)
        printer.paper = True
        qtbot.mouseClick(window.banner.retry, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        qtbot.waitUntil(lambda: not window.banner.questions, timeout=5000)
        assert printer.jobs and window.terminal.receipts.failed_jobs() == []


class TestWedgeReader:
    @pytest.fixture
    def scanner_kind(self):
        return "wedge"

    @pytest.fixture
    def device_settings(self):
        # QTest stamps each key when it is sent: on a loaded machine the test itself may stall 30 ms
        # between two keys of the "reader" (a real reader's keys are stamped by the window system).
        # A wider gap keeps the test about the filter, not the scheduler.
        return {config.SCANNER_MAX_GAP_MS: 150}

    def test_a_reader_burst_is_a_scan_and_never_text_in_a_field(self, qtbot, window):
        window.wedge.uninstall()  # qtbot's instant typing would look like a reader: sign in first
        start(qtbot, window)
        window.wedge.install()
        code = barcodes(window.terminal, 1)[0]
        window.sale.member_button.click()  # a text field with focus: the phone number
        panel = window.sale.side_panel
        panel.phone.setFocus()
        qtbot.waitUntil(panel.phone.hasFocus)
        handle = window.windowHandle()
        for ch in code:  # through the window system, as fast as a reader types
            QTest.keyClick(handle, ch)
        QTest.keyClick(handle, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.sale.model.rowCount() == 1, timeout=3000)
        assert panel.phone.text() == ""
        # and a person typing a phone number slowly types into the field
        for ch in "1380013":
            QTest.keyClick(handle, ch)
            qtbot.wait(200)  # slower than max_gap_ms: a person
        qtbot.waitUntil(lambda: panel.phone.text() == "1380013", timeout=2000)


class TestCustomerDisplay:
    @pytest.fixture
    def device_settings(self):
        return {config.DISPLAY_KIND: "fake"}

    def test_the_customer_sees_each_item_the_total_and_the_change(self, qtbot, window):
        start(qtbot, window)
        display = window.terminal.devices.display
        code = barcodes(window.terminal, 1)[0]
        scan(qtbot, window, code)
        qtbot.waitUntil(lambda: display.last_screen is not None and display.last_screen.kind == "item")
        assert display.last_screen.total == window.sale.view.total
        panel = pay(qtbot, window)
        assert display.last_screen.kind in ("total", "payment")
        panel.cash.emit(Money.of("100"), False)
        settle(qtbot, window)
        qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        qtbot.waitUntil(lambda: display.last_screen.kind == "change")
        assert display.last_screen.change == Money.of("100") - window.terminal.till.totals().sales_total


def qr_video(path, text: str, blank_s: float = 4.0, shown_s: float = 10.0, fps: int = 20) -> None:
    """An empty counter for ``blank_s`` (the cashier signs in meanwhile), then the customer's QR code."""
    image = np.array(qrcode.make(text, box_size=8, border=4).convert("L"))
    empty = np.full((480, 640), 235, np.uint8)
    shown = empty.copy()
    y, x = (480 - image.shape[0]) // 2, (640 - image.shape[1]) // 2
    shown[y : y + image.shape[0], x : x + image.shape[1]] = image
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for frame, seconds in ((empty, blank_s), (shown, shown_s)):
        for _ in range(int(seconds * fps)):
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


class TestCamera:
    @pytest.fixture
    def device_settings(self, tmp_path):
        video = tmp_path / "member.avi"
        self.video = video
        return {config.CAMERA_SOURCE: str(video), config.CAMERA_WIDTH: 640, config.CAMERA_HEIGHT: 480}

    @pytest.fixture
    def window(self, qtbot, qapp, home, device_settings, clock, printer):
        # the video must exist before the terminal opens its camera: it holds the member's QR code
        from pos_app import i18n
        from pos_app.app import build_terminal
        from pos_app.config import Settings
        from pos_app.services.demo import install_demo
        from pos_app.ui.main import application
        from pos_app.ui.widgets import Sounds
        from pos_app.ui.window import TillWindow

        settings = Settings.load(home)
        for var, value in {config.LANGUAGE: "en", config.SCANNER_KIND: "none", **device_settings}.items():
            settings.set(var, value)
        seed = build_terminal(home, printer=printer, clock=clock)
        demo = install_demo(seed.ctx, products=100, members=5)
        seed.close()
        qr_video(self.video, demo.member_code)
        terminal = build_terminal(home, printer=printer, clock=clock)
        terminal.demo = demo
        application([])
        win = TillWindow(terminal, sounds=Sounds(enabled=False))
        qtbot.addWidget(win)
        win.resize(1024, 768)
        win.show()
        yield win
        win.close()
        terminal.close()
        i18n.set_language("en")

    def test_a_member_code_shown_to_the_camera_identifies_the_member(self, qtbot, window):
        start(qtbot, window)
        scan(qtbot, window, barcodes(window.terminal, 1)[0])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (window.sale.view is None or window.sale.view.member is None):
            qtbot.wait(100)
        assert window.sale.view.member is not None
        assert window.camera_preview is not None and window.camera_preview.pixmap() is not None


class TestCustomerDisplayWindow:
    @pytest.fixture
    def device_settings(self):
        return {config.DISPLAY_KIND: "window", config.DISPLAY_LANGUAGE: "en"}

    def test_the_window_is_big_enough_to_read(self, qtbot, window):
        customer = window.customer_window
        assert customer is not None and customer.isVisible()
        screen = customer.screen().availableGeometry()
        assert customer.width() >= min(640, screen.width()) and customer.height() >= min(480, screen.height())
        start(qtbot, window)
        for code in barcodes(window.terminal, 4, 3):  # pantry goods: a total in the hundreds
            scan(qtbot, window, code)
        qtbot.waitUntil(lambda: customer.total.text() == "¥" + window.sale.view.total.plain())
        for label in (customer.title, customer.total):  # nothing cut off
            assert label.width() >= label.sizeHint().width() and label.height() >= label.sizeHint().height()
        assert customer.total.fontInfo().pixelSize() >= 72  # the till's own text is 15 px
        assert customer.title.fontInfo().pixelSize() >= 32
