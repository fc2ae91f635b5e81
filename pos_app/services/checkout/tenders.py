"""Taking payment: the tenders on the sale (cash, card, mobile) and the charge waiting for its answer.

:class:`pos_app.services.payments.PaymentService` drives card terminals and payment gateways through
this piece (any object with its methods: the till passes its checkout facade). Every change is kept
durably at once (:class:`ActiveBasket`), so money taken is never lost to a crash.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from typing import Protocol

from pos_app.domain.errors import PaymentError
from pos_app.domain.money import Money
from pos_app.domain.permissions import StaffMember
from pos_app.domain.tenders import Payment, Tender
from pos_app.i18n import _
from pos_app.services.checkout.active import ActiveBasket
from pos_app.services.checkout.policy import Seller
from pos_app.services.checkout.sale import SaleInProgress


class TakesTenders(Protocol):
    """What the payment service needs of a checkout."""

    pending_charge: dict | None

    @property
    def payment(self) -> Payment | None: ...

    @property
    def cashier(self) -> StaffMember | None: ...

    def start_payment(self) -> Payment: ...

    def pay_card(self, amount: Money, reference: str, provider: str = "") -> Tender: ...

    def pay_mobile(self, amount: Money, provider: str, reference: str) -> Tender: ...

    def remove_last_tender(self) -> Tender: ...

    def keep_pending_charge(self, charge: dict | None) -> None: ...


class Tenders:
    def __init__(self, sale: SaleInProgress, seller: Seller, active: ActiveBasket) -> None:
        self.sale = sale
        self.seller = seller
        self.active = active

    @property
    def payment(self) -> Payment | None:
        return self.sale.payment

    @property
    def cashier(self) -> StaffMember | None:
        return self.seller.cashier

    @property
    def pending_charge(self) -> dict | None:
        return self.sale.pending_charge

    @pending_charge.setter
    def pending_charge(self, charge: dict | None) -> None:
        self.sale.pending_charge = charge

    def start_payment(self) -> Payment:
        self.seller.require_cashier()
        sale = self.sale
        sale.require_no_pending_charge()
        if sale.basket.is_empty:
            raise PaymentError(_("The basket is empty"))
        if sale.payment is None:
            sale.payment = Payment(sale.pricing().total, sale.ctx.cash_rounding())
        return sale.payment

    def pay_cash(self, tendered: Money) -> Tender:
        tender = self.start_payment().add_cash(tendered)
        self.active.save()
        return tender

    def pay_card(self, amount: Money, reference: str, provider: str = "") -> Tender:
        tender = self.start_payment().add_card(amount, reference, provider)
        self.active.save()
        return tender

    def pay_mobile(self, amount: Money, provider: str, reference: str) -> Tender:
        tender = self.start_payment().add_mobile(amount, provider, reference)
        self.active.save()
        return tender

    def remove_last_tender(self) -> Tender:
        self.sale.require_no_pending_charge()
        if self.sale.payment is None:
            raise PaymentError(_("There is no payment to take back"))
        tender = self.sale.payment.remove_last()
        self.active.save()
        return tender

    def keep_pending_charge(self, charge: dict | None) -> None:
        """Record (``None``: forget) the charge now being asked of a terminal, durably, before asking."""
        self.sale.pending_charge = charge
        self.active.save()
