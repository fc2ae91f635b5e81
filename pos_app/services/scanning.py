"""The one classifier every scan goes through: camera, keyboard wedge, serial reader or typed code.

:func:`classify_scan` turns any text into exactly one of a product code, member code, coupon code,
pickup code, the customer's mobile payment code, or an invalid scan with a reason a cashier can read.
It is pure and fast (no database): looking the product up is the checkout's job.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from pos_app.domain.barcodes import (
    GS,
    BarcodeError,
    PaymentProvider,
    ProductCode,
    ProductKey,
    ScaleLayout,
    Symbology,
    parse_gs1_element_string,
    parse_gtin_digits,
    payment_provider,
    strip_aim,
)
from pos_app.i18n import N_, _
from sync.protocol import tokens
from sync.protocol.tokens import CouponToken, MemberToken, PickupToken, TokenError

#: Longest text a scanner could honestly send us (a GS1 DataBar Expanded holds 74 digits, our QR ~140).
MAX_SCAN_LENGTH = 256
_SKU = re.compile(r"[A-Z][A-Z0-9._\-/]{2,31}")
_GS1_SYMBOLOGIES = {Symbology.GS1_128, Symbology.DATABAR, Symbology.DATABAR_EXPANDED}


@dataclass(frozen=True, slots=True)
class MemberScan:
    token: MemberToken


@dataclass(frozen=True, slots=True)
class CouponScan:
    token: CouponToken
    text: str


@dataclass(frozen=True, slots=True)
class PickupScan:
    code: str  # the 6 digits
    token: PickupToken | None = None  # None when the digits were typed


@dataclass(frozen=True, slots=True)
class PaymentScan:
    provider: PaymentProvider
    code: str


@dataclass(frozen=True, slots=True)
class InvalidScan:
    code: str  # stable reason for programs
    message: str  # translated, for the cashier

    def __str__(self) -> str:
        return self.message


ScanResult = ProductCode | MemberScan | CouponScan | PickupScan | PaymentScan | InvalidScan


@dataclass(frozen=True)
class ScanContext:
    layout: ScaleLayout = field(default_factory=ScaleLayout)
    public_keys: Mapping[int, Ed25519PublicKey] = field(default_factory=dict)
    currency: str = "CNY"
    clock: Callable[[], float] = time.time


_REASONS = {
    "empty": N_("Nothing was read. Scan again."),
    "too_long": N_("That is not a code this store uses (far too long)."),
    "unreadable": N_("The scanner sent unreadable characters. Scan again."),
    "check_digit": N_("The barcode's check digit is wrong. Scan again or type the number."),
    "price_check_digit": N_("The price on the scale label does not verify. Weigh and label the item again."),
    "length": N_("No barcode has this many digits. Check the number."),
    "gs1": N_("This GS1 barcode cannot be read."),
    "gs1_no_gtin": N_("This GS1 barcode carries no product number."),
    "zero_weight": N_("The scale label shows no weight. Weigh the item again."),
    "token_malformed": N_("This QR code is damaged or not from our platform."),
    "token_unknown_key": N_(
        "This code was signed with a key this till does not know yet. Sync the till and retry."
    ),
    "token_forged": N_("This code is not genuine."),
    "member_expired": N_("This member code has expired. Ask the customer to refresh it in the app."),
    "coupon_expired": N_("This coupon has expired."),
    "pickup_expired": N_("This pickup code has expired."),
    "unknown": N_("This is not a code this store uses."),
}


def invalid(code: str) -> InvalidScan:
    return InvalidScan(code, _(_REASONS[code]))


def classify_scan(
    text: str, symbology: Symbology | None = None, context: ScanContext | None = None
) -> ScanResult:
    """Decide what a scanned or typed ``text`` is. Never raises on any input."""
    context = context or ScanContext()
    if len(text) > MAX_SCAN_LENGTH:
        return invalid("too_long")
    text = text.strip(" \r\n\t\0")
    if not text:
        return invalid("empty")
    text, aim = strip_aim(text)
    symbology = aim or symbology
    if any((ord(ch) < 32 and ch != GS) or ch in "\x7f\ufffd" for ch in text):
        return invalid("unreadable")
    if tokens.looks_like_token(text.upper()):  # a reader with caps lock on sends lower case
        return _token(text.upper(), context)
    if text.startswith("(") or GS in text or (symbology in _GS1_SYMBOLOGIES and text[:2] == "01"):
        return _product(lambda: parse_gs1_element_string(text.lstrip(GS), context.currency))
    # full-width digits from an IME are still digits to the customer
    if not text.isascii():
        folded = text.translate(_FULLWIDTH)
        if folded.isascii() and folded.isdigit():
            text = folded
        else:
            return invalid("unknown")
    if text.isdigit():
        return _digits(text, symbology, context)
    upper = text.upper()
    if _SKU.fullmatch(upper) and any(ch.isdigit() for ch in upper):
        return ProductCode(ProductKey.SKU, upper)
    return invalid("unknown")


_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}


def _product(parse: Callable[[], ProductCode]) -> ProductCode | InvalidScan:
    try:
        return parse()
    except BarcodeError as exc:
        return invalid(exc.code if exc.code in _REASONS else "unknown")


def _digits(digits: str, symbology: Symbology | None, context: ScanContext) -> ScanResult:
    n = len(digits)
    provider = payment_provider(digits)
    if provider is not None:
        return PaymentScan(provider, digits)
    if n == 6:
        return PickupScan(digits)
    if 1 <= n <= 5:
        return ProductCode(ProductKey.PLU, digits.lstrip("0") or "0")
    if n in (8, 12, 13, 14):
        return _product(lambda: parse_gtin_digits(digits, symbology, context.layout, context.currency))
    return invalid("length")


def _token(text: str, context: ScanContext) -> ScanResult:
    try:
        token = tokens.read(text, context.public_keys, context.clock())
    except TokenError as exc:
        if exc.reason == "expired":
            kind = {"M": "member", "C": "coupon", "P": "pickup"}[text[3]]
            return invalid(f"{kind}_expired")
        return invalid(f"token_{exc.reason}")
    if isinstance(token, MemberToken):
        return MemberScan(token)
    if isinstance(token, CouponToken):
        return CouponScan(token, text)
    return PickupScan(token.code_text, token)
