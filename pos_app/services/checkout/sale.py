"""The sale in progress at one terminal: its basket, its payment and the charge waiting for an answer.

Every checkout piece (scanning, members, coupons, tenders, points, hold and recall, completion) works
on this one object, so a till and a kiosk that compose the pieces share one basket per terminal.
Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.basket import Basket
from pos_app.domain.errors import PaymentError
from pos_app.domain.pricing import Pricing
from pos_app.domain.tenders import Payment
from pos_app.i18n import _
from pos_app.services.checkout.reference import ReferenceData
from pos_app.services.context import TerminalContext


@dataclass(frozen=True, slots=True)
class SaleOwner:
    """The cashier whose sale it is (who rang it up): only they carry on with it, or a supervisor."""

    staff_id: int
    name: str


@dataclass(frozen=True, slots=True)
class CouponNote:
    """What the screen says beside a coupon (the offline cap), and whether the platform reserved it."""

    note: str = ""
    reserved_online: bool = False


class SaleInProgress:
    def __init__(self, ctx: TerminalContext, reference: ReferenceData) -> None:
        self.ctx = ctx
        self.reference = reference
        self.basket = Basket(ctx.currency)
        self.payment: Payment | None = None
        # A card or mobile charge sent and not yet answered (pos_app.services.payments). Kept in
        # active_basket with the tenders, so the charge is never lost and never made twice.
        self.pending_charge: dict | None = None
        self.coupon_notes: dict[int, CouponNote] = {}
        self.owner: SaleOwner | None = None
        self.version = 0  # counts the changes, so the basket on disk is written only when it changed
        self._pricing: Pricing | None = None

    def pricing(self) -> Pricing:
        if self._pricing is None:
            reference = self.reference
            self._pricing = self.basket.price(
                reference.promotions(), reference.free_units, reference.tax_rounding
            )
        return self._pricing

    def forget_pricing(self) -> None:
        self._pricing = None

    def reference_changed(self) -> None:
        """New promotions apply to the basket at once, unless its payment has started: the customer
        pays the total they were told, and the next basket gets the new prices. (A change to the
        basket after its payments are taken back prices it again, new promotions included.)"""
        if self.payment is None:
            self._pricing = None

    def changed(self) -> None:
        """The basket changed: price it again; a payment with nothing paid yet starts again too."""
        self.version += 1
        self._pricing = None
        if self.payment is not None and not self.payment.tenders:
            self.payment = None

    def require_no_pending_charge(self) -> None:
        if self.pending_charge is not None:
            raise PaymentError(
                _("A card or mobile payment is waiting for its answer. Check that payment first.")
            )

    def require_no_tenders(self) -> None:
        self.require_no_pending_charge()
        if self.payment is not None and self.payment.tenders:
            raise PaymentError(_("Payment has started. Take back the payments before changing the basket."))

    def release_reservations(self) -> None:
        """Give back the coupons the platform reserved for this basket."""
        for coupon in self.basket.coupons:
            self.ctx.online.release_coupon(coupon.coupon_id, self.basket.id)

    def clear(self) -> None:
        """An empty basket and no payment (after a sale, a hold, or starting again)."""
        self.version += 1
        self.owner = None
        self.basket = Basket(self.ctx.currency)
        self.payment = None
        self._pricing = None
        self.coupon_notes.clear()
