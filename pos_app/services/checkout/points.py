"""Points on the sale: spending them as a tender (bounded by the balance and, offline, by this
terminal's limit) and what the sale earns.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from pos_app import config
from pos_app.db import catalog, ledger
from pos_app.domain.errors import PaymentError
from pos_app.domain.members import PointsRule, Tier
from pos_app.domain.money import Money
from pos_app.domain.pricing import Pricing
from pos_app.domain.tenders import Payment, Tender, TenderKind
from pos_app.i18n import _
from pos_app.services.checkout.sale import SaleInProgress
from pos_app.services.checkout.tenders import Tenders
from pos_app.services.context import TerminalContext


class Points:
    def __init__(self, ctx: TerminalContext, sale: SaleInProgress, tenders: Tenders) -> None:
        self.ctx = ctx
        self.sale = sale
        self.tenders = tenders

    def _room(self) -> tuple[int, bool]:
        """(points the member may still spend on this payment, whether the offline bound is what limits)."""
        member = self.sale.basket.member
        if member is None:
            return 0, False
        limit = self.ctx.settings.get(config.POINTS_OFFLINE_LIMIT)
        with self.ctx.db.read() as conn:
            spent_offline = catalog.points_spent_offline(conn, member.id, ledger.acked_seq(conn))
        payment = self.sale.payment
        tendered = sum(t.points for t in payment.tenders) if payment else 0
        by_balance = member.points_balance - tendered
        by_bound = limit - spent_offline - tendered
        return max(0, min(by_balance, by_bound)), by_bound < by_balance

    def points_available(self) -> int:
        """Points the member may spend here now: their balance and this terminal's offline bound, less
        the points already tendered on this payment."""
        return self._room()[0]

    def pay_points(self, points: int) -> Tender:
        if self.sale.basket.member is None:
            raise PaymentError(_("Identify the member first"))
        available, bound = self._room()
        if points > available and bound:
            raise PaymentError(
                _("Offline, this member can spend at most {points} more points on this till").format(
                    points=available
                )
            )
        tender = self.tenders.start_payment().add_points(points, self.ctx.points_rule(), available)
        self.tenders.active.save()
        return tender


def points_redeemed(payment: Payment) -> int:
    return sum(t.points for t in payment.tenders if t.kind is TenderKind.POINTS)


def points_earned(final: Pricing, payment: Payment, tier: Tier | None, rule: PointsRule) -> int:
    """What a member of ``tier`` earns on the sale: its eligible goods, less the part paid with points
    (``tier`` None: no member, nothing earned)."""
    if tier is None:
        return 0
    currency = payment.currency
    points_value = Money(
        sum(t.amount.minor for t in payment.tenders if t.kind is TenderKind.POINTS), currency
    )
    eligible = Money(sum(ln.net.minor for ln in final.lines if ln.product.points_eligible), currency)
    return rule.earned((eligible - points_value).max(Money.zero(currency)), tier)
