"""Request signatures: every call a terminal makes after enrolment is signed with its own Ed25519 key.

The signature covers the method, the path with its query, the SHA-256 of the body, a timestamp and a
random nonce (and the device id), so the platform can refuse a request that was altered on the way
(tampered), sent again (replayed), or signed too long ago or with a wrong clock (stale). The device
keeps its private key; the platform learnt the public key at enrolment.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SCHEME = "O2O-SIG-1"
HEADER_DEVICE = "X-O2O-Device"
HEADER_TIMESTAMP = "X-O2O-Timestamp"
HEADER_NONCE = "X-O2O-Nonce"
HEADER_DIGEST = "X-O2O-Content-SHA256"
HEADER_SIGNATURE = "X-O2O-Signature"
HEADER_SERVER_TIME = "X-O2O-Server-Time"
SIGNED_HEADERS = (HEADER_DEVICE, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_DIGEST, HEADER_SIGNATURE)

# How far a request's timestamp may be from the platform's clock. Terminals correct their clock by the
# offset they measure, so a wrong device clock costs one refused request, not a day of sales.
MAX_SKEW_SECONDS = 300


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signing_string(method: str, path: str, digest: str, timestamp: str, nonce: str, device_id: str) -> bytes:
    """What is signed. ``path`` includes the query string exactly as sent (``/v1/sync/pull?family=x``)."""
    return "\n".join((SCHEME, method.upper(), path, digest, timestamp, nonce, device_id)).encode("utf-8")


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign_request(
    key: Ed25519PrivateKey, device_id: str, method: str, path: str, body: bytes, timestamp: float
) -> dict[str, str]:
    """The headers that authenticate one request."""
    digest = body_digest(body)
    stamp = f"{timestamp:.3f}"
    nonce = new_nonce()
    signature = key.sign(signing_string(method, path, digest, stamp, nonce, device_id))
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIMESTAMP: stamp,
        HEADER_NONCE: nonce,
        HEADER_DIGEST: digest,
        HEADER_SIGNATURE: signature.hex(),
    }


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    device_id: str
    timestamp: float
    timestamp_text: str
    nonce: str
    digest: str
    signature: bytes


class SignatureError(ValueError):
    """``reason`` is an :class:`~sync.protocol.wire.ErrorCode` value."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason


def parse_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """The signature headers of a request; raises :class:`SignatureError` if any is missing or bad."""
    lowered = {k.lower(): v for k, v in headers.items()}
    values = {}
    for name in SIGNED_HEADERS:
        value = lowered.get(name.lower())
        if not value:
            raise SignatureError("missing_signature", f"header {name} is missing")
        values[name] = value
    try:
        timestamp = float(values[HEADER_TIMESTAMP])
        signature = bytes.fromhex(values[HEADER_SIGNATURE])
    except ValueError as exc:
        raise SignatureError("missing_signature", "timestamp or signature is not readable") from exc
    nonce = values[HEADER_NONCE]
    if not 16 <= len(nonce) <= 64 or len(signature) != 64 or timestamp != timestamp:
        raise SignatureError("missing_signature", "nonce or signature has the wrong size")
    return SignedHeaders(
        values[HEADER_DEVICE],
        timestamp,
        values[HEADER_TIMESTAMP],
        nonce,
        values[HEADER_DIGEST],
        signature,
    )


def verify_request(
    public_key: Ed25519PublicKey, signed: SignedHeaders, method: str, path: str, body: bytes
) -> None:
    """Raise :class:`SignatureError` unless ``signed`` was made by ``public_key`` over this request."""
    if body_digest(body) != signed.digest:
        raise SignatureError("bad_digest", "the body does not match its digest")
    message = signing_string(
        method, path, signed.digest, signed.timestamp_text, signed.nonce, signed.device_id
    )
    try:
        public_key.verify(signed.signature, message)
    except InvalidSignature as exc:
        raise SignatureError("bad_signature", "the signature does not verify") from exc
