"""Finding past sales, voiding a sale, and returns against a receipt.

A void cancels a whole sale of the open till session (a supervisor approves); a return refunds some or
all of a sale's goods at that sale's prices and discounts, to the tenders it was paid with. Both put
the goods back in stock, reverse the member's points and release single-use coupons -- in one
transaction with their journal entry and outbox event, like a sale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from pos_app.db import ledger, schema
from pos_app.domain.catalog import OPEN_PRICE_SKU, Unit, tax_contained
from pos_app.domain.errors import DomainError, ReturnError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Approval, Permission, StaffMember
from pos_app.domain.receipt import (
    ReceiptDocument,
    ReceiptItem,
    ReceiptKind,
    ReceiptTax,
    ReceiptTender,
)
from pos_app.domain.returns import PaidTender, ReturnedSoFar, ReturnPlan, SaleRecord, SoldLine, plan_return
from pos_app.domain.tenders import TenderKind
from pos_app.domain.text import Text
from pos_app.i18n import _
from pos_app.services.checkout.receipt import mask_reference, store_header
from pos_app.services.context import TerminalContext, new_id
from pos_app.services.receipts import PrintResult, ReceiptService, add_job
from pos_app.services.recording import next_receipt_no, record
from pos_app.services.till import TillService
from sync.protocol.events import EventType

_RECEIPT_NO = re.compile(r"[A-Z0-9]{1,12}-[A-Z0-9]{1,12}-\d{6}-\d{4,}")


def receipt_no_from_scan(text: str) -> str | None:
    """The receipt number in a scanned receipt QR (our e-receipt link) or typed by the cashier."""
    match = _RECEIPT_NO.search(text.strip().upper())
    return match.group(0) if match else None


def receipt_from_sale_scan(text: str, e_receipt_url: str) -> str | None:
    """The receipt number when a code scanned (or typed) on the sale screen is a receipt: the QR code
    printed on our receipts (``e_receipt_url`` + number) or a receipt number on its own. A customer
    who brings a receipt back wants a return, never a product rung up."""
    cleaned = text.strip()
    base = e_receipt_url.strip().rstrip("/").lower()
    if base and cleaned.lower().startswith(base + "/"):
        return receipt_no_from_scan(cleaned[len(base) + 1 :])
    if _RECEIPT_NO.fullmatch(cleaned.upper()):
        return cleaned.upper()
    return None


@dataclass(frozen=True)
class CompletedRefund:
    refund_id: str
    receipt_no: str
    plan: ReturnPlan
    document: ReceiptDocument
    job_id: int
    print_result: PrintResult | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompletedVoid:
    sale_id: str
    receipt_no: str  # the void slip's own number
    document: ReceiptDocument
    job_id: int
    print_result: PrintResult | None
    warnings: tuple[str, ...] = ()
    original_receipt_no: str = ""  # the sale that was voided


class SalesService:
    def __init__(self, ctx: TerminalContext, till: TillService) -> None:
        self.ctx = ctx
        self.till = till
        self.receipts = ReceiptService(ctx)

    # --- lookup -----------------------------------------------------------------------------------
    def sale_record(self, receipt_no_or_id: str) -> SaleRecord:
        with self.ctx.db.read() as conn:
            return self._record(conn, self._sale_id(conn, receipt_no_or_id))

    def _sale_id(self, conn: Connection, key: str) -> str:
        s = schema.sale
        receipt_no = receipt_no_from_scan(key)
        sale_id = None
        if receipt_no:
            sale_id = conn.execute(select(s.c.id).where(s.c.receipt_no == receipt_no)).scalar()
        if sale_id is None:
            sale_id = conn.execute(select(s.c.id).where(s.c.id == key.strip())).scalar()
        if sale_id is None:
            raise ReturnError(_("No sale with this receipt on this till"))
        return sale_id

    def _record(self, conn: Connection, sale_id: str) -> SaleRecord:
        cur = self.ctx.currency
        row = conn.execute(select(schema.sale).where(schema.sale.c.id == sale_id)).one()
        lines = tuple(
            SoldLine(
                r.line_no,
                r.product_id,
                r.sku,
                Text(r.name_zh, r.name_en),
                Unit(r.unit),
                r.quantity,
                Money(r.unit_price, cur),
                Money(r.gross, cur),
                Money(r.net, cur),
                r.tax_rate_bp,
                r.points,
            )
            for r in conn.execute(
                select(schema.sale_line)
                .where(schema.sale_line.c.sale_id == sale_id)
                .order_by(schema.sale_line.c.line_no)
            )
        )
        tenders = tuple(
            PaidTender(TenderKind(r.kind), Money(r.amount, cur), r.provider, r.reference, r.points)
            for r in conn.execute(
                select(schema.tender).where(schema.tender.c.sale_id == sale_id).order_by(schema.tender.c.seq)
            )
        )
        return SaleRecord(
            sale_id, row.receipt_no, lines, tenders, row.member_id, row.points_earned, row.status == "voided"
        )

    def returned_so_far(self, sale_id: str) -> ReturnedSoFar:
        with self.ctx.db.read() as conn:
            return self._so_far(conn, sale_id)

    def _so_far(self, conn: Connection, sale_id: str) -> ReturnedSoFar:
        r, rl, rt = schema.refund, schema.refund_line, schema.refund_tender
        quantities: dict[int, int] = {}
        amounts: dict[int, int] = {}
        line_points: dict[int, int] = {}
        for line_no, qty, amount, points in conn.execute(
            select(rl.c.line_no, func.sum(rl.c.quantity), func.sum(rl.c.amount), func.sum(rl.c.points))
            .join(r, r.c.id == rl.c.refund_id)
            .where(r.c.sale_id == sale_id)
            .group_by(rl.c.line_no)
        ):
            quantities[line_no], amounts[line_no], line_points[line_no] = int(qty), int(amount), int(points)
        tender_amounts: dict[int, int] = {}
        tender_points: dict[int, int] = {}
        for index, amount, points in conn.execute(
            select(rt.c.tender_index, func.sum(rt.c.amount), func.sum(rt.c.points))
            .join(r, r.c.id == rt.c.refund_id)
            .where(r.c.sale_id == sale_id)
            .group_by(rt.c.tender_index)
        ):
            tender_amounts[index], tender_points[index] = int(amount), int(points)
        reversed_points = conn.execute(
            select(func.coalesce(func.sum(r.c.points_reversed), 0)).where(r.c.sale_id == sale_id)
        ).scalar_one()
        return ReturnedSoFar(
            quantities, amounts, tender_amounts, tender_points, int(reversed_points), line_points
        )

    # --- returns ----------------------------------------------------------------------------------
    def plan_return(self, receipt_no_or_id: str, quantities: dict[int, int]) -> ReturnPlan:
        with self.ctx.db.read() as conn:
            sale_id = self._sale_id(conn, receipt_no_or_id)
            return plan_return(self._record(conn, sale_id), quantities, self._so_far(conn, sale_id))

    def complete_return(
        self,
        cashier: StaffMember,
        receipt_no_or_id: str,
        quantities: dict[int, int],
        *,
        approval: Approval | None = None,
        reason: str = "",
        print_receipt: bool = True,
        print_later: bool = False,
    ) -> CompletedRefund:
        (approval.staff if approval else cashier).require(Permission.RETURN)
        at = self.ctx.clock.utc_iso()
        now = self.ctx.clock.now()
        refund_id = new_id()
        with self.ctx.db.write() as conn:
            session = self.till.require_open(conn)
            sale_id = self._sale_id(conn, receipt_no_or_id)
            sale = self._record(conn, sale_id)
            # planned inside the write transaction: two tills cannot both return the last unit
            plan = plan_return(sale, quantities, self._so_far(conn, sale_id))
            receipt_no = next_receipt_no(
                conn, self.ctx.store_code, self.ctx.terminal_code, session.business_day
            )
            points_returned = sum(rt.points for rt in plan.refunds if rt.kind is TenderKind.POINTS)
            conn.execute(
                schema.refund.insert().values(
                    id=refund_id,
                    receipt_no=receipt_no,
                    sale_id=sale_id,
                    till_session_id=session.id,
                    business_day=session.business_day,
                    staff_id=cashier.id,
                    approved_by=approval.staff_id if approval else None,
                    total=plan.total.minor,
                    points_reversed=plan.points_reversed,
                    points_returned=points_returned,
                    reason=reason,
                    created_at=at,
                )
            )
            conn.execute(
                schema.refund_line.insert(),
                [
                    {
                        "refund_id": refund_id,
                        "line_no": rl.line_no,
                        "quantity": rl.quantity,
                        "amount": rl.amount.minor,
                        "tax_rate_bp": rl.tax_rate_bp,
                        "points": rl.points,
                    }
                    for rl in plan.lines
                ],
            )
            conn.execute(
                schema.refund_tender.insert(),
                [
                    {
                        "refund_id": refund_id,
                        "seq": i,
                        "tender_index": rt.tender_index,
                        "kind": rt.kind.value,
                        "amount": rt.amount.minor,
                        "provider": rt.provider,
                        "reference": rt.reference,
                        "points": rt.points,
                    }
                    for i, rt in enumerate(plan.refunds)
                ],
            )
            products = {ln.line_no: ln for ln in sale.lines}
            stock = [
                {"product_id": products[rl.line_no].product_id, "delta": rl.quantity}
                for rl in plan.lines
                if products[rl.line_no].sku != OPEN_PRICE_SKU  # an other item is not stocked
            ]
            payload = {
                "refund_id": refund_id,
                "receipt_no": receipt_no,
                "sale_id": sale_id,
                "original_receipt_no": sale.receipt_no,
                "store_code": self.ctx.store_code,
                "terminal_code": self.ctx.terminal_code,
                "business_day": session.business_day,
                "staff_id": cashier.id,
                "approved_by": approval.staff_id if approval else None,
                "member_id": sale.member_id,
                "total": plan.total.minor,
                "lines": [
                    {
                        "line_no": rl.line_no,
                        "quantity": rl.quantity,
                        "amount": rl.amount.minor,
                        "tax_rate_bp": rl.tax_rate_bp,
                    }
                    for rl in plan.lines
                ],
                "tenders": [
                    {
                        "kind": rt.kind.value,
                        "amount": rt.amount.minor,
                        "provider": rt.provider,
                        "reference": rt.reference,
                        "points": rt.points,
                    }
                    for rt in plan.refunds
                ],
                "points": {"reversed": plan.points_reversed, "returned": points_returned},
                "stock": stock,
                "reason": reason,
            }
            seq = record(
                conn,
                event_type=EventType.REFUND_ISSUED,
                payload=payload,
                till_session_id=session.id,
                staff_id=cashier.id,
                ref=refund_id,
                amount=-plan.total.minor,
                at=at,
                device_id=self.ctx.device_id,
            ).outbox_seq
            self._stock_back(conn, stock, "refund", refund_id, seq, at)
            self._points_back(conn, sale.member_id, points_returned, plan.points_reversed, refund_id, seq, at)
            if plan.completes_sale:
                self._release_coupons(conn, sale_id)
            document = self._document(ReceiptKind.REFUND, receipt_no, sale, plan, now, cashier)
            job_id = add_job(conn, refund_id, document, at, skipped=not print_receipt)
            cash_back = any(rt.kind is TenderKind.CASH for rt in plan.refunds)
            if cash_back:
                ledger.append_journal(
                    conn,
                    kind="drawer_open",
                    created_at=at,
                    staff_id=cashier.id,
                    till_session_id=session.id,
                    ref=refund_id,
                )
        self.ctx.events.publish("outbox_appended")
        result, warnings = self.receipts.after_commit(
            job_id, cash=cash_back, print_receipt=print_receipt, print_later=print_later
        )
        return CompletedRefund(refund_id, receipt_no, plan, document, job_id, result, tuple(warnings))

    # --- void -------------------------------------------------------------------------------------
    def void_sale(
        self,
        cashier: StaffMember,
        receipt_no_or_id: str,
        approval: Approval | None,
        reason: str,
        *,
        print_receipt: bool = True,
        print_later: bool = False,
    ) -> CompletedVoid:
        """Cancel a whole sale of the open till session; everything it paid goes back the way it came."""
        (approval.staff if approval else cashier).require(Permission.VOID_SALE)
        if not reason.strip():
            raise DomainError(_("Say why the sale is voided"), code="reason")
        at = self.ctx.clock.utc_iso()
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            session = self.till.require_open(conn)
            sale_id = self._sale_id(conn, receipt_no_or_id)
            row = conn.execute(select(schema.sale).where(schema.sale.c.id == sale_id)).one()
            if row.status == "voided":
                raise DomainError(_("This sale is already voided"), code="voided")
            if row.till_session_id != session.id:
                raise DomainError(
                    _("Only sales of the open till can be voided; take a return instead"),
                    code="other_session",
                )
            if conn.execute(select(schema.refund.c.id).where(schema.refund.c.sale_id == sale_id)).first():
                raise DomainError(
                    _("Goods of this sale were returned; take a return for the rest"), code="refunded"
                )
            sale = self._record(conn, sale_id)
            conn.execute(
                update(schema.sale)
                .where(schema.sale.c.id == sale_id)
                .values(
                    status="voided",
                    voided_at=at,
                    voided_by=approval.staff_id if approval else cashier.id,
                    void_reason=reason,
                )
            )
            receipt_no = next_receipt_no(
                conn, self.ctx.store_code, self.ctx.terminal_code, session.business_day
            )
            stock = [
                {"product_id": ln.product_id, "delta": ln.quantity}
                for ln in sale.lines
                if ln.sku != OPEN_PRICE_SKU
            ]
            points_redeemed = row.points_redeemed
            payload = {
                "sale_id": sale_id,
                "receipt_no": receipt_no,
                "original_receipt_no": sale.receipt_no,
                "store_code": self.ctx.store_code,
                "terminal_code": self.ctx.terminal_code,
                "business_day": session.business_day,
                "staff_id": cashier.id,
                "approved_by": approval.staff_id if approval else None,
                "member_id": sale.member_id,
                "total": row.total,
                "points": {"reversed": row.points_earned, "returned": points_redeemed},
                "stock": stock,
                "reason": reason,
            }
            seq = record(
                conn,
                event_type=EventType.SALE_VOIDED,
                payload=payload,
                till_session_id=session.id,
                staff_id=cashier.id,
                ref=sale_id,
                amount=-row.total,
                at=at,
                device_id=self.ctx.device_id,
            ).outbox_seq
            self._stock_back(conn, stock, "void", sale_id, seq, at)
            self._points_back(conn, sale.member_id, points_redeemed, row.points_earned, sale_id, seq, at)
            self._release_coupons(conn, sale_id)
            plan = plan_return(sale, {ln.line_no: ln.quantity for ln in sale.lines})
            document = self._document(ReceiptKind.VOID, receipt_no, sale, plan, now, cashier)
            job_id = add_job(conn, sale_id, document, at, skipped=not print_receipt)
            cash_back = any(t.kind is TenderKind.CASH for t in sale.tenders)
            if cash_back:
                ledger.append_journal(
                    conn,
                    kind="drawer_open",
                    created_at=at,
                    staff_id=cashier.id,
                    till_session_id=session.id,
                    ref=sale_id,
                )
        self.ctx.events.publish("outbox_appended")
        result, warnings = self.receipts.after_commit(
            job_id, cash=cash_back, print_receipt=print_receipt, print_later=print_later
        )
        return CompletedVoid(sale_id, receipt_no, document, job_id, result, tuple(warnings), sale.receipt_no)

    # --- shared -----------------------------------------------------------------------------------
    @staticmethod
    def _stock_back(conn: Connection, stock: list[dict], reason: str, ref: str, seq: int, at: str) -> None:
        if not stock:
            return
        conn.execute(
            schema.stock_move.insert(),
            [
                {
                    "product_id": s["product_id"],
                    "delta": s["delta"],
                    "reason": reason,
                    "ref": ref,
                    "outbox_seq": seq,
                    "created_at": at,
                }
                for s in stock
            ],
        )

    @staticmethod
    def _points_back(
        conn: Connection, member_id: int | None, returned: int, reversed_: int, ref: str, seq: int, at: str
    ) -> None:
        if member_id is None:
            return
        entries = []
        if returned:
            entries.append({"delta": returned, "kind": "refund"})
        if reversed_:
            entries.append({"delta": -reversed_, "kind": "reverse"})
        if entries:
            conn.execute(
                schema.points_entry.insert(),
                [
                    {**e, "member_id": member_id, "ref": ref, "outbox_seq": seq, "created_at": at}
                    for e in entries
                ],
            )

    @staticmethod
    def _release_coupons(conn: Connection, sale_id: str) -> None:
        conn.execute(
            update(schema.coupon_redemption)
            .where(
                schema.coupon_redemption.c.sale_id == sale_id, schema.coupon_redemption.c.status == "redeemed"
            )
            .values(status="reversed")
        )

    def _document(
        self,
        kind: ReceiptKind,
        receipt_no: str,
        sale: SaleRecord,
        plan: ReturnPlan,
        now,
        cashier: StaffMember,
    ) -> ReceiptDocument:
        lines = {ln.line_no: ln for ln in sale.lines}
        items = []
        for rl in plan.lines:
            ln = lines[rl.line_no]
            gross = ln.gross.scale(rl.quantity, ln.quantity)
            items.append(ReceiptItem(ln.name, ln.sku, rl.quantity, ln.unit, ln.unit_price, gross, rl.amount))
        subtotal = Money(sum(i.gross.minor for i in items), self.ctx.currency)
        taxes: dict[int, int] = {}
        for rl in plan.lines:
            taxes[rl.tax_rate_bp] = taxes.get(rl.tax_rate_bp, 0) + rl.amount.minor
        return ReceiptDocument(
            kind=kind,
            store=store_header(self.ctx.settings),
            receipt_no=receipt_no,
            issued_at=now,
            cashier=cashier.name,
            terminal=self.ctx.terminal_code,
            items=tuple(items),
            subtotal=subtotal,
            total=plan.total,
            taxes=tuple(
                ReceiptTax(
                    rate, Money(net, self.ctx.currency), tax_contained(Money(net, self.ctx.currency), rate)
                )
                for rate, net in sorted(taxes.items(), reverse=True)
            ),
            discounts=((Text("原销售折扣", "Discounts of the sale"), subtotal - plan.total),)
            if subtotal != plan.total
            else (),
            tenders=tuple(
                ReceiptTender(
                    rt.kind, rt.amount, rt.provider, reference=mask_reference(rt.reference), points=rt.points
                )
                for rt in plan.refunds
            ),
            original_receipt_no=sale.receipt_no,
            footer=Text("退款将原路退回", "Refunds go back the way they were paid"),
            currency=self.ctx.currency,
        )
