"""Preparing and handing over online orders picked up in store.

Staff prepare a paid order in the store and mark it ready at the till (``PickupMarkedReady``, which
syncs: the platform's order, and every other till, say "ready" too). To be handed over the order must
be paid and ready. When the platform answers quickly its word is final (a cancelled
order is refused); offline, only an order pulled as paid and ready is handed over, and a late online
cancel then surfaces as an exception at reconciliation -- the handover wins, as the customer has the
goods.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select, update

from pos_app.db import schema
from pos_app.domain.errors import DomainError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission, StaffMember
from pos_app.domain.text import Text
from pos_app.i18n import _
from pos_app.services.context import TerminalContext
from pos_app.services.recording import record
from pos_app.services.till import TillService
from sync.protocol.events import EventType

STATUS_LABELS = {
    "created": Text("待付款", "Awaiting payment"),
    "paid": Text("已付款，备货中", "Paid, being prepared"),
    "ready": Text("待提货", "Ready for pickup"),
    "handed_over": Text("已提货", "Picked up"),
    "cancelled": Text("已取消", "Cancelled"),
}


@dataclass(frozen=True)
class PickupLine:
    product_id: int
    sku: str
    name: Text
    quantity: int
    amount: Money


@dataclass(frozen=True)
class PickupOrder:
    id: int
    code: str
    status: str
    paid: bool
    customer_masked: str
    lines: tuple[PickupLine, ...]
    total: Money
    handed_over_here: bool
    checked_online: bool

    @property
    def status_label(self) -> Text:
        return STATUS_LABELS.get(self.status, Text(self.status, self.status))


class PickupService:
    def __init__(self, ctx: TerminalContext, till: TillService) -> None:
        self.ctx = ctx
        self.till = till

    def find(self, code: str | None = None, order_id: int | None = None) -> PickupOrder:
        """The order for a scanned pickup QR (``order_id``) or the 6 digits the customer reads out."""
        po = schema.pickup_order
        with self.ctx.db.read() as conn:
            query = select(po)
            if order_id is not None:
                query = query.where(po.c.id == order_id)
            elif code is not None and code.isdigit() and len(code) == 6:
                query = query.where(po.c.code == code, po.c.status != "cancelled").order_by(po.c.id.desc())
            else:
                raise DomainError(_("A pickup code has 6 digits"), code="pickup_code")
            row = conn.execute(query).first()
            if row is None:
                raise DomainError(
                    _("No pickup order with this code on this till. Sync and try again."), code="no_order"
                )
            handed = (
                conn.execute(
                    select(schema.pickup_handover.c.order_id).where(
                        schema.pickup_handover.c.order_id == row.id
                    )
                ).first()
                is not None
            )
        status, paid, checked = row.status, bool(row.paid), False
        online = self.ctx.online.pickup_status(row.id)
        if online is not None:
            answer = online.get("status", status)
            # marked ready here and not sent yet: the platform still says "paid" (never back from ready)
            if not (answer == "paid" and status == "ready"):
                status = answer
            paid, checked = bool(online.get("paid", paid)), True
        cur = self.ctx.currency
        lines = tuple(
            PickupLine(
                ln["product_id"],
                ln["sku"],
                Text(ln["name_zh"], ln["name_en"]),
                ln["quantity"],
                Money(ln["amount"], cur),
            )
            for ln in json.loads(row.lines)
        )
        return PickupOrder(
            row.id, row.code, status, paid, row.customer_masked, lines, Money(row.total, cur), handed, checked
        )

    def mark_ready(self, staff: StaffMember, order_id: int) -> PickupOrder:
        """The order is prepared: ready for pickup here and, once synced, everywhere. Only a paid
        order being prepared; one that is ready already is left as it is."""
        staff.require(Permission.SELL)
        order = self.find(order_id=order_id)
        if order.handed_over_here or order.status == "handed_over":
            raise DomainError(_("This order was already picked up"), code="handed_over")
        if order.status == "cancelled":
            raise DomainError(_("This order was cancelled online. Do not hand it over."), code="cancelled")
        if not order.paid:
            raise DomainError(_("This order is not paid yet"), code="unpaid")
        if order.status == "ready":
            return order
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write() as conn:
            session = self.till.require_open(conn)
            record(
                conn,
                event_type=EventType.PICKUP_MARKED_READY,
                payload={
                    "order_id": order_id,
                    "store_code": self.ctx.store_code,
                    "terminal_code": self.ctx.terminal_code,
                    "business_day": session.business_day,
                    "staff_id": staff.id,
                    "offline": not order.checked_online,
                },
                till_session_id=session.id,
                staff_id=staff.id,
                ref=str(order_id),
                amount=0,
                at=at,
                device_id=self.ctx.device_id,
            )
            # the order's version stays: the platform's next version of it (ready) replaces this row
            conn.execute(
                update(schema.pickup_order)
                .where(schema.pickup_order.c.id == order_id)
                .values(status="ready", updated_at=at)
            )
        self.ctx.events.publish("outbox_appended")
        return self.find(order_id=order_id)

    def handover(self, staff: StaffMember, order_id: int) -> PickupOrder:
        staff.require(Permission.SELL)
        order = self.find(order_id=order_id)
        if order.handed_over_here or order.status == "handed_over":
            raise DomainError(_("This order was already picked up"), code="handed_over")
        if order.status == "cancelled":
            raise DomainError(_("This order was cancelled online. Do not hand it over."), code="cancelled")
        if not order.paid:
            raise DomainError(_("This order is not paid yet"), code="unpaid")
        if order.status != "ready":
            raise DomainError(_("This order is not ready for pickup yet"), code="not_ready")
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write() as conn:
            session = self.till.require_open(conn)
            if conn.execute(
                select(schema.pickup_handover.c.order_id).where(schema.pickup_handover.c.order_id == order_id)
            ).first():
                raise DomainError(_("This order was already picked up"), code="handed_over")
            seq = record(
                conn,
                event_type=EventType.PICKUP_HANDED_OVER,
                payload={
                    "order_id": order_id,
                    "store_code": self.ctx.store_code,
                    "terminal_code": self.ctx.terminal_code,
                    "business_day": session.business_day,
                    "staff_id": staff.id,
                    "offline": not order.checked_online,
                },
                till_session_id=session.id,
                staff_id=staff.id,
                ref=str(order_id),
                amount=0,
                at=at,
                device_id=self.ctx.device_id,
            ).outbox_seq
            conn.execute(
                schema.pickup_handover.insert().values(
                    order_id=order_id,
                    till_session_id=session.id,
                    staff_id=staff.id,
                    offline=not order.checked_online,
                    outbox_seq=seq,
                    created_at=at,
                )
            )
        self.ctx.events.publish("outbox_appended")
        return self.find(order_id=order_id)
