"""Whose sale it is when someone signs in at a till: the sale in progress belongs to the cashier who
rang it up.

When another member of staff signs in at a locked till (or first after a restart), the owner's sale
is not handed to them: with no money on it, it is put on hold under its owner and comes back by
itself when they sign in again; with a payment under way, only a supervisor may take it over (the
others are refused, and the sale stays as it is for its owner).

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.errors import DomainError
from pos_app.domain.permissions import Permission, StaffMember
from pos_app.i18n import _
from pos_app.services.checkout.active import ActiveBasket
from pos_app.services.checkout.hold import HoldRecall
from pos_app.services.checkout.policy import Seller
from pos_app.services.checkout.sale import SaleInProgress, SaleOwner


@dataclass(frozen=True)
class SignedIn:
    """``restored``: a sale came back from disk (its payment may need settling); ``notes``: what the
    person who signed in should be told."""

    restored: bool
    notes: tuple[str, ...] = ()


class CashierChange:
    def __init__(self, sale: SaleInProgress, seller: Seller, active: ActiveBasket, holds: HoldRecall) -> None:
        self.sale = sale
        self.seller = seller
        self.active = active
        self.holds = holds

    def sign_in(self, staff: StaffMember) -> SignedIn:
        """``staff`` signed in at this till: settle whose the sale in progress is (see the module)."""
        sale = self.sale
        restored = False
        if sale.basket.is_empty and sale.payment is None and sale.pending_charge is None:
            restored = self.active.restore()
        owner = sale.owner
        notes: list[str] = []
        if not sale.basket.is_empty and owner is not None and owner.staff_id != staff.id:
            notes.append(self._not_theirs(staff, owner))
        self.seller.cashier = staff
        if sale.basket.is_empty and sale.payment is None:
            parked = self.holds.parked_for(staff.id)
            if parked is not None:
                self.holds.recall(parked)
                sale.owner = SaleOwner(staff.id, staff.name)
                notes.append(_("Your sale is back as you left it."))
        self.active.keep(staff.id, staff.name)
        return SignedIn(restored, tuple(notes))

    def _not_theirs(self, staff: StaffMember, owner: SaleOwner) -> str:
        sale = self.sale
        money = (sale.payment is not None and bool(sale.payment.tenders)) or sale.pending_charge is not None
        if money:
            if not staff.allows(Permission.TAKE_OVER_SALE):
                self.seller.cashier = None
                raise DomainError(
                    _(
                        "{name}'s sale has a payment under way. {name} signs in to finish it, or a "
                        "supervisor takes it over."
                    ).format(name=owner.name),
                    code="sale_of_another",
                )
            sale.owner = SaleOwner(staff.id, staff.name)
            return _("You took over {name}'s sale and its payment.").format(name=owner.name)
        name = owner.name
        self.holds.park(owner.staff_id, _("{name}, till locked").format(name=name), for_owner=True)
        return _("{name}'s sale is on hold for them; it comes back when they sign in.").format(name=name)
