"""The one classifier every scan goes through: camera, keyboard wedge, serial reader or typed code.

:func:`classify_scan` turns any text into exactly one of a product code, member code, coupon code,
pickup code, the customer's mobile payment code, or an invalid scan with a reason a cashier can read.
It is pure and fast (no database): looking the product up is the checkout's job.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from pos_app.domain import gs1
from pos_app.domain.barcodes import (
    GS,
    GS1_SYMBOLOGIES,
    BarcodeError,
    PaymentProvider,
    ProductCode,
    ProductKey,
    Symbology,
    parse_gtin_digits,
    parse_with_addon,
    payment_provider,
    strip_aim,
)
from pos_app.domain.scale_labels import ScaleLayout
from pos_app.i18n import N_, _
from sync.protocol import tokens
from sync.protocol.tokens import CouponToken, MemberToken, PickupToken, TokenError

log = logging.getLogger(__name__)

#: Longest text a scanner could honestly send us (a GS1 DataBar Expanded holds 74 digits, our QR ~150,
#: a GS1 Digital Link URI in a QR code rarely more than 200).
MAX_SCAN_LENGTH = 512
_SKU = re.compile(r"[A-Z][A-Z0-9._\-/]{2,31}")
# everything a Chinese input method or a badly set reader adds around a code (str.strip() already
# takes every Unicode space: U+3000 ideographic, U+00A0 no-break, ...)
_INVISIBLE = "\0\u200b\u200c\u200d\u2060\ufeff"


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
class NumberScan:
    """Six typed digits: a customer's pickup code or a product number. The checkout decides by what
    exists, and asks the cashier when both do."""

    digits: str


@dataclass(frozen=True, slots=True)
class PaymentScan:
    provider: PaymentProvider
    code: str


@dataclass(frozen=True, slots=True)
class InvalidScan:
    code: str  # stable reason for programs
    message: str  # translated, for the cashier
    ai: str = ""  # the GS1 Application Identifier at fault, if any

    def __str__(self) -> str:
        return self.message


ScanResult = ProductCode | MemberScan | CouponScan | PickupScan | NumberScan | PaymentScan | InvalidScan


@dataclass(frozen=True)
class ScanContext:
    layout: ScaleLayout = field(default_factory=ScaleLayout)
    public_keys: Mapping[int, Ed25519PublicKey] = field(default_factory=dict)
    currency: str = "CNY"
    clock: Callable[[], float] = time.time
    #: a customer's payment code is taken only while the till takes payment
    taking_payment: bool = False
    #: a product past its expiry date: "warn" the cashier, or "refuse" it
    expired_goods: str = "warn"
    #: this store's id on the platform: a pickup or coupon code for another store is refused
    store_id: int = 0


_REASONS = {
    "empty": N_("Nothing was read. Scan again."),
    "too_long": N_("That is not a code this store uses (far too long)."),
    "unreadable": N_("The scanner sent unreadable characters. Scan again."),
    "check_digit": N_("The barcode's check digit is wrong. Scan again or type the number."),
    "price_check_digit": N_("The price on the scale label does not verify. Weigh and label the item again."),
    "length": N_("No barcode has this many digits. Check the number."),
    "addon_length": N_("The add-on after this barcode has the wrong number of digits. Scan again."),
    "gs1": N_("This GS1 barcode cannot be read."),
    "gs1_empty": N_("The {field} in this GS1 code is empty."),
    "gs1_no_gtin": N_("This GS1 barcode carries no product number."),
    "gs1_logistic": N_("This is the label of a case or pallet, not of an item for sale."),
    "gs1_brackets": N_("The brackets in this GS1 code do not match. Check what was typed."),
    "gs1_unknown_ai": N_("This GS1 code has an application identifier ({ai}) that does not exist."),
    "gs1_too_long": N_("The {field} in this GS1 code is too long."),
    "gs1_too_short": N_("The {field} in this GS1 code is too short."),
    "gs1_bad_characters": N_("The {field} in this GS1 code has characters it may not have."),
    "gs1_bad_value": N_("The {field} in this GS1 code is not valid."),
    "gs1_check_digit": N_("The check digit of the {field} in this GS1 code is wrong."),
    "gs1_repeated": N_("This GS1 code gives the {field} twice, with different values."),
    "gs1_exclusive": N_("This GS1 code carries a {field} that may not go with the rest of it."),
    "gs1_missing_pair": N_("This GS1 code has a {field} without the product it belongs to."),
    "gs1_price_without_measure": N_("This code has a price but no weight."),
    "gs1_foreign_currency": N_("The price in this code is in another currency."),
    "expired": N_("This product is past its expiry date. It may not be sold."),
    "zero_weight": N_("The scale label shows no weight. Weigh the item again."),
    "payment_not_now": N_("This is a customer's payment code. Scan it when the customer pays."),
    "token_malformed": N_("This QR code is damaged or not from our platform."),
    "token_unknown_key": N_(
        "This code was signed with a key this till does not know yet. Sync the till and retry."
    ),
    "token_forged": N_("This code is not genuine."),
    "token_other_store": N_("This code is for another store of the chain and cannot be used here."),
    "member_expired": N_("This member code has expired. Ask the customer to refresh it in the app."),
    "coupon_expired": N_("This coupon has expired."),
    "pickup_expired": N_("This pickup code has expired."),
    "unknown": N_("This is not a code this store uses."),
}

#: the words for what a GS1 AI holds (pos_app.domain.gs1.field_of), in the cashier's language
_FIELDS = {
    "gtin": N_("product number (GTIN)"),
    "lot": N_("lot number"),
    "date": N_("date"),
    "expiry": N_("expiry date"),
    "serial": N_("serial number"),
    "count": N_("count"),
    "weight": N_("weight"),
    "price": N_("price"),
    "url": N_("product web address"),
    "value": N_("value"),
}


def invalid(code: str, ai: str = "") -> InvalidScan:
    message = _(_REASONS[code])
    if "{" in message:
        message = message.format(ai=ai, field=_(_FIELDS[gs1.field_of(ai)]))
    return InvalidScan(code, message, ai)


def classify_scan(
    text: str, symbology: Symbology | None = None, context: ScanContext | None = None
) -> ScanResult:
    """Decide what a scanned or typed ``text`` is. Never raises: every input gets a verdict."""
    try:
        return classify(text, symbology, context or ScanContext())
    except Exception:
        # the tests hold classify() to never raising; this keeps a till selling if a bug slips through
        log.exception("the scan classifier failed on a %d-character scan", len(text))
        return invalid("unknown")


def classify(text: str, symbology: Symbology | None, context: ScanContext) -> ScanResult:
    """:func:`classify_scan` without its safety net (the property tests call this one)."""
    if len(text) > MAX_SCAN_LENGTH:
        return invalid("too_long")
    text = text.strip().strip(_INVISIBLE).strip()
    if not text:
        return invalid("empty")
    text, aim = strip_aim(text)
    symbology = aim or symbology
    if not text:
        return invalid("empty")
    if any((ord(ch) < 32 and ch != GS) or ch in "\x7f\ufffd" for ch in text):
        return invalid("unreadable")
    if tokens.looks_like_token(text.upper()):  # a reader with caps lock on sends lower case
        return _token(text.upper(), context)
    if gs1.looks_like_digital_link(text):
        return _expiry_rule(_product(lambda: _digital_link(text, context)), context)
    if text.startswith("(") or GS in text or symbology in GS1_SYMBOLOGIES or _raw_element_string(text):
        bracketed = text.startswith("(")
        return _expiry_rule(_product(lambda: _element_string(text, bracketed, context)), context)
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


def _raw_element_string(text: str) -> bool:
    """AI 01 and a GTIN, then more: a GS1 element string from a reader that sends no AIM prefix and
    no separator. Nothing else the store scans starts this way (payment codes start 10-30 or 62)."""
    return len(text) > 16 and text.startswith("01") and text[2:16].isdigit()


def _today(context: ScanContext) -> date:
    return date.fromtimestamp(context.clock())


def _element_string(text: str, bracketed: bool, context: ScanContext) -> ProductCode:
    return gs1.read_element_string(
        text, bracketed=bracketed, currency=context.currency, today=_today(context)
    )


def _digital_link(text: str, context: ScanContext) -> ProductCode:
    return gs1.read_digital_link(text, currency=context.currency, today=_today(context))


def _product(parse: Callable[[], ProductCode]) -> ProductCode | InvalidScan:
    try:
        return parse()
    except BarcodeError as exc:
        if exc.code == "not_digital_link":
            return invalid("unknown")
        return invalid(exc.code if exc.code in _REASONS else "gs1", exc.ai)


def _expiry_rule(result: ProductCode | InvalidScan, context: ScanContext) -> ScanResult:
    if isinstance(result, ProductCode) and result.expired and context.expired_goods == "refuse":
        return invalid("expired")
    return result


def _digits(digits: str, symbology: Symbology | None, context: ScanContext) -> ScanResult:
    n = len(digits)
    if symbology is Symbology.EAN13_ADDON:
        return _product(lambda: parse_with_addon(digits))
    # the store's scale layouts decide first: an 18-digit label starting 25-28 looks like Alipay's
    rule = context.layout.rule_for(digits)
    label_error = None
    if rule is not None:
        try:
            return rule.read(digits, context.currency)
        except BarcodeError as exc:
            label_error = exc.code
    provider = payment_provider(digits)
    if provider is not None:
        return PaymentScan(provider, digits) if context.taking_payment else invalid("payment_not_now")
    if label_error is not None:
        return invalid(label_error)
    if n == 6:
        return NumberScan(digits)
    if 1 <= n <= 5:
        return ProductCode(ProductKey.PLU, digits.lstrip("0") or "0")
    if n == 16 and digits.startswith("01"):  # (01) alone, raw
        return _product(lambda: _element_string(digits, False, context))
    if symbology is Symbology.EAN13 and n != 13:
        return invalid("length")
    if n in (8, 12, 13, 14):
        return _product(lambda: parse_gtin_digits(digits, symbology))
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
    if not tokens.valid_in_store(token, context.store_id):
        return invalid("token_other_store")
    if isinstance(token, CouponToken):
        return CouponScan(token, text)
    return PickupScan(token.code_text, token)
