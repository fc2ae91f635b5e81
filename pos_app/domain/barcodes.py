"""Scan events and the parsing of product codes: GTIN check digits, UPC-E expansion, EAN add-ons,
AIM symbology identifiers, and the mobile payment codes of WeChat Pay, Alipay and UnionPay.

GTIN check digits go through python-stdnum (``stdnum.ean``); GS1 element strings and Digital Link
through biip (``pos_app.domain.gs1``); the store's scale labels are ``pos_app.domain.scale_labels``.
What no library has -- UPC-E expansion and the 4/5-digit price check digit of GS1 General
Specifications section 7.9.3 -- is here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from stdnum import ean as stdnum_ean

from pos_app.domain.money import Money


class Symbology(StrEnum):
    EAN13 = "ean13"
    EAN13_ADDON = "ean13_addon"  # EAN-13 or UPC-A followed by a 2- or 5-digit add-on (periodicals)
    EAN8 = "ean8"
    UPCA = "upca"
    UPCE = "upce"
    CODE128 = "code128"
    GS1_128 = "gs1_128"
    DATABAR = "databar"
    DATABAR_EXPANDED = "databar_expanded"
    QR = "qr"
    GS1_QR = "gs1_qr"
    DATAMATRIX = "datamatrix"
    GS1_DATAMATRIX = "gs1_datamatrix"
    DOTCODE = "dotcode"
    GS1_DOTCODE = "gs1_dotcode"
    UNKNOWN = "unknown"


#: Symbologies whose data is a GS1 element string (FNC1 in first position, ISO/IEC 15424 modifiers).
GS1_SYMBOLOGIES = frozenset(
    {
        Symbology.GS1_128,
        Symbology.DATABAR,
        Symbology.DATABAR_EXPANDED,
        Symbology.GS1_QR,
        Symbology.GS1_DATAMATRIX,
        Symbology.GS1_DOTCODE,
    }
)


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


# AIM symbology identifiers some readers prefix to the data (ISO/IEC 15424; GS1 General
# Specifications 5.1.2 table "Symbology identifiers for GS1 data carriers").
AIM_PREFIXES: Mapping[str, Symbology] = {
    "]E0": Symbology.EAN13,  # EAN-13, UPC-A and UPC-E (as 13 digits)
    "]E3": Symbology.EAN13_ADDON,  # EAN-13/UPC-A/UPC-E with its 2- or 5-digit add-on
    "]E4": Symbology.EAN8,
    "]C0": Symbology.CODE128,
    "]C1": Symbology.GS1_128,
    "]e0": Symbology.DATABAR,  # the whole GS1 DataBar family and its composites
    "]Q1": Symbology.QR,
    "]Q3": Symbology.GS1_QR,
    "]d1": Symbology.DATAMATRIX,
    "]d2": Symbology.GS1_DATAMATRIX,
    "]J0": Symbology.DOTCODE,
    "]J1": Symbology.GS1_DOTCODE,
}

GS = "\x1d"  # FNC1 in GS1 element strings as transmitted by readers


def strip_aim(text: str) -> tuple[str, Symbology | None]:
    """The data without its AIM prefix, and the symbology the prefix names. Any other well-formed
    prefix (``]`` + letter + modifier) is removed too: it is the reader's, never the code's."""
    if len(text) < 3 or text[0] != "]":
        return text, None
    symbology = AIM_PREFIXES.get(text[:3])
    if symbology is not None:
        return text[3:], symbology
    if text[1].isascii() and text[1].isalpha() and text[2].isascii() and text[2].isalnum():
        return text[3:], Symbology.UNKNOWN
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


# Scale labels (restricted circulation numbers) live in pos_app.domain.scale_labels.


# --- results --------------------------------------------------------------------------------------


class ProductKey(StrEnum):
    GTIN = "gtin"  # look up by GTIN-14
    SKU = "sku"  # an internal Code128 SKU
    PLU = "plu"  # the item code of a scale label or a short typed code


@dataclass(frozen=True, slots=True)
class ProductCode:
    key: ProductKey
    value: str  # GTIN-14, SKU or PLU
    price: Money | None = None  # from a price-embedded label or GS1 AI 392n/393n
    weight_grams: int | None = None  # from a weight-embedded label or GS1 AI 310n/320n
    alternates: tuple[str, ...] = ()  # other GTIN-14s the same digits may be (8-digit EAN-8 vs UPC-E)
    addon: str = ""  # the 2- or 5-digit EAN add-on (issue number of a periodical)
    #: every GS1 Application Identifier read with it, in the code's order (lot, expiry, serial, ...),
    #: kept on the sale line for traceability
    ais: tuple[tuple[str, str], ...] = ()
    expiry: date | None = None  # earliest of AI 15/16/17 (best before, sell by, use by)
    expired: bool = False  # the expiry is past: the checkout warns the cashier
    count: int | None = None  # GS1 AI 30 (variable count)

    def ai(self, ai: str) -> str | None:
        for key, value in self.ais:
            if key == ai:
                return value
        return None

    @property
    def trace(self) -> str:
        """What the sale line keeps of a GS1 code for traceability: ``(10)LOT(17)YYMMDD(21)SERIAL``."""
        kept = [(k, v) for k, v in self.ais if k not in _PRICING_AIS]
        text = "".join(f"({k}){v}" for k, v in kept)
        return text + (f" +{self.addon}" if self.addon else "")


# AIs whose values the line already carries (GTIN, weight, price, count): not repeated in ``trace``
_PRICING_AIS = frozenset({"01", "30"} | {f"310{n}" for n in range(6)} | {f"320{n}" for n in range(6)})
_PRICING_AIS = _PRICING_AIS | {f"392{n}" for n in range(10)} | {f"393{n}" for n in range(10)}


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
    """The text cannot be a product code. ``code`` says why (the classifier's message); ``ai`` names
    the GS1 Application Identifier at fault, when there is one."""

    def __init__(self, code: str, ai: str = "") -> None:
        super().__init__(f"{code} ({ai})" if ai else code)
        self.code = code
        self.ai = ai


def parse_gtin_digits(digits: str, symbology: Symbology | None) -> ProductCode:
    """Interpret 8, 12, 13 or 14 digits as a GTIN. Raises ``BarcodeError``.

    Scale labels (restricted circulation numbers) are the store's: the classifier asks the scale
    layouts before it gets here.
    """
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
    return ProductCode(ProductKey.GTIN, to_gtin14(digits))


def parse_with_addon(digits: str) -> ProductCode:
    """EAN-13 (or UPC-A as 13 digits) followed by its 2- or 5-digit add-on, as a reader sends it after
    ``]E3`` (ISO/IEC 15424; GS1 General Specifications 5.2.2.6). The add-on has no check digit of
    its own in the data; it is kept with the product, never dropped."""
    if len(digits) not in (15, 18) or not digits.isdigit():
        raise BarcodeError("addon_length")
    code = parse_gtin_digits(digits[:13], Symbology.EAN13)
    return ProductCode(code.key, code.value, addon=digits[13:])
