"""Tenders and the payment of a sale: cash with change and optional rounding, external card terminal,
the customer's mobile payment code, points, and any mix of them (split tender).

Rules:
- Only cash gives change; a card, mobile or points tender can pay at most what is still due. No drawer
  gives more than ``MAX_CHANGE_MINOR`` of change: a larger amount received is a typing error.
- Cash rounding applies only when cash settles the rest of the sale; the difference is recorded as an
  adjustment so the books still add up (total + rounding = what was paid).
- Points are limited by the member's balance and the share of the sale they may pay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pos_app.domain.errors import PaymentError
from pos_app.domain.members import PointsRule
from pos_app.domain.money import CashRounding, Money
from pos_app.i18n import N_, _

#: The most change a cash tender may give (¥10,000): beyond it the amount received was mistyped.
MAX_CHANGE_MINOR = 1_000_000


def too_much_change(tendered: Money, cash_due: Money) -> str | None:
    """Why ``tendered`` in cash for ``cash_due`` is refused (more change than any drawer gives), or None."""
    if (tendered - cash_due).minor <= MAX_CHANGE_MINOR:
        return None
    return _("{tendered} received for {due}? No drawer gives that much change. Check the amount.").format(
        tendered=tendered.plain(), due=cash_due.plain()
    )


class TenderKind(StrEnum):
    CASH = "cash"
    CARD = "card"
    MOBILE = "mobile"
    POINTS = "points"

    @property
    def label(self) -> str:
        return _(_TENDER_LABELS[self])


_TENDER_LABELS = {
    TenderKind.CASH: N_("Cash"),
    TenderKind.CARD: N_("Card"),
    TenderKind.MOBILE: N_("Mobile payment"),
    TenderKind.POINTS: N_("Points"),
}

PROVIDER_LABELS = {
    "wechat": N_("WeChat Pay"),
    "alipay": N_("Alipay"),
    "unionpay": N_("UnionPay QuickPass"),
}


@dataclass(frozen=True, slots=True)
class Tender:
    kind: TenderKind
    amount: Money  # applied to the sale (for cash: tendered - change)
    tendered: Money | None = None  # cash handed over
    change: Money | None = None
    reference: str = ""  # card authorisation, mobile transaction id
    provider: str = ""  # wechat / alipay / unionpay / card scheme
    points: int = 0  # points spent (POINTS)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "amount": self.amount.minor,
            "tendered": self.tendered.minor if self.tendered is not None else None,
            "change": self.change.minor if self.change is not None else None,
            "reference": self.reference,
            "provider": self.provider,
            "points": self.points,
        }

    @classmethod
    def from_dict(cls, data: dict, currency: str = "CNY") -> Tender:
        def money(key: str) -> Money | None:
            return None if data.get(key) is None else Money(int(data[key]), currency)

        return cls(
            TenderKind(data["kind"]),
            Money(int(data["amount"]), currency),
            money("tendered"),
            money("change"),
            str(data.get("reference") or ""),
            str(data.get("provider") or ""),
            int(data.get("points") or 0),
        )


@dataclass
class Payment:
    """Tenders collected toward ``total``. Rebuilt whenever the basket changes before payment."""

    total: Money
    rounding: CashRounding = field(default_factory=CashRounding)
    tenders: list[Tender] = field(default_factory=list)
    rounding_adjustment: Money | None = None  # set when cash settled the sale with rounding

    @property
    def currency(self) -> str:
        return self.total.currency

    @property
    def paid(self) -> Money:
        return Money(sum(t.amount.minor for t in self.tenders), self.currency)

    @property
    def due(self) -> Money:
        """What is still to pay (after any cash rounding)."""
        adjustment = self.rounding_adjustment or Money.zero(self.currency)
        return self.total + adjustment - self.paid

    @property
    def is_settled(self) -> bool:
        return self.due.minor == 0 and (self.total.minor >= 0)

    @property
    def change(self) -> Money:
        return Money(sum((t.change.minor if t.change else 0) for t in self.tenders), self.currency)

    def cash_due(self) -> Money:
        """What a customer paying the rest in cash owes, after rounding."""
        return self.rounding.round(self.due)

    def change_for(self, tendered: Money) -> Money:
        """The change ``tendered`` in cash would give now (zero when it does not settle the sale)."""
        return (tendered - self.cash_due()).max(Money.zero(self.currency))

    def _require_open(self) -> None:
        if self.is_settled and self.tenders:
            raise PaymentError(_("This sale is already paid"))

    def _require_positive(self, amount: Money) -> None:
        if amount.currency != self.currency:
            raise PaymentError(_("Payment in another currency is not accepted"))
        if amount.minor <= 0:
            raise PaymentError(_("Enter an amount more than zero"))

    def add_cash(self, tendered: Money) -> Tender:
        """Cash handed over. Pays up to what is due (rounded if it settles the sale); the rest is change."""
        self._require_open()
        self._require_positive(tendered)
        refused = too_much_change(tendered, self.cash_due())
        if refused is not None:
            raise PaymentError(refused)
        due = self.due
        rounded_due = self.rounding.round(due)
        if tendered >= rounded_due:
            applied = rounded_due
            self.rounding_adjustment = (self.rounding_adjustment or Money.zero(self.currency)) + (
                rounded_due - due
            )
        else:
            applied = tendered
        tender = Tender(TenderKind.CASH, applied, tendered=tendered, change=tendered - applied)
        self.tenders.append(tender)
        return tender

    def add_card(self, amount: Money, reference: str, provider: str = "") -> Tender:
        return self._add_exact(TenderKind.CARD, amount, reference=reference, provider=provider)

    def add_mobile(self, amount: Money, provider: str, reference: str) -> Tender:
        if provider not in PROVIDER_LABELS:
            raise PaymentError(_("Unknown mobile payment provider"))
        return self._add_exact(TenderKind.MOBILE, amount, reference=reference, provider=provider)

    def add_points(self, points: int, rule: PointsRule, balance: int) -> Tender:
        """Pay with ``points``; refused beyond the balance, the allowed share, or what is due."""
        if points <= 0:
            raise PaymentError(_("Enter a number of points more than zero"))
        if points > balance:
            raise PaymentError(_("The member has only {points} points").format(points=balance))
        value = rule.value_of(points, self.currency)
        if value.minor <= 0:
            raise PaymentError(_("These points are worth less than the smallest coin"))
        already = Money(
            sum(t.amount.minor for t in self.tenders if t.kind is TenderKind.POINTS), self.currency
        )
        limit = rule.max_payable(self.total) - already
        if value > limit:
            raise PaymentError(
                _("Points can pay at most {amount} of this sale").format(
                    amount=rule.max_payable(self.total).plain()
                )
            )
        return self._add_exact(TenderKind.POINTS, value, points=points)

    def _add_exact(self, kind: TenderKind, amount: Money, **extra: object) -> Tender:
        self._require_open()
        self._require_positive(amount)
        if amount > self.due:
            raise PaymentError(
                _("{tender} cannot pay more than is due ({due})").format(
                    tender=kind.label, due=self.due.plain()
                )
            )
        tender = Tender(kind, amount, **extra)  # type: ignore[arg-type]
        self.tenders.append(tender)
        return tender

    def remove_last(self) -> Tender:
        """Take back the last tender (e.g. the customer changes their mind before completing)."""
        if not self.tenders:
            raise PaymentError(_("There is no payment to take back"))
        tender = self.tenders.pop()
        if tender.kind is TenderKind.CASH:
            self.rounding_adjustment = None
        return tender

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total.minor,
            "rounding": self.rounding.mode,
            "rounding_adjustment": None
            if self.rounding_adjustment is None
            else self.rounding_adjustment.minor,
            "tenders": [t.to_dict() for t in self.tenders],
        }

    @classmethod
    def from_dict(cls, data: dict, currency: str = "CNY") -> Payment:
        adjustment = data.get("rounding_adjustment")
        return cls(
            Money(int(data["total"]), currency),
            CashRounding(data.get("rounding", "none")),
            [Tender.from_dict(t, currency) for t in data.get("tenders", [])],
            None if adjustment is None else Money(int(adjustment), currency),
        )
