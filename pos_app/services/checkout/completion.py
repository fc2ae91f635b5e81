"""Completing a sale: ONE SQLite transaction writes the sale, its lines and tenders, the stock moves,
the points entries, the coupon redemptions, the journal entry, the outbox event and the receipt job,
and forgets the basket in progress. Only after the commit is the drawer opened and the receipt printed.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from pos_app import config
from pos_app.db import ledger, schema
from pos_app.domain.basket import BasketLine
from pos_app.domain.catalog import OPEN_PRICE_SKU
from pos_app.domain.errors import PaymentError
from pos_app.domain.members import Member, Tier
from pos_app.domain.money import Money
from pos_app.domain.permissions import StaffMember
from pos_app.domain.pricing import CouponOutcome, Pricing, with_adjustment
from pos_app.domain.receipt import ReceiptDocument
from pos_app.domain.returns import points_by_line
from pos_app.domain.tenders import Payment, TenderKind
from pos_app.domain.text import Text
from pos_app.i18n import _
from pos_app.services.checkout.active import delete_statement
from pos_app.services.checkout.points import points_earned, points_redeemed
from pos_app.services.checkout.policy import Seller
from pos_app.services.checkout.receipt import MemberPoints, SaleReceipt, sale_receipt, store_header
from pos_app.services.checkout.sale import CouponNote, SaleInProgress
from pos_app.services.context import TerminalContext, new_id
from pos_app.services.receipts import PrintResult, ReceiptService, add_job
from pos_app.services.recording import next_receipt_no, record
from pos_app.services.till import TillService
from sync.protocol.events import EventType

CASH_ROUNDING_NAME = Text("现金抹零", "Cash rounding")
_INSERT_SALE = schema.sale.insert()


@dataclass(frozen=True)
class CompletedSale:
    sale_id: str
    receipt_no: str
    total: Money
    change: Money
    points_earned: int
    document: ReceiptDocument
    job_id: int
    print_result: PrintResult | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Paid:
    """A settled sale's figures, worked out before its transaction."""

    sale_id: str
    cashier: StaffMember
    final: Pricing  # with the cash rounding as a discount
    payment: Payment
    adjustment: Money
    member: Member | None
    tier: Tier | None
    basket_lines: list[BasketLine]
    coupons: list[CouponOutcome]
    offline_coupons: frozenset[int]
    points_earned: int
    points_redeemed: int
    at: str
    now: datetime

    @property
    def cash_taken(self) -> bool:
        return any(t.kind is TenderKind.CASH for t in self.payment.tenders)


class Completion:
    def __init__(
        self,
        ctx: TerminalContext,
        till: TillService,
        sale: SaleInProgress,
        seller: Seller,
        receipts: ReceiptService,
    ) -> None:
        self.ctx = ctx
        self.till = till
        self.sale = sale
        self.seller = seller
        self.receipts = receipts

    def complete(self, *, print_receipt: bool = True, print_later: bool = False) -> CompletedSale:
        """Write the paid sale in one transaction, then open the drawer and print the receipt (or, with
        ``print_later``, leave the receipt job for the caller to print on the printer's thread)."""
        paid = self._settled(self.seller.require_cashier())
        with self.ctx.db.write() as conn:
            session = self.till.require_open(conn)
            receipt_no = next_receipt_no(
                conn, self.ctx.store_code, self.ctx.terminal_code, session.business_day
            )
            document, job_id = self._write(
                conn, paid, session.id, session.business_day, receipt_no, print_receipt
            )
        self.ctx.events.publish("outbox_appended")
        self.ctx.events.publish(
            "sale_completed", sale_id=paid.sale_id, receipt_no=receipt_no, total=paid.final.total
        )
        self.sale.clear()
        print_result, warnings = self.receipts.after_commit(
            job_id, cash=paid.cash_taken, print_receipt=print_receipt, print_later=print_later
        )
        return CompletedSale(
            paid.sale_id,
            receipt_no,
            paid.final.total,
            paid.payment.change,
            paid.points_earned,
            document,
            job_id,
            print_result,
            tuple(warnings),
        )

    def _settled(self, cashier: StaffMember) -> _Paid:
        """The sale's figures, once it is fully paid for the basket as it is now."""
        sale = self.sale
        sale.require_no_pending_charge()
        payment = sale.payment
        if payment is None or not payment.is_settled:
            due = payment.due if payment else sale.pricing().total
            raise PaymentError(_("{amount} is still to be paid").format(amount=due.plain()))
        pricing = sale.pricing()
        if pricing.total != payment.total:
            raise PaymentError(_("The basket changed after payment started. Take back the payments."))
        adjustment = payment.rounding_adjustment or Money.zero(self.ctx.currency)
        final = with_adjustment(pricing, adjustment, CASH_ROUNDING_NAME)
        member = sale.basket.member
        earned = points_earned(final, payment, sale.basket.tier, self.ctx.points_rule()) if member else 0
        return _Paid(
            sale_id=new_id(),
            cashier=cashier,
            final=final,
            payment=payment,
            adjustment=adjustment,
            member=member,
            tier=sale.basket.tier,
            basket_lines=sale.basket.active_lines,
            coupons=[c for c in pricing.coupons if c.applied],
            offline_coupons=frozenset(
                c.coupon.coupon_id
                for c in pricing.coupons
                if not sale.coupon_notes.get(c.coupon.coupon_id, CouponNote()).reserved_online
            ),
            points_earned=earned,
            points_redeemed=points_redeemed(payment),
            at=self.ctx.clock.utc_iso(),
            now=self.ctx.clock.now(),
        )

    def _write(
        self,
        conn: Connection,
        paid: _Paid,
        session_id: str,
        business_day: str,
        receipt_no: str,
        print_receipt: bool,
    ) -> tuple[ReceiptDocument, int]:
        """Everything the sale writes, inside its one transaction."""
        lines_payload = _insert_sale(conn, paid, receipt_no, session_id, business_day, self.ctx.currency)
        payload = self._event_payload(paid, receipt_no, business_day, lines_payload)
        recorded = record(
            conn,
            event_type=EventType.SALE_COMPLETED,
            payload=payload,
            till_session_id=session_id,
            staff_id=paid.cashier.id,
            ref=paid.sale_id,
            amount=paid.final.total.minor,
            at=paid.at,
            device_id=self.ctx.device_id,
        )
        _insert_ledgers(conn, paid, recorded.outbox_seq)
        document = self._receipt(paid, receipt_no)
        job_id = add_job(conn, paid.sale_id, document, paid.at, skipped=not print_receipt)
        if paid.cash_taken:
            ledger.append_journal(
                conn,
                kind="drawer_open",
                created_at=paid.at,
                staff_id=paid.cashier.id,
                till_session_id=session_id,
                ref=paid.sale_id,
            )
        conn.execute(delete_statement(self.ctx.terminal_code))
        return document, job_id

    def _event_payload(
        self, paid: _Paid, receipt_no: str, business_day: str, lines_payload: list[dict]
    ) -> dict:
        final, member = paid.final, paid.member
        return {
            "sale_id": paid.sale_id,
            "receipt_no": receipt_no,
            "store_code": self.ctx.store_code,
            "terminal_code": self.ctx.terminal_code,
            "business_day": business_day,
            "staff_id": paid.cashier.id,
            "member_id": member.id if member else None,
            "currency": self.ctx.currency,
            "subtotal": final.subtotal.minor,
            "discount_total": (final.subtotal - final.total).minor,
            "rounding": paid.adjustment.minor,
            "total": final.total.minor,
            "change": paid.payment.change.minor,
            "lines": lines_payload,
            "tenders": [t.to_dict() for t in paid.payment.tenders],
            "coupons": [
                {
                    "coupon_id": c.coupon.coupon_id,
                    "campaign_id": c.coupon.campaign_id,
                    "amount": c.amount.minor,
                }
                for c in paid.coupons
            ],
            "points": {"earned": paid.points_earned, "redeemed": paid.points_redeemed},
            "stock": [{"product_id": ln.product.id, "delta": -ln.quantity} for ln in _stocked(final.lines)],
        }

    def _receipt(self, paid: _Paid, receipt_no: str) -> ReceiptDocument:
        settings = self.ctx.settings
        head = SaleReceipt(
            receipt_no=receipt_no,
            issued_at=paid.now,
            cashier=paid.cashier,
            terminal=self.ctx.terminal_code,
            store=store_header(settings),
            e_receipt_url=settings.get(config.E_RECEIPT_URL).rstrip("/") + "/" + receipt_no,
        )
        points = None
        if paid.member is not None:
            balance = paid.member.points_balance - paid.points_redeemed + paid.points_earned
            points = MemberPoints(paid.member, paid.tier, paid.points_earned, paid.points_redeemed, balance)
        return sale_receipt(head, paid.final, paid.basket_lines, paid.payment, paid.adjustment, points)


def _insert_sale(
    conn: Connection, paid: _Paid, receipt_no: str, session_id: str, business_day: str, currency: str
) -> list[dict]:
    """The sale row, its lines and its tenders; returns the lines as the sale event carries them."""
    final, member = paid.final, paid.member
    conn.execute(
        _INSERT_SALE,
        {
            "id": paid.sale_id,
            "receipt_no": receipt_no,
            "till_session_id": session_id,
            "business_day": business_day,
            "staff_id": paid.cashier.id,
            "member_id": member.id if member else None,
            "currency": currency,
            "subtotal": final.subtotal.minor,
            "discount_total": (final.subtotal - final.total).minor,
            "rounding": paid.adjustment.minor,
            "total": final.total.minor,
            "change": paid.payment.change.minor,
            "points_earned": paid.points_earned,
            "points_redeemed": paid.points_redeemed,
            "created_at": paid.at,
        },
    )
    rows, payload = _line_rows(paid)
    conn.execute(schema.sale_line.insert(), rows)
    conn.execute(
        schema.tender.insert(),
        [
            {
                "sale_id": paid.sale_id,
                "seq": i,
                "kind": t.kind.value,
                "amount": t.amount.minor,
                "tendered": t.tendered.minor if t.tendered is not None else None,
                "change": t.change.minor if t.change is not None else None,
                "provider": t.provider,
                "reference": t.reference,
                "points": t.points,
            }
            for i, t in enumerate(paid.payment.tenders)
        ],
    )
    return payload


def _line_rows(paid: _Paid) -> tuple[list[dict], list[dict]]:
    """The sale's line rows, and the same lines as the sale event carries them."""
    basket_lines = {ln.line_id: ln for ln in paid.basket_lines}
    rows, payload = [], []
    earned = points_by_line(
        [ln.net for ln in paid.final.lines],
        [ln.product.points_eligible for ln in paid.final.lines],
        paid.points_earned,
    )
    for line_no, ln in enumerate(paid.final.lines, start=1):
        override = basket_lines[ln.line_id].override
        discounts = [
            {
                "source": d.source.value,
                "ref": d.ref,
                "zh": d.name.zh,
                "en": d.name.en,
                "amount": d.amount.minor,
                "offer": d.offer,
            }
            for d in ln.discounts
        ]
        row = {
            "sale_id": paid.sale_id,
            "line_no": line_no,
            "product_id": ln.product.id,
            "sku": ln.product.sku,
            "name_zh": ln.product.name.zh,
            "name_en": ln.product.name.en,
            "unit": ln.product.unit.value,
            "quantity": ln.quantity,
            "unit_price": ln.unit_price.minor,
            "original_price": override.original.minor if override else None,
            "override_by": override.approved_by if override else None,
            "gross": ln.gross.minor,
            "discount": ln.discount_total.minor,
            "net": ln.net.minor,
            "tax_rate_bp": ln.product.tax_rate_bp,
            "discounts": json.dumps(discounts, ensure_ascii=False),
            "trace": basket_lines[ln.line_id].trace,
            "points": earned[line_no - 1],
        }
        rows.append(row)
        payload.append(
            {
                **{k: v for k, v in row.items() if k not in ("sale_id", "discounts", "name_zh", "name_en")},
                "discounts": discounts,
            }
        )
    return rows, payload


def _insert_ledgers(conn: Connection, paid: _Paid, seq: int) -> None:
    """The sale's stock moves, points entries and coupon redemptions, tied to its outbox event."""
    at, sale_id = paid.at, paid.sale_id
    moves = [
        {
            "product_id": ln.product.id,
            "delta": -ln.quantity,
            "reason": "sale",
            "ref": sale_id,
            "outbox_seq": seq,
            "created_at": at,
        }
        for ln in _stocked(paid.final.lines)
    ]
    if moves:
        conn.execute(schema.stock_move.insert(), moves)
    if paid.member is not None:
        entries = []
        if paid.points_earned:
            entries.append({"delta": paid.points_earned, "kind": "earn"})
        if paid.points_redeemed:
            entries.append({"delta": -paid.points_redeemed, "kind": "redeem"})
        if entries:
            conn.execute(
                schema.points_entry.insert(),
                [
                    {**e, "member_id": paid.member.id, "ref": sale_id, "outbox_seq": seq, "created_at": at}
                    for e in entries
                ],
            )
    if paid.coupons:
        conn.execute(
            schema.coupon_redemption.insert(),
            [
                {
                    "coupon_id": c.coupon.coupon_id,
                    "campaign_id": c.coupon.campaign_id,
                    "sale_id": sale_id,
                    "amount": c.amount.minor,
                    "offline": c.coupon.coupon_id in paid.offline_coupons,
                    "outbox_seq": seq,
                    "created_at": at,
                }
                for c in paid.coupons
            ],
        )


def _stocked(lines):
    """The lines that move stock: not the "other item" (goods without a barcode are not counted)."""
    return [ln for ln in lines if ln.product.sku != OPEN_PRICE_SKU]
