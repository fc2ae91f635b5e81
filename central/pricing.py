"""The platform prices a basket exactly as the till does: the same engine
(``pos_app.domain.pricing``), fed with the platform's own definitions -- its promotions, its tax classes,
its tiers, and the settings it decides for the store (the scales' label layouts, which units a
buy-N-get-M offer reduces, tax per rate or per line). The terminals get those definitions by sync, so
the two agree to the fen; ``tests/e2e/test_same_totals.py`` holds them to it.

The pricing rules are the client's pure domain (no database, no devices, no Qt): the one place both
sides may share them without writing them twice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from central.core.db import Database
from central.models import Device, Product, Promotion, StoreSetting, TaxClass, Tier
from pos_app.domain.barcodes import BarcodeError, ProductKey
from pos_app.domain.catalog import MILLI, Unit
from pos_app.domain.catalog import Product as Goods
from pos_app.domain.members import Tier as MemberTier
from pos_app.domain.money import Money
from pos_app.domain.pricing import FreeUnits, Offer, PricingLine, TaxRounding, price_basket
from pos_app.domain.pricing import Promotion as Offered
from pos_app.domain.scale_labels import ScaleLayout
from pos_app.domain.text import Text
from sync.protocol.wire import Quote, QuotedLine, QuotedTax, QuoteRequest

CURRENCY = "CNY"


class QuoteError(ValueError):
    """The basket names something the platform does not have (``reason`` for the answer)."""


def quote(db: Database, device_id: str, request: QuoteRequest, now: datetime | None = None) -> Quote:
    now = now or datetime.now(UTC)
    with db.read() as conn:
        store_id = conn.execute(
            select(Device.__table__.c.store_id).where(Device.__table__.c.id == device_id)
        ).scalar_one()
        settings = _store_settings(conn, store_id)
        rates = {r.code: r.rate_bp for r in conn.execute(select(TaxClass.__table__))}
        lines = _lines(conn, request, settings, rates)
        promotions = _promotions(conn, now)
        tier = _tier(conn, request.tier)
    pricing = price_basket(
        lines,
        tier=tier,
        promotions=promotions,
        currency=CURRENCY,
        free_units=FreeUnits(settings.get("promotions.free_units", FreeUnits.CHEAPEST_OVERALL.value)),
        tax_rounding=TaxRounding(settings.get("tax.rounding", TaxRounding.PER_RATE.value)),
    )
    return Quote(
        currency=CURRENCY,
        subtotal=pricing.subtotal.minor,
        discount_total=pricing.discount_total.minor,
        total=pricing.total.minor,
        lines=[
            QuotedLine(product_id=ln.product.id, quantity=ln.quantity, gross=ln.gross.minor, net=ln.net.minor)
            for ln in pricing.lines
        ],
        taxes=[QuotedTax(rate_bp=t.rate_bp, net=t.net.minor, tax=t.tax.minor) for t in pricing.taxes],
    )


def _store_settings(conn: Connection, store_id: int) -> dict:
    s = StoreSetting.__table__
    rows = conn.execute(select(s.c.key, s.c.value).where(s.c.store_id == store_id))
    return {row.key: json.loads(row.value) for row in rows}


def _goods(row, rates: dict[str, int]) -> Goods:
    return Goods(
        id=row.id,
        sku=row.sku,
        name=Text(row.name_zh, row.name_en),
        price=Money(row.price, CURRENCY),
        unit=Unit(row.unit),
        tax_class=row.tax_class,
        category_id=row.category_id,
        member_price=None if row.member_price is None else Money(row.member_price, CURRENCY),
        plu=row.plu,
        points_eligible=row.points_eligible,
        active=row.active,
        tax_rate=rates.get(row.tax_class),
    )


def _lines(
    conn: Connection, request: QuoteRequest, settings: dict, rates: dict[str, int]
) -> list[PricingLine]:
    p = Product.__table__
    lines: list[PricingLine] = []
    wanted = [ln.product_id for ln in request.lines]
    by_id = (
        {r.id: _goods(r, rates) for r in conn.execute(select(p).where(p.c.id.in_(wanted)))} if wanted else {}
    )
    for ln in request.lines:
        goods = by_id.get(ln.product_id)
        if goods is None:
            raise QuoteError(f"no product {ln.product_id}")
        lines.append(PricingLine(len(lines) + 1, goods, ln.quantity, goods.price))
    layout = ScaleLayout.from_config(settings.get("scan.scale_layout", []))
    for label in request.labels:
        lines.append(_label_line(conn, layout, label, len(lines) + 1, rates))
    return lines


def _label_line(
    conn: Connection, layout: ScaleLayout, label: str, line_id: int, rates: dict[str, int]
) -> PricingLine:
    """A scale label read with the store's layouts, as the till's checkout adds it to a basket."""
    rule = layout.rule_for(label)
    if rule is None:
        raise QuoteError(f"{label} is not a label of this store's scales")
    try:
        code = rule.read(label, CURRENCY)
    except BarcodeError as exc:
        raise QuoteError(f"{label}: {exc.code}") from exc
    assert code.key is ProductKey.PLU
    p = Product.__table__
    row = conn.execute(select(p).where(p.c.plu == code.value)).first()
    if row is None:
        raise QuoteError(f"no product with PLU {code.value}")
    goods = _goods(row, rates)
    if code.price is not None:  # the label's amount is what the customer pays for this pack
        quantity = code.weight_grams if code.weight_grams is not None and goods.unit is Unit.KG else MILLI
        return PricingLine(line_id, goods, quantity, goods.price, fixed_amount=code.price)
    return PricingLine(line_id, goods, code.weight_grams or MILLI, goods.price)


def _promotions(conn: Connection, now: datetime) -> list[Offered]:
    t = Promotion.__table__
    stamp = now.isoformat()
    return [
        Offered(r.id, Text(r.name_zh, r.name_en), Offer.from_dict(json.loads(r.offer), CURRENCY), r.priority)
        for r in conn.execute(select(t).where(t.c.active))
        if (r.starts_at is None or r.starts_at <= stamp) and (r.ends_at is None or stamp < r.ends_at)
    ]


def _tier(conn: Connection, code: str | None) -> MemberTier | None:
    if code is None:
        return None
    t = Tier.__table__
    row = conn.execute(select(t).where(t.c.code == code)).first()
    if row is None:
        raise QuoteError(f"no tier {code}")
    return MemberTier(row.code, Text(row.name_zh, row.name_en), row.earn_multiplier_bp, row.member_prices)
