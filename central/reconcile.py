"""Reconciliation: the central side of every Z report, per store, business day and till session.

For each till session the platform recomputes the Z figures from the events it applied and compares
them with the totals the terminal pushed when it closed the till:

- ``pending``  the session is open, or its close has not arrived yet;
- ``gap``      the close arrived but an event of the session was quarantined or deferred, so the
               platform cannot count it (its seq is listed);
- ``mismatch`` every event is here but a figure differs (the differences are listed);
- ``matched``  every figure agrees.

A day's status is the worst of its sessions. The exceptions list explains the rest (coupon conflicts,
points overdrafts, negative stock, quarantined events, clock skew ...).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, func, select

from central.core.db import Database
from central.models import CashMovement, Event, Refund, Sale, Store, SyncException, TillSession
from sync.protocol.wire import DayReconciliation, ExceptionItem, SessionReconciliation

COMPARED = (
    "sales_count",
    "sales_total",
    "voids_count",
    "voids_total",
    "refunds_count",
    "refunds_total",
    "cash_in",
    "cash_out",
    "points_earned",
    "points_redeemed",
    "tenders",
)
_ORDER = {"matched": 0, "pending": 1, "gap": 2, "mismatch": 3}


def _t(model):
    return model.__table__


def central_totals(conn: Connection, session_id: str) -> dict[str, Any]:
    """The Z figures of a session as the platform sees them."""
    s, r, c = _t(Sale), _t(Refund), _t(CashMovement)
    totals: dict[str, Any] = {
        "sales_count": 0,
        "sales_total": 0,
        "voids_count": 0,
        "voids_total": 0,
        "points_earned": 0,
        "points_redeemed": 0,
    }
    tenders: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        select(s.c.status, s.c.total, s.c.points_earned, s.c.points_redeemed, s.c.tenders).where(
            s.c.till_session_id == session_id
        )
    ):
        if row.status == "completed":
            totals["sales_count"] += 1
            totals["sales_total"] += row.total
            totals["points_earned"] += row.points_earned
            totals["points_redeemed"] += row.points_redeemed
            for kind, amount in json.loads(row.tenders).items():
                tenders[kind] += amount
        else:
            totals["voids_count"] += 1
            totals["voids_total"] += row.total
    refunds = conn.execute(
        select(r.c.total, r.c.points_reversed, r.c.tender_points, r.c.tenders).where(
            r.c.till_session_id == session_id
        )
    ).all()
    totals["refunds_count"] = len(refunds)
    totals["refunds_total"] = sum(x.total for x in refunds)
    totals["points_earned"] -= sum(x.points_reversed for x in refunds)
    totals["points_redeemed"] -= sum(x.tender_points for x in refunds)
    for x in refunds:
        for kind, amount in json.loads(x.tenders).items():
            tenders[kind] -= amount
    cash = dict(
        conn.execute(
            select(c.c.kind, func.sum(c.c.amount)).where(c.c.till_session_id == session_id).group_by(c.c.kind)
        ).all()
    )
    totals["cash_in"] = int(cash.get("cash_in") or 0)
    totals["cash_out"] = int(cash.get("cash_out") or 0)
    totals["tenders"] = {k: v for k, v in sorted(tenders.items()) if v}
    return totals


def session_reconciliation(conn: Connection, session: Any) -> SessionReconciliation:
    central = central_totals(conn, session.id)
    expected = json.loads(session.z) if session.z else None
    base = {
        "till_session_id": session.id,
        "device_id": session.device_id,
        "terminal_code": session.terminal_code,
        "business_day": session.business_day,
        "central": central,
        "closed": expected is not None,
        "expected": expected,
    }
    if expected is None:
        return SessionReconciliation(status="pending", **base)
    e = _t(Event)
    first = expected.get("first_seq") or session.opened_seq or expected.get("last_seq")
    last = expected.get("last_seq") or session.closed_seq
    missing = list(
        conn.execute(
            select(e.c.seq)
            .where(
                e.c.device_id == session.device_id,
                e.c.seq >= first,
                e.c.seq <= last,
                e.c.till_session_id == session.id,
                e.c.status != "applied",
            )
            .order_by(e.c.seq)
        ).scalars()
    )
    if missing:
        return SessionReconciliation(status="gap", missing_seqs=missing, **base)
    differences: dict[str, list[Any]] = {}
    for key in COMPARED:
        want = expected.get(key, {} if key == "tenders" else 0)
        if key == "tenders":
            want = {k: v for k, v in sorted((want or {}).items()) if v}
        if want != central[key]:
            differences[key] = [want, central[key]]
    return SessionReconciliation(
        status="mismatch" if differences else "matched", differences=differences, **base
    )


def day_reconciliation(db: Database, store_code: str, business_day: str) -> DayReconciliation:
    ts, st = _t(TillSession), _t(Store)
    with db.snapshot() as conn:
        store_id = conn.execute(select(st.c.id).where(st.c.code == store_code)).scalar()
        if store_id is None:
            raise LookupError(f"no store {store_code!r}")
        sessions = [
            session_reconciliation(conn, row)
            for row in conn.execute(
                select(ts)
                .where(ts.c.store_id == store_id, ts.c.business_day == business_day)
                .order_by(ts.c.id)
            )
        ]
        exceptions = list_exceptions(conn, store_id, store_code, business_day)
    status = max((s.status for s in sessions), key=_ORDER.__getitem__, default="matched")
    return DayReconciliation(
        store_code=store_code,
        business_day=business_day,
        status=status,
        sessions=sessions,
        exceptions=exceptions,
    )


def list_exceptions(
    conn: Connection, store_id: int, store_code: str, business_day: str | None = None, limit: int = 1000
) -> list[ExceptionItem]:
    """Exceptions of a store; with a day, those of that day plus those that have no day (clock skew,
    negative stock, quarantined events without a readable day)."""
    x = _t(SyncException)
    query = select(x).where(x.c.store_id == store_id)
    if business_day is not None:
        query = query.where((x.c.business_day == business_day) | x.c.business_day.is_(None))
    rows = conn.execute(query.order_by(x.c.id).limit(limit))
    return [
        ExceptionItem(
            id=r.id,
            kind=r.kind,
            store_code=store_code,
            device_id=r.device_id,
            business_day=r.business_day,
            till_session_id=r.till_session_id,
            ref=r.ref,
            detail=json.loads(r.detail),
            created_at=r.created_at,
            resolved=r.resolved_at is not None,
        )
        for r in rows
    ]


def exceptions(db: Database, store_code: str, business_day: str | None = None) -> list[ExceptionItem]:
    with db.read() as conn:
        store_id = conn.execute(select(_t(Store).c.id).where(_t(Store).c.code == store_code)).scalar()
        if store_id is None:
            raise LookupError(f"no store {store_code!r}")
        return list_exceptions(conn, store_id, store_code, business_day)
