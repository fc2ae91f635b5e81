"""Roles, permissions and approvals. Services check them; the UI only decides what to ask for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_app.domain.errors import PermissionDeniedError
from pos_app.i18n import N_, _


class Role(StrEnum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return _(_LABELS[self])


_RANK = {Role.CASHIER: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3}
_LABELS = {Role.CASHIER: N_("Cashier"), Role.SUPERVISOR: N_("Supervisor"), Role.MANAGER: N_("Manager")}


class Permission(StrEnum):
    SELL = "sell"
    OPEN_TILL = "open_till"
    CLOSE_TILL = "close_till"
    X_REPORT = "x_report"
    CASH_IN_OUT = "cash_in_out"
    PRICE_OVERRIDE = "price_override"
    VOID_SALE = "void_sale"
    RETURN = "return"
    RETURN_WITHOUT_RECEIPT = "return_without_receipt"
    OPEN_DRAWER = "open_drawer"  # no sale
    MANAGE_STAFF = "manage_staff"
    DAY_REPORT = "day_report"
    EXPECTED_CASH = "expected_cash"  # see what the drawer should hold (a cashier counts blind)
    DEVICE_SETTINGS = "device_settings"  # the till's devices and store options
    TAKE_OVER_SALE = "take_over_sale"  # another cashier's sale with a payment under way


#: The least role that holds each permission.
REQUIRED_ROLE: dict[Permission, Role] = {
    Permission.SELL: Role.CASHIER,
    Permission.OPEN_TILL: Role.CASHIER,
    Permission.CLOSE_TILL: Role.CASHIER,
    Permission.X_REPORT: Role.CASHIER,
    Permission.CASH_IN_OUT: Role.SUPERVISOR,
    Permission.PRICE_OVERRIDE: Role.SUPERVISOR,
    Permission.VOID_SALE: Role.SUPERVISOR,
    Permission.RETURN: Role.SUPERVISOR,
    Permission.RETURN_WITHOUT_RECEIPT: Role.MANAGER,
    Permission.OPEN_DRAWER: Role.SUPERVISOR,
    Permission.MANAGE_STAFF: Role.MANAGER,
    Permission.DAY_REPORT: Role.MANAGER,
    Permission.EXPECTED_CASH: Role.SUPERVISOR,
    Permission.DEVICE_SETTINGS: Role.SUPERVISOR,
    Permission.TAKE_OVER_SALE: Role.SUPERVISOR,
}

_PERMISSION_LABELS = {
    Permission.SELL: N_("sell"),
    Permission.OPEN_TILL: N_("open the till"),
    Permission.CLOSE_TILL: N_("close the till"),
    Permission.X_REPORT: N_("print an X report"),
    Permission.CASH_IN_OUT: N_("put cash in or take cash out"),
    Permission.PRICE_OVERRIDE: N_("change a price"),
    Permission.VOID_SALE: N_("void a sale"),
    Permission.RETURN: N_("take a return"),
    Permission.RETURN_WITHOUT_RECEIPT: N_("take a return without a receipt"),
    Permission.OPEN_DRAWER: N_("open the drawer without a sale"),
    Permission.MANAGE_STAFF: N_("manage staff"),
    Permission.DAY_REPORT: N_("see the day report"),
    Permission.EXPECTED_CASH: N_("see the expected cash"),
    Permission.DEVICE_SETTINGS: N_("change the till's devices and options"),
    Permission.TAKE_OVER_SALE: N_("take over another cashier's sale"),
}


def permission_label(permission: Permission) -> str:
    return _(_PERMISSION_LABELS[permission])


def role_allows(role: Role, permission: Permission) -> bool:
    return role.rank >= REQUIRED_ROLE[permission].rank


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    name: str
    role: Role

    def allows(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.allows(permission):
            raise PermissionDeniedError(
                _("{name} may not {action}; a {role} must approve it").format(
                    name=self.name,
                    action=permission_label(permission),
                    role=REQUIRED_ROLE[permission].label,
                )
            )


@dataclass(frozen=True, slots=True)
class Approval:
    """Proof that ``staff`` (signed in, or who entered their PIN just now) allowed an action.

    Only the services' staff check creates approvals for people other than the signed-in cashier, after
    verifying the PIN.
    """

    staff: StaffMember

    @property
    def staff_id(self) -> int:
        return self.staff.id

    def require(self, permission: Permission) -> None:
        self.staff.require(permission)
