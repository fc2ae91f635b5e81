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
  and an exception opened. The rules of each event type are a table of handlers in
  :mod:`central.event_rules`.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, MetaData, Table, bindparam, select, update
from sqlalchemy.exc import OperationalError
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_incrementing

from central.core.config import Settings
from central.core.db import Database
from central.event_rules import Effects, State, apply_event, chunks
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


def _is_deadlock(exc: BaseException) -> bool:
    """PostgreSQL chose this transaction as a deadlock's victim, or could not serialise it."""
    return isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


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
        try:
            return self._push_batch(device_id, events, client_time)
        except (SequenceGap, OperationalError):
            raise
        except Exception as exc:  # an event the database (or a bug) refuses: find it, keep it
            log.warning("batch of %s failed (%s); applying its events one by one", device_id, exc)
            return self._push_isolated(device_id, events, client_time)

    # Pushes take their row locks in one order and queue, but another writer (an admin command, an
    # online order) may take the same rows in another order. PostgreSQL then aborts one transaction
    # whole; when it is the push's, the push simply runs again.
    @retry(
        retry=retry_if_exception(_is_deadlock),
        stop=stop_after_attempt(DEADLOCK_RETRIES),
        wait=wait_incrementing(start=0.01, increment=0.01),
        reraise=True,
    )
    def _push_batch(
        self, device_id: str, events: list[dict[str, Any]], client_time: float | None
    ) -> PushOutcome:
        """The whole batch in one transaction."""
        with self.db.write() as conn:
            return self._push(conn, device_id, events, client_time)

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
        effects = Effects()
        results: list[EventResult] = []

        # duplicates: compare with what we stored under those seqs
        old_seqs = sorted({e["seq"] for e in ordered if e["seq"] <= last_seq})
        stored: dict[int, tuple[str, str]] = {}
        for chunk in chunks(old_seqs, 500):
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
        for chunk in chunks(ids, 500):
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
        fx: Effects,
        now_iso: str,
    ) -> None:
        applied = [c for c in candidates if c.status is EventStatus.APPLIED]
        state = State.load(conn, applied)
        for c in candidates:
            if c.status is EventStatus.APPLIED:
                try:
                    apply_event(c, device_id, store_id, state, fx, now_iso, self.settings)
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


def _write(conn: Connection, store_id: int, state: State, fx: Effects) -> None:
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
        for chunk in chunks(products, 500):
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
            fx = Effects()
            now_iso = utcnow()
            state = State.load(conn, [candidate] if candidate.status is EventStatus.APPLIED else [])
            if candidate.status is EventStatus.APPLIED:
                try:
                    apply_event(candidate, device_id, row.store_id, state, fx, now_iso, settings)
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
