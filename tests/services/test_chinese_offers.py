"""Issue 14 on a real terminal: the new offer kinds on the receipt (zh_CN and en) and in the
journal, the free-units rule printed, per-line points taken back on a return, the platform's settings
winning over the terminal's own."""

from __future__ import annotations

import json

from sqlalchemy import select

from pos_app import config
from pos_app.db import catalog, schema
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission


def _product(pid, price, *, points=True):
    return {
        "id": pid,
        "sku": f"Z{pid}",
        "name_zh": f"测试商品{pid}",
        "name_en": f"Test item {pid}",
        "category_id": 1,
        "unit": "each",
        "price": price,
        "member_price": None,
        "tax_class": "standard",
        "plu": None,
        "points_eligible": points,
        "active": True,
        "barcodes": [],
    }


def _setup(terminal, promotions):
    with terminal.ctx.db.write() as conn:
        conn.execute(schema.promotion.update().values(active=False))  # only this test's offers
        catalog.upsert_products(
            conn, [_product(991_001, 6000), _product(991_002, 3000), _product(991_003, 2000, points=False)]
        )
        if promotions:
            catalog.upsert_promotions(conn, promotions)
    terminal.ctx.events.publish("reference_data_changed")


OFFERS = [
    {
        "id": 9001,
        "name_zh": "满100减20/满200减50",
        "name_en": "Spend 100 save 20",
        "priority": 200,
        "offer": {"kind": "ladder", "scope": "basket", "ladder": [[10_000, 2000], [20_000, 5000]]},
    },
    {
        "id": 9002,
        "name_zh": "第二件半价",
        "name_en": "Second at half price",
        "offer": {
            "kind": "nth_unit_off",
            "scope": "item",
            "nth": 2,
            "percent_bp": 5000,
            "eligibility": {"product_ids": [991_001]},
        },
    },
]


def _sell(terminal, ids):
    co = terminal.checkout
    for pid in ids:
        co.add_product_id(pid)
    co.start_payment()
    co.pay_cash(co.pricing().total)
    return co.complete()


def test_receipt_and_journal_show_the_new_offers(terminal, open_till, printer):
    _setup(terminal, OFFERS)
    # 2 x 60.00 with the second at half: 90.00; + 30.00 = 120.00 -> 满100减20: 100.00
    sale = _sell(terminal, [991_001, 991_001, 991_002])
    assert sale.total == Money(10_000)
    text = printer.text
    assert "Second at half price (Nth unit off)" in text and "-30.00" in text
    assert "Spend 100 save 20 (tiered spend & save)" in text and "-20.00" in text
    with terminal.ctx.db.read() as conn:
        payload = conn.execute(
            select(schema.journal.c.payload)
            .where(schema.journal.c.ref == sale.sale_id)
            .order_by(schema.journal.c.seq)
        ).first()[0]
    offers = {d["offer"] for line in json.loads(payload)["lines"] for d in line["discounts"]}
    assert offers == {"nth_unit_off", "ladder"}


def test_the_receipt_in_chinese_and_the_free_units_rule(terminal, open_till, printer):
    terminal.settings.set(config.RECEIPT_LANGUAGE, "zh_CN")
    gift = {
        "id": 9003,
        "name_zh": "买二送一",
        "name_en": "Buy 2 get 1",
        "offer": {"kind": "buy_n_get_m", "scope": "item", "buy": 2, "get": 1,
                  "eligibility": {"product_ids": [991_001, 991_002, 991_003]}},
    }  # fmt: skip
    _setup(terminal, [*OFFERS[:1], gift])
    # 60 + 30 + 20: the cheapest (20.00) free -> 90.00, under 100: no 满减
    sale = _sell(terminal, [991_001, 991_002, 991_003])
    assert sale.total == Money(9000)
    text = printer.text
    assert "买二送一（买赠）" in text
    assert "* 优惠商品按价格最低者计" in text


def test_a_return_takes_back_the_points_its_lines_earned(terminal, open_till, cashier, supervisor_approval):
    _setup(terminal, [])
    co = terminal.checkout
    co.scan(terminal.demo.member_code)
    sale = _sell(terminal, [991_002, 991_003])  # 30.00 earns points, 20.00 (not eligible) earns none
    record = terminal.sales.sale_record(sale.receipt_no)
    earned = record.points_earned
    assert earned > 0 and [ln.points for ln in record.lines] == [earned, 0]
    approval = supervisor_approval(Permission.RETURN)
    no_points = terminal.sales.complete_return(cashier, sale.receipt_no, {2: 1000}, approval=approval)
    assert no_points.plan.points_reversed == 0  # the whole-sale share would have been 40 %
    rest = terminal.sales.complete_return(cashier, sale.receipt_no, {1: 1000}, approval=approval)
    assert rest.plan.points_reversed == earned


def test_the_platforms_settings_win_over_the_terminals_own(terminal, open_till):
    terminal.settings.set(config.CASH_ROUNDING, "none")
    with terminal.ctx.db.write() as conn:
        catalog.upsert_platform_settings(
            conn,
            [
                {"key": "money.cash_rounding", "value": "down_100"},
                {"key": "tax.rounding", "value": "per_line"},
                {"key": "scan.scale_layout", "value": [{"flag": "26", "preset": "dahua-18"}]},
            ],
        )
    terminal.ctx.events.publish("reference_data_changed")
    assert terminal.ctx.cash_rounding().mode == "down_100"
    assert terminal.ctx.scan_context().layout.rules[0].preset == "dahua-18"
    _setup(terminal, [])
    co = terminal.checkout
    co.add_product_id(991_002)
    assert co.pricing().tax_rounding.value == "per_line"
    # a value this terminal cannot use is ignored, with the terminal's own kept
    with terminal.ctx.db.write() as conn:
        catalog.upsert_platform_settings(conn, [{"key": "money.cash_rounding", "value": "bankers"}])
    terminal.ctx.events.publish("reference_data_changed")
    assert terminal.ctx.cash_rounding().mode == "none"
