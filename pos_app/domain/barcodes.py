"""Scan events and the parsing of product codes: GTIN check digits, UPC-E expansion, price- and
weight-embedded store codes (GS1 prefixes 20-29), GS1 element strings, and the mobile payment codes
of WeChat Pay, Alipay and UnionPay.

GTIN check digits and GS1 element strings go through python-stdnum (``stdnum.ean``, ``stdnum.gs1_128``);
what it has no function for -- UPC-E expansion and the 4/5-digit price check digit of GS1 General
Specifications section 7.9.3 -- is here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from stdnum import ean as stdnum_ean
from stdnum import gs1_128
from stdnum.exceptions import ValidationError

from pos_app.domain.money import Money


class Symbology(StrEnum):
    EAN13 = "ean13"
    EAN8 = "ean8"
    UPCA = "upca"
    UPCE = "upce"
    CODE128 = "code128"
    GS1_128 = "gs1_128"
    DATABAR = "databar"
    DATABAR_EXPANDED = "databar_expanded"
    QR = "qr"
    UNKNOWN = "unknown"


class ScanSource(StrEnum):
    CAMERA = "camera"
    WEDGE = "wedge"  # keyboard-wedge barcode reader
    SERIAL = "serial"
    MANUAL = "manual"  # typed by a person


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """One read from any input source. Every source yields this, and one classifier interprets it."""

    text: str
    symbology: Symbology = Symbology.UNKNOWN
    source: ScanSource = ScanSource.MANUAL
    at: float = field(default_factory=time.monotonic)


# AIM symbology identifiers some readers prefix to the data (ISO/IEC 15424).
AIM_PREFIXES: Mapping[str, Symbology] = {
    "]E0": Symbology.EAN13,  # EAN-13, UPC-A and UPC-E (as 13 digits)
    "]E4": Symbology.EAN8,
    "]C0": Symbology.CODE128,
    "]C1": Symbology.GS1_128,
    "]e0": Symbology.DATABAR,
    "]Q1": Symbology.QR,
    "]Q3": Symbology.QR,  # GS1 QR
}

GS = "\x1d"  # FNC1 in GS1 element strings as transmitted by readers


def strip_aim(text: str) -> tuple[str, Symbology | None]:
    for prefix, symbology in AIM_PREFIXES.items():
        if text.startswith(prefix):
            return text[len(prefix) :], symbology
    return text, None


# --- GTIN -----------------------------------------------------------------------------------------


def gtin_check_digit(body: str) -> str:
    """GS1 mod-10 check digit of the digits before it (any GTIN length)."""
    return stdnum_ean.calc_check_digit(body)


def is_valid_gtin(code: str) -> bool:
    return code.isdigit() and len(code) in (8, 12, 13, 14) and stdnum_ean.is_valid(code)


def to_gtin14(code: str) -> str:
    """EAN-8, UPC-A, EAN-13 and GTIN-14 compare equal as GTIN-14 (zero padded on the left)."""
    return code.zfill(14)


def expand_upce(code: str) -> str | None:
    """Expand an 8-digit UPC-E (number system, 6 digits, check) to its 12-digit UPC-A, or None."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = f"{ns}{d[0]}{d[1]}{last}0000{d[2]}{d[3]}{d[4]}"
    elif last == "3":
        body = f"{ns}{d[0]}{d[1]}{d[2]}00000{d[3]}{d[4]}"
    elif last == "4":
        body = f"{ns}{d[0]}{d[1]}{d[2]}{d[3]}00000{d[4]}"
    else:
        body = f"{ns}{d[0]}{d[1]}{d[2]}{d[3]}{d[4]}0000{last}"
    if gtin_check_digit(body) != check:
        return None
    return body + check


# --- price/weight check digit (GS1 General Specifications 7.9.3) ----------------------------------

_THREE = (0, 3, 6, 9, 12, 15, 18, 21, 24, 27)
_TWO_MINUS = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_FIVE_PLUS = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)
_FIVE_MINUS = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)
_FIVE_MINUS_INVERSE = (0, 9, 7, 5, 3, 1, 8, 6, 4, 2)


def price_check_digit(value: str) -> str:
    """Verifier digit of a 4- or 5-digit price or weight field."""
    d = [int(c) for c in value]
    if len(d) == 4:
        total = _TWO_MINUS[d[0]] + _TWO_MINUS[d[1]] + _THREE[d[2]] + _FIVE_MINUS[d[3]]
        return str(total * 3 % 10)
    if len(d) == 5:
        total = _FIVE_PLUS[d[0]] + _TWO_MINUS[d[1]] + _FIVE_MINUS[d[2]] + _FIVE_PLUS[d[3]] + _TWO_MINUS[d[4]]
        return str(_FIVE_MINUS_INVERSE[(10 - total % 10) % 10])
    raise ValueError("price check digits exist for 4 or 5 digits")


# --- store codes from scales (prefix 20-29) -------------------------------------------------------


class EmbeddedValue(StrEnum):
    PRICE = "price"  # in minor units (fen)
    WEIGHT = "weight"  # in grams


@dataclass(frozen=True, slots=True)
class ScaleRule:
    """Layout of one EAN-13 prefix printed by the store's scales:

    prefix (2) + item code (``item_digits``) + [verifier digit] + value (``value_digits``) + check digit
    must add up to 13 digits.
    """

    prefix: str
    item_digits: int
    value: EmbeddedValue
    value_digits: int
    value_check: bool = False

    def __post_init__(self) -> None:
        if len(self.prefix) != 2 or not self.prefix.isdigit() or not 20 <= int(self.prefix) <= 29:
            raise ValueError(f"scale prefix must be 20-29, got {self.prefix!r}")
        if 2 + self.item_digits + int(self.value_check) + self.value_digits + 1 != 13:
            raise ValueError(f"scale layout for prefix {self.prefix} does not add up to 13 digits")
        if self.value_check and self.value_digits not in (4, 5):
            raise ValueError("a verifier digit needs a 4- or 5-digit value")

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ScaleRule:
        return cls(
            prefix=str(data["prefix"]),
            item_digits=int(data["item_digits"]),  # type: ignore[arg-type]
            value=EmbeddedValue(str(data["value"])),
            value_digits=int(data["value_digits"]),  # type: ignore[arg-type]
            value_check=bool(data.get("value_check", False)),
        )


@dataclass(frozen=True, slots=True)
class ScaleLayout:
    rules: tuple[ScaleRule, ...] = ()

    @classmethod
    def from_config(cls, rules: Sequence[Mapping[str, object]]) -> ScaleLayout:
        return cls(tuple(ScaleRule.from_dict(r) for r in rules))

    def rule_for(self, code: str) -> ScaleRule | None:
        for rule in self.rules:
            if code.startswith(rule.prefix):
                return rule
        return None


# --- results --------------------------------------------------------------------------------------


class ProductKey(StrEnum):
    GTIN = "gtin"  # look up by GTIN-14
    SKU = "sku"  # an internal Code128 SKU
    PLU = "plu"  # the item code of a scale label or a short typed code


@dataclass(frozen=True, slots=True)
class ProductCode:
    key: ProductKey
    value: str  # GTIN-14, SKU or PLU
    price: Money | None = None  # from a price-embedded label or GS1 AI 392x
    weight_grams: int | None = None  # from a weight-embedded label or GS1 AI 310x
    alternates: tuple[str, ...] = ()  # other GTIN-14s the same digits may be (8-digit EAN-8 vs UPC-E)


class PaymentProvider(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"


def payment_provider(digits: str) -> PaymentProvider | None:
    """The provider of a customer's payment code (付款码), by the prefixes and lengths they publish:

    WeChat Pay: 18 digits starting 10-15. Alipay: 16-24 digits starting 25-30.
    UnionPay QuickPass: 19 digits starting 62.
    """
    if not digits.isdigit():
        return None
    n, head = len(digits), int(digits[:2]) if len(digits) >= 2 else -1
    if n == 18 and 10 <= head <= 15:
        return PaymentProvider.WECHAT
    if n == 19 and digits.startswith("62"):
        return PaymentProvider.UNIONPAY
    if 16 <= n <= 24 and 25 <= head <= 30:
        return PaymentProvider.ALIPAY
    return None


class BarcodeError(ValueError):
    """The digits cannot be a product code; ``code`` says why (for the classifier's message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_gtin_digits(
    digits: str, symbology: Symbology | None, layout: ScaleLayout, currency: str = "CNY"
) -> ProductCode:
    """Interpret 8, 12, 13 or 14 digits as a product code. Raises ``BarcodeError``."""
    n = len(digits)
    if n == 8:
        if symbology is Symbology.UPCE:
            upca = expand_upce(digits)
            if upca is None:
                raise BarcodeError("check_digit")
            return ProductCode(ProductKey.GTIN, to_gtin14(upca))
        ean8_ok = stdnum_ean.is_valid(digits)
        upca = expand_upce(digits) if symbology in (None, Symbology.UNKNOWN) else None
        if ean8_ok:
            return ProductCode(
                ProductKey.GTIN, to_gtin14(digits), alternates=(to_gtin14(upca),) if upca else ()
            )
        if upca:
            return ProductCode(ProductKey.GTIN, to_gtin14(upca))
        raise BarcodeError("check_digit")
    if n not in (12, 13, 14):
        raise BarcodeError("length")
    if not stdnum_ean.is_valid(digits):
        raise BarcodeError("check_digit")
    if n == 13 and digits[0] == "2":
        rule = layout.rule_for(digits)
        if rule is not None:
            return _embedded(digits, rule, currency)
    return ProductCode(ProductKey.GTIN, to_gtin14(digits))


def _embedded(digits: str, rule: ScaleRule, currency: str) -> ProductCode:
    item = digits[2 : 2 + rule.item_digits]
    pos = 2 + rule.item_digits
    if rule.value_check:
        verifier = digits[pos]
        pos += 1
    value = digits[pos : pos + rule.value_digits]
    if rule.value_check and price_check_digit(value) != verifier:
        raise BarcodeError("price_check_digit")
    number = int(value)
    plu = item.lstrip("0") or "0"
    if rule.value is EmbeddedValue.PRICE:
        return ProductCode(ProductKey.PLU, plu, price=Money(number, currency))
    if number == 0:
        raise BarcodeError("zero_weight")
    return ProductCode(ProductKey.PLU, plu, weight_grams=number)


def parse_gs1_element_string(text: str, currency: str = "CNY") -> ProductCode:
    """GS1 element string (from GS1-128 or GS1 DataBar) with AI 01 and optionally 310n and 392n.

    Accepts the bracketed human-readable form ``(01)...(3102)...`` and the raw form with FNC1
    (ASCII 29) separators.
    """
    try:
        data = gs1_128.info(text, separator=GS)
    except ValidationError as exc:
        code = "check_digit" if "checksum" in str(exc).lower() or "check digit" in str(exc).lower() else "gs1"
        raise BarcodeError(code) from exc
    except (ValueError, KeyError, IndexError) as exc:
        raise BarcodeError("gs1") from exc
    gtin = data.get("01")
    if not gtin:
        raise BarcodeError("gs1_no_gtin")
    weight_grams = None
    price = None
    for ai, value in data.items():
        if ai.startswith("310") and isinstance(value, Decimal):
            grams = (value * 1000).to_integral_value()
            if grams <= 0:
                raise BarcodeError("zero_weight")
            weight_grams = int(grams)
        elif ai.startswith("392") and isinstance(value, Decimal):
            price = Money.from_decimal(value, currency)
    return ProductCode(ProductKey.GTIN, to_gtin14(str(gtin)), price=price, weight_grams=weight_grams)
