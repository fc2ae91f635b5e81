"""Immutable snapshots of the checkout for the screen.

Built on the database worker right after a service call (the services' basket is only ever touched
there) and handed to the GUI thread, which renders them without calling back into the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.catalog import Unit, format_quantity
from pos_app.domain.money import Money
from pos_app.domain.pricing import DiscountSource
from pos_app.domain.tenders import PROVIDER_LABELS, TenderKind
from pos_app.i18n import _, current_language
from pos_app.services.checkout import CheckoutService


def money(amount: Money | None) -> str:
    """``¥12.50`` / ``-¥3.00`` for the screen."""
    if amount is None:
        return ""
    sign = "-" if amount.minor < 0 else ""
    return f"{sign}¥{abs(amount).plain()}"


@dataclass(frozen=True, slots=True)
class LineView:
    line_id: int
    name: str
    sku: str
    quantity: str  # "2" or "0.650 kg"
    unit_price: str  # "¥4.00" or "¥12.98/kg"
    gross: str
    net: str  # after the line's own discounts (member price, item promotions), as the receipt shows it
    discounts: tuple[tuple[str, str], ...]  # its own (basket-level ones are rows of their own)
    voided: bool
    weighed: bool
    price_note: str  # "was ¥5.00" after an override
    amount: Money  # what the line costs after its own discounts


@dataclass(frozen=True, slots=True)
class CouponView:
    coupon_id: int
    text: str
    applied: bool


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: int
    phone: str
    tier: str
    points: int


@dataclass(frozen=True, slots=True)
class TenderView:
    label: str
    amount: str
    detail: str


@dataclass(frozen=True, slots=True)
class PendingView:
    """A card or mobile charge sent to a device and not answered yet: the till must resolve it."""

    kind: str  # card, code, qr
    amount: Money
    state: str  # sent, unknown, waiting (a QR code shown)
    provider: str
    code: str


@dataclass(frozen=True, slots=True)
class PaymentView:
    total: Money
    due: Money
    cash_due: Money
    change: Money
    tenders: tuple[TenderView, ...]
    settled: bool
    points_available: int
    points_value_per_100: int


@dataclass(frozen=True, slots=True)
class BasketView:
    basket_id: str
    lines: tuple[LineView, ...]
    item_count: int
    subtotal: Money
    discounts: tuple[tuple[str, str], ...]  # basket-level (满减, coupons) and the item-level total
    discount_total: Money
    basket_discounts: tuple[tuple[str, str], ...]  # basket-level only: the basket's rows under the lines
    total: Money
    tax: Money  # VAT contained in the total, all rates
    member: MemberView | None
    coupons: tuple[CouponView, ...]
    payment: PaymentView | None
    pending: PendingView | None = None

    @property
    def empty(self) -> bool:
        return not any(not line.voided for line in self.lines)


def tender_label(kind: TenderKind, provider: str) -> str:
    if kind is TenderKind.MOBILE and provider in PROVIDER_LABELS:
        return _(PROVIDER_LABELS[provider])
    return kind.label


def snapshot(checkout: CheckoutService) -> BasketView:
    """Runs on the database worker thread."""
    language = current_language()
    basket = checkout.basket
    pricing = checkout.pricing()
    priced = {line.line_id: line for line in pricing.lines}
    lines = []
    count = 0
    for line in basket.lines:
        product = line.product
        weighed = product.unit is Unit.KG
        p = priced.get(line.line_id)
        qty = format_quantity(line.quantity, product.unit)
        if not line.voided:
            count += 1 if weighed else line.quantity // 1000
        gross = p.gross if p else product.price_for(line.quantity, line.unit_price)
        if line.fixed_amount is not None:
            gross = line.fixed_amount
        own = tuple(d for d in (p.discounts if p else ()) if d.source.is_item_level and d.amount.minor)
        after_own = Money(gross.minor - sum(d.amount.minor for d in own), gross.currency)
        lines.append(
            LineView(
                line_id=line.line_id,
                name=product.name.get(language),
                sku=product.sku,
                quantity=f"{qty} kg" if weighed else qty,
                unit_price=money(line.unit_price) + ("/kg" if weighed else ""),
                gross=money(gross),
                net=money(after_own),
                discounts=tuple((d.name.get(language), money(-d.amount)) for d in own),
                voided=line.voided,
                weighed=weighed,
                price_note=_("was {price}").format(price=money(line.override.original))
                if line.override
                else "",
                amount=after_own,
            )
        )
    item_level = Money(
        sum(d.amount.minor for d in pricing.discounts if d.source.is_item_level), pricing.total.currency
    )
    basket_discounts = tuple(
        (d.name.get(language), money(-d.amount))
        for d in pricing.discounts
        if d.source in (DiscountSource.BASKET_PROMOTION, DiscountSource.COUPON) and d.amount.minor
    )
    discounts: list[tuple[str, str]] = []
    if item_level.minor:
        discounts.append((_("Item discounts"), money(-item_level)))
    discounts.extend(basket_discounts)
    member = None
    if basket.member is not None:
        tier = basket.tier.name.get(language) if basket.tier else ""
        member = MemberView(basket.member.id, basket.member.phone_masked, tier, basket.member.points_balance)
    coupons = tuple(
        CouponView(o.coupon.coupon_id, checkout.coupon_message(o.coupon.coupon_id), o.applied)
        for o in pricing.coupons
    )
    payment = None
    if checkout.payment is not None:
        pay = checkout.payment
        tenders = []
        for t in pay.tenders:
            detail = ""
            if t.kind is TenderKind.CASH and t.tendered is not None:
                detail = _("received {amount}").format(amount=money(t.tendered))
            elif t.kind is TenderKind.POINTS:
                detail = _("{points} points").format(points=t.points)
            elif t.reference:
                detail = t.reference[-6:]
            tenders.append(TenderView(tender_label(t.kind, t.provider), money(t.amount), detail))
        payment = PaymentView(
            total=pay.total,
            due=pay.due,
            cash_due=pay.cash_due(),
            change=pay.change,
            tenders=tuple(tenders),
            settled=pay.is_settled,
            points_available=checkout.points_available() if basket.member else 0,
            points_value_per_100=checkout.ctx.points_rule().fen_per_100_points,
        )
    pending = None
    raw = checkout.pending_charge
    if raw is not None:
        pending = PendingView(
            raw["kind"],
            Money(raw["amount"], raw["currency"]),
            raw.get("state", ""),
            raw.get("provider", ""),
            raw.get("code", ""),
        )
    return BasketView(
        basket_id=basket.id,
        lines=tuple(lines),
        item_count=count,
        subtotal=pricing.subtotal,
        discounts=tuple(discounts),
        discount_total=pricing.discount_total,
        basket_discounts=basket_discounts,
        total=pricing.total,
        tax=Money(sum(t.tax.minor for t in pricing.taxes), pricing.total.currency),
        member=member,
        coupons=coupons,
        payment=payment,
        pending=pending,
    )
