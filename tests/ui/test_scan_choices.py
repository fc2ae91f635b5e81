"""The cashier is asked, in the window, when six typed digits are both a pickup code and a product
number (issue 14 point 6); a customer's payment code is taken only while the till takes payment
(issue 14 point 1); a product past its expiry date is sold with a warning (issue 17)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pos_app import config
from pos_app.db import catalog
from pos_app.ui.backoffice import PickupPanel
from pos_app.ui.panels import ChoicePanel
from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in

PICKUP = "246810"  # the demo's ready, paid pickup order
WECHAT_CODE = "134567890123456789"  # WeChat Pay 付款码: 18 digits starting 10-15


def start(qtbot, window):
    sign_in(qtbot, window)
    open_till(qtbot, window)


def add_item_numbered(window, plu):
    with window.terminal.ctx.db.write() as conn:
        catalog.upsert_products(
            conn,
            [
                {
                    "id": 990_010,
                    "sku": "N990010",
                    "name_zh": "六位货号商品",
                    "name_en": "Six-digit item",
                    "category_id": 1,
                    "unit": "each",
                    "price": 1250,
                    "member_price": None,
                    "tax_class": "standard",
                    "plu": plu,
                    "points_eligible": True,
                    "active": True,
                    "barcodes": [],
                }
            ],
        )
    window.terminal.ctx.events.publish("reference_data_changed")


def test_digits_that_are_both_ask_and_the_cashier_sells_the_product(qtbot, window):
    add_item_numbered(window, PICKUP)
    start(qtbot, window)
    scan(qtbot, window, PICKUP)  # typed in the scan field, Enter
    panel = window.sale.side_panel
    assert isinstance(panel, ChoicePanel) and panel.isVisible()
    assert "is a pickup code and the number of Six-digit item" in panel.body.itemAt(0).widget().text()
    assert window.sale.model.rowCount() == 0  # nothing happened yet
    qtbot.mouseClick(panel.product_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.sale.model.rowCount() == 1
    assert window.sale.view.total.minor == 1250
    assert window.sale.side_panel is None


def test_digits_that_are_both_ask_and_the_cashier_opens_the_pickup(qtbot, window):
    add_item_numbered(window, PICKUP)
    start(qtbot, window)
    scan(qtbot, window, PICKUP)
    panel = window.sale.side_panel
    qtbot.mouseClick(panel.pickup_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert isinstance(window.sale.full_panel, PickupPanel) and window.sale.full_panel.order is not None
    assert window.sale.model.rowCount() == 0


def test_digits_of_a_product_number_only_sell_it_without_asking(qtbot, window):
    add_item_numbered(window, "135790")
    start(qtbot, window)
    scan(qtbot, window, "135790")
    assert window.sale.side_panel is None and window.sale.model.rowCount() == 1


def test_a_product_past_its_expiry_is_sold_with_a_warning(qtbot, window):
    start(qtbot, window)
    gtin = barcodes(window.terminal, 4)[0]
    scan(qtbot, window, f"(01){gtin.zfill(14)}(17)200101")
    assert window.sale.model.rowCount() == 1
    assert (
        window.sale.message.kind == "warn"
        and "past its expiry date (2020-01-01)" in window.sale.message.text()
    )


class TestPaymentCodeByReader:
    @pytest.fixture
    def scanner_kind(self):
        return "wedge"

    @pytest.fixture
    def device_settings(self):
        return {config.PAYMENT_GATEWAY: "simulator"}

    def reader(self, qtbot, window, code):
        handle = window.windowHandle()
        for ch in code:  # as fast as a reader types, through the window system
            QTest.keyClick(handle, ch)
        QTest.keyClick(handle, Qt.Key.Key_Return)
        settle(qtbot, window)

    def test_a_payment_code_is_taken_only_in_payment(self, qtbot, window):
        window.wedge.uninstall()  # qtbot's instant typing would look like a reader: sign in first
        start(qtbot, window)
        window.wedge.install()
        self.reader(qtbot, window, barcodes(window.terminal, 4)[0])
        qtbot.waitUntil(lambda: window.sale.model.rowCount() == 1, timeout=3000)
        self.reader(qtbot, window, WECHAT_CODE)  # on the sale screen: refused, nothing charged
        assert window.sale.message.kind == "error"
        assert (
            window.sale.message.text() == "This is a customer's payment code. Scan it when the customer pays."
        )
        assert window.sale.view.payment is None or not window.sale.view.payment.tenders
        qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)  # Pay
        settle(qtbot, window)
        panel = window.sale.full_panel
        qtbot.mouseClick(panel.mobile_button, Qt.MouseButton.LeftButton)
        self.reader(qtbot, window, WECHAT_CODE)
        qtbot.waitUntil(
            lambda: window.sale.view.payment is not None and window.sale.view.payment.settled, timeout=5000
        )
        assert window.sale.view.payment.tenders[0].label == "WeChat Pay"
