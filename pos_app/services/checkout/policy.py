"""Who sells at a terminal, and what the screen lets them do (DESIGN.md, "Three windows, one core").

The till and the kiosk compose the same checkout pieces; what differs is the policy. At the till the
person at the screen is a cashier: every action is open to them, and their role still decides what
needs a supervisor's approval (a price override does). At a self-service kiosk the person is a
customer: they scan, remove what they scanned, pay and leave, but may not change a price, key in a
weight or park a basket -- an attendant does that, and the kiosk switches to the attended policy
while the attendant is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_app.domain.errors import DomainError, PermissionDeniedError
from pos_app.domain.permissions import Permission, StaffMember
from pos_app.i18n import N_, _


class Action(StrEnum):
    """Checkout actions a policy may keep for staff."""

    OVERRIDE_PRICE = "override_price"
    ENTER_WEIGHT = "enter_weight"  # a weighed item without a scale label
    HOLD_RECALL = "hold_recall"


_ACTION_LABELS = {
    Action.OVERRIDE_PRICE: N_("change a price"),
    Action.ENTER_WEIGHT: N_("enter a weight"),
    Action.HOLD_RECALL: N_("hold or recall a basket"),
}


@dataclass(frozen=True, slots=True)
class CheckoutPolicy:
    name: str
    staff_only: frozenset[Action] = frozenset()

    def allows(self, action: Action) -> bool:
        return action not in self.staff_only

    def require(self, action: Action) -> None:
        if not self.allows(action):
            raise PermissionDeniedError(
                _("Please ask a member of staff to {action}.").format(action=_(_ACTION_LABELS[action]))
            )


#: A till: a member of staff is at the screen.
ATTENDED = CheckoutPolicy("attended")
#: A kiosk's customer.
SELF_SERVICE = CheckoutPolicy(
    "self_service", frozenset({Action.OVERRIDE_PRICE, Action.ENTER_WEIGHT, Action.HOLD_RECALL})
)


class Seller:
    """The person selling at this terminal (``cashier``: the signed-in member of staff, or the
    identity a kiosk sells under) and the policy of the screen they use."""

    def __init__(self, policy: CheckoutPolicy = ATTENDED) -> None:
        self.cashier: StaffMember | None = None
        self.policy = policy

    def require_cashier(self) -> StaffMember:
        if self.cashier is None:
            raise DomainError(_("Sign in first"), code="signed_out")
        self.cashier.require(Permission.SELL)
        return self.cashier

    def require(self, action: Action) -> None:
        self.policy.require(action)
