"""A receipt with everything a receipt can hold, for the renderer and printer tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pos_app.domain.catalog import Unit
from pos_app.domain.money import Money
from pos_app.domain.receipt import (
    ReceiptDocument,
    ReceiptItem,
    ReceiptKind,
    ReceiptMember,
    ReceiptTax,
    ReceiptTender,
    StoreHeader,
)
from pos_app.domain.tenders import TenderKind
from pos_app.domain.text import Text

M = Money.of


def full_receipt() -> ReceiptDocument:
    return ReceiptDocument(
        kind=ReceiptKind.SALE,
        store=StoreHeader(
            "O2O 示范店 Demo Store", "上海市静安区南京西路 1 号", "91310000MA1FL0000X", "021-5555 0101"
        ),
        receipt_no="S001-T01-000042",
        issued_at=datetime(2026, 11, 23, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        cashier="王小明",
        terminal="T01",
        items=(
            ReceiptItem(
                Text("光明纯牛奶 250ml", "Bright Pure Milk 250ml"),
                "MILK-250",
                3000,
                Unit.EACH,
                M("3.50"),
                M("10.50"),
                M("9.50"),
                discounts=((Text("买三减一元", "3 for 1 yuan off"), M("1.00")),),
            ),
            ReceiptItem(
                Text("红富士苹果", "Fuji Apples"),
                "APPLE-FUJI",
                1235,
                Unit.KG,
                M("12.80"),
                M("15.81"),
                M("15.81"),
            ),
            ReceiptItem(
                Text(
                    "有机特级初榨橄榄油 超大瓶装 750ml", "Organic Extra Virgin Olive Oil, Large Bottle 750ml"
                ),
                "OIL-750",
                1000,
                Unit.EACH,
                M("79.00"),
                M("79.00"),
                M("79.00"),
                original_price=M("89.00"),
            ),
        ),
        subtotal=M("104.31"),
        total=M("94.31"),
        taxes=(
            ReceiptTax(900, M("23.21"), M("2.09")),
            ReceiptTax(1300, M("62.12"), M("8.08")),
            ReceiptTax(0, M("0.00"), M("0.00")),
        ),
        discounts=((Text("满100减10", "10 off 100"), M("10.00")),),
        rounding=M("-0.01"),
        tenders=(
            ReceiptTender(TenderKind.POINTS, M("5.00"), points=500),
            ReceiptTender(TenderKind.MOBILE, M("40.00"), provider="wechat", reference="****5678"),
            ReceiptTender(TenderKind.CASH, M("49.30"), tendered=M("50.00"), change=M("0.70")),
        ),
        change=M("0.70"),
        member=ReceiptMember("138****5678", Text("金卡会员", "Gold"), 89, 500, 1589),
        qr_data="https://r.o2o.example/S001-T01-000042",
        qr_caption=Text("扫码查看电子小票 / 退货凭证", "Scan for your e-receipt and returns"),
    )


def small_receipt() -> ReceiptDocument:
    """Short enough to write its ESC/POS bytes out by hand in a test."""
    return ReceiptDocument(
        kind=ReceiptKind.SALE,
        store=StoreHeader("小店"),
        receipt_no="R1",
        issued_at=datetime(2026, 1, 2, 3, 4, 5),
        cashier="Li",
        terminal="T9",
        items=(ReceiptItem(Text("茶", "Tea"), "TEA", 1000, Unit.EACH, M("2.00"), M("2.00"), M("2.00")),),
        subtotal=M("2.00"),
        total=M("2.00"),
        tenders=(ReceiptTender(TenderKind.CASH, M("2.00"), tendered=M("5.00"), change=M("3.00")),),
        change=M("3.00"),
        footer=Text("谢谢", "Thanks"),
    )
