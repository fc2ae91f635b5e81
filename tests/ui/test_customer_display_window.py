"""The customer display window driven through the CustomerDisplay interface, from a worker thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtGui import QImage

from hardware import decode_frame
from hardware.customer_display import ScreenKind
from pos_app.domain.barcodes import Symbology
from pos_app.domain.money import Money
from pos_app.ui.customer_display import CustomerDisplayWindow, QtCustomerDisplay

M = Money.of


@pytest.fixture
def window(qtbot):
    w = CustomerDisplayWindow("O2O 示范店", language="en")
    qtbot.addWidget(w)
    w.resize(600, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def from_worker(fn, *args) -> None:
    thread = threading.Thread(target=fn, args=args, name="checkout-worker")
    thread.start()
    thread.join()


def test_it_starts_with_a_welcome(window):
    assert window.title.text() == "Welcome" and window.header.text() == "O2O 示范店"


def test_items_rung_up_on_a_worker_thread_reach_the_window(window, qtbot):
    display = QtCustomerDisplay(window)
    from_worker(display.item, "光明纯牛奶 250ml", "3 x 3.50", M("10.50"), M("23.80"), 4)
    qtbot.waitUntil(lambda: window.title.text() == "光明纯牛奶 250ml")
    assert window.detail.text() == "3 x 3.50"
    assert window.amount.text() == "¥10.50"
    assert (window.total_caption.text(), window.total.text()) == ("Total", "¥23.80")
    assert display.last_screen.kind is ScreenKind.ITEM


def test_the_payment_qr_code_on_screen_scans(window, qtbot):
    display = QtCustomerDisplay(window)
    link = "weixin://wxpay/bizpayurl?pr=AbCdEf1"
    from_worker(display.payment, M("23.80"), link, "微信扫码支付")
    qtbot.waitUntil(lambda: not window.qr.pixmap().isNull())
    assert window.total.text() == "¥23.80" and window.total_caption.text() == "To pay"
    assert window.qr_caption.text() == "微信扫码支付"
    image = window.qr.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    array = np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    codes = decode_frame(np.ascontiguousarray(array[:, : image.width()]))
    assert [(c.text, c.symbology) for c in codes] == [(link, Symbology.QR)]


def test_the_stores_own_payment_code_when_there_is_no_other(window, qtbot):
    display = QtCustomerDisplay(window, store_payment_qr="https://qr.alipay.com/fkx0000")
    display.payment(M("5.00"))
    qtbot.waitUntil(lambda: not window.qr.pixmap().isNull())
    assert window.qr_caption.text() == "Scan to pay"
    display.total(M("5.00"))
    qtbot.waitUntil(lambda: window.qr.pixmap().isNull())


def test_change_and_thanks(window, qtbot):
    display = QtCustomerDisplay(window)
    display.change(M("50.00"), M("26.20"))
    qtbot.waitUntil(lambda: window.total.text() == "¥26.20")
    assert window.title.text() == "Paid  ¥50.00" and window.message.text() == "Thank you"
    display.closed()
    qtbot.waitUntil(lambda: window.title.text() == "Till closed")


def test_chinese_screen(qtbot):
    window = CustomerDisplayWindow("示范店", language="zh_CN")
    qtbot.addWidget(window)
    display = QtCustomerDisplay(window)
    display.total(M("23.80"), M("3.80"))
    qtbot.waitUntil(lambda: window.total.text() == "¥23.80")
    assert window.total_caption.text() == "合计" and window.message.text() == "应付  ¥3.80"
    assert window.show_on_customer_screen() is False  # one screen offscreen: a normal window
