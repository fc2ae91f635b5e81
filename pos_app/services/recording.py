"""Writing what happened: one journal entry and one outbox event, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from pos_app.db import ledger
from pos_app.db.database import get_meta, set_meta
from pos_app.services.context import new_id
from sync.protocol.events import EventType, make_envelope


@dataclass(frozen=True, slots=True)
class Recorded:
    event_id: str
    outbox_seq: int
    journal_seq: int


def record(
    conn: Connection,
    *,
    event_type: EventType,
    payload: dict[str, Any],
    till_session_id: str | None,
    staff_id: int | None,
    ref: str,
    amount: int,
    at: str,
    device_id: str,
) -> Recorded:
    """Append the journal entry and the outbox event of one action (same transaction as the action).

    Listeners are told after the commit, by the caller, so a pusher never sees an uncommitted event.
    """
    journal_seq = ledger.append_journal(
        conn,
        kind=str(event_type),
        created_at=at,
        staff_id=staff_id,
        till_session_id=till_session_id,
        ref=ref,
        amount=amount,
        payload=payload,
    )
    last_seq, prev_hash = ledger.outbox_head(conn)
    envelope = make_envelope(
        event_id=new_id(),
        device_id=device_id,
        seq=last_seq + 1,
        type=event_type,
        occurred_at=at,
        till_session_id=till_session_id,
        payload=payload,
        prev_hash=prev_hash,
    )
    ledger.insert_outbox(conn, envelope)
    return Recorded(envelope["event_id"], last_seq + 1, journal_seq)


def next_receipt_no(conn: Connection, store_code: str, terminal_code: str, business_day: str) -> str:
    """``S001-T01-261123-0007``: store, terminal, business day, and a counter per day and terminal.

    Shared by sales, refunds and voids, so every printed slip has its own number.
    """
    key = f"receipt_seq:{business_day}"
    n = int(get_meta(conn, key, "0") or 0) + 1
    set_meta(conn, key, str(n))
    day = business_day.replace("-", "")[2:]
    return f"{store_code}-{terminal_code}-{day}-{n:04d}"
