"""Returns against an original sale, full or partial, at the prices and discounts of that sale.

Each sold line carries its net (after every discount and the cash rounding), so a returned unit
refunds its share of the net. The last units of a line refund whatever of its net is left, and the
last refund of a sale returns whatever each tender has left, so a full return -- in one go or in parts
-- refunds exactly what was paid, tender by tender, and gives back the points spent.

Each sold line also carries the points it earned (:func:`points_by_line`), and a return takes back
exactly what the returned units earned: goods that earned nothing take nothing back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pos_app.domain.catalog import MILLI, Unit, format_quantity
from pos_app.domain.errors import ReturnError
from pos_app.domain.money import Money
from pos_app.domain.tenders import TenderKind
from pos_app.domain.text import Text
from pos_app.i18n import _


@dataclass(frozen=True, slots=True)
class SoldLine:
    line_no: int
    product_id: int
    sku: str
    name: Text
    unit: Unit
    quantity: int  # thousandths
    unit_price: Money
    gross: Money
    net: Money
    tax_rate_bp: int
    points: int = 0  # what this line earned the member


@dataclass(frozen=True, slots=True)
class PaidTender:
    kind: TenderKind
    amount: Money  # applied to the sale (net of change)
    provider: str = ""
    reference: str = ""
    points: int = 0


@dataclass(frozen=True, slots=True)
class SaleRecord:
    sale_id: str
    receipt_no: str
    lines: tuple[SoldLine, ...]
    tenders: tuple[PaidTender, ...]
    member_id: int | None = None
    points_earned: int = 0
    voided: bool = False

    @property
    def total(self) -> Money:
        currency = self.lines[0].net.currency if self.lines else "CNY"
        return Money(sum(line.net.minor for line in self.lines), currency)

    @property
    def points_by_line(self) -> bool:
        """Whether the lines say what each earned (every sale recorded since they do)."""
        return sum(line.points for line in self.lines) == self.points_earned

    def line(self, line_no: int) -> SoldLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise ReturnError(_("Line {n} is not on this receipt").format(n=line_no))


@dataclass(frozen=True, slots=True)
class ReturnedSoFar:
    """What earlier returns against the same sale took: per line and per tender."""

    quantities: Mapping[int, int] = field(default_factory=dict)  # line_no -> thousandths
    amounts: Mapping[int, int] = field(default_factory=dict)  # line_no -> minor units refunded
    tender_amounts: Mapping[int, int] = field(default_factory=dict)  # tender index -> minor units
    tender_points: Mapping[int, int] = field(default_factory=dict)  # tender index -> points given back
    points_reversed: int = 0
    line_points: Mapping[int, int] = field(default_factory=dict)  # line_no -> earned points taken back


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_no: int
    quantity: int
    amount: Money
    tax_rate_bp: int
    points: int = 0  # earned points this return takes back for the line


@dataclass(frozen=True, slots=True)
class RefundTender:
    tender_index: int  # which tender of the original sale it goes back to
    kind: TenderKind
    amount: Money
    provider: str = ""
    reference: str = ""  # the original authorisation, for the card terminal or the payment platform
    points: int = 0  # points given back (POINTS)


@dataclass(frozen=True, slots=True)
class ReturnPlan:
    sale_id: str
    lines: tuple[ReturnLine, ...]
    refunds: tuple[RefundTender, ...]
    points_reversed: int  # earned points taken back from the member
    completes_sale: bool  # nothing is left to return afterwards

    @property
    def total(self) -> Money:
        currency = self.lines[0].amount.currency if self.lines else "CNY"
        return Money(sum(line.amount.minor for line in self.lines), currency)


def plan_return(
    sale: SaleRecord, requested: Mapping[int, int], so_far: ReturnedSoFar | None = None
) -> ReturnPlan:
    """Plan the refund of ``requested`` (line_no -> quantity in thousandths) against ``sale``."""
    so_far = so_far or ReturnedSoFar()
    if sale.voided:
        raise ReturnError(_("This sale was voided; there is nothing to return"))
    wanted = {line_no: qty for line_no, qty in requested.items() if qty}
    if not wanted:
        raise ReturnError(_("Choose what to return"))
    lines: list[ReturnLine] = []
    for line_no in sorted(wanted):
        qty = wanted[line_no]
        line = sale.line(line_no)
        if qty < 0:
            raise ReturnError(_("Return quantities must be more than zero"))
        if line.unit is Unit.EACH and qty % MILLI:
            raise ReturnError(_("This product is returned by the piece"))
        returned = so_far.quantities.get(line_no, 0)
        left = line.quantity - returned
        if qty > left:
            raise ReturnError(
                _("Only {left} of line {n} can still be returned").format(
                    left=format_quantity(left, line.unit), n=line_no
                )
            )
        # cumulative: what the returned units are worth in all, minus what earlier returns refunded,
        # so rounding never adds up across partial returns (and the last units take the rest)
        refunded = Money(so_far.amounts.get(line_no, 0), line.net.currency)
        amount = line.net.scale(returned + qty, line.quantity) - refunded
        # the same for the points the line earned: the last units take back whatever is left
        points = line.points * (returned + qty) // line.quantity - so_far.line_points.get(line_no, 0)
        lines.append(ReturnLine(line_no, qty, amount, line.tax_rate_bp, points))

    completes = all(
        so_far.quantities.get(line.line_no, 0) + wanted.get(line.line_no, 0) >= line.quantity
        for line in sale.lines
    )
    refund_total = Money(sum(rl.amount.minor for rl in lines), sale.total.currency)
    refunds = _refund_tenders(sale, refund_total, so_far, completes)
    if sale.points_by_line:
        points_reversed = sum(rl.points for rl in lines)
    else:  # a sale recorded before lines carried their points: in proportion to the whole sale
        points_reversed = _points_reversed(sale, refund_total, so_far, completes)
        lines = [ReturnLine(rl.line_no, rl.quantity, rl.amount, rl.tax_rate_bp) for rl in lines]
    return ReturnPlan(sale.sale_id, tuple(lines), refunds, points_reversed, completes)


def _refund_tenders(
    sale: SaleRecord, refund_total: Money, so_far: ReturnedSoFar, completes: bool
) -> tuple[RefundTender, ...]:
    currency = refund_total.currency
    remaining = [t.amount.minor - so_far.tender_amounts.get(i, 0) for i, t in enumerate(sale.tenders)]
    if completes:
        shares = remaining
    else:
        shares = [m.minor for m in refund_total.allocate([max(r, 0) for r in remaining])]
        # never give back more than a tender has left; move any excess to tenders with room
        excess = 0
        for i, r in enumerate(remaining):
            if shares[i] > r:
                excess += shares[i] - r
                shares[i] = r
        for i, r in enumerate(remaining):
            room = r - shares[i]
            take = min(room, excess)
            shares[i] += take
            excess -= take
    result = []
    for i, (tender, share) in enumerate(zip(sale.tenders, shares, strict=True)):
        if share == 0:
            continue
        points = 0
        if tender.kind is TenderKind.POINTS:
            given = so_far.tender_points.get(i, 0)
            if completes:
                points = tender.points - given
            else:
                points = tender.points * share // tender.amount.minor if tender.amount.minor else 0
        result.append(
            RefundTender(i, tender.kind, Money(share, currency), tender.provider, tender.reference, points)
        )
    return tuple(result)


def _points_reversed(sale: SaleRecord, refund_total: Money, so_far: ReturnedSoFar, completes: bool) -> int:
    if sale.points_earned <= 0:
        return 0
    if completes:
        return sale.points_earned - so_far.points_reversed
    total = sale.total.minor
    return sale.points_earned * refund_total.minor // total if total else 0


def points_by_line(nets: Sequence[Money], eligible: Sequence[bool], earned: int) -> list[int]:
    """The points a sale ``earned``, shared over its lines in proportion to what each eligible line
    cost (largest remainder, so they add up exactly); a line not eligible for points earned none."""
    weights = [net.minor if ok and net.minor > 0 else 0 for net, ok in zip(nets, eligible, strict=True)]
    if earned <= 0 or not any(weights):
        return [0] * len(nets)
    return [m.minor for m in Money(earned).allocate(weights)]
