"""Ringing up: products onto the basket (by scan, by label, by hand), quantities, voids, price
overrides, and starting again.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from pos_app.db import catalog, ledger
from pos_app.domain.barcodes import ProductCode
from pos_app.domain.basket import BasketLine
from pos_app.domain.catalog import MILLI, Product, Unit
from pos_app.domain.errors import DomainError
from pos_app.domain.money import Money, div_round
from pos_app.domain.permissions import Approval
from pos_app.i18n import _
from pos_app.services.checkout.policy import Action, Seller
from pos_app.services.checkout.sale import SaleInProgress
from pos_app.services.context import TerminalContext


class BasketEditor:
    def __init__(self, ctx: TerminalContext, sale: SaleInProgress, seller: Seller) -> None:
        self.ctx = ctx
        self.sale = sale
        self.seller = seller

    def add_product(
        self, product: Product, quantity: int | None = None, *, code: ProductCode | None = None
    ) -> BasketLine:
        """Add ``product``; ``quantity`` in thousandths (grams for weighed goods). A scale label's weight
        or price (``code``) takes precedence."""
        self.seller.require_cashier()
        self.sale.require_no_tenders()
        quantity, fixed_amount = _quantity_and_amount(product, quantity, code)
        if quantity is None:
            quantity = MILLI if product.unit is Unit.EACH else 0
        if product.unit is Unit.KG and quantity <= 0:
            raise DomainError(_("Enter the weight"), code="weight")
        if product.unit is Unit.KG and (code is None or (code.price is None and code.weight_grams is None)):
            self.seller.require(Action.ENTER_WEIGHT)  # no scale label: someone keyed the weight in
        line = self.sale.basket.add(
            product,
            quantity,
            fixed_amount=fixed_amount,
            scanned_code=code.value if code else "",
            merge=fixed_amount is None,
            trace=code.trace if code else "",
        )
        self.sale.changed()
        return line

    def add_product_id(self, product_id: int, quantity: int | None = None) -> BasketLine:
        with self.ctx.db.read() as conn:
            product = catalog.product_by_id(conn, product_id, self.ctx.currency)
        if product is None:
            raise DomainError(_("This product is not in the catalogue."), code="no_product")
        return self.add_product(product, quantity)

    def set_quantity(self, line_id: int, quantity: int) -> BasketLine:
        self.sale.require_no_tenders()
        line = self.sale.basket.set_quantity(line_id, quantity)
        self.sale.changed()
        return line

    def void_line(self, line_id: int) -> BasketLine:
        cashier = self.seller.require_cashier()
        self.sale.require_no_tenders()
        basket = self.sale.basket
        line = basket.void_line(line_id)
        self.sale.changed()
        with self.ctx.db.write() as conn:
            ledger.append_journal(
                conn,
                kind="line_void",
                created_at=self.ctx.clock.utc_iso(),
                staff_id=cashier.id,
                till_session_id=None,
                ref=basket.id,
                amount=-line.pricing_line().gross.minor,
                payload={"sku": line.product.sku, "quantity": line.quantity, "line_id": line_id},
            )
        return line

    def override_price(
        self, line_id: int, new_price: Money, approval: Approval, reason: str = ""
    ) -> BasketLine:
        self.seller.require_cashier()
        self.seller.require(Action.OVERRIDE_PRICE)
        self.sale.require_no_tenders()
        line = self.sale.basket.override_price(line_id, new_price, approval, reason)
        self.sale.changed()
        return line

    def new_basket(self) -> None:
        self.sale.require_no_tenders()
        self.sale.release_reservations()
        self.sale.clear()

    def cancel_basket(self, reason: str = "") -> None:
        """Abandon the basket before payment (journalled, so a cancelled basket is visible in the audit)."""
        cashier = self.seller.require_cashier()
        self.sale.require_no_tenders()
        basket = self.sale.basket
        if not basket.lines:
            return
        with self.ctx.db.write() as conn:
            ledger.append_journal(
                conn,
                kind="basket_cancelled",
                created_at=self.ctx.clock.utc_iso(),
                staff_id=cashier.id,
                till_session_id=None,
                ref=basket.id,
                amount=-self.sale.pricing().total.minor,
                payload={"lines": len(basket.active_lines), "reason": reason},
            )
        self.new_basket()


def _quantity_and_amount(
    product: Product, quantity: int | None, code: ProductCode | None
) -> tuple[int | None, Money | None]:
    """The quantity and fixed amount a scale label sets (else the caller's quantity, no fixed amount)."""
    if code is not None and code.price is not None:
        # price-embedded label: the label's amount is what the customer pays for this pack
        if code.weight_grams is not None and product.unit is Unit.KG:
            return code.weight_grams, code.price
        if product.unit is Unit.KG and product.price.minor > 0:
            # the label carries only the price: show the weight it stands for
            return max(div_round(code.price.minor * MILLI, product.price.minor), 1), code.price
        return MILLI, code.price
    if code is not None and code.weight_grams is not None:
        if product.unit is not Unit.KG:
            raise DomainError(_("This label has a weight but the product is sold by the piece"), code="unit")
        return code.weight_grams, None
    return quantity, None
