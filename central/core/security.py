"""Authenticating a terminal's signed request (see ``sync.protocol.signing``).

Checked in this order, each refusal with its own status and code: the signature headers are there
(401 ``missing_signature``), the device is enrolled (401 ``unknown_device``) and not revoked (403
``device_revoked``), the body matches its digest and the signature verifies (401 ``bad_digest`` /
``bad_signature``: tampered), the timestamp is within the allowed skew (401 ``stale_request``, with our
clock so the terminal can correct its own), and the nonce was never seen (401 ``replayed_request``).
The nonce is recorded only after the signature verified, so nobody can burn a device's nonces. It is
written without waiting for the disk (one fsync per request would halve the pull rate): after a power
cut, a request seen in its last moments could be replayed within the skew window -- and replaying a
push or a pull changes nothing, as pushes are idempotent.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from central.core.config import Settings
from central.core.db import Database
from central.models import Device, RequestNonce
from sync.protocol import signing, tokens

PURGE_EVERY_SECONDS = 60


@dataclass(frozen=True, slots=True)
class AuthenticatedDevice:
    id: str
    store_id: int
    terminal_code: str


class AuthError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


class Authenticator:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._last_purge = 0.0

    def authenticate(
        self, headers: Mapping[str, str], method: str, path: str, body: bytes, now: float | None = None
    ) -> AuthenticatedDevice:
        now = time.time() if now is None else now
        try:
            signed = signing.parse_headers(headers)
        except signing.SignatureError as exc:
            raise AuthError(401, exc.reason, exc.detail) from exc
        d = Device.__table__
        with self.db.read() as conn:
            row = conn.execute(
                select(d.c.id, d.c.store_id, d.c.terminal_code, d.c.public_key, d.c.revoked_at).where(
                    d.c.id == signed.device_id
                )
            ).first()
        if row is None:
            raise AuthError(401, "unknown_device", "this device is not enrolled")
        if row.revoked_at is not None:
            raise AuthError(403, "device_revoked", "this device was revoked; enrol it again with a new code")
        try:
            signing.verify_request(tokens.public_key_from_hex(row.public_key), signed, method, path, body)
        except signing.SignatureError as exc:
            raise AuthError(401, exc.reason, exc.detail) from exc
        skew = self.settings.max_skew_seconds
        if abs(signed.timestamp - now) > skew:
            raise AuthError(
                401, "stale_request", f"the request's time is more than {skew} s from the platform's clock"
            )
        self._remember_nonce(signed.device_id, signed.nonce, now)
        return AuthenticatedDevice(row.id, row.store_id, row.terminal_code)

    def _remember_nonce(self, device_id: str, nonce: str, now: float) -> None:
        n = RequestNonce.__table__
        try:
            with self.db.write(durable=False) as conn:
                conn.execute(n.insert().values(device_id=device_id, nonce=nonce, seen_at=now))
        except IntegrityError as exc:
            raise AuthError(401, "replayed_request", "this request was already received") from exc
        if now - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = now
            # a nonce older than twice the skew window can only come with a stale timestamp
            with self.db.write() as conn:
                conn.execute(delete(n).where(n.c.seen_at < now - 2 * self.settings.max_skew_seconds))
