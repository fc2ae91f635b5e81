"""What the platform is: its database epoch, signing keys and member lookup salt; made on first start."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from central.core.config import Settings
from central.core.db import Database
from central.models import Meta, PlatformKey
from central.versions import ensure_counter
from sync.protocol import tokens

_META = Meta.__table__
_KEYS = PlatformKey.__table__


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def now() -> float:
    return time.time()


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(_META.c.value).where(_META.c.key == key)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    if get_meta(conn, key) is None:
        conn.execute(_META.insert().values(key=key, value=value))
    else:
        conn.execute(_META.update().where(_META.c.key == key).values(value=value))


def initialise(db: Database, settings: Settings) -> None:
    """Create what a new platform needs (idempotent): the version counter, the database epoch (cursors
    from another database are answered with a reset), the lookup salt and a first signing key."""
    with db.write() as conn:
        ensure_counter(conn)
        if get_meta(conn, "epoch") is None:
            set_meta(conn, "epoch", secrets.token_hex(4))
        if get_meta(conn, "member_lookup_salt") is None:
            set_meta(conn, "member_lookup_salt", settings.member_lookup_salt)
        if conn.execute(select(_KEYS.c.key_id)).first() is None:
            key = tokens.new_private_key()
            conn.execute(
                _KEYS.insert().values(
                    key_id=1,
                    private_key=tokens.private_key_bytes(key).hex(),
                    public_key=tokens.public_key_hex(key),
                    created_at=utcnow(),
                    retired=False,
                )
            )


def epoch(conn: Connection) -> str:
    return get_meta(conn, "epoch") or ""


def member_lookup_salt(conn: Connection) -> str:
    return get_meta(conn, "member_lookup_salt") or ""


def public_keys(conn: Connection) -> dict[str, str]:
    """``{"1": hex}``: every key terminals should accept (retired keys still verify old codes)."""
    return {str(r.key_id): r.public_key for r in conn.execute(select(_KEYS.c.key_id, _KEYS.c.public_key))}


def signing_key(conn: Connection) -> tuple[int, tokens.Ed25519PrivateKey]:
    row = conn.execute(
        select(_KEYS.c.key_id, _KEYS.c.private_key)
        .where(_KEYS.c.retired.is_(False))
        .order_by(_KEYS.c.key_id.desc())
        .limit(1)
    ).one()
    return row.key_id, tokens.private_key_from_bytes(bytes.fromhex(row.private_key))
