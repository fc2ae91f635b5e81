"""The basket being rung up: lines, quantities, weights, voids, price overrides, member and coupons.

A ``Basket`` is plain mutable state owned by one checkout; :meth:`Basket.price` runs the pricing
engine over it. Voided lines stay on the basket (struck through on screen, in the journal) but are not
priced.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from pos_app.domain.catalog import MILLI, Product, Unit
from pos_app.domain.errors import DomainError
from pos_app.domain.members import Member, Tier
from pos_app.domain.money import Money
from pos_app.domain.permissions import Approval, Permission
from pos_app.domain.pricing import (
    Coupon,
    FreeUnits,
    Pricing,
    PricingLine,
    Promotion,
    TaxRounding,
    price_basket,
)
from pos_app.i18n import _

#: A single line cannot hold more than this (guards against a scanner's digits landing in a quantity).
MAX_QUANTITY_EACH = 999
MAX_WEIGHT_GRAMS = 99_999


@dataclass(frozen=True, slots=True)
class PriceOverride:
    original: Money
    new: Money
    approved_by: int  # staff id
    reason: str = ""


@dataclass(slots=True)
class BasketLine:
    line_id: int
    product: Product
    quantity: int  # thousandths of the product's unit
    unit_price: Money
    fixed_amount: Money | None = None  # price-embedded label
    override: PriceOverride | None = None
    voided: bool = False
    scanned_code: str = ""
    trace: str = ""  # what a GS1 code carried besides the GTIN (lot, expiry, serial), and an add-on

    def pricing_line(self) -> PricingLine:
        return PricingLine(
            self.line_id,
            self.product,
            self.quantity,
            self.unit_price,
            self.fixed_amount,
            overridden=self.override is not None,
        )


@dataclass
class Basket:
    currency: str = "CNY"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    lines: list[BasketLine] = field(default_factory=list)
    member: Member | None = None
    tier: Tier | None = None
    coupons: list[Coupon] = field(default_factory=list)
    _next_line_id: int = 1

    # --- lines ------------------------------------------------------------------------------------
    @property
    def active_lines(self) -> list[BasketLine]:
        return [line for line in self.lines if not line.voided]

    @property
    def is_empty(self) -> bool:
        return not self.active_lines

    def line(self, line_id: int) -> BasketLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise DomainError(_("That line is no longer in the basket"), code="no_such_line")

    def add(
        self,
        product: Product,
        quantity: int = MILLI,
        *,
        fixed_amount: Money | None = None,
        scanned_code: str = "",
        merge: bool = True,
        trace: str = "",
    ) -> BasketLine:
        """Add ``quantity`` thousandths of ``product``; a repeat scan of an item sold each adds to its
        line. Weighed goods and labelled prices always get a line of their own."""
        if not product.active:
            raise DomainError(_("This product is not for sale"), code="inactive_product")
        if product.price.currency != self.currency:
            raise DomainError(_("This product is priced in another currency"), code="currency")
        if quantity <= 0:
            raise DomainError(_("Quantity must be more than zero"), code="quantity")
        if product.unit is Unit.EACH and quantity % MILLI:
            raise DomainError(_("This product is sold by the piece"), code="quantity")
        if product.unit is Unit.EACH and fixed_amount is None and merge and not trace:
            for line in reversed(self.active_lines):
                if line.product.id == product.id and line.override is None and line.fixed_amount is None:
                    self._check_quantity(product, line.quantity + quantity)
                    line.quantity += quantity
                    return line
        self._check_quantity(product, quantity)
        line = BasketLine(
            self._next_line_id,
            product,
            quantity,
            product.price,
            fixed_amount,
            scanned_code=scanned_code,
            trace=trace,
        )
        self._next_line_id += 1
        self.lines.append(line)
        return line

    @staticmethod
    def _check_quantity(product: Product, quantity: int) -> None:
        if product.unit is Unit.EACH and quantity > MAX_QUANTITY_EACH * MILLI:
            raise DomainError(
                _("At most {n} of one item per line").format(n=MAX_QUANTITY_EACH), code="quantity"
            )
        if product.unit is Unit.KG and quantity > MAX_WEIGHT_GRAMS:
            raise DomainError(_("That weight is more than the scale can weigh"), code="quantity")

    def set_quantity(self, line_id: int, quantity: int) -> BasketLine:
        line = self._live(line_id)
        if line.fixed_amount is not None:
            raise DomainError(
                _("A labelled price cannot change quantity; scan the label again"), code="quantity"
            )
        if quantity <= 0:
            raise DomainError(_("Quantity must be more than zero; void the line instead"), code="quantity")
        if line.product.unit is Unit.EACH and quantity % MILLI:
            raise DomainError(_("This product is sold by the piece"), code="quantity")
        self._check_quantity(line.product, quantity)
        line.quantity = quantity
        return line

    def void_line(self, line_id: int) -> BasketLine:
        line = self._live(line_id)
        line.voided = True
        return line

    def override_price(
        self, line_id: int, new_price: Money, approval: Approval, reason: str = ""
    ) -> BasketLine:
        """Set a line's unit price; needs an approval for ``Permission.PRICE_OVERRIDE``."""
        approval.require(Permission.PRICE_OVERRIDE)
        line = self._live(line_id)
        if new_price.currency != self.currency or new_price.minor < 0:
            raise DomainError(_("Enter a price of zero or more"), code="price")
        if line.fixed_amount is not None:
            raise DomainError(_("A labelled price cannot be overridden"), code="price")
        original = line.override.original if line.override else line.unit_price
        line.override = PriceOverride(original, new_price, approval.staff_id, reason)
        line.unit_price = new_price
        return line

    def _live(self, line_id: int) -> BasketLine:
        line = self.line(line_id)
        if line.voided:
            raise DomainError(_("That line was voided"), code="voided_line")
        return line

    # --- member and coupons -----------------------------------------------------------------------
    def set_member(self, member: Member | None, tier: Tier | None) -> None:
        self.member, self.tier = member, (tier if member else None)

    def add_coupon(self, coupon: Coupon) -> None:
        for existing in self.coupons:
            if existing.coupon_id == coupon.coupon_id:
                raise DomainError(_("This coupon is already on the basket"), code="coupon_twice")
            if existing.campaign_id == coupon.campaign_id:
                raise DomainError(_("Only one coupon of this kind per purchase"), code="coupon_campaign")
        self.coupons.append(coupon)

    def remove_coupon(self, coupon_id: int) -> None:
        before = len(self.coupons)
        self.coupons = [c for c in self.coupons if c.coupon_id != coupon_id]
        if len(self.coupons) == before:
            raise DomainError(_("That coupon is not on the basket"), code="no_such_coupon")

    # --- pricing ----------------------------------------------------------------------------------
    def price(
        self,
        promotions: Sequence[Promotion] = (),
        free_units: FreeUnits = FreeUnits.CHEAPEST_OVERALL,
        tax_rounding: TaxRounding = TaxRounding.PER_RATE,
    ) -> Pricing:
        return price_basket(
            [line.pricing_line() for line in self.active_lines],
            tier=self.tier,
            promotions=promotions,
            coupons=self.coupons,
            currency=self.currency,
            free_units=free_units,
            tax_rounding=tax_rounding,
        )
