"""The basket kept on disk: while money is involved (``active_basket``, so a crash between a card
approval and the completion loses nothing) and while it is parked (``held_basket``, by hold/recall).

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pos_app.db import catalog, schema
from pos_app.domain.basket import Basket, BasketLine, PriceOverride
from pos_app.domain.members import Member
from pos_app.domain.money import Money
from pos_app.domain.pricing import Coupon, Offer
from pos_app.domain.tenders import Payment
from pos_app.domain.text import Text
from pos_app.services.checkout.reference import ReferenceData
from pos_app.services.checkout.sale import SaleInProgress
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
        line = BasketLine(
            ln["line_id"],
            product,
            ln["quantity"],
            Money(override[1], cur) if override else product.price,
            None if ln["fixed_amount"] is None else Money(ln["fixed_amount"], cur),
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
    """The sale in progress, kept durably while tenders are on it or a charge waits for its answer."""

    def __init__(self, ctx: TerminalContext, sale: SaleInProgress) -> None:
        self.ctx = ctx
        self.sale = sale

    def save(self) -> None:
        """Keep the basket durably while money is involved (tenders, or a charge waiting for its
        answer); once neither is left, forget it, so a basket nobody paid for never comes back."""
        sale = self.sale
        if not (sale.payment is not None and sale.payment.tenders) and sale.pending_charge is None:
            self.forget()
            return
        data = json.dumps(
            {
                "basket": basket_state(sale.basket),
                "payment": sale.payment.to_dict() if sale.payment else None,
                "pending_charge": sale.pending_charge,
            }
        )
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write() as conn:
            stmt = sqlite_insert(schema.active_basket).values(
                terminal_code=self.ctx.terminal_code, data=data, updated_at=at
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[schema.active_basket.c.terminal_code],
                    set_={"data": data, "updated_at": at},
                )
            )

    def forget(self) -> None:
        with self.ctx.db.write() as conn:
            conn.execute(delete_statement(self.ctx.terminal_code))

    def restore(self) -> bool:
        """Bring back a basket whose payment was in progress when the program stopped."""
        with self.ctx.db.read() as conn:
            raw = conn.execute(
                select(schema.active_basket.c.data).where(
                    schema.active_basket.c.terminal_code == self.ctx.terminal_code
                )
            ).scalar()
        if raw is None:
            return False
        state = json.loads(raw)
        sale = self.sale
        sale.basket = restore_basket(self.ctx, sale.reference, state["basket"])
        sale.payment = (
            None if state["payment"] is None else Payment.from_dict(state["payment"], self.ctx.currency)
        )
        sale.pending_charge = state.get("pending_charge")
        sale.forget_pricing()
        return True


def delete_statement(terminal_code: str):
    """Forget the terminal's basket in progress (inside the caller's transaction, e.g. the sale's)."""
    return delete(schema.active_basket).where(schema.active_basket.c.terminal_code == terminal_code)
