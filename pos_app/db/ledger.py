"""The append-only, hash-chained journal and the sync outbox.

Both get gapless sequence numbers (``max + 1`` inside the writer's ``BEGIN IMMEDIATE`` transaction, so
a rolled-back transaction leaves no hole) and chain each entry to the one before it by hash. The journal
is the terminal's own audit trail of everything that changes money; its head travels with each till
close, so a later edit anywhere in it is detectable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from pos_app.db import schema

GENESIS_HASH = "0" * 64
j = schema.journal
o = schema.outbox


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def journal_entry_hash(
    seq: int,
    created_at: str,
    kind: str,
    staff_id: int | None,
    till_session_id: str | None,
    ref: str,
    amount: int,
    payload: str,
    prev_hash: str,
) -> str:
    body = _canonical([seq, created_at, kind, staff_id, till_session_id, ref, amount, payload, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# Statements built once: building a Core statement per call costs more than running it.
_JOURNAL_HEAD = select(j.c.seq, j.c.hash).order_by(j.c.seq.desc()).limit(1)
_JOURNAL_INSERT = j.insert()
_OUTBOX_HEAD = select(o.c.seq, o.c.hash).order_by(o.c.seq.desc()).limit(1)
_OUTBOX_INSERT = o.insert()


def journal_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(_JOURNAL_HEAD).first()
    return (0, GENESIS_HASH) if row is None else (row.seq, row.hash)


def append_journal(
    conn: Connection,
    *,
    kind: str,
    created_at: str,
    staff_id: int | None,
    till_session_id: str | None,
    ref: str = "",
    amount: int = 0,
    payload: dict[str, Any] | None = None,
) -> int:
    """Append one entry inside the caller's write transaction; returns its sequence number."""
    last_seq, prev_hash = journal_head(conn)
    seq = last_seq + 1
    body = _canonical(payload or {})
    digest = journal_entry_hash(
        seq, created_at, kind, staff_id, till_session_id, ref, amount, body, prev_hash
    )
    conn.execute(
        _JOURNAL_INSERT,
        {
            "seq": seq,
            "created_at": created_at,
            "kind": kind,
            "staff_id": staff_id,
            "till_session_id": till_session_id,
            "ref": ref,
            "amount": amount,
            "payload": body,
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    return seq


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None = None
    problem: str = ""


def verify_journal(conn: Connection) -> ChainCheck:
    """Recompute the whole chain: every hash, every link, no gaps."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    for row in conn.execute(select(j).order_by(j.c.seq)):
        if row.seq != expected_seq:
            return ChainCheck(False, count, prev_hash, expected_seq, "gap")
        if row.prev_hash != prev_hash:
            return ChainCheck(False, count, prev_hash, row.seq, "broken link")
        digest = journal_entry_hash(
            row.seq,
            row.created_at,
            row.kind,
            row.staff_id,
            row.till_session_id,
            row.ref,
            row.amount,
            row.payload,
            row.prev_hash,
        )
        if digest != row.hash:
            return ChainCheck(False, count, prev_hash, row.seq, "altered entry")
        prev_hash, expected_seq, count = row.hash, expected_seq + 1, count + 1
    return ChainCheck(True, count, prev_hash)


# --- outbox ---------------------------------------------------------------------------------------


def outbox_head(conn: Connection) -> tuple[int, str]:
    """(last seq, its hash): the next event gets seq + 1 and this hash as ``prev_hash``."""
    row = conn.execute(_OUTBOX_HEAD).first()
    return (0, GENESIS_HASH) if row is None else (row.seq, row.hash)


def insert_outbox(conn: Connection, envelope: dict[str, Any]) -> None:
    conn.execute(
        _OUTBOX_INSERT,
        {
            "seq": envelope["seq"],
            "event_id": envelope["event_id"],
            "type": envelope["type"],
            "schema_version": envelope["schema_version"],
            "occurred_at": envelope["occurred_at"],
            "till_session_id": envelope["till_session_id"],
            "envelope": _canonical(envelope),
            "hash": envelope["hash"],
        },
    )


def acked_seq(conn: Connection) -> int:
    """Highest seq the platform has processed, in an unbroken run from the first event."""
    first_pending = conn.execute(select(func.min(o.c.seq)).where(o.c.status == "pending")).scalar()
    if first_pending is not None:
        return first_pending - 1
    return conn.execute(select(func.coalesce(func.max(o.c.seq), 0))).scalar_one()


def backlog(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(o).where(o.c.status == "pending")).scalar_one()


def pending_events(conn: Connection, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(o.c.envelope).where(o.c.status == "pending").order_by(o.c.seq).limit(limit))
    return [json.loads(row.envelope) for row in rows]


def mark_processed(conn: Connection, seqs: list[int], status: str, at: str, error: str | None = None) -> None:
    """Record the platform's answer for events: ``acked`` or ``quarantined`` (kept, with the reason)."""
    if status not in ("acked", "quarantined"):
        raise ValueError(status)
    for start in range(0, len(seqs), 500):
        conn.execute(
            update(o)
            .where(o.c.seq.in_(seqs[start : start + 500]))
            .values(status=status, acked_at=at, error=error)
        )
