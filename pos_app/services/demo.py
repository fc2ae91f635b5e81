"""Demo data on a terminal, and the scripted demo sale that ``make run`` shows without a window.

The data set comes from ``resources.demo.generator`` (the same one the central platform seeds itself
with). Without a central platform, the demo also makes a stand-in platform key so that member and
coupon QR codes can be issued and checked on this machine.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from pos_app import config
from pos_app.db import catalog, schema
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services.checkout import CheckoutService, CompletedSale
from pos_app.services.context import TerminalContext
from pos_app.services.staff import StaffService
from pos_app.services.till import TillService
from resources.demo import generator
from sync.protocol import tokens

DEMO_KEY_FILE = "demo-platform-key.hex"


@dataclass(frozen=True)
class DemoSummary:
    products: int
    members: int
    staff: dict[int, tuple[str, str, str]]  # id -> (name, role, PIN)
    member_code: str
    coupon_codes: dict[int, str]  # campaign id -> code
    member_phone: str
    pickup_code: str
    payment_codes: bool = False  # the till takes WeChat Pay and Alipay codes (the demo prints two)


def load_dataset(ctx: TerminalContext, data: generator.DemoDataset, batch: int = 20_000) -> None:
    """Write a data set's reference data into the terminal's database (idempotent)."""
    with ctx.db.write() as conn:
        catalog.upsert_tax_classes(conn, data.tax_classes)
        catalog.upsert_categories(conn, data.categories)
        catalog.upsert_tiers(conn, data.tiers)
        catalog.upsert_members(conn, data.members)
        catalog.upsert_promotions(conn, data.promotions)
        catalog.upsert_campaigns(conn, data.campaigns)
        if data.pickup_orders:
            conn.exec_driver_sql(
                "INSERT OR REPLACE INTO pickup_order"
                " (id, code, status, paid, member_id, customer_masked, lines,"
                " total, version) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        o["id"],
                        o["code"],
                        o["status"],
                        int(o["paid"]),
                        o.get("member_id"),
                        o["customer_masked"],
                        json.dumps(o["lines"], ensure_ascii=False),
                        o["total"],
                        0,
                    )
                    for o in data.pickup_orders
                ],
            )
    with ctx.db.write() as conn:
        catalog.upsert_products(conn, data.other_items)
    for start in range(0, len(data.products), batch):
        with ctx.db.write() as conn:
            catalog.upsert_products(conn, data.products[start : start + batch])
            catalog.upsert_stock_levels(conn, data.stock[start : start + batch])
    ctx.events.publish("reference_data_changed")


def ensure_demo_key(ctx: TerminalContext) -> tokens.Ed25519PrivateKey:
    """The stand-in platform key of a terminal without a central platform (demo only)."""
    path: Path = ctx.settings.home / DEMO_KEY_FILE
    if path.exists():
        key = tokens.private_key_from_bytes(bytes.fromhex(path.read_text().strip()))
    else:
        key = tokens.new_private_key()
        path.write_text(tokens.private_key_bytes(key).hex())
        path.chmod(0o600)
    keys = dict(ctx.settings.get(config.PLATFORM_KEYS))
    keys.setdefault("1", tokens.public_key_hex(key))
    ctx.settings.set(config.PLATFORM_KEYS, keys)
    return key


def install_demo(
    ctx: TerminalContext,
    products: int = 2000,
    members: int = 200,
    seed: int = 42,
    *,
    stand_in_key: bool = True,
) -> DemoSummary:
    """Load the demo data set and staff. With ``stand_in_key`` (no central platform) the terminal also
    trusts a demo key and the summary carries member and coupon codes signed with it; without, the
    codes come from the platform the terminal enrols with and the summary's are empty."""
    data = generator.build(products, members, seed)
    load_dataset(ctx, data)
    staff_service = StaffService(ctx)
    pins = generator.staff_pins(seed)
    existing = {s.id for s in staff_service.list_staff(active_only=False)}
    staff = {}
    for s in data.staff:
        if s["id"] not in existing:
            staff_service.add(s["name"], Role(s["role"]), pins[s["id"]], staff_id=s["id"])
        staff[s["id"]] = (s["name"], s["role"], pins[s["id"]])
    member = data.members[0]
    member_code, coupons = "", {}
    if stand_in_key:  # else the platform's key and lookup salt come with the enrolment
        ctx.settings.set(config.MEMBER_LOOKUP_SALT, generator.MEMBER_LOOKUP_SALT)
        key = ensure_demo_key(ctx)
        expires = int(time.time()) + 365 * 24 * 3600
        member_code = tokens.issue(tokens.MemberToken(member["id"], expires), key)
        coupons = {
            c["id"]: tokens.issue(tokens.CouponToken(700_000 + c["id"], c["id"], expires), key)
            for c in data.campaigns
        }
        ctx.events.publish("reference_data_changed")  # new platform key and lookup salt
    return DemoSummary(
        products=len(data.products),
        members=len(data.members),
        staff=staff,
        member_code=member_code,
        coupon_codes=coupons,
        member_phone=data.member_phones[member["id"]],
        pickup_code=data.pickup_orders[0]["code"] if data.pickup_orders else "",
    )


def scripted_sale(ctx: TerminalContext, summary: DemoSummary) -> CompletedSale:
    """Ring up a small sale the way a cashier would: sign in, open the till if needed, scan goods,
    identify the member, scan a coupon, pay part with points and the rest in cash."""
    staff_service = StaffService(ctx)
    cashier_id = next(sid for sid, (_n, role, _p) in summary.staff.items() if role == "cashier")
    cashier = staff_service.sign_in(cashier_id, summary.staff[cashier_id][2])
    till = TillService(ctx)
    if till.current() is None:
        till.open(cashier, Money.of("500.00", ctx.currency))
    checkout = CheckoutService(ctx, till)
    checkout.set_cashier(cashier)
    checkout.restore_active()
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(schema.barcode.c.code, schema.product.c.category_id)
            .join(schema.product, schema.product.c.id == schema.barcode.c.product_id)
            .order_by(schema.product.c.id)
            .limit(60)
        ).all()
        apple = conn.execute(select(schema.product.c.plu).where(schema.product.c.plu.isnot(None))).scalar()
    by_category: dict[int, str] = {}
    for code, category_id in rows:
        by_category.setdefault(category_id, code)
    for category_id in (1, 1, 2, 2, 2, 3, 8):  # drinks, three dairy (buy 2 get 1), a snack, a coffee
        if category_id in by_category:
            checkout.scan(by_category[category_id].lstrip("0"))
    if apple:
        # a weighed item from the scale: prefix 22, PLU, 0.650 kg
        body = f"22{int(apple):05d}00650"
        checkout.scan(generator.ean13(body))
    checkout.scan(summary.member_code)
    checkout.scan(summary.coupon_codes[1])
    payment = checkout.start_payment()
    if checkout.points_available() >= 500:
        checkout.pay_points(500)
    cash_due = payment.cash_due()
    banknotes = -(-cash_due.minor // 10000) * 10000 if cash_due.minor > 0 else 0
    checkout.pay_cash(Money(max(banknotes, cash_due.minor), ctx.currency))
    return checkout.complete()
