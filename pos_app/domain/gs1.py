"""GS1 element strings and GS1 Digital Link, read as strictly as GS1's own Barcode Syntax Engine.

biip (https://biip.readthedocs.io) splits the bracketed form ``(01)...(10)...``, the raw form with
FNC1 (ASCII 29) separators and Digital Link URIs, and checks every value against the GS1 AI table
(lengths, character sets, dates, GTIN/GLN/SSCC check digits). This module adds what biip leaves to
the application, each rule from the GS1 General Specifications:

- the check digit of every other AI whose value carries one (253, 255, 402, 8003, 8006, 8017, 8018,
  8026);
- an AI repeated with a different value (4.14.1), and the invalid pairs and mandatory associations
  (4.14.1 and 4.14.2) of the AIs a till meets;
- what a till makes of the values: the GTIN, the net weight in grams (310n kg, 320n lb), the price
  (392n, or 393n in the store's currency), the count (30), the expiry (15, 16, 17) -- rounded half
  up, the store's rule (四舍五入) -- and every AI kept for traceability.

When biip refuses a code, :func:`_diagnose` splits it once more to name the AI at fault and why, so
the cashier reads "the lot number is too long" rather than "cannot be read".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from stdnum import ean as stdnum_ean

from pos_app.domain.barcodes import GS, BarcodeError, ProductCode, ProductKey
from pos_app.domain.money import Money

_CONFIG = ParseConfig(separator_chars=(GS,))

#: ISO 4217 numeric codes of the currencies a store may keep (AI 391n/393n carry the numeric code).
ISO4217_NUMERIC = {"CNY": "156", "HKD": "344", "MOP": "446", "TWD": "901", "USD": "840", "EUR": "978"}

#: AIs whose value starts with a mod-10 check digit field: AI -> (start, length). GS1 General
#: Specifications 3.2 (the "csum" components). 00, 01-03 and 410-417 biip checks itself.
_CHECKED = {"402": (0, 17), "253": (0, 13), "255": (0, 13), "8003": (1, 13), "8006": (0, 14), "8017": (0, 18)}
_CHECKED |= {"8018": (0, 18), "8026": (0, 14)}

_WEIGHT_KG = tuple(f"310{n}" for n in range(6))
_WEIGHT_LB = tuple(f"320{n}" for n in range(6))
_GRAMS_PER_LB = Decimal("453.59237")  # the international avoirdupois pound
_MEASURES = ("30", "31nn", "32nn", "35nn", "36nn")  # "30, 31nn, 32nn, 35nn, 36nn" in 392n/393n's association


def _is(ai: str, pattern: str) -> bool:
    """``pattern`` is an AI or a family: "310n" (any last digit), "31nn" (any two)."""
    stem = pattern.rstrip("n")
    return ai.startswith(stem) and len(ai) == len(pattern)


# Invalid pairs (GS1 General Specifications 4.14.1), for the AIs a store meets.
_EXCLUSIVE = (
    ("01", "02"), ("01", "03"), ("01", "255"), ("01", "37"), ("01", "8006"), ("02", "03"),
    ("02", "8006"), ("02", "8026"), ("8006", "8026"), ("8006", "37"), ("21", "235"),
    ("392n", "393n"), ("3940", "3941"), ("3940", "3942"), ("3940", "3943"), ("3941", "3942"),
    ("3941", "3943"), ("3942", "3943"), ("394n", "8111"), ("392n", "395n"), ("393n", "395n"),
    ("4330", "4331"), ("4332", "4333"),
)  # fmt: skip

_TRADE_MEASURES = (*range(310, 317), *range(320, 330), 350, 351, 352, 356, 357, 360, 361, 364, 365, 366)
_LOGISTIC_MEASURES = (*range(330, 337), *range(340, 350), 353, 354, 355, 362, 363, 367, 368, 369)

# Mandatory associations (4.14.2): the AI needs one of each listed group.
_REQUIRES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("02", (("37",),)),
    ("10", (("01", "02", "03", "8006", "8026"),)),
    ("11", (("01", "02", "03", "8006", "8026"),)),
    ("13", (("01", "02", "03", "8006", "8026"),)),
    ("15", (("01", "02", "03", "8006", "8026"),)),
    ("16", (("01", "02", "03", "8006", "8026"),)),
    ("17", (("01", "02", "03", "255", "8006", "8026"),)),
    ("20", (("01", "02", "8006", "8026"),)),
    ("21", (("01", "03", "8006"),)),
    ("22", (("01",),)),
    ("235", (("01",),)),
    ("250", (("01", "8006"), ("21",))),
    ("251", (("01", "8006"),)),
    ("30", (("01", "02"),)),
    # trade measures (net weight, length, ...) need the item; logistic ones (gross weight, ...) a unit
    *((f"{family}n", (("01", "02"),)) for family in _TRADE_MEASURES),
    *((f"{family}n", (("00", "01"),)) for family in _LOGISTIC_MEASURES),
    ("337n", (("01",),)),
    ("37", (("00",), ("02", "8026"))),
    ("390n", (("255", "8020"),)),
    ("391n", (("8020",),)),
    ("392n", (("01",), _MEASURES)),
    ("393n", (_MEASURES,)),
    ("395n", (_MEASURES,)),
    ("394n", (("255",),)),
    ("8111", (("255",),)),
    ("8020", (("415",),)),
    ("43nn", (("00",),)),  # shipping and delivery (4300-4333) describe a logistic unit
    ("8200", (("01",),)),
)

_AI_FIELD = {
    "01": "gtin", "02": "gtin", "10": "lot", "11": "date", "13": "date", "15": "date", "16": "date",
    "17": "expiry", "21": "serial", "30": "count", "310": "weight", "320": "weight", "392": "price",
    "393": "price", "8200": "url",
}  # fmt: skip


def field_of(ai: str) -> str:
    """Which value of a product an AI holds, for the cashier's message ("the lot number ...")."""
    return _AI_FIELD.get(ai) or _AI_FIELD.get(ai[:3]) or "value"


# --- reading --------------------------------------------------------------------------------------


def read_element_string(text: str, *, bracketed: bool, currency: str, today: date) -> ProductCode:
    """A GS1 element string: ``(01)...(10)...`` when ``bracketed``, else the raw form with FNC1 (GS)
    separators. Raises :class:`BarcodeError` with the reason and the AI at fault."""
    return _product(_message(text, bracketed), currency, today)


def read_ais(text: str, *, bracketed: bool, associations: bool = True) -> list[tuple[str, str]]:
    """The AIs and values of a valid element string, whatever they identify (a shipping label too);
    ``associations=False`` checks each element alone. Raises :class:`BarcodeError`."""
    message = _message(text, bracketed)
    _validate(message, associations)
    return [(es.ai.ai, es.value) for es in message.element_strings]


def _message(text: str, bracketed: bool) -> GS1Message:
    if not text.strip(GS):
        raise BarcodeError("gs1_empty")
    if bracketed:
        # biip reads past a stray bracket; GS1 does not (an AI is 2-4 digits between brackets)
        pieces = _split_bracketed(text)
        if isinstance(pieces, BarcodeError):
            raise pieces
        # and biip's bracketed reader drops spaces inside a value ("A B" reads as "AB"): GS1 refuses
        for ai, value in pieces:
            problem = _value_problem(ai, value)
            if problem:
                raise BarcodeError(problem, ai)
    try:
        message = (
            GS1Message.parse_hri(text, config=_CONFIG)
            if bracketed
            else GS1Message.parse(text, config=_CONFIG)
        )
    except ParseError as exc:
        raise _diagnose(text, bracketed) from exc
    if not bracketed:
        # biip stops a variable-length value at its longest and reads on, where GS1 wants the
        # separator: "(715)" with 27 characters is too long, not an AI 715 and something else
        pieces = _split_raw(text)
        read = [(es.ai.ai, es.value) for es in message.element_strings]
        if isinstance(pieces, BarcodeError) or pieces != read:
            raise _diagnose(text, bracketed)
    return message


def looks_like_digital_link(text: str) -> bool:
    """An http(s) URI with a lower or upper case scheme (GS1 Digital Link 1.x; a mixed-case scheme
    is not one, as in the GS1 Syntax Engine's tests)."""
    head = text[:8]
    return head.startswith(("https://", "http://", "HTTPS://", "HTTP://"))


def read_digital_link(uri: str, *, currency: str, today: date) -> ProductCode:
    """A GS1 Digital Link URI (``https://example.com/01/<gtin>/10/<lot>?17=...``)."""
    try:
        message = GS1DigitalLinkURI.parse(uri, config=_CONFIG).as_gs1_message()
    except ParseError as exc:
        raise BarcodeError("not_digital_link") from exc
    return _product(message, currency, today)


def _validate(message: GS1Message, associations: bool = True) -> None:
    for es in message.element_strings:
        if es.gtin_error or es.gln_error or es.sscc_error:
            raise BarcodeError("gs1_check_digit", es.ai.ai)
        span = _CHECKED.get(es.ai.ai)
        if span and not _mod10_ok(es.value[span[0] : span[0] + span[1]]):
            raise BarcodeError("gs1_check_digit", es.ai.ai)
    if associations:
        _check_associations([(es.ai.ai, es.value) for es in message.element_strings])


def _product(message: GS1Message, currency: str, today: date) -> ProductCode:
    _validate(message)
    pairs = [(es.ai.ai, es.value) for es in message.element_strings]
    ais = dict(pairs)
    gtin = ais.get("01")
    if gtin is None:
        raise BarcodeError("gs1_logistic" if "02" in ais or "00" in ais else "gs1_no_gtin")
    by_ai = {es.ai.ai: es for es in message.element_strings}
    expiries = [by_ai[ai].date for ai in ("15", "16", "17") if ai in by_ai and by_ai[ai].date]
    expiry = min(expiries) if expiries else None  # type: ignore[type-var]
    return ProductCode(
        ProductKey.GTIN,
        gtin,
        price=_price(by_ai, currency),
        weight_grams=_weight(by_ai),
        ais=tuple(pairs),
        expiry=expiry,
        expired=expiry is not None and expiry < today,
        count=int(ais["30"]) if "30" in ais else None,
    )


def _mod10_ok(digits: str) -> bool:
    return digits.isdigit() and len(digits) > 1 and stdnum_ean.calc_check_digit(digits[:-1]) == digits[-1]


def _check_associations(pairs: Sequence[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for ai, value in pairs:
        if seen.setdefault(ai, value) != value:
            raise BarcodeError("gs1_repeated", ai)
    present = list(seen)
    for a, b in _EXCLUSIVE:
        left = [ai for ai in present if _is(ai, a)]
        right = [ai for ai in present if _is(ai, b) and ai not in left]
        if left and right:
            raise BarcodeError("gs1_exclusive", right[0])
    # one value per measure: 3102 with 3103 (ex=310n), 3922 with 3925 (ex=392n)
    families = [
        ai[:3] for ai in present if len(ai) == 4 and ai[:2] in ("31", "32", "33", "34", "35", "36", "39")
    ]
    for family in families:
        if families.count(family) > 1:
            raise BarcodeError("gs1_exclusive", next(ai for ai in reversed(present) if ai[:3] == family))
    for pattern, groups in _REQUIRES:
        for ai in (x for x in present if _is(x, pattern)):
            for group in groups:
                if not any(_is(x, want) for x in present for want in group):
                    price = ai[:3] in ("392", "393")
                    raise BarcodeError("gs1_price_without_measure" if price else "gs1_missing_pair", ai)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _weight(by_ai: dict) -> int | None:
    grams = None
    for ai in _WEIGHT_KG:
        if ai in by_ai:
            grams = _half_up(by_ai[ai].decimal * 1000)
            break
    else:
        for ai in _WEIGHT_LB:
            if ai in by_ai:
                grams = _half_up(by_ai[ai].decimal * _GRAMS_PER_LB)
                break
    if grams is not None and grams <= 0:
        raise BarcodeError("zero_weight")
    return grams


def _price(by_ai: dict, currency: str) -> Money | None:
    for ai, es in by_ai.items():
        if ai[:3] == "392":
            return Money.from_decimal(es.decimal, currency)
        if ai[:3] == "393":
            if es.value[:3] != ISO4217_NUMERIC.get(currency):
                raise BarcodeError("gs1_foreign_currency", ai)
            return Money.from_decimal(es.decimal, currency)
    return None


# --- why a code was refused -----------------------------------------------------------------------

_CSET = {
    "N": re.compile(r"[0-9]*"),
    "X": re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*"),  # GS1 AI encodable character set 82
    "Y": re.compile(r"[#\-/0-9A-Z]*"),  # character set 39
    "Z": re.compile(r"[\-0-9A-Z_a-z=]*"),  # base64url
}
_COMPONENT = re.compile(r"(\[?)([NXYZ])(\d*)(?:\.\.(\d+))?")
_BRACKETED = re.compile(r"\((\d*)\)")


def _diagnose(text: str, bracketed: bool) -> BarcodeError:
    pieces = _split_bracketed(text) if bracketed else _split_raw(text)
    if isinstance(pieces, BarcodeError):
        return pieces
    for ai, value in pieces:
        problem = _value_problem(ai, value)
        if problem:
            return BarcodeError(problem, ai)
    return BarcodeError("gs1")


def _split_bracketed(text: str) -> list[tuple[str, str]] | BarcodeError:
    if not text.startswith("("):
        return BarcodeError("gs1_brackets")
    parts = _BRACKETED.split(text)
    if parts[0] or len(parts) < 3:
        return BarcodeError("gs1_brackets")
    pieces = list(zip(parts[1::2], parts[2::2], strict=True))
    for ai, value in pieces:
        if "(" in value:
            return BarcodeError("gs1_brackets")
        if not 2 <= len(ai) <= 4:
            return BarcodeError("gs1_unknown_ai", ai)
        if not value:
            return BarcodeError("gs1_empty", ai)
    return pieces


def _split_raw(text: str) -> list[tuple[str, str]] | BarcodeError:
    pieces: list[tuple[str, str]] = []
    rest = text.lstrip(GS)
    while rest:
        try:
            ai = GS1ApplicationIdentifier.extract(rest)
        except ParseError:
            return BarcodeError("gs1_unknown_ai", rest[:4])
        rest = rest[len(ai.ai) :]
        if ai.separator_required:
            value, _sep, rest = rest.partition(GS)
        else:
            length = _limits(ai.format)[1]
            value, rest = rest[:length], rest[length:].lstrip(GS)
        pieces.append((ai.ai, value))
    return pieces


def _limits(fmt: str) -> tuple[int, int]:
    """Least and most characters of an AI's data field, from its format ("N2+X..20" -> 1, 20)."""
    low = high = 0
    for optional, _kind, fixed, most in _COMPONENT.findall(fmt.split("+", 1)[1] if "+" in fmt else fmt):
        if most:
            low, high = low + (0 if optional else 1), high + int(most)
        elif fixed:
            low, high = low + (0 if optional else int(fixed)), high + int(fixed)
    return low, high


def _value_problem(ai: str, value: str) -> str:
    """Why ``value`` cannot be the data of ``ai`` ("" when it can)."""
    try:
        entry = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        return "gs1_unknown_ai"
    if entry.ai != ai:
        return "gs1_unknown_ai"
    if not value:
        return "gs1_empty"
    if re.fullmatch(entry.pattern, ai + value):
        return _content_problem(ai, value)
    low, high = _limits(entry.format)
    if len(value) > high:
        return "gs1_too_long"
    if len(value) < low:
        return "gs1_too_short"
    kinds = {kind for _opt, kind, _f, _m in _COMPONENT.findall(entry.format.split("+", 1)[-1])}
    allowed = _CSET["N"] if kinds == {"N"} else _CSET.get(max(kinds, default="X"), _CSET["X"])
    if not allowed.fullmatch(value):
        return "gs1_bad_characters"
    return "gs1_bad_value"


def _content_problem(ai: str, value: str) -> str:
    """What biip refuses in a value of the right shape: a date that does not exist."""
    if ai in ("11", "12", "13", "15", "16", "17") and not _date_ok(value):
        return "gs1_bad_value"
    return ""


def _date_ok(value: str) -> bool:
    month, day = int(value[2:4]), int(value[4:6])
    if not 1 <= month <= 12:
        return False
    if day == 0:  # "00": the last day of the month (General Specifications 3.4.x)
        return True
    try:
        date(2000 + int(value[:2]), month, day)
    except ValueError:
        return False
    return True
