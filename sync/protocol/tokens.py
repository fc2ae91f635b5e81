"""Signed member, coupon and pickup codes: what the central platform issues and the till checks offline.

Format (version 2), chosen to fit a small QR code in alphanumeric mode (version 6-M, 41x41 modules,
for a code valid in up to two stores; version 7-M up to the eight stores a coupon may name)::

    "O2O" KIND VERSION "." BASE32( body || Ed25519 signature )

    KIND  M member | C coupon | P pickup        VERSION "2"
    body  key_id:u8  expires_at:u32 (unix seconds)  then by kind
          M: member_id:u64
          C: coupon_id:u64  campaign_id:u32  n:u8  store_id:u32 x n (n = 0: every store of the chain)
          P: order_id:u64   pickup_code:u32 (the 6 digits a customer can also type)  store_id:u32

Version 1 carried no store, so a pickup or coupon code of one store passed at another: it is refused.
Only the canonical base32 text verifies (the pad bits of the last character must be zero), so each
token has exactly one text.

The signature covers the ASCII header ``"O2O" KIND VERSION`` and the body, so a valid coupon body can
never pass as a member code. Base32 (RFC 4648, upper case, no padding) uses only characters of the
QR alphanumeric set. ``key_id`` names the platform key, so keys can be rotated while old codes still
verify.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

MAGIC = "O2O"
VERSION = "2"
MAX_STORES = 8  # stores a coupon code may name
SIGNATURE_SIZE = 64
_HEAD = struct.Struct(">BI")
MAX_TOKEN_LENGTH = 200


class TokenKind(StrEnum):
    MEMBER = "M"
    COUPON = "C"
    PICKUP = "P"


_BODY = {
    TokenKind.MEMBER: struct.Struct(">Q"),
    TokenKind.COUPON: struct.Struct(">QI"),
    TokenKind.PICKUP: struct.Struct(">QII"),
}
_COUNT = struct.Struct(">B")
_STORE = struct.Struct(">I")


class TokenError(ValueError):
    """A code that looks like ours but cannot be accepted. ``reason`` is one of ``malformed``,
    ``unknown_key``, ``forged`` (the signature does not verify) or ``expired``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MemberToken:
    member_id: int
    expires_at: int
    key_id: int = 1


@dataclass(frozen=True, slots=True)
class CouponToken:
    coupon_id: int
    campaign_id: int
    expires_at: int
    key_id: int = 1
    store_ids: tuple[int, ...] = ()  # where it may be redeemed; empty: every store of the chain


@dataclass(frozen=True, slots=True)
class PickupToken:
    order_id: int
    pickup_code: int
    expires_at: int
    key_id: int = 1
    store_id: int = 0  # the store that hands the order over

    @property
    def code_text(self) -> str:
        return f"{self.pickup_code:06d}"


Token = MemberToken | CouponToken | PickupToken


def _kind_of(token: Token) -> TokenKind:
    if isinstance(token, MemberToken):
        return TokenKind.MEMBER
    if isinstance(token, CouponToken):
        return TokenKind.COUPON
    return TokenKind.PICKUP


def _fields(token: Token) -> tuple[int, ...]:
    if isinstance(token, MemberToken):
        return (token.member_id,)
    if isinstance(token, CouponToken):
        return (token.coupon_id, token.campaign_id)
    return (token.order_id, token.pickup_code, token.store_id)


def looks_like_token(text: str) -> bool:
    """The header of one of our codes (a header with nothing after it is a damaged code, not a SKU)."""
    return len(text) >= 6 and text.startswith(MAGIC) and text[3:4] in ("M", "C", "P") and text[5:6] == "."


def valid_in_store(token: Token, store_id: int) -> bool:
    """Whether a store may accept ``token``. A terminal that does not know its store yet (0) cannot
    tell, and accepts; a member code is good in every store."""
    if store_id == 0 or isinstance(token, MemberToken):
        return True
    if isinstance(token, PickupToken):
        return token.store_id == store_id
    return not token.store_ids or store_id in token.store_ids


def issue(token: Token, private_key: Ed25519PrivateKey) -> str:
    """The text of ``token`` signed with the platform's ``private_key`` (put it in a QR code)."""
    kind = _kind_of(token)
    if isinstance(token, PickupToken) and not 0 <= token.pickup_code <= 999_999:
        raise ValueError("a pickup code has six digits")
    header = f"{MAGIC}{kind.value}{VERSION}"
    body = _HEAD.pack(token.key_id, token.expires_at) + _BODY[kind].pack(*_fields(token))
    if isinstance(token, CouponToken):
        if len(token.store_ids) > MAX_STORES:
            raise ValueError(f"a coupon code names at most {MAX_STORES} stores")
        body += _COUNT.pack(len(token.store_ids)) + b"".join(_STORE.pack(s) for s in token.store_ids)
    signature = private_key.sign(header.encode("ascii") + body)
    return header + "." + base64.b32encode(body + signature).decode("ascii").rstrip("=")


def read(text: str, public_keys: Mapping[int, Ed25519PublicKey], now: float) -> Token:
    """Verify and decode a code; raises :class:`TokenError` with the reason it is refused."""
    if len(text) > MAX_TOKEN_LENGTH or not looks_like_token(text):
        raise TokenError("malformed", "not a code of this platform")
    kind = TokenKind(text[3])
    if text[4] != VERSION:
        raise TokenError("malformed", f"unknown code version {text[4]!r}")
    header = text[:5]
    payload = text[6:]
    try:
        raw = base64.b32decode(payload + "=" * (-len(payload) % 8), casefold=True)
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed", "not base32") from exc
    if base64.b32encode(raw).decode("ascii").rstrip("=") != payload.upper():
        raise TokenError("malformed", "not the canonical text of its bytes")
    body_size = _HEAD.size + _BODY[kind].size
    if kind is TokenKind.COUPON and len(raw) > body_size:
        body_size += _COUNT.size + _STORE.size * raw[body_size]
    if len(raw) != body_size + SIGNATURE_SIZE:
        raise TokenError("malformed", "wrong length")
    body, signature = raw[:body_size], raw[body_size:]
    key_id, expires_at = _HEAD.unpack_from(body)
    key = public_keys.get(key_id)
    if key is None:
        raise TokenError("unknown_key", f"key {key_id}")
    try:
        key.verify(signature, header.encode("ascii") + body)
    except InvalidSignature as exc:
        raise TokenError("forged") from exc
    if expires_at < now:
        raise TokenError("expired")
    fields = _BODY[kind].unpack_from(body, _HEAD.size)
    if kind is TokenKind.MEMBER:
        return MemberToken(fields[0], expires_at, key_id)
    if kind is TokenKind.COUPON:
        at = _HEAD.size + _BODY[kind].size + _COUNT.size
        stores = tuple(_STORE.unpack_from(body, at + i * _STORE.size)[0] for i in range(raw[at - 1]))
        return CouponToken(fields[0], fields[1], expires_at, key_id, stores)
    return PickupToken(fields[0], fields[1], expires_at, key_id, fields[2])


# --- keys -----------------------------------------------------------------------------------------


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def private_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def public_key_from_hex(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def public_keys_from_config(config: Mapping[str, str]) -> dict[int, Ed25519PublicKey]:
    """``{"1": "<64 hex digits>"}`` as kept in the settings -> ``{1: key}``; bad entries are skipped."""
    keys: dict[int, Ed25519PublicKey] = {}
    for key_id, hex_key in config.items():
        try:
            keys[int(key_id)] = public_key_from_hex(hex_key)
        except (ValueError, TypeError):
            continue
    return keys
