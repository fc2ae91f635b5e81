"""Till totals: the X report (so far, till stays open) and the Z report (closing, with the cash count).

The Z totals travel to the central platform with the till close; the platform recomputes the same
figures from the events it received and the manager sees whether they match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pos_app.domain.money import Money
from pos_app.domain.receipt import Align, Row, StoreHeader
from pos_app.domain.tenders import TenderKind
from pos_app.i18n import N_

TENDER_NAMES = {
    TenderKind.CASH: N_("Cash"),
    TenderKind.CARD: N_("Card"),
    TenderKind.MOBILE: N_("Mobile payment"),
    TenderKind.POINTS: N_("Points"),
}


@dataclass(frozen=True)
class TillTotals:
    till_session_id: str
    terminal: str
    business_day: str
    opened_at: str
    opened_by: str
    opening_float: Money
    sales_count: int
    sales_total: Money  # what customers paid for completed (not voided) sales
    gross_total: Money  # before discounts
    discount_total: Money
    rounding_total: Money
    voids_count: int
    voids_total: Money
    refunds_count: int
    refunds_total: Money
    cash_in: Money
    cash_out: Money
    tenders: dict[str, Money] = field(default_factory=dict)  # kind -> sales tenders - refunds
    taxes: dict[int, tuple[Money, Money]] = field(default_factory=dict)  # rate -> (net, tax)
    coupons_count: int = 0
    coupons_total: Money | None = None
    points_earned: int = 0
    points_redeemed: int = 0
    first_seq: int | None = None
    last_seq: int | None = None

    @property
    def net_total(self) -> Money:
        return self.sales_total - self.refunds_total

    @property
    def expected_cash(self) -> Money:
        cash = self.tenders.get(TenderKind.CASH.value, Money.zero(self.opening_float.currency))
        return self.opening_float + cash + self.cash_in - self.cash_out

    def to_dict(self) -> dict:
        """The figures as plain numbers (minor units), as stored with the Z report and pushed centrally."""
        return {
            "till_session_id": self.till_session_id,
            "terminal": self.terminal,
            "business_day": self.business_day,
            "opening_float": self.opening_float.minor,
            "sales_count": self.sales_count,
            "sales_total": self.sales_total.minor,
            "gross_total": self.gross_total.minor,
            "discount_total": self.discount_total.minor,
            "rounding_total": self.rounding_total.minor,
            "voids_count": self.voids_count,
            "voids_total": self.voids_total.minor,
            "refunds_count": self.refunds_count,
            "refunds_total": self.refunds_total.minor,
            "net_total": self.net_total.minor,
            "cash_in": self.cash_in.minor,
            "cash_out": self.cash_out.minor,
            "expected_cash": self.expected_cash.minor,
            "tenders": {k: v.minor for k, v in sorted(self.tenders.items())},
            "taxes": {str(rate): [net.minor, tax.minor] for rate, (net, tax) in sorted(self.taxes.items())},
            "coupons_count": self.coupons_count,
            "coupons_total": 0 if self.coupons_total is None else self.coupons_total.minor,
            "points_earned": self.points_earned,
            "points_redeemed": self.points_redeemed,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
        }


@dataclass(frozen=True)
class ZReport:
    totals: TillTotals
    z_number: int
    counted_cash: Money
    closed_at: str
    closed_by: str
    journal_head: str

    @property
    def over_short(self) -> Money:
        """Counted minus expected: negative is a shortage."""
        return self.counted_cash - self.totals.expected_cash

    def to_dict(self) -> dict:
        return {
            **self.totals.to_dict(),
            "z_number": self.z_number,
            "counted_cash": self.counted_cash.minor,
            "over_short": self.over_short.minor,
            "closed_at": self.closed_at,
            "closed_by": self.closed_by,
            "journal_head": self.journal_head,
        }


def _rate(rate_bp: int) -> str:
    whole, frac = divmod(rate_bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}%"


def layout_report(
    totals: TillTotals, store: StoreHeader, tr, *, z: ZReport | None = None, printed_at: str = ""
) -> list[Row]:
    """Rows of an X report (``z`` None) or a Z report, for the receipt printer or the screen."""
    title = tr("Z REPORT (till closed)") if z else tr("X REPORT (till open)")
    rows = [
        Row(store.name, align=Align.CENTER, bold=True, large=True),
        Row(title, align=Align.CENTER, bold=True),
        Row(rule="-"),
        Row(
            tr("Till: {code}").format(code=totals.terminal), tr("Day: {day}").format(day=totals.business_day)
        ),
        Row(tr("Opened: {when}").format(when=totals.opened_at[:16].replace("T", " ")), totals.opened_by),
    ]
    if printed_at:
        rows.append(Row(tr("Printed: {when}").format(when=printed_at)))
    if z:
        rows.append(Row(tr("Z number"), str(z.z_number)))
        rows.append(Row(tr("Closed: {when}").format(when=z.closed_at[:16].replace("T", " ")), z.closed_by))
    rows += [
        Row(rule="-"),
        Row(tr("Sales"), f"{totals.sales_count}  {totals.sales_total.plain()}"),
        Row("  " + tr("Before discounts"), totals.gross_total.plain()),
        Row("  " + tr("Discounts"), (-totals.discount_total).plain()),
    ]
    if totals.rounding_total:
        rows.append(Row("  " + tr("Cash rounding"), totals.rounding_total.plain()))
    rows += [
        Row(tr("Refunds"), f"{totals.refunds_count}  {(-totals.refunds_total).plain()}"),
        Row(tr("Voided sales"), f"{totals.voids_count}  {totals.voids_total.plain()}"),
        Row(tr("NET TOTAL"), totals.net_total.plain(), bold=True),
        Row(rule="-"),
        Row(tr("Payments"), bold=True),
    ]
    for kind in TenderKind:
        amount = totals.tenders.get(kind.value)
        if amount is not None:
            rows.append(Row("  " + tr(TENDER_NAMES[kind]), amount.plain()))
    rows += [
        Row(rule="-"),
        Row(tr("Opening float"), totals.opening_float.plain()),
        Row(tr("Cash in"), totals.cash_in.plain()),
        Row(tr("Cash out"), (-totals.cash_out).plain()),
        Row(tr("Expected cash"), totals.expected_cash.plain(), bold=True),
    ]
    if z:
        rows.append(Row(tr("Counted cash"), z.counted_cash.plain(), bold=True))
        label = (
            tr("Over")
            if z.over_short.minor > 0
            else tr("Short")
            if z.over_short.minor < 0
            else tr("Balanced")
        )
        rows.append(Row(label, z.over_short.plain(), bold=True))
    if totals.taxes:
        rows += [Row(rule="-"), Row(tr("VAT rate"), tr("Tax included"), bold=True)]
        for rate, (net, tax) in sorted(totals.taxes.items(), reverse=True):
            rows.append(Row(f"{_rate(rate)}  ({net.plain()})", tax.plain()))
    rows += [
        Row(rule="-"),
        Row(
            tr("Coupons redeemed"),
            f"{totals.coupons_count}  {(totals.coupons_total or Money.zero()).plain()}",
        ),
        Row(tr("Points earned"), str(totals.points_earned)),
        Row(tr("Points redeemed"), str(totals.points_redeemed)),
    ]
    if z:
        rows += [
            Row(rule="-"),
            Row(
                tr("Events {first} to {last}").format(
                    first=totals.first_seq or "-", last=totals.last_seq or "-"
                )
            ),
            Row(tr("Journal head")),
            Row(z.journal_head[:32]),
            Row(z.journal_head[32:]),
        ]
    rows.append(Row(cut=True))
    return rows
