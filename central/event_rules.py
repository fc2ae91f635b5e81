"""The business rules of each event type a terminal pushes, as a table of handlers.

The platform reads what the batch's events touch (:class:`State`, with row locks in the one order every
writer uses), each event's handler adds what it means to :class:`Effects` -- rows to insert, balances
and statuses to change, exceptions to open -- and :mod:`central.ingest` writes it all in bulk. A
handler never rejects what happened in a store: a business conflict opens an exception; only an event
that cannot be true (a sale recorded twice, a sale voided twice) raises ``InvalidEvent`` and is
quarantined.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, select

from central.core.config import Settings
from central.models import Coupon, CouponRedemption, Member, PickupOrder, Sale, TillSession
from central.sync_exceptions import ExceptionRecord, Kind
from sync.protocol import payloads
from sync.protocol.events import canonical_json

_SALE = Sale.__table__
_SESSION = TillSession.__table__
_MEMBER = Member.__table__
_COUPON = Coupon.__table__
_REDEMPTION = CouponRedemption.__table__
_PICKUP = PickupOrder.__table__


class AppliedEvent(Protocol):
    """An event that passed the structural checks (``central.ingest``), with its payload read."""

    raw: dict[str, Any]
    seq: int
    event_id: str
    envelope: payloads.Envelope | None
    payload: Any


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Effects:
    """Everything one batch writes, collected first and written in bulk in the lock order."""

    events: list[dict] = field(default_factory=list)
    sales: dict[str, dict] = field(default_factory=dict)
    sale_voids: list[str] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    sessions_new: dict[str, dict] = field(default_factory=dict)
    sessions_closed: dict[str, dict] = field(default_factory=dict)
    cash: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    members_changed: set[int] = field(default_factory=set)
    coupons_changed: set[int] = field(default_factory=set)
    redemptions: list[dict] = field(default_factory=list)
    redemptions_voided: list[int] = field(default_factory=list)
    pickups_changed: set[int] = field(default_factory=set)
    moves: list[dict] = field(default_factory=list)
    exceptions: list[ExceptionRecord] = field(default_factory=list)


@dataclass
class State:
    members: dict[int, int]  # id -> points balance
    coupons: dict[int, dict]
    valid_redemptions: dict[str, list[dict]]  # sale id -> its valid redemptions
    pickups: dict[int, dict]
    sales: dict[str, dict]  # known sales: id -> {status, total}
    sessions: set[str]

    @classmethod
    def load(cls, conn: Connection, applied: Sequence[AppliedEvent]) -> State:
        member_ids: set[int] = set()
        coupon_ids: set[int] = set()
        sale_refs: set[str] = set()
        void_ids: set[str] = set()
        pickup_ids: set[int] = set()
        session_ids: set[str] = set()
        for c in applied:
            p = c.payload
            member_id = getattr(p, "member_id", None)
            if member_id is not None:
                member_ids.add(member_id)
            if isinstance(p, payloads.SaleCompleted):
                coupon_ids.update(u.coupon_id for u in p.coupons)
                sale_refs.add(p.sale_id)
            elif isinstance(p, payloads.SaleVoided):
                sale_refs.add(p.sale_id)
                void_ids.add(p.sale_id)
            elif isinstance(p, payloads.RefundIssued):
                sale_refs.add(p.sale_id)
            elif isinstance(p, payloads.PickupHandedOver):
                pickup_ids.add(p.order_id)
            if c.envelope and c.envelope.till_session_id:
                session_ids.add(c.envelope.till_session_id)
        redemptions: dict[str, list[dict]] = defaultdict(list)
        for chunk in chunks(sorted(void_ids), 500):
            for row in conn.execute(
                select(_REDEMPTION).where(_REDEMPTION.c.ref.in_(chunk), _REDEMPTION.c.valid.is_(True))
            ):
                redemptions[row.ref].append(dict(row._mapping))
                coupon_ids.add(row.coupon_id)
        members: dict[int, int] = {}
        for chunk in chunks(sorted(member_ids), 500):
            for row in conn.execute(
                select(_MEMBER.c.id, _MEMBER.c.points_balance)
                .where(_MEMBER.c.id.in_(chunk))
                .order_by(_MEMBER.c.id)
                .with_for_update()
            ):
                members[row.id] = row.points_balance
        coupons: dict[int, dict] = {}
        for chunk in chunks(sorted(coupon_ids), 500):
            for row in conn.execute(
                select(_COUPON).where(_COUPON.c.id.in_(chunk)).order_by(_COUPON.c.id).with_for_update()
            ):
                coupons[row.id] = dict(row._mapping)
        pickups: dict[int, dict] = {}
        for chunk in chunks(sorted(pickup_ids), 500):
            for row in conn.execute(
                select(_PICKUP).where(_PICKUP.c.id.in_(chunk)).order_by(_PICKUP.c.id).with_for_update()
            ):
                pickups[row.id] = dict(row._mapping)
        sales: dict[str, dict] = {}
        for chunk in chunks(sorted(sale_refs), 500):
            for row in conn.execute(
                select(_SALE.c.id, _SALE.c.status, _SALE.c.total)
                .where(_SALE.c.id.in_(chunk))
                .order_by(_SALE.c.id)
                .with_for_update()
            ):
                sales[row.id] = {"status": row.status, "total": row.total, "stored": True}
        sessions: set[str] = set()
        for chunk in chunks(sorted(session_ids), 500):
            sessions.update(conn.execute(select(_SESSION.c.id).where(_SESSION.c.id.in_(chunk))).scalars())
        return cls(members, coupons, dict(redemptions), pickups, sales, sessions)


# --- one event being applied ----------------------------------------------------------------------


@dataclass
class Applying:
    """One event, where it came from, and the batch's state and effects its handler works on."""

    event: AppliedEvent
    device_id: str
    store_id: int
    state: State
    fx: Effects
    now_iso: str
    settings: Settings

    @property
    def seq(self) -> int:
        return self.event.seq

    @property
    def ref_event(self) -> str:
        return self.event.event_id

    @property
    def session_id(self) -> str | None:
        envelope = self.event.envelope
        assert envelope is not None
        return envelope.till_session_id

    def exception(
        self, kind: str, ref: str, detail: dict, business_day: str | None = None, dedupe: str | None = None
    ) -> None:
        self.fx.exceptions.append(
            ExceptionRecord(
                self.store_id,
                kind,
                self.now_iso,
                device_id=self.device_id,
                business_day=business_day,
                till_session_id=self.session_id,
                event_id=self.ref_event,
                ref=ref,
                detail=detail,
                dedupe_key=dedupe,
            )
        )

    def stock(self, deltas, reason: str, ref: str) -> None:
        for d in deltas:
            if d.delta:
                self.fx.moves.append(
                    {
                        "store_id": self.store_id,
                        "product_id": d.product_id,
                        "delta": d.delta,
                        "reason": reason,
                        "ref": ref,
                        "event_id": self.ref_event,
                        "created_at": self.now_iso,
                    }
                )

    def points(self, member_id: int | None, delta: int, kind: str, ref: str, day: str) -> None:
        if member_id is None or not delta:
            return
        self.fx.points.append(
            {
                "member_id": member_id,
                "delta": delta,
                "kind": kind,
                "ref": ref,
                "device_id": self.device_id,
                "event_id": self.ref_event,
                "created_at": self.now_iso,
            }
        )
        members = self.state.members
        if member_id not in members:
            return
        before = members[member_id]
        members[member_id] = before + delta
        self.fx.members_changed.add(member_id)
        if delta < 0 and before + delta < 0:
            overdraft = -(before + delta)
            bound = self.settings.points_offline_bound
            self.exception(
                Kind.POINTS_OVERDRAFT,
                str(member_id),
                {
                    "member_id": member_id,
                    "balance_before": before,
                    "redeemed": -delta,
                    "balance_after": before + delta,
                    "overdraft": overdraft,
                    "bound": bound,
                    "beyond_bound": overdraft > bound,
                },
                day,
            )


def apply_event(
    event: AppliedEvent,
    device_id: str,
    store_id: int,
    state: State,
    fx: Effects,
    now_iso: str,
    settings: Settings,
) -> None:
    """Add what ``event`` means to ``fx`` (raises ``payloads.InvalidEvent`` for an event that cannot be
    true)."""
    handler = HANDLERS[type(event.payload)]
    handler(Applying(event, device_id, store_id, state, fx, now_iso, settings), event.payload)


def _tender_totals(tenders) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for t in tenders:
        totals[t.kind] += t.amount
    return dict(totals)


# --- the handlers ---------------------------------------------------------------------------------


def _sale_completed(a: Applying, p: payloads.SaleCompleted) -> None:
    state, fx = a.state, a.fx
    if p.sale_id in state.sales:
        raise payloads.InvalidEvent(f"sale {p.sale_id} was already recorded by another event")
    day = p.business_day
    fx.sales[p.sale_id] = {
        "id": p.sale_id,
        "device_id": a.device_id,
        "seq": a.seq,
        "store_id": a.store_id,
        "till_session_id": a.session_id,
        "business_day": day,
        "receipt_no": p.receipt_no,
        "member_id": p.member_id,
        "status": "completed",
        "subtotal": p.subtotal,
        "discount_total": p.discount_total,
        "rounding": p.rounding,
        "total": p.total,
        "points_earned": p.points.earned,
        "points_redeemed": p.points.redeemed,
        "tenders": canonical_json(_tender_totals(p.tenders)),
        "coupons": len(p.coupons),
    }
    state.sales[p.sale_id] = {"status": "completed", "total": p.total, "stored": False}
    a.stock(p.stock, "sale", p.sale_id)
    a.points(p.member_id, p.points.earned, "earn", p.sale_id, day)
    a.points(p.member_id, -p.points.redeemed, "redeem", p.sale_id, day)
    for use in p.coupons:
        _redeem_coupon(a, p, use)


def _redeem_coupon(a: Applying, p: payloads.SaleCompleted, use: payloads.CouponUse) -> None:
    """A coupon used in store: redeemed, or -- used or withdrawn already -- kept as a conflict."""
    coupon = a.state.coupons.get(use.coupon_id)
    valid = True
    if coupon is None:
        a.exception(Kind.COUPON_UNKNOWN, str(use.coupon_id), {"coupon_id": use.coupon_id}, p.business_day)
    elif coupon["status"] in ("redeemed", "revoked"):
        valid = False
        a.exception(
            Kind.COUPON_CONFLICT,
            str(use.coupon_id),
            {
                "coupon_id": use.coupon_id,
                "sale_id": p.sale_id,
                "amount": use.amount,
                "coupon_status": coupon["status"],
                "first_redeemed_by": coupon.get("redeemed_ref"),
            },
            p.business_day,
        )
    else:
        coupon.update(status="redeemed", redeemed_ref=p.sale_id, reserved_basket=None)
        a.fx.coupons_changed.add(use.coupon_id)
    a.fx.redemptions.append(
        {
            "coupon_id": use.coupon_id,
            "campaign_id": use.campaign_id,
            "channel": "store",
            "ref": p.sale_id,
            "device_id": a.device_id,
            "event_id": a.ref_event,
            "amount": use.amount,
            "valid": valid,
            "voided": False,
            "created_at": a.now_iso,
        }
    )


def _sale_voided(a: Applying, p: payloads.SaleVoided) -> None:
    state, fx = a.state, a.fx
    day = p.business_day
    sale = state.sales.get(p.sale_id)
    if sale is None:
        a.exception(Kind.UNKNOWN_SALE, p.sale_id, {"sale_id": p.sale_id, "action": "void"}, day)
    elif sale["status"] == "voided":
        raise payloads.InvalidEvent(f"sale {p.sale_id} was already voided")
    else:
        sale["status"] = "voided"
        if p.sale_id in fx.sales:
            fx.sales[p.sale_id]["status"] = "voided"
        else:
            fx.sale_voids.append(p.sale_id)
    a.stock(p.stock, "void", p.sale_id)
    a.points(p.member_id, -p.points.reversed, "reverse", p.sale_id, day)
    a.points(p.member_id, p.points.returned, "refund", p.sale_id, day)
    _release_coupons(a, p.sale_id)


def _release_coupons(a: Applying, sale_id: str) -> None:
    """The coupons of a voided sale can be used again (redeemed in an earlier batch, or in this one)."""
    state, fx = a.state, a.fx
    for redemption in state.valid_redemptions.get(sale_id, []):
        fx.redemptions_voided.append(redemption["id"])
        coupon = state.coupons.get(redemption["coupon_id"])
        if coupon is not None and coupon.get("redeemed_ref") == sale_id:
            coupon.update(status="issued", redeemed_ref=None)
            fx.coupons_changed.add(coupon["id"])
    for redemption in fx.redemptions:
        if redemption["ref"] == sale_id and redemption["valid"]:
            redemption["voided"] = True
            coupon = state.coupons.get(redemption["coupon_id"])
            if coupon is not None and coupon.get("redeemed_ref") == sale_id:
                coupon.update(status="issued", redeemed_ref=None)
                fx.coupons_changed.add(coupon["id"])


def _refund_issued(a: Applying, p: payloads.RefundIssued) -> None:
    day = p.business_day
    if p.sale_id not in a.state.sales:
        a.exception(Kind.UNKNOWN_SALE, p.sale_id, {"sale_id": p.sale_id, "action": "refund"}, day)
    a.fx.refunds.append(
        {
            "id": p.refund_id,
            "sale_id": p.sale_id,
            "device_id": a.device_id,
            "seq": a.seq,
            "store_id": a.store_id,
            "till_session_id": a.session_id,
            "business_day": day,
            "total": p.total,
            "points_reversed": p.points.reversed,
            "points_returned": p.points.returned,
            "tenders": canonical_json(_tender_totals(p.tenders)),
            "tender_points": sum(t.points for t in p.tenders),
        }
    )
    a.stock(p.stock, "refund", p.refund_id)
    a.points(p.member_id, -p.points.reversed, "reverse", p.refund_id, day)
    a.points(p.member_id, p.points.returned, "refund", p.refund_id, day)


def _stock_adjusted(a: Applying, p: payloads.StockAdjusted) -> None:
    a.stock(p.stock, "adjust", a.ref_event)


def _pickup_handed_over(a: Applying, p: payloads.PickupHandedOver) -> None:
    order = a.state.pickups.get(p.order_id)
    day = p.business_day
    if order is None:
        a.exception(Kind.PICKUP_UNKNOWN, str(p.order_id), {"order_id": p.order_id}, day)
        return
    status = order["status"]
    if status == "handed_over":
        a.exception(
            Kind.PICKUP_HANDED_OVER_TWICE,
            str(p.order_id),
            {"order_id": p.order_id, "first_device": order.get("handed_over_device")},
            day,
        )
        return
    if status == "cancelled":
        # the customer has the goods: the handover wins; the cancel had put the stock back
        a.exception(
            Kind.PICKUP_CANCELLED_HANDED_OVER,
            str(p.order_id),
            {"order_id": p.order_id, "total": order["total"], "offline": p.offline, "paid": order["paid"]},
            day,
        )
        for line in json.loads(order["lines"]):
            a.fx.moves.append(
                {
                    "store_id": order["store_id"],
                    "product_id": line["product_id"],
                    "delta": -int(line["quantity"]),
                    "reason": "pickup",
                    "ref": f"pickup:{p.order_id}",
                    "event_id": a.ref_event,
                    "created_at": a.now_iso,
                }
            )
    elif status != "ready" or not order["paid"]:
        a.exception(
            Kind.PICKUP_NOT_READY_HANDED_OVER,
            str(p.order_id),
            {"order_id": p.order_id, "status": status, "paid": order["paid"]},
            day,
        )
    order.update(status="handed_over", handed_over_device=a.device_id, updated_at=a.now_iso)
    a.fx.pickups_changed.add(p.order_id)


def _till_session_opened(a: Applying, p: payloads.TillSessionOpened) -> None:
    if p.till_session_id in a.state.sessions:
        return
    a.state.sessions.add(p.till_session_id)
    a.fx.sessions_new[p.till_session_id] = {
        "id": p.till_session_id,
        "device_id": a.device_id,
        "store_id": a.store_id,
        "terminal_code": p.terminal_code,
        "business_day": p.business_day,
        "opening_float": p.opening_float,
        "opened_seq": a.seq,
        "closed_seq": None,
        "z": None,
    }


def _cash_moved(a: Applying, p: payloads.CashMoved) -> None:
    a.fx.cash.append(
        {"event_id": a.ref_event, "till_session_id": p.till_session_id, "kind": p.kind, "amount": p.amount}
    )


def _till_session_closed(a: Applying, p: payloads.TillSessionClosed) -> None:
    z = a.event.raw["payload"]["z"]  # as the terminal sent it, for the reconciliation to compare
    state, fx = a.state, a.fx
    if p.till_session_id in fx.sessions_new:
        fx.sessions_new[p.till_session_id].update(closed_seq=a.seq, z=json.dumps(z, sort_keys=True))
    elif p.till_session_id in state.sessions:
        fx.sessions_closed[p.till_session_id] = {"closed_seq": a.seq, "z": json.dumps(z, sort_keys=True)}
    else:
        # closed in a batch whose opening this platform never saw: the session starts from its close
        state.sessions.add(p.till_session_id)
        fx.sessions_new[p.till_session_id] = {
            "id": p.till_session_id,
            "device_id": a.device_id,
            "store_id": a.store_id,
            "terminal_code": str(z.get("terminal", "")),
            "business_day": p.z.business_day,
            "opening_float": int(z.get("opening_float") or 0),
            "opened_seq": None,
            "closed_seq": a.seq,
            "z": json.dumps(z, sort_keys=True),
        }


#: The business rules of each event type (every type in ``payloads.PAYLOADS`` has one).
HANDLERS: dict[type, Callable[[Applying, Any], None]] = {
    payloads.SaleCompleted: _sale_completed,
    payloads.SaleVoided: _sale_voided,
    payloads.RefundIssued: _refund_issued,
    payloads.StockAdjusted: _stock_adjusted,
    payloads.PickupHandedOver: _pickup_handed_over,
    payloads.TillSessionOpened: _till_session_opened,
    payloads.CashMoved: _cash_moved,
    payloads.TillSessionClosed: _till_session_closed,
}
