"""Taking in what terminals push: exactly once, in order, nothing silently dropped.

Per device the platform keeps ``last_seq`` and the hash of that event. A batch is applied in ONE
transaction together with the new ``last_seq``:

- ``seq <= last_seq`` is a duplicate: acknowledged, never applied again (a different event claiming a
  used seq is kept as a sequence conflict);
- ``seq == last_seq + 1`` is applied; a gap before anything could be applied is answered with
  :class:`SequenceGap` (HTTP 409 with the expected seq);
- a structurally invalid event (bad envelope, hash that does not match, broken chain, unknown type,
  bad payload) is *quarantined*: stored with the reason, shown in the exceptions list, never applied;
- a newer schema than this server knows is *deferred*: stored, applied by a later version
  (:func:`reprocess_deferred`);
- a business conflict (a coupon used twice, a points overdraft, negative stock, a pickup order
  cancelled online but handed over) never rejects what happened in the store: the event is applied
  and an exception opened.

Row locks are taken in one order everywhere -- device, members, coupons, pickup orders, sales, then the
version counter, then stock levels -- so concurrent pushes of different devices queue, never deadlock.
If the batch hits an unexpected database error, it is retried one event per transaction so that only
the event at fault is quarantined, with the database's message.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, MetaData, Table, bindparam, select, update
from sqlalchemy.exc import OperationalError

from central.core.config import Settings
from central.core.db import Database
from central.models import (
    CashMovement,
    Coupon,
    CouponRedemption,
    Device,
    Event,
    Member,
    PickupOrder,
    PointsEntry,
    Refund,
    Sale,
    StockLevel,
    StockMove,
    TillSession,
)
from central.platform import utcnow
from central.sync_exceptions import ExceptionRecord, Kind, insert_exceptions
from central.versions import next_version
from sync.protocol import payloads
from sync.protocol.events import canonical_json, hash_body, text_hash
from sync.protocol.wire import EventResult, EventStatus

log = logging.getLogger(__name__)

MAX_SUPPORTED_SCHEMA = max(payloads.SUPPORTED_SCHEMA_VERSIONS)
DEADLOCK_RETRIES = 5
MAX_SEQ = 2**62

_DEVICE = Device.__table__
_EVENT = Event.__table__
_SALE = Sale.__table__
_REFUND = Refund.__table__
_SESSION = TillSession.__table__
_CASH = CashMovement.__table__
_MEMBER = Member.__table__
_POINTS = PointsEntry.__table__
_COUPON = Coupon.__table__
_REDEMPTION = CouponRedemption.__table__
_PICKUP = PickupOrder.__table__
_STOCK = StockLevel.__table__
_MOVE = StockMove.__table__
_STOCK_DELTA = Table(
    "stock_delta",
    MetaData(),
    Column("store_id", Integer),
    Column("product_id", Integer),
    Column("on_hand", BigInteger),
    Column("version", BigInteger),
)


class SequenceGap(Exception):
    def __init__(self, expected_seq: int) -> None:
        super().__init__(f"expected seq {expected_seq}")
        self.expected_seq = expected_seq


class InvalidPush(ValueError):
    """The request itself cannot be read (an event without a usable seq); nothing was applied."""


@dataclass
class PushOutcome:
    last_seq: int
    results: list[EventResult]


@dataclass
class _Candidate:
    raw: dict[str, Any]
    seq: int
    event_id: str
    status: EventStatus
    error: str | None = None
    envelope: payloads.Envelope | None = None
    payload: Any = None
    text: str | None = None  # the canonical JSON the hash is taken over


@dataclass
class _Effects:
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


def _is_deadlock(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40P01", "40001")


class Ingest:
    """Applies pushed batches. Thread-safe; one instance per app."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # --- entry point ------------------------------------------------------------------------------
    def push(
        self, device_id: str, events: list[dict[str, Any]], client_time: float | None = None
    ) -> PushOutcome:
        _check_seqs(events)
        for attempt in range(DEADLOCK_RETRIES):
            try:
                with self.db.write() as conn:
                    return self._push(conn, device_id, events, client_time)
            except SequenceGap:
                raise
            except OperationalError as exc:
                if not _is_deadlock(exc) or attempt == DEADLOCK_RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
            except Exception as exc:  # an event the database (or a bug) refuses: find it, keep it
                log.warning("batch of %s failed (%s); applying its events one by one", device_id, exc)
                return self._push_isolated(device_id, events, client_time)
        raise AssertionError("unreachable")

    def _push_isolated(
        self, device_id: str, events: list[dict[str, Any]], client_time: float | None
    ) -> PushOutcome:
        results: list[EventResult] = []
        last_seq = 0
        for raw in sorted(events, key=lambda e: e["seq"]):
            try:
                with self.db.write() as conn:
                    outcome = self._push(conn, device_id, [raw], client_time)
            except SequenceGap:
                if results:
                    break
                raise
            except OperationalError:
                raise
            except Exception as exc:
                log.exception("event %s of %s cannot be applied; quarantined", raw.get("seq"), device_id)
                reason = getattr(exc, "orig", None) or exc
                with self.db.write() as conn:
                    outcome = self._push(
                        conn, device_id, [raw], client_time, force_error=f"{type(reason).__name__}: {reason}"
                    )
            results.extend(outcome.results)
            last_seq = outcome.last_seq
        return PushOutcome(last_seq, results)

    # --- one transaction --------------------------------------------------------------------------
    def _push(
        self,
        conn: Connection,
        device_id: str,
        events: list[dict[str, Any]],
        client_time: float | None,
        force_error: str | None = None,
    ) -> PushOutcome:
        device = conn.execute(
            select(_DEVICE.c.store_id, _DEVICE.c.last_seq, _DEVICE.c.last_hash)
            .where(_DEVICE.c.id == device_id)
            .with_for_update()
        ).one()
        store_id, last_seq, last_hash = device.store_id, device.last_seq, device.last_hash
        ordered = sorted(events, key=lambda e: e["seq"])
        now_iso = utcnow()
        effects = _Effects()
        results: list[EventResult] = []

        # duplicates: compare with what we stored under those seqs
        old_seqs = sorted({e["seq"] for e in ordered if e["seq"] <= last_seq})
        stored: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(old_seqs, 500):
            for row in conn.execute(
                select(_EVENT.c.seq, _EVENT.c.hash, _EVENT.c.status).where(
                    _EVENT.c.device_id == device_id, _EVENT.c.seq.in_(chunk)
                )
            ):
                stored[row.seq] = (row.hash, row.status)

        candidates: list[_Candidate] = []
        expected = last_seq + 1
        prev_hash = last_hash
        for raw in ordered:
            seq = raw["seq"]
            event_id = str(raw.get("event_id", ""))[:64]
            if seq < expected:
                if seq in stored:
                    same_hash, status = stored[seq]
                else:
                    same_hash = next((c.raw.get("hash") for c in candidates if c.seq == seq), None)
                    status = "applied"
                if raw.get("hash") == same_hash:
                    results.append(EventResult(seq=seq, event_id=event_id, status=_answer_for(status)))
                else:
                    # a different event claims a seq already used: keep it visible, never apply it
                    results.append(
                        EventResult(
                            seq=seq,
                            event_id=event_id,
                            status=EventStatus.QUARANTINED,
                            error="seq already used by a different event",
                        )
                    )
                    effects.exceptions.append(
                        ExceptionRecord(
                            store_id,
                            Kind.SEQUENCE_CONFLICT,
                            now_iso,
                            device_id=device_id,
                            event_id=event_id or None,
                            ref=str(seq),
                            detail={"seq": seq, "envelope": raw},
                            dedupe_key=f"seqconflict:{device_id}:{seq}:{str(raw.get('hash'))[:64]}",
                        )
                    )
                continue
            if seq > expected:
                if not candidates and not results:
                    raise SequenceGap(expected)
                break
            candidate = _check(raw, device_id, prev_hash)
            if force_error is not None and candidate.status is EventStatus.APPLIED:
                candidate.status, candidate.error = (
                    EventStatus.QUARANTINED,
                    f"database refused it: {force_error}",
                )
            candidates.append(candidate)
            if isinstance(raw.get("hash"), str) and len(raw["hash"]) == 64:
                prev_hash = raw["hash"]
            expected += 1

        if candidates:
            self._reject_reused_ids(conn, candidates)
            self._apply(conn, device_id, store_id, candidates, effects, now_iso)
            last_seq = candidates[-1].seq
            last_hash = prev_hash
            for c in candidates:
                results.append(EventResult(seq=c.seq, event_id=c.event_id, status=c.status, error=c.error))

        offset = None
        if client_time is not None:
            offset = client_time - time.time()
            if abs(offset) > self.settings.skew_exception_seconds:
                day = datetime.now(UTC).date().isoformat()
                effects.exceptions.append(
                    ExceptionRecord(
                        store_id,
                        Kind.CLOCK_SKEW,
                        now_iso,
                        device_id=device_id,
                        business_day=None,
                        ref=device_id,
                        detail={"offset_seconds": round(offset, 1)},
                        dedupe_key=f"clock_skew:{device_id}:{day}",
                    )
                )
        values: dict[str, Any] = {"last_seq": last_seq, "last_hash": last_hash, "last_seen_at": now_iso}
        if offset is not None:
            values["clock_offset"] = offset
        conn.execute(update(_DEVICE).where(_DEVICE.c.id == device_id).values(**values))
        insert_exceptions(conn, effects.exceptions)
        results.sort(key=lambda r: r.seq)
        return PushOutcome(last_seq, results)

    def _reject_reused_ids(self, conn: Connection, candidates: list[_Candidate]) -> None:
        ids = [c.event_id for c in candidates]
        taken: set[str] = set()
        for chunk in _chunks(ids, 500):
            taken.update(
                conn.execute(select(_EVENT.c.event_id).where(_EVENT.c.event_id.in_(chunk))).scalars()
            )
        seen: set[str] = set()
        for c in candidates:
            if c.event_id in taken or c.event_id in seen or not c.event_id:
                c.status, c.error = EventStatus.QUARANTINED, "event id already used by another event"
                c.event_id = f"{c.event_id[:40]}#dup{c.seq}"
            seen.add(c.event_id)

    # --- applying ---------------------------------------------------------------------------------
    def _apply(
        self,
        conn: Connection,
        device_id: str,
        store_id: int,
        candidates: list[_Candidate],
        fx: _Effects,
        now_iso: str,
    ) -> None:
        applied = [c for c in candidates if c.status is EventStatus.APPLIED]
        state = _State.load(conn, applied)
        for c in candidates:
            if c.status is EventStatus.APPLIED:
                try:
                    _apply_one(c, device_id, store_id, state, fx, now_iso, self.settings)
                except payloads.InvalidEvent as exc:
                    c.status, c.error = EventStatus.QUARANTINED, str(exc)
            fx.events.append(_event_row(c, device_id, store_id, now_iso))
            if c.status is EventStatus.QUARANTINED:
                fx.exceptions.append(
                    ExceptionRecord(
                        store_id,
                        Kind.QUARANTINED_EVENT,
                        now_iso,
                        device_id=device_id,
                        till_session_id=_session_of(c),
                        event_id=c.event_id,
                        ref=str(c.seq),
                        detail={"seq": c.seq, "type": str(c.raw.get("type", "")), "error": c.error},
                    )
                )
            elif c.status is EventStatus.DEFERRED:
                fx.exceptions.append(
                    ExceptionRecord(
                        store_id,
                        Kind.DEFERRED_EVENT,
                        now_iso,
                        device_id=device_id,
                        till_session_id=_session_of(c),
                        event_id=c.event_id,
                        ref=str(c.seq),
                        detail={"seq": c.seq, "schema_version": c.raw.get("schema_version")},
                    )
                )
        _write(conn, store_id, state, fx)


def _answer_for(status: str) -> EventStatus:
    # a duplicate of an event we quarantined is still quarantined from the terminal's point of view
    return EventStatus.QUARANTINED if status == "quarantined" else EventStatus.DUPLICATE


def _session_of(c: _Candidate) -> str | None:
    value = c.raw.get("till_session_id")
    return value[:64] if isinstance(value, str) else None


def _check_seqs(events: list[dict[str, Any]]) -> None:
    for i, raw in enumerate(events):
        seq = raw.get("seq") if isinstance(raw, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
            raise InvalidPush(f"event {i} has no usable seq")


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check(raw: dict[str, Any], device_id: str, prev_hash: str) -> _Candidate:
    """Structural checks of one event, before anything is applied."""
    seq = raw["seq"]
    event_id = str(raw.get("event_id", ""))[:64]
    candidate = _Candidate(raw, seq, event_id, EventStatus.APPLIED)
    try:
        envelope = payloads.check_envelope(raw)
    except payloads.InvalidEvent as exc:
        candidate.status, candidate.error = EventStatus.QUARANTINED, str(exc)
        return candidate
    candidate.envelope = envelope
    try:
        candidate.text = hash_body(raw)
    except (TypeError, ValueError) as exc:
        candidate.status, candidate.error = EventStatus.QUARANTINED, f"not canonical JSON: {exc}"
        return candidate
    problem = None
    if envelope.device_id != device_id:
        problem = "the event belongs to another device"
    elif text_hash(candidate.text) != envelope.hash:
        problem = "the hash does not match the event (altered after it was written)"
    elif envelope.prev_hash != prev_hash:
        problem = "broken chain: prev_hash is not the hash of the device's previous event"
    if problem:
        candidate.status, candidate.error = EventStatus.QUARANTINED, problem
        return candidate
    if envelope.schema_version > MAX_SUPPORTED_SCHEMA:
        candidate.status = EventStatus.DEFERRED
        candidate.error = f"schema version {envelope.schema_version} is newer than this server knows"
        return candidate
    try:
        candidate.payload = payloads.check_payload(envelope.type, envelope.payload)
    except payloads.InvalidEvent as exc:
        candidate.status, candidate.error = EventStatus.QUARANTINED, str(exc)
    return candidate


def _event_row(c: _Candidate, device_id: str, store_id: int, now_iso: str) -> dict[str, Any]:
    raw = c.raw
    schema_version = raw.get("schema_version")
    occurred = raw.get("occurred_at")
    return {
        "device_id": device_id,
        "seq": c.seq,
        "event_id": c.event_id,
        "type": str(raw.get("type", ""))[:64],
        "schema_version": schema_version if isinstance(schema_version, int) else 0,
        "status": c.status.value,
        "error": c.error,
        "hash": str(raw.get("hash", ""))[:64],
        "store_id": store_id,
        "till_session_id": _session_of(c),
        "occurred_at": occurred[:40] if isinstance(occurred, str) else "",
        "received_at": now_iso,
        "envelope": c.text if c.text is not None else _as_text({k: v for k, v in raw.items() if k != "hash"}),
    }


def _as_text(body: dict[str, Any]) -> str:
    try:
        return canonical_json(body)
    except (TypeError, ValueError):
        return json.dumps(body, default=str)


def stored_event(envelope_text: str, hash_: str) -> dict[str, Any]:
    """An event as it was received, from its stored text (the envelope without its hash) and hash."""
    return {**json.loads(envelope_text), "hash": hash_}


# --- state read before applying -------------------------------------------------------------------


@dataclass
class _State:
    members: dict[int, int]  # id -> points balance
    coupons: dict[int, dict]
    valid_redemptions: dict[str, list[dict]]  # sale id -> its valid redemptions
    pickups: dict[int, dict]
    sales: dict[str, dict]  # known sales: id -> {status, total}
    sessions: set[str]
    member_versions: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, conn: Connection, applied: list[_Candidate]) -> _State:
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
        for chunk in _chunks(sorted(void_ids), 500):
            for row in conn.execute(
                select(_REDEMPTION).where(_REDEMPTION.c.ref.in_(chunk), _REDEMPTION.c.valid.is_(True))
            ):
                redemptions[row.ref].append(dict(row._mapping))
                coupon_ids.add(row.coupon_id)
        members: dict[int, int] = {}
        for chunk in _chunks(sorted(member_ids), 500):
            for row in conn.execute(
                select(_MEMBER.c.id, _MEMBER.c.points_balance)
                .where(_MEMBER.c.id.in_(chunk))
                .order_by(_MEMBER.c.id)
                .with_for_update()
            ):
                members[row.id] = row.points_balance
        coupons: dict[int, dict] = {}
        for chunk in _chunks(sorted(coupon_ids), 500):
            for row in conn.execute(
                select(_COUPON).where(_COUPON.c.id.in_(chunk)).order_by(_COUPON.c.id).with_for_update()
            ):
                coupons[row.id] = dict(row._mapping)
        pickups: dict[int, dict] = {}
        for chunk in _chunks(sorted(pickup_ids), 500):
            for row in conn.execute(
                select(_PICKUP).where(_PICKUP.c.id.in_(chunk)).order_by(_PICKUP.c.id).with_for_update()
            ):
                pickups[row.id] = dict(row._mapping)
        sales: dict[str, dict] = {}
        for chunk in _chunks(sorted(sale_refs), 500):
            for row in conn.execute(
                select(_SALE.c.id, _SALE.c.status, _SALE.c.total)
                .where(_SALE.c.id.in_(chunk))
                .order_by(_SALE.c.id)
                .with_for_update()
            ):
                sales[row.id] = {"status": row.status, "total": row.total, "stored": True}
        sessions: set[str] = set()
        for chunk in _chunks(sorted(session_ids), 500):
            sessions.update(conn.execute(select(_SESSION.c.id).where(_SESSION.c.id.in_(chunk))).scalars())
        return cls(members, coupons, dict(redemptions), pickups, sales, sessions)


# --- the business rules of each event type --------------------------------------------------------


def _tender_totals(tenders) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for t in tenders:
        totals[t.kind] += t.amount
    return dict(totals)


def _apply_one(
    c: _Candidate,
    device_id: str,
    store_id: int,
    state: _State,
    fx: _Effects,
    now_iso: str,
    settings: Settings,
) -> None:
    env = c.envelope
    assert env is not None
    p = c.payload
    session_id = env.till_session_id
    ref_event = c.event_id

    def exception(kind: str, ref: str, detail: dict, business_day: str | None = None, dedupe=None) -> None:
        fx.exceptions.append(
            ExceptionRecord(
                store_id,
                kind,
                now_iso,
                device_id=device_id,
                business_day=business_day,
                till_session_id=session_id,
                event_id=ref_event,
                ref=ref,
                detail=detail,
                dedupe_key=dedupe,
            )
        )

    def stock(deltas, reason: str, ref: str) -> None:
        for d in deltas:
            if d.delta:
                fx.moves.append(
                    {
                        "store_id": store_id,
                        "product_id": d.product_id,
                        "delta": d.delta,
                        "reason": reason,
                        "ref": ref,
                        "event_id": ref_event,
                        "created_at": now_iso,
                    }
                )

    def points(member_id: int | None, delta: int, kind: str, ref: str, day: str) -> None:
        if member_id is None or not delta:
            return
        fx.points.append(
            {
                "member_id": member_id,
                "delta": delta,
                "kind": kind,
                "ref": ref,
                "device_id": device_id,
                "event_id": ref_event,
                "created_at": now_iso,
            }
        )
        if member_id in state.members:
            before = state.members[member_id]
            state.members[member_id] = before + delta
            fx.members_changed.add(member_id)
            if delta < 0 and before + delta < 0:
                overdraft = -(before + delta)
                exception(
                    Kind.POINTS_OVERDRAFT,
                    str(member_id),
                    {
                        "member_id": member_id,
                        "balance_before": before,
                        "redeemed": -delta,
                        "balance_after": before + delta,
                        "overdraft": overdraft,
                        "bound": settings.points_offline_bound,
                        "beyond_bound": overdraft > settings.points_offline_bound,
                    },
                    day,
                )

    if isinstance(p, payloads.SaleCompleted):
        if p.sale_id in state.sales:
            raise payloads.InvalidEvent(f"sale {p.sale_id} was already recorded by another event")
        day = p.business_day
        fx.sales[p.sale_id] = {
            "id": p.sale_id,
            "device_id": device_id,
            "seq": c.seq,
            "store_id": store_id,
            "till_session_id": session_id,
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
        stock(p.stock, "sale", p.sale_id)
        points(p.member_id, p.points.earned, "earn", p.sale_id, day)
        points(p.member_id, -p.points.redeemed, "redeem", p.sale_id, day)
        for use in p.coupons:
            coupon = state.coupons.get(use.coupon_id)
            valid = True
            if coupon is None:
                exception(Kind.COUPON_UNKNOWN, str(use.coupon_id), {"coupon_id": use.coupon_id}, day)
            elif coupon["status"] in ("redeemed", "revoked"):
                valid = False
                exception(
                    Kind.COUPON_CONFLICT,
                    str(use.coupon_id),
                    {
                        "coupon_id": use.coupon_id,
                        "sale_id": p.sale_id,
                        "amount": use.amount,
                        "coupon_status": coupon["status"],
                        "first_redeemed_by": coupon.get("redeemed_ref"),
                    },
                    day,
                )
            else:
                coupon.update(status="redeemed", redeemed_ref=p.sale_id, reserved_basket=None)
                fx.coupons_changed.add(use.coupon_id)
            fx.redemptions.append(
                {
                    "coupon_id": use.coupon_id,
                    "campaign_id": use.campaign_id,
                    "channel": "store",
                    "ref": p.sale_id,
                    "device_id": device_id,
                    "event_id": ref_event,
                    "amount": use.amount,
                    "valid": valid,
                    "voided": False,
                    "created_at": now_iso,
                }
            )
    elif isinstance(p, payloads.SaleVoided):
        day = p.business_day
        sale = state.sales.get(p.sale_id)
        if sale is None:
            exception(Kind.UNKNOWN_SALE, p.sale_id, {"sale_id": p.sale_id, "action": "void"}, day)
        elif sale["status"] == "voided":
            raise payloads.InvalidEvent(f"sale {p.sale_id} was already voided")
        else:
            sale["status"] = "voided"
            if p.sale_id in fx.sales:
                fx.sales[p.sale_id]["status"] = "voided"
            else:
                fx.sale_voids.append(p.sale_id)
        stock(p.stock, "void", p.sale_id)
        points(p.member_id, -p.points.reversed, "reverse", p.sale_id, day)
        points(p.member_id, p.points.returned, "refund", p.sale_id, day)
        # the coupons of a voided sale can be used again
        for redemption in state.valid_redemptions.get(p.sale_id, []):
            fx.redemptions_voided.append(redemption["id"])
            coupon = state.coupons.get(redemption["coupon_id"])
            if coupon is not None and coupon.get("redeemed_ref") == p.sale_id:
                coupon.update(status="issued", redeemed_ref=None)
                fx.coupons_changed.add(coupon["id"])
        for redemption in fx.redemptions:
            if redemption["ref"] == p.sale_id and redemption["valid"]:
                redemption["voided"] = True
                coupon = state.coupons.get(redemption["coupon_id"])
                if coupon is not None and coupon.get("redeemed_ref") == p.sale_id:
                    coupon.update(status="issued", redeemed_ref=None)
                    fx.coupons_changed.add(coupon["id"])
    elif isinstance(p, payloads.RefundIssued):
        day = p.business_day
        if p.sale_id not in state.sales:
            exception(Kind.UNKNOWN_SALE, p.sale_id, {"sale_id": p.sale_id, "action": "refund"}, day)
        fx.refunds.append(
            {
                "id": p.refund_id,
                "sale_id": p.sale_id,
                "device_id": device_id,
                "seq": c.seq,
                "store_id": store_id,
                "till_session_id": session_id,
                "business_day": day,
                "total": p.total,
                "points_reversed": p.points.reversed,
                "points_returned": p.points.returned,
                "tenders": canonical_json(_tender_totals(p.tenders)),
                "tender_points": sum(t.points for t in p.tenders),
            }
        )
        stock(p.stock, "refund", p.refund_id)
        points(p.member_id, -p.points.reversed, "reverse", p.refund_id, day)
        points(p.member_id, p.points.returned, "refund", p.refund_id, day)
    elif isinstance(p, payloads.StockAdjusted):
        stock(p.stock, "adjust", ref_event)
    elif isinstance(p, payloads.PickupHandedOver):
        _handover(p, state, fx, device_id, store_id, ref_event, now_iso, exception)
    elif isinstance(p, payloads.TillSessionOpened):
        if p.till_session_id not in state.sessions:
            state.sessions.add(p.till_session_id)
            fx.sessions_new[p.till_session_id] = {
                "id": p.till_session_id,
                "device_id": device_id,
                "store_id": store_id,
                "terminal_code": p.terminal_code,
                "business_day": p.business_day,
                "opening_float": p.opening_float,
                "opened_seq": c.seq,
                "closed_seq": None,
                "z": None,
            }
    elif isinstance(p, payloads.CashMoved):
        fx.cash.append(
            {"event_id": ref_event, "till_session_id": p.till_session_id, "kind": p.kind, "amount": p.amount}
        )
    elif isinstance(p, payloads.TillSessionClosed):
        z = c.raw["payload"]["z"]
        if p.till_session_id in fx.sessions_new:
            fx.sessions_new[p.till_session_id].update(closed_seq=c.seq, z=json.dumps(z, sort_keys=True))
        elif p.till_session_id in state.sessions:
            fx.sessions_closed[p.till_session_id] = {"closed_seq": c.seq, "z": json.dumps(z, sort_keys=True)}
        else:
            state.sessions.add(p.till_session_id)
            fx.sessions_new[p.till_session_id] = {
                "id": p.till_session_id,
                "device_id": device_id,
                "store_id": store_id,
                "terminal_code": str(z.get("terminal", "")),
                "business_day": p.z.business_day,
                "opening_float": int(z.get("opening_float") or 0),
                "opened_seq": None,
                "closed_seq": c.seq,
                "z": json.dumps(z, sort_keys=True),
            }


def _handover(p, state: _State, fx: _Effects, device_id, store_id, ref_event, now_iso, exception) -> None:
    order = state.pickups.get(p.order_id)
    day = p.business_day
    if order is None:
        exception(Kind.PICKUP_UNKNOWN, str(p.order_id), {"order_id": p.order_id}, day)
        return
    status = order["status"]
    if status == "handed_over":
        exception(
            Kind.PICKUP_HANDED_OVER_TWICE,
            str(p.order_id),
            {"order_id": p.order_id, "first_device": order.get("handed_over_device")},
            day,
        )
        return
    if status == "cancelled":
        # the customer has the goods: the handover wins; the cancel had put the stock back
        exception(
            Kind.PICKUP_CANCELLED_HANDED_OVER,
            str(p.order_id),
            {"order_id": p.order_id, "total": order["total"], "offline": p.offline, "paid": order["paid"]},
            day,
        )
        for line in json.loads(order["lines"]):
            fx.moves.append(
                {
                    "store_id": order["store_id"],
                    "product_id": line["product_id"],
                    "delta": -int(line["quantity"]),
                    "reason": "pickup",
                    "ref": f"pickup:{p.order_id}",
                    "event_id": ref_event,
                    "created_at": now_iso,
                }
            )
    elif status != "ready" or not order["paid"]:
        exception(
            Kind.PICKUP_NOT_READY_HANDED_OVER,
            str(p.order_id),
            {"order_id": p.order_id, "status": status, "paid": order["paid"]},
            day,
        )
    order.update(status="handed_over", handed_over_device=device_id, updated_at=now_iso)
    fx.pickups_changed.add(p.order_id)


# --- writing --------------------------------------------------------------------------------------


def bulk_insert(conn: Connection, table, rows: list[dict[str, Any]], suffix: str = "") -> None:
    """Insert many rows fast: SQLite's executemany (in C); on PostgreSQL ``COPY`` (a sixth of an
    executemany's time for small rows), or a pipelined executemany when ``suffix`` (``ON CONFLICT
    ...``) must apply. Every row has the same keys."""
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(columns)
    if conn.dialect.paramstyle == "qmark":
        values = "(" + ", ".join(["?"] * len(columns)) + ")"
        sql = f"INSERT INTO {table.name} ({names}) VALUES {values}{suffix}"
        conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])
        return
    if suffix:
        values = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {table.name} ({names}) VALUES {values}{suffix}"
        conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])
        return
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[c] for c in columns))


def _write(conn: Connection, store_id: int, state: _State, fx: _Effects) -> None:
    bulk_insert(conn, _EVENT, fx.events)
    bulk_insert(conn, _SALE, list(fx.sales.values()))
    if fx.sale_voids:
        conn.execute(
            update(_SALE).where(_SALE.c.id == bindparam("sid")).values(status="voided"),
            [{"sid": s} for s in fx.sale_voids],
        )
    bulk_insert(conn, _REFUND, fx.refunds)
    bulk_insert(conn, _SESSION, list(fx.sessions_new.values()))
    for session_id, values in fx.sessions_closed.items():
        conn.execute(update(_SESSION).where(_SESSION.c.id == session_id).values(**values))
    bulk_insert(conn, _CASH, fx.cash)
    bulk_insert(conn, _POINTS, fx.points)
    bulk_insert(conn, _REDEMPTION, fx.redemptions)
    if fx.redemptions_voided:
        conn.execute(
            update(_REDEMPTION).where(_REDEMPTION.c.id == bindparam("rid")).values(voided=True),
            [{"rid": r} for r in fx.redemptions_voided],
        )
    bulk_insert(conn, _MOVE, fx.moves)
    if not (fx.members_changed or fx.coupons_changed or fx.pickups_changed or fx.moves):
        return
    version = next_version(conn)
    if fx.members_changed:
        conn.execute(
            update(_MEMBER)
            .where(_MEMBER.c.id == bindparam("mid"))
            .values(points_balance=bindparam("balance"), version=version),
            [{"mid": m, "balance": state.members[m]} for m in sorted(fx.members_changed)],
        )
    if fx.coupons_changed:
        conn.execute(
            update(_COUPON)
            .where(_COUPON.c.id == bindparam("cid"))
            .values(
                status=bindparam("status"),
                redeemed_ref=bindparam("ref"),
                reserved_basket=bindparam("basket"),
                version=version,
            ),
            [
                {
                    "cid": cid,
                    "status": state.coupons[cid]["status"],
                    "ref": state.coupons[cid].get("redeemed_ref"),
                    "basket": state.coupons[cid].get("reserved_basket"),
                }
                for cid in sorted(fx.coupons_changed)
            ],
        )
    if fx.pickups_changed:
        conn.execute(
            update(_PICKUP)
            .where(_PICKUP.c.id == bindparam("oid"))
            .values(
                status=bindparam("status"),
                handed_over_device=bindparam("dev"),
                updated_at=bindparam("at"),
                version=version,
            ),
            [
                {
                    "oid": oid,
                    "status": state.pickups[oid]["status"],
                    "dev": state.pickups[oid]["handed_over_device"],
                    "at": state.pickups[oid]["updated_at"],
                }
                for oid in sorted(fx.pickups_changed)
            ],
        )
    if fx.moves:
        apply_stock(conn, fx.moves, version, fx.exceptions)


def apply_stock(conn: Connection, moves: list[dict], version: int, exceptions: list[ExceptionRecord]) -> None:
    """Add the moves (already inserted in the ledger) to the stock levels, in key order, and open a
    negative-stock exception for each level that went below zero. Call after :func:`next_version`."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for m in moves:
        totals[(m["store_id"], m["product_id"])] += m["delta"]
    keys = sorted(totals)  # one lock order for every writer: no deadlocks between pushes
    rows = [{"store_id": s, "product_id": p, "on_hand": totals[(s, p)], "version": version} for s, p in keys]
    upsert = (
        " ON CONFLICT (store_id, product_id) DO UPDATE"
        " SET on_hand = stock_level.on_hand + excluded.on_hand, version = excluded.version"
    )
    if conn.dialect.name == "postgresql":
        # COPY the deltas into a scratch table, then one upsert in key order
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS stock_delta (store_id integer, product_id integer,"
            " on_hand bigint, version bigint) ON COMMIT DELETE ROWS"
        )
        bulk_insert(conn, _STOCK_DELTA, rows)
        conn.exec_driver_sql(
            "INSERT INTO stock_level (store_id, product_id, on_hand, version)"
            " SELECT store_id, product_id, on_hand, version FROM stock_delta ORDER BY store_id, product_id"
            + upsert
        )
        conn.exec_driver_sql("DELETE FROM stock_delta")
    else:
        bulk_insert(conn, _STOCK, rows, upsert)
    by_store: dict[int, list[int]] = defaultdict(list)
    for s, p in keys:
        if totals[(s, p)] < 0:
            by_store[s].append(p)
    now_iso = utcnow()
    for s, products in by_store.items():
        for chunk in _chunks(products, 500):
            for row in conn.execute(
                select(_STOCK.c.product_id, _STOCK.c.on_hand).where(
                    _STOCK.c.store_id == s, _STOCK.c.product_id.in_(chunk), _STOCK.c.on_hand < 0
                )
            ):
                exceptions.append(
                    ExceptionRecord(
                        s,
                        Kind.NEGATIVE_STOCK,
                        now_iso,
                        ref=str(row.product_id),
                        detail={"product_id": row.product_id, "on_hand": row.on_hand},
                        dedupe_key=f"negative_stock:{s}:{row.product_id}",
                    )
                )


def reprocess_deferred(db: Database, settings: Settings) -> int:
    """Apply deferred events whose schema this server now supports (after an upgrade); returns how
    many were applied. Each device's deferred events are applied in seq order."""
    done = 0
    with db.read() as conn:
        rows = conn.execute(
            select(_EVENT.c.device_id, _EVENT.c.seq)
            .where(_EVENT.c.status == "deferred", _EVENT.c.schema_version <= MAX_SUPPORTED_SCHEMA)
            .order_by(_EVENT.c.device_id, _EVENT.c.seq)
        ).all()
    for device_id, seq in rows:
        with db.write() as conn:
            row = conn.execute(
                select(_EVENT, _DEVICE.c.store_id)
                .join(_DEVICE, _DEVICE.c.id == _EVENT.c.device_id)
                .where(_EVENT.c.device_id == device_id, _EVENT.c.seq == seq, _EVENT.c.status == "deferred")
                .with_for_update()
            ).first()
            if row is None:
                continue
            raw = stored_event(row.envelope, row.hash)
            candidate = _Candidate(raw, seq, row.event_id, EventStatus.APPLIED)
            try:
                candidate.envelope = payloads.check_envelope(raw)
                candidate.payload = payloads.check_payload(
                    candidate.envelope.type, candidate.envelope.payload
                )
            except payloads.InvalidEvent as exc:
                candidate.status, candidate.error = EventStatus.QUARANTINED, str(exc)
            fx = _Effects()
            now_iso = utcnow()
            state = _State.load(conn, [candidate] if candidate.status is EventStatus.APPLIED else [])
            if candidate.status is EventStatus.APPLIED:
                try:
                    _apply_one(candidate, device_id, row.store_id, state, fx, now_iso, settings)
                except payloads.InvalidEvent as exc:
                    candidate.status, candidate.error = EventStatus.QUARANTINED, str(exc)
            if candidate.status is EventStatus.APPLIED:
                _write(conn, row.store_id, state, fx)
                insert_exceptions(conn, fx.exceptions)
                done += 1
            conn.execute(
                update(_EVENT)
                .where(_EVENT.c.device_id == device_id, _EVENT.c.seq == seq)
                .values(status=candidate.status.value, error=candidate.error)
            )
    return done
