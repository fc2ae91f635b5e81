"""Hold and recall: park the basket while the customer fetches something, serve the next one, and
bring the parked basket back with today's prices, promotions and member balance.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from pos_app.db import schema
from pos_app.domain.basket import Basket
from pos_app.domain.errors import DomainError
from pos_app.domain.money import Money
from pos_app.i18n import _
from pos_app.services.checkout.active import basket_state, restore_basket
from pos_app.services.checkout.members import Members
from pos_app.services.checkout.policy import Action, Seller
from pos_app.services.checkout.sale import SaleInProgress
from pos_app.services.context import TerminalContext


class HoldRecall:
    def __init__(self, ctx: TerminalContext, sale: SaleInProgress, seller: Seller, members: Members) -> None:
        self.ctx = ctx
        self.sale = sale
        self.seller = seller
        self.members = members

    def hold(self, label: str = "") -> str:
        """Park the basket (the customer fetches something) and start a new one."""
        cashier = self.seller.require_cashier()
        self.seller.require(Action.HOLD_RECALL)
        sale = self.sale
        sale.require_no_tenders()
        if sale.basket.is_empty:
            raise DomainError(_("The basket is empty"), code="empty")
        held_id = sale.basket.id
        with self.ctx.db.write() as conn:
            conn.execute(
                schema.held_basket.insert().values(
                    id=held_id,
                    staff_id=cashier.id,
                    label=label,
                    line_count=len(sale.basket.active_lines),
                    total=sale.pricing().total.minor,
                    data=json.dumps(basket_state(sale.basket)),
                    created_at=self.ctx.clock.utc_iso(),
                )
            )
        sale.release_reservations()
        # the notes of the held coupons stay: the recalled basket shows them again
        sale.basket = Basket(self.ctx.currency)
        sale.payment = None
        sale.changed()
        return held_id

    def held_baskets(self) -> list[dict]:
        with self.ctx.db.read() as conn:
            rows = conn.execute(select(schema.held_basket).order_by(schema.held_basket.c.created_at))
            return [
                {
                    "id": r.id,
                    "label": r.label,
                    "line_count": r.line_count,
                    "total": Money(r.total, self.ctx.currency),
                    "created_at": r.created_at,
                    "staff_id": r.staff_id,
                }
                for r in rows
            ]

    def recall(self, held_id: str) -> None:
        self.seller.require_cashier()
        self.seller.require(Action.HOLD_RECALL)
        sale = self.sale
        if not sale.basket.is_empty or sale.payment is not None:
            raise DomainError(_("Finish or hold the current basket first"), code="basket_busy")
        with self.ctx.db.write() as conn:
            raw = conn.execute(
                select(schema.held_basket.c.data).where(schema.held_basket.c.id == held_id)
            ).scalar()
            if raw is None:
                raise DomainError(_("That basket was already recalled"), code="no_held")
            conn.execute(delete(schema.held_basket).where(schema.held_basket.c.id == held_id))
        sale.basket = restore_basket(self.ctx, sale.reference, json.loads(raw))
        # prices, promotions and the member's balance are today's: re-read them
        if sale.basket.member is not None:
            self.members.set_member(sale.basket.member.id)
        sale.changed()
