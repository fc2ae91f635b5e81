"""What the checkout does with a scan the classifier cannot settle alone (issue 14 points 1 and 6,
issue 17's expiry rule): six typed digits decided by what exists, a payment code only while taking
payment, a product past its expiry date."""

from __future__ import annotations

from pos_app import config
from pos_app.db import catalog
from pos_app.domain.money import Money
from pos_app.services.scanning import NumberScan, PaymentScan, PickupScan

PICKUP = "246810"  # the demo's ready and paid pickup order
ITEM_NO = "135790"  # a 6-digit item number this store keys in (no pickup order has it)


def _add_product(terminal, pid, plu, price=1250):
    with terminal.ctx.db.write() as conn:
        catalog.upsert_products(
            conn,
            [
                {
                    "id": pid,
                    "sku": f"N{pid}",
                    "name_zh": f"六位货号{plu}",
                    "name_en": f"Item {plu}",
                    "category_id": 1,
                    "unit": "each",
                    "price": price,
                    "member_price": None,
                    "tax_class": "standard",
                    "plu": plu,
                    "points_eligible": True,
                    "active": True,
                    "barcodes": [],
                }
            ],
        )
    terminal.ctx.events.publish("reference_data_changed")


def test_six_digits_of_a_product_only_add_the_product(terminal, open_till):
    _add_product(terminal, 990_001, ITEM_NO)
    outcome = terminal.checkout.scan(ITEM_NO)
    assert outcome.kind == "product" and outcome.ok and outcome.line_id is not None
    assert terminal.checkout.basket.lines[0].product.id == 990_001


def test_six_digits_of_a_pickup_order_only_are_the_pickup(terminal, open_till):
    outcome = terminal.checkout.scan(PICKUP)
    assert outcome.kind == "pickup" and isinstance(outcome.result, PickupScan)
    assert outcome.result.code == PICKUP
    assert terminal.checkout.basket.is_empty


def test_six_digits_of_both_ask_the_cashier(terminal, open_till):
    _add_product(terminal, 990_002, PICKUP)
    outcome = terminal.checkout.scan(PICKUP)
    assert outcome.kind == "choose" and outcome.choose
    assert isinstance(outcome.result, NumberScan) and outcome.product.id == 990_002
    assert outcome.message == f"{PICKUP} is a pickup code and the number of Item {PICKUP}. Which is it?"
    assert terminal.checkout.basket.is_empty  # nothing happens until the cashier chooses


def test_six_digits_of_neither_say_so(terminal, open_till):
    outcome = terminal.checkout.scan("975311")
    assert outcome.kind == "invalid" and not outcome.ok
    assert outcome.message == "No pickup order and no product has the number 975311."


def test_a_payment_code_is_a_payment_only_while_taking_payment(terminal, open_till):
    wechat = "134567890123456789"
    before = terminal.checkout.scan(wechat)
    assert before.kind == "invalid" and before.message == (
        "This is a customer's payment code. Scan it when the customer pays."
    )
    _add_product(terminal, 990_003, "135791")
    terminal.checkout.add_product_id(990_003)
    terminal.checkout.start_payment()
    during = terminal.checkout.scan(wechat)
    assert during.kind == "payment" and isinstance(during.result, PaymentScan)


def test_an_expired_product_warns_or_is_refused(terminal, open_till):
    gtin = _a_gtin(terminal)
    expired = f"(01){gtin}(17)200101"
    outcome = terminal.checkout.scan(expired)
    assert outcome.ok and outcome.warning and "past its expiry date (2020-01-01)" in outcome.message
    assert len(terminal.checkout.basket.lines) == 1
    terminal.settings.set(config.EXPIRED_GOODS, "refuse")
    terminal.ctx.events.publish("reference_data_changed")
    refused = terminal.checkout.scan(expired)
    assert not refused.ok and refused.message == "This product is past its expiry date. It may not be sold."
    assert len(terminal.checkout.basket.lines) == 1 and terminal.checkout.pricing().total > Money(0)


def _a_gtin(terminal):
    from sqlalchemy import select

    from pos_app.db import schema

    with terminal.ctx.db.read() as conn:
        return conn.execute(select(schema.barcode.c.code).limit(1)).scalar_one()


def test_the_gs1_data_and_the_add_on_stay_on_the_sale_line_and_the_receipt(terminal, open_till, printer):
    # issue 17: a code from the wider GS1 world sells by its GTIN, the rest kept for traceability;
    # issue 14 point 4: an EAN-13 add-on (a periodical's issue) is kept and shown, never lost
    from sqlalchemy import select

    from pos_app.db import schema

    _add_product(terminal, 990_004, "")
    with terminal.ctx.db.write() as conn:
        conn.execute(schema.barcode.insert().values(code="09770317847001", product_id=990_004))
    gtin = _a_gtin(terminal)
    co = terminal.checkout
    assert co.scan(f"]d2{'01'}{gtin}10LOT42\x1d17271231\x1d21SN-9").ok
    assert co.scan("]E3977031784700103").ok  # ISSN 0317-8471 with the issue add-on 03
    co.start_payment()
    co.pay_cash(Money.of("500"))
    sale = co.complete()
    with terminal.ctx.db.read() as conn:
        traces = (
            conn.execute(
                select(schema.sale_line.c.trace)
                .where(schema.sale_line.c.sale_id == sale.sale_id)
                .order_by(schema.sale_line.c.line_no)
            )
            .scalars()
            .all()
        )
    assert traces == ["(10)LOT42(17)271231(21)SN-9", " +03"]
    assert "Lot LOT42  Exp 2027-12-31  S/N SN-9" in printer.text
    assert "Add-on 03" in printer.text
