"""The exceptions list: what a manager must see and explain (conflicts, overdrafts, quarantined events,
clock skew, negative stock ...). Written in the same transaction as whatever caused it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from central.models import SyncException

_T = SyncException.__table__


class Kind:
    COUPON_CONFLICT = "coupon_conflict"
    COUPON_UNKNOWN = "coupon_unknown"
    POINTS_OVERDRAFT = "points_overdraft"
    NEGATIVE_STOCK = "negative_stock"
    QUARANTINED_EVENT = "quarantined_event"
    DEFERRED_EVENT = "deferred_event"
    SEQUENCE_CONFLICT = "sequence_conflict"
    CLOCK_SKEW = "clock_skew"
    PICKUP_CANCELLED_HANDED_OVER = "pickup_cancelled_handed_over"
    PICKUP_NOT_READY_HANDED_OVER = "pickup_not_ready_handed_over"
    PICKUP_HANDED_OVER_TWICE = "pickup_handed_over_twice"
    PICKUP_UNKNOWN = "pickup_unknown"
    UNKNOWN_SALE = "unknown_sale"


@dataclass
class ExceptionRecord:
    store_id: int
    kind: str
    created_at: str
    device_id: str | None = None
    business_day: str | None = None
    till_session_id: str | None = None
    event_id: str | None = None
    ref: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id,
            "kind": self.kind,
            "created_at": self.created_at,
            "device_id": self.device_id,
            "business_day": self.business_day,
            "till_session_id": self.till_session_id,
            "event_id": self.event_id,
            "ref": self.ref[:100],
            "detail": json.dumps(self.detail, ensure_ascii=False, sort_keys=True),
            "dedupe_key": self.dedupe_key,
        }


def insert_exceptions(conn: Connection, records: list[ExceptionRecord]) -> None:
    """Insert records; one with a ``dedupe_key`` already open is left out (e.g. one clock-skew
    exception per device and day, one negative-stock exception per SKU and store)."""
    if not records:
        return
    plain = [r.row() for r in records if r.dedupe_key is None]
    keyed = {r.dedupe_key: r.row() for r in records if r.dedupe_key is not None}
    if plain:
        conn.execute(_T.insert(), plain)
    if keyed:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(_T).on_conflict_do_nothing(index_elements=[_T.c.dedupe_key])
        conn.execute(statement, list(keyed.values()))
