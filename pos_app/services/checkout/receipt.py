"""The receipt of a sale: what the customer takes home (and the store keeps with the sale).

Line-level savings (member price, item promotions) are shown under each line; basket-level ones
(满减, coupons) in the totals block; card and payment references are masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_app import config
from pos_app.config import Settings
from pos_app.domain.basket import BasketLine
from pos_app.domain.members import Member, Tier
from pos_app.domain.money import Money
from pos_app.domain.permissions import StaffMember
from pos_app.domain.pricing import OFFER_LABELS, Discount, DiscountSource, OfferKind, Pricing
from pos_app.domain.receipt import (
    ReceiptDocument,
    ReceiptItem,
    ReceiptKind,
    ReceiptMember,
    ReceiptTax,
    ReceiptTender,
    StoreHeader,
)
from pos_app.domain.tenders import Payment
from pos_app.domain.text import Text


def mask_reference(reference: str) -> str:
    """Keep the last 4 characters of a card or payment reference on the receipt."""
    if len(reference) <= 4:
        return reference
    return "*" * min(len(reference) - 4, 8) + reference[-4:]


def store_header(settings: Settings) -> StoreHeader:
    return StoreHeader(
        settings.get(config.STORE_NAME), settings.get(config.STORE_ADDRESS), settings.get(config.STORE_TAX_ID)
    )


@dataclass(frozen=True, slots=True)
class MemberPoints:
    """The member's part of the receipt."""

    member: Member
    tier: Tier | None
    earned: int
    redeemed: int
    balance: int


@dataclass(frozen=True, slots=True)
class SaleReceipt:
    """Who, where and when a sale was made, for its receipt."""

    receipt_no: str
    issued_at: datetime
    cashier: StaffMember
    terminal: str
    store: StoreHeader
    e_receipt_url: str


def sale_receipt(
    head: SaleReceipt,
    final: Pricing,
    basket_lines: list[BasketLine],
    payment: Payment,
    adjustment: Money,
    points: MemberPoints | None,
) -> ReceiptDocument:
    currency = payment.currency
    line_level = sum(d.amount.minor for ln in final.lines for d in ln.discounts if d.source.is_item_level)
    basket_level = tuple(
        (offer_label(d), d.amount)
        for d in final.discounts
        if d.source in (DiscountSource.BASKET_PROMOTION, DiscountSource.COUPON) and d.amount.minor
    )
    # show the line-level savings under each line; basket-level coupons in the totals block
    subtotal_after_items = final.subtotal - Money(line_level, currency)
    return ReceiptDocument(
        kind=ReceiptKind.SALE,
        store=head.store,
        receipt_no=head.receipt_no,
        issued_at=head.issued_at,
        cashier=head.cashier.name,
        terminal=head.terminal,
        items=_items(final, basket_lines),
        subtotal=subtotal_after_items,
        total=final.total - adjustment,
        taxes=tuple(ReceiptTax(t.rate_bp, t.net, t.tax) for t in final.taxes),
        discounts=basket_level,
        rounding=adjustment if adjustment.minor else None,
        tenders=tuple(
            ReceiptTender(
                t.kind, t.amount, t.provider, t.tendered, t.change, mask_reference(t.reference), t.points
            )
            for t in payment.tenders
        ),
        change=payment.change,
        member=_member(points),
        qr_data=head.e_receipt_url,
        qr_caption=Text("扫码查看电子小票 / 退货凭证", "Scan for your e-receipt and returns"),
        currency=currency,
        notes=(final.free_units.rule,) if final.reduced_units else (),
    )


def _items(final: Pricing, basket_lines: list[BasketLine]) -> tuple[ReceiptItem, ...]:
    by_id = {ln.line_id: ln for ln in basket_lines}
    items = []
    for ln in final.lines:
        override = by_id[ln.line_id].override
        items.append(
            ReceiptItem(
                name=ln.product.name,
                sku=ln.product.sku,
                quantity=ln.quantity,
                unit=ln.product.unit,
                unit_price=ln.unit_price,
                gross=ln.gross,
                net=ln.net,
                discounts=tuple(
                    (offer_label(d), d.amount)
                    for d in ln.discounts
                    if d.source.is_item_level and d.amount.minor
                ),
                original_price=override.original if override else None,
                trace=by_id[ln.line_id].trace,
            )
        )
    return tuple(items)


def _member(points: MemberPoints | None) -> ReceiptMember | None:
    if points is None:
        return None
    member = points.member
    return ReceiptMember(
        member.phone_masked or str(member.id),
        points.tier.name if points.tier else Text("会员", "Member"),
        points.earned,
        points.redeemed,
        points.balance,
    )


def offer_label(discount: Discount) -> Text:
    """A discount's name, with the kind of offer after it where a customer may not know it by name
    (满减 ladder, 第二件半价, 买赠)."""
    kind = OFFER_LABELS.get(OfferKind(discount.offer)) if discount.offer else None
    if kind is None:
        return discount.name
    return Text(f"{discount.name.zh}（{kind.zh}）", f"{discount.name.en} ({kind.en})")
