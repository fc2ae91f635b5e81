"""Hold and recall: park the basket while the customer fetches something, serve the next one, and
bring the parked basket back with today's prices, promotions and member balance.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from pos_app.db import schema
from pos_app.domain.errors import DomainError
from pos_app.domain.money import Money
from pos_app.i18n import _
from pos_app.services.checkout.active import basket_state, restore_basket
from pos_app.services.checkout.members import Members
from pos_app.services.checkout.policy import Action, Seller
from pos_app.services.checkout.sale import SaleInProgress
from pos_app.services.context import TerminalContext

MAX_LABEL = 40  # characters of a held sale's note


class HoldRecall:
    def __init__(self, ctx: TerminalContext, sale: SaleInProgress, seller: Seller, members: Members) -> None:
        self.ctx = ctx
        self.sale = sale
        self.seller = seller
        self.members = members

    def hold(self, label: str = "") -> str:
        """Park the basket (the customer fetches something) and start a new one; ``label`` is the
        cashier's note (the customer's name, "fetching milk") shown in the list of held sales."""
        cashier = self.seller.require_cashier()
        self.seller.require(Action.HOLD_RECALL)
        if self.sale.basket.is_empty:
            raise DomainError(_("The basket is empty"), code="empty")
        return self.park(cashier.id, label.strip()[:MAX_LABEL])

    def park(self, staff_id: int, label: str, *, for_owner: bool = False) -> str:
        """Put the basket on hold under ``staff_id``. ``for_owner``: parked because someone else
        signed in at a locked till; it comes back by itself when its owner signs in again."""
        sale = self.sale
        sale.require_no_tenders()
        held_id = sale.basket.id
        state = basket_state(sale.basket)
        state["parked_for_owner"] = for_owner
        with self.ctx.db.write() as conn:
            conn.execute(
                schema.held_basket.insert().values(
                    id=held_id,
                    staff_id=staff_id,
                    label=label,
                    line_count=len(sale.basket.active_lines),
                    total=sale.pricing().total.minor,
                    data=json.dumps(state),
                    created_at=self.ctx.clock.utc_iso(),
                )
            )
        sale.release_reservations()
        # the notes of the held coupons stay: the recalled basket shows them again
        notes = dict(sale.coupon_notes)
        sale.clear()
        sale.coupon_notes.update(notes)
        return held_id

    def parked_for(self, staff_id: int) -> str | None:
        """The latest basket parked for ``staff_id`` when someone else took the till, if any."""
        with self.ctx.db.read() as conn:
            rows = conn.execute(
                select(schema.held_basket.c.id, schema.held_basket.c.data)
                .where(schema.held_basket.c.staff_id == staff_id)
                .order_by(schema.held_basket.c.created_at.desc())
            ).all()
        return next((r.id for r in rows if json.loads(r.data).get("parked_for_owner")), None)

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
