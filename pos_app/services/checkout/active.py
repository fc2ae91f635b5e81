"""The basket kept on disk: the sale in progress (``active_basket``: a crash or a power cut between a
card approval and the completion loses nothing, and a crash while ringing up loses no line) and the
baskets parked (``held_basket``, by hold/recall).

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pos_app.db import catalog, schema
from pos_app.domain.basket import Basket, BasketLine, PriceOverride
from pos_app.domain.catalog import OPEN_PRICE_SKU
from pos_app.domain.members import Member
from pos_app.domain.money import Money
from pos_app.domain.pricing import Coupon, Offer
from pos_app.domain.tenders import Payment
from pos_app.domain.text import Text
from pos_app.services.checkout.reference import ReferenceData
from pos_app.services.checkout.sale import SaleInProgress, SaleOwner
from pos_app.services.context import TerminalContext


def basket_state(b: Basket) -> dict:
    """The basket as JSON-ready data (prices as they were rung up, overrides with who approved them)."""
    return {
        "id": b.id,
        "lines": [
            {
                "line_id": ln.line_id,
                "product_id": ln.product.id,
                "quantity": ln.quantity,
                "fixed_amount": None if ln.fixed_amount is None else ln.fixed_amount.minor,
                "override": None
                if ln.override is None
                else [
                    ln.override.original.minor,
                    ln.override.new.minor,
                    ln.override.approved_by,
                    ln.override.reason,
                ],
                "voided": ln.voided,
                "scanned_code": ln.scanned_code,
                "trace": ln.trace,
            }
            for ln in b.lines
        ],
        "member": None
        if b.member is None
        else [b.member.id, b.member.phone_masked, b.member.tier, b.member.points_balance],
        "coupons": [[c.coupon_id, c.campaign_id, c.name.zh, c.name.en, c.offer.to_dict()] for c in b.coupons],
        "next_line_id": b._next_line_id,
    }


def restore_basket(ctx: TerminalContext, reference: ReferenceData, state: dict) -> Basket:
    """The basket of :func:`basket_state`, with today's catalogue (a product gone since is left out)."""
    cur = ctx.currency
    with ctx.db.read() as conn:
        products = catalog.products_by_ids(conn, [ln["product_id"] for ln in state["lines"]], cur)
    basket = Basket(cur, id=state["id"])
    for ln in state["lines"]:
        product = products.get(ln["product_id"])
        if product is None:
            continue
        override = ln.get("override")
        fixed = None if ln["fixed_amount"] is None else Money(ln["fixed_amount"], cur)
        if override:
            unit_price = Money(override[1], cur)
        elif product.sku == OPEN_PRICE_SKU and fixed is not None:
            unit_price = fixed  # an other item: its price is the one typed
        else:
            unit_price = product.price
        line = BasketLine(
            ln["line_id"],
            product,
            ln["quantity"],
            unit_price,
            fixed,
            None
            if not override
            else PriceOverride(Money(override[0], cur), Money(override[1], cur), override[2], override[3]),
            ln["voided"],
            ln.get("scanned_code", ""),
            ln.get("trace", ""),
        )
        basket.lines.append(line)
    basket._next_line_id = state.get("next_line_id", len(basket.lines) + 1)
    if state.get("member"):
        mid, phone, tier_code, balance = state["member"]
        basket.set_member(Member(mid, phone, tier_code, balance), reference.tiers().get(tier_code))
    basket.coupons = [
        Coupon(cid, camp, Text(zh, en), Offer.from_dict(offer, cur))
        for cid, camp, zh, en, offer in state["coupons"]
    ]
    return basket


class ActiveBasket:
    """The sale in progress, kept on disk after every change.

    With money on it (tenders, or a charge waiting for its answer) each write waits for the disk
    (a power cut loses nothing); before any money it does not (``durable=False``: a crash of the
    program loses nothing, a power cut may lose the last lines, and ringing up stays as fast). An
    empty basket with no money is not kept."""

    def __init__(self, ctx: TerminalContext, sale: SaleInProgress) -> None:
        self.ctx = ctx
        self.sale = sale
        self._kept_version = sale.version
        self._on_disk = True  # until known otherwise: a basket from an earlier run may be there

    def keep(self, cashier_id: int | None = None, cashier_name: str = "") -> None:
        """After a change to the basket: write it if it changed since it was last written. A basket
        that has just got its first line becomes the signed-in cashier's."""
        sale = self.sale
        if not sale.basket.is_empty and sale.owner is None and cashier_id is not None:
            sale.owner = SaleOwner(cashier_id, cashier_name)
        if sale.version == self._kept_version:
            return
        self.save()

    def save(self) -> None:
        sale = self.sale
        self._kept_version = sale.version
        money = (sale.payment is not None and bool(sale.payment.tenders)) or sale.pending_charge is not None
        if sale.basket.is_empty and not money:
            if self._on_disk:
                self.forget(durable=False)
            return
        owner = sale.owner
        data = json.dumps(
            {
                "basket": basket_state(sale.basket),
                "payment": sale.payment.to_dict() if sale.payment else None,
                "pending_charge": sale.pending_charge,
                "owner": None if owner is None else [owner.staff_id, owner.name],
            }
        )
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write(durable=money) as conn:
            stmt = sqlite_insert(schema.active_basket).values(
                terminal_code=self.ctx.terminal_code, data=data, updated_at=at
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[schema.active_basket.c.terminal_code],
                    set_={"data": data, "updated_at": at},
                )
            )
        self._on_disk = True

    def forget(self, *, durable: bool = True) -> None:
        with self.ctx.db.write(durable=durable) as conn:
            conn.execute(delete_statement(self.ctx.terminal_code))
        self._on_disk = False

    def forgotten(self) -> None:
        """The sale's own transaction deleted the basket on disk (it is completed)."""
        self._on_disk = False
        self._kept_version = self.sale.version

    def restore(self) -> bool:
        """Bring back the sale that was in progress when the program stopped (rung up, or paying)."""
        with self.ctx.db.read() as conn:
            raw = conn.execute(
                select(schema.active_basket.c.data).where(
                    schema.active_basket.c.terminal_code == self.ctx.terminal_code
                )
            ).scalar()
        if raw is None:
            self._on_disk = False
            return False
        state = json.loads(raw)
        sale = self.sale
        sale.basket = restore_basket(self.ctx, sale.reference, state["basket"])
        sale.payment = (
            None if state["payment"] is None else Payment.from_dict(state["payment"], self.ctx.currency)
        )
        sale.pending_charge = state.get("pending_charge")
        owner = state.get("owner")
        sale.owner = None if not owner else SaleOwner(int(owner[0]), str(owner[1]))
        sale.forget_pricing()
        sale.version += 1
        self._kept_version = sale.version
        return True


def delete_statement(terminal_code: str):
    """Forget the terminal's basket in progress (inside the caller's transaction, e.g. the sale's)."""
    return delete(schema.active_basket).where(schema.active_basket.c.terminal_code == terminal_code)
