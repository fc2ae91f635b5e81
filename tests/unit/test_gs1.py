"""GS1 element strings and Digital Link, against GS1's own vectors.

Vectors marked "GS1 Syntax Engine" are test data from gs1/gs1-syntax-engine (Apache-2.0),
src/c-lib/ai.c (test_ai_parseAIdata, test_ai_processAIdata, test_ai_validateAIs) and
src/c-lib/scandata.c (test_scandata_processScanData): the input and GS1's verdict, copied as data.
"^" in them is FNC1: first position is the symbology's own, later ones are sent as GS (ASCII 29).
Other vectors come from the GS1 General Specifications (AI table, 3.x; 4.14 associations; 7.9
variable measure) and the GS1 Digital Link standard 1.x, as named beside them.
"""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.domain import gs1
from pos_app.domain.barcodes import BarcodeError, ProductCode, Symbology
from pos_app.domain.money import Money
from pos_app.services.scanning import (
    CouponScan,
    InvalidScan,
    MemberScan,
    NumberScan,
    PaymentScan,
    PickupScan,
    ScanContext,
    classify,
    classify_scan,
)

TODAY = date(2027, 1, 15)
NOW = 1_800_000_000  # 2027-01-15


def ok(text, bracketed=None):
    """GS1's verdict "valid" for an element string (any AI, not only a till's)."""
    if bracketed is None:
        bracketed = text.startswith("(")
    if text.startswith("^"):
        text = text[1:].replace("^", "\x1d")
    try:
        gs1.read_ais(text, bracketed=bracketed)
    except BarcodeError:
        return False
    return True


# --- GS1 Syntax Engine: test_ai_parseAIdata (bracketed form) ---------------------------------------
@pytest.mark.parametrize(
    ("valid", "text"),
    [
        (True, "(01)12345678901231"),
        (True, "(10)12345"),
        (True, "(01)12345678901231(10)12345"),
        (True, "(3100)123456(10)12345"),
        (True, "(10)12345(11)991225"),
        (True, "(3900)12345(11)991225"),
        (True, "(235)ABC"),
        (True, "(01)12345678901231(235)XYZ"),
        (True, "(01)12345678901231(235)XYZ(10)BATCH"),
        (True, "(235)ABCDEFGHIJKLMNOPQRSTUVWXYZ12"),
        (False, "(235)ABCDEFGHIJKLMNOPQRSTUVWXYZ123"),
        (False, "(10)(11)98765"),
        (False, "(10)12345(11)"),
        (False, "(1A)12345"),
        (False, "1(12345"),
        (False, "12345"),
        (False, "()12345"),
        (False, "(1)12345"),
        (False, "(12345)12345"),
        (False, "(15"),
        (False, "(1"),
        (False, "("),
        (False, "(01)123456789012312(10)12345"),
        (False, "(10)12345^"),
        (False, "(17)9(90)217"),
        (True, "(99)" + "A" * 90),
        (False, "(99)" + "A" * 91),
    ],
)
def test_syntax_engine_parse_ai_data(valid, text):
    # the engine parses (10)/(11)/(3100)/(3900)/(235) alone; its associations are a separate step, so
    # a lone AI that needs a GTIN is judged here with the rules off, as the engine's parse test does
    assert _syntax_only(text) is valid


def _syntax_only(text):
    try:
        gs1.read_ais(text, bracketed=text.startswith("("), associations=False)
    except BarcodeError:
        return False
    return True


# --- GS1 Syntax Engine: test_ai_processAIdata (raw form) -------------------------------------------
@pytest.mark.parametrize(
    ("valid", "text"),
    [
        (False, "^"),
        (False, "^891234"),
        (True, "^991234"),
        (False, "^99~ABC"),
        (False, "^99ABC~"),
        (True, "^0112345678901231"),
        (False, "^01A2345678901231"),
        (False, "^011234567890123A"),
        (False, "^0112345678901234"),
        (False, "^011234567890123"),
        (False, "^01123456789012312"),
        (True, "^0112345678901231^"),
        (False, "^011234567890123^"),
        (False, "^01123456789012345^"),
        (False, "^01123456789012345^991234"),
        (True, "^0112345678901231991234"),
        (True, "^0112345678901231^991234"),
        (True, "^2421"),
        (True, "^242123456"),
        (True, "^242123456^10ABC123"),
        (False, "^2421234567"),
        (True, "^81111234"),
        (False, "^8111123"),
        (False, "^811112345"),
        (True, "^7007211225211231"),
        (True, "^7007211225"),
        (False, "^70072112252212311"),
        (True, "^800302112345678900ABC"),
        (False, "^800302112345678901ABC"),
        (True, "^800302112345678900"),
        (False, "^800302112345678900ABCDEFGHIJKLMNOPQ"),
        (True, "^7230121234567890123456789012345678"),
        (False, "^72301212345678901234567890123456789"),
        (True, "^235ABC"),
        (False, "^235ABCDEFGHIJKLMNOPQRSTUVWXYZ123"),
        (True, "^0112345678901231235XYZ"),
        (True, "^0112345678901231235XYZ^10BATCH"),
        (True, "^423528"),
        (True, "^423528528528528528"),
        (False, "^4235285285285285285"),
    ],
)
def test_syntax_engine_process_ai_data(valid, text):
    assert _syntax_only(text[1:].replace("^", "\x1d")) is valid


# --- GS1 Syntax Engine: test_ai_validateAIs (associations) and GS1 General Specifications 4.14 -----
@pytest.mark.parametrize(
    ("valid", "text"),
    [
        (True, "(400)ABC(400)ABC"),
        (False, "(400)ABC(400)AB"),
        (False, "(01)12345678901231(02)12345678901231"),
        (False, "(01)12345678901231(255)5412345000150"),
        (False, "(01)12345678901231(37)123"),
        (False, "(21)ABC123(235)XYZ"),
        (False, "(3940)1234(8111)9999"),
        (False, "(3940)1234(3941)9999"),
        (False, "(02)12345678901231"),
        (False, "(21)ABC123"),
        (True, "(21)ABC123(01)12345678901231"),
        (False, "(01)12345678901231(250)ABC123"),
        (True, "(01)12345678901231(21)XYZ999(250)ABC123"),
        (False, "(01)12345678901231(3925)12599"),
        (True, "(01)12345678901231(3925)12599(30)123"),
        (True, "(01)12345678901231(3925)12599(3100)654321"),
        (True, "(01)12345678901231(3925)12599(3105)654321"),
        (True, "(01)12345678901231(3925)12599(3295)654321"),
        (True, "(01)12345678901231(3925)12599(3575)654321"),
        (True, "(01)12345678901231(3925)12599(3695)654321"),
    ],
)
def test_syntax_engine_validate_ais(valid, text):
    assert ok(text) is valid


# --- what a till makes of a GS1 code (issue 17 point 2: the brackets are kept) ---------------------
def scan(text, symbology=None, **kw):
    return classify(text, symbology, ScanContext(clock=lambda: NOW, **kw))


def test_price_and_weight_in_the_bracketed_form():
    # GS1 General Specifications 3.6.x: 3922 = price with 2 decimals, 3103 = kg with 3 decimals
    code = scan("(01)09501101020917(3922)1299(3103)000500")
    assert (code.value, code.price, code.weight_grams) == ("09501101020917", Money(1299), 500)


def test_the_expiry_is_not_swallowed_by_the_lot():
    code = scan("(01)09501101020917(10)ABC(17)271231")
    assert code.ai("10") == "ABC" and code.expiry == date(2027, 12, 31) and not code.expired
    assert code.trace == "(10)ABC(17)271231"


def test_an_ai_that_does_not_exist_is_refused():
    result = scan("(01)09501101020917(310)3000500")
    assert (result.code, result.ai) == ("gs1_unknown_ai", "310")


@pytest.mark.parametrize(
    ("text", "reason", "ai"),
    [
        ("(01)0950110102091", "gs1_too_short", "01"),  # GTIN-14 has 14 digits (GS1 GS 3.2)
        ("(01)095011010209170", "gs1_too_long", "01"),
        ("(01)09501101020917(10)", "gs1_empty", "10"),
        ("(01)09501101020917((10)A", "gs1_brackets", ""),
        ("(01)09501101020917(10)A(", "gs1_brackets", ""),
        ("(01)09501101020917(10)ABCDEFGHIJKLMNOPQRSTU", "gs1_too_long", "10"),  # X..20
        ("(01)09501101020917(10)AB~C", "gs1_bad_characters", "10"),  # ~ is not in CSET 82
        ("(01)09501101020917(17)271301", "gs1_bad_value", "17"),  # month 13
        ("(01)09501101020918", "gs1_check_digit", "01"),
        ("(01)09501101020917(02)09501101020917", "gs1_exclusive", "02"),  # 4.14.1
        ("(01)09501101020917(3922)1299", "gs1_price_without_measure", "3922"),  # 4.14.2
        ("(01)09501101020917(3102)000500(3103)000500", "gs1_exclusive", "3103"),
        ("(01)09501101020917(10)A(10)B", "gs1_repeated", "10"),
        ("(01)09501101020917(3932)840599(3103)000500", "gs1_foreign_currency", "3932"),
        ("(00)106141411234567897(02)09501101020917(37)12", "gs1_logistic", ""),
        ("(00)106141411234567897", "gs1_logistic", ""),
    ],
)
def test_refusals_name_the_reason_and_the_ai(text, reason, ai):
    result = scan(text)
    assert isinstance(result, InvalidScan)
    assert (result.code, result.ai) == (reason, ai)


def test_the_cashier_reads_what_is_wrong():
    assert (
        scan("(01)09501101020917(10)ABCDEFGHIJKLMNOPQRSTU").message
        == "The lot number in this GS1 code is too long."
    )
    assert scan("(01)09501101020917(3922)1299").message == "This code has a price but no weight."


def test_every_ai_a_till_uses_is_read():
    # 01, 10, 11-17, 21, 30, 310n, 392n, 8200 (GS1 General Specifications 3.x)
    text = (
        "(01)09501101020917(10)LOT42(11)260101(13)260102(15)270630(16)270615(17)270701"
        "(21)SER9(30)3(3102)001250(3922)4380(8200)http://example.com/p"
    )
    code = scan(text)
    assert isinstance(code, ProductCode), code
    assert (code.weight_grams, code.price, code.count) == (12_500, Money(4380), 3)
    assert code.expiry == date(2027, 6, 15)  # the earliest of best before, sell by and use by
    assert code.ai("21") == "SER9" and code.ai("8200") == "http://example.com/p"
    # 320n: pounds, 1 lb = 453.59237 g; 3201 000010 = 1.0 lb -> 454 g (half up)
    assert scan("(01)09501101020917(3201)000010").weight_grams == 454
    # 393n: ISO 4217 numeric 156 = CNY; 3932 156 599 = 5.99
    assert scan("(01)09501101020917(3932)156599(3103)000500").price == Money(599)


@pytest.mark.parametrize(
    ("ai", "value", "grams"),
    [
        # weights in kg with n decimals -> grams, rounded half up (四舍五入), never half even
        ("3103", "001250", 1250),
        ("3104", "012345", 1235),  # 1.2345 kg = 1234.5 g -> 1235 (half even would give 1234)
        ("3104", "012355", 1236),  # 1235.5 -> 1236 (half even also 1236)
        ("3105", "001234", 12),  # 12.34 g -> 12
        ("3105", "001250", 13),  # 12.50 g -> 13 (half even would give 12)
        ("3100", "000002", 2000),
    ],
)
def test_decimal_weights_round_half_up(ai, value, grams):
    assert scan(f"(01)09501101020917({ai}){value}").weight_grams == grams


def test_zero_weight_is_refused():
    assert scan("(01)09501101020917(3103)000000").code == "zero_weight"


# --- GS1 Syntax Engine: test_scandata_processScanData (AIM prefixes, carriers) ----------------------
@pytest.mark.parametrize(
    "text",
    [
        "]Q3011231231231233310ABC123\x1d99TESTING",
        "]d2011231231231233310ABC123\x1d99TESTING",
        "]J1011231231231233310ABC123\x1d99TESTING",
        "]e0011231231231233310ABC123\x1d99TESTING",
        "]e0011231231231233310ABC123\x1d99TESTING\x1d98XYZ",
        "]e0011231231231233310ABC123\x1d1199122598TESTING\x1d97XYZ",
        "]e00112312312312333235XYZ\x1d10ABC",
        "]C1011231231231233310ABC123\x1d99TESTING",
        "]C10112312312312333235XYZ",
        "]C10112312312312333235XYZ\x1d10ABC",
    ],
)
def test_syntax_engine_scan_data_gs1_carriers(text):
    code = scan(text)
    assert isinstance(code, ProductCode) and code.value == "12312312312333"


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("]Q3", False),
        ("]d2", False),
        ("]J1", False),
        ("]e0", False),
        ("]C1", False),
        ("]E0", False),
        ("]E0123456789012", False),
        ("]E01234ABC890123", False),
        ("]E02112345678901", False),
        ("]E02112345678900", True),
        ("]E4", False),
        ("]E41234567", False),
        ("]E402345674", False),
        ("]E402345673", True),
        ("]C101123123123133^10ABC", False),
        ("]Q1https://a/NOPRIMARYAI", False),
    ],
)
def test_syntax_engine_scan_data_verdicts(text, valid):
    assert isinstance(scan(text), ProductCode) is valid


@pytest.mark.parametrize(
    "uri",
    [
        # GS1 Syntax Engine scandata vectors: lower and upper case scheme
        "https://example.com/01/12312312312333?99=TEST",
        "HTTPS://example.com/01/12312312312333?99=TEST",
        # GS1 Digital Link 1.x examples: key qualifiers in the path, data attributes in the query
        "https://id.gs1.org/01/12312312312333/10/ABC123?17=271231",
        "https://brand.example.com/01/12312312312333/21/S1",
    ],
)
def test_digital_link(uri):
    code = scan("]Q1" + uri)
    assert code.value == "12312312312333"
    assert scan(uri).value == "12312312312333"  # a reader without AIM prefixes


def test_digital_link_keeps_lot_and_expiry_and_mixed_case_scheme_is_not_one():
    code = scan("https://id.gs1.org/01/12312312312333/10/ABC123?17=271231")
    assert code.ai("10") == "ABC123" and code.expiry == date(2027, 12, 31)
    # GS1 Syntax Engine: a mixed-case scheme is not a Digital Link
    assert scan("HtTps://example.com/01/12312312312333?99=TEST").code == "unknown"


def test_raw_element_string_without_aim_prefix_or_separator():
    # issue 14 point 4 and 17 point 4: many readers send this
    code = scan("0109501101020917" + "3103001250")
    assert (code.value, code.weight_grams) == ("09501101020917", 1250)
    assert scan("0109501101020917" + "17271231" + "10ABC").ai("10") == "ABC"


def test_ais_not_starting_with_01():
    code = scan("(10)ABC(01)09501101020917(3103)000500")
    assert code.value == "09501101020917" and code.ai("10") == "ABC"


def test_an_expired_product_warns_or_is_refused():
    expired = scan("(01)09501101020917(17)261231")
    assert isinstance(expired, ProductCode) and expired.expired
    assert scan("(01)09501101020917(17)261231", expired_goods="refuse").code == "expired"
    # today is not past
    assert not scan("(01)09501101020917(17)270115").expired
    # day 00 is the month's last day (GS1 General Specifications 3.4.x)
    assert scan("(01)09501101020917(17)270100").expiry == date(2027, 1, 31)


def test_symbology_from_a_reader_that_stripped_the_prefix():
    # the wedge and serial readers strip the AIM prefix and pass the symbology on
    code = scan("011231231231233310ABC123\x1d99TESTING", Symbology.GS1_DATAMATRIX)
    assert code.ai("10") == "ABC123"


# --- the classifier never raises ---------------------------------------------------------------
_PIECES = ["(01)", "(10)", "(17)", "(3103)", "(3922)", "(8030)", "(4330)", "1", "0", "9", "A", "\x1d"]
_PIECES += ["(", ")", "]d2", "]C1", "]E3", "https://a/01/", "O2OC2.", "\u3000"]
ALPHABETS = st.one_of(
    st.text(max_size=200),
    st.text(alphabet="0123456789()\x1d]CdeQJE^", max_size=200),
    st.lists(st.sampled_from(_PIECES), max_size=60).map(lambda parts: "".join(parts)[:200]),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@settings(max_examples=2000, deadline=None)
@given(ALPHABETS, st.sampled_from([*Symbology, None]), st.booleans())
def test_no_input_of_up_to_200_characters_makes_the_classifier_raise(text, symbology, paying):
    # classify() is classify_scan() without its safety net: a bug here fails the test
    result = classify(text, symbology, ScanContext(clock=lambda: NOW, taking_payment=paying))
    assert isinstance(
        result, ProductCode | MemberScan | CouponScan | PickupScan | NumberScan | PaymentScan | InvalidScan
    )


def test_the_ais_that_made_the_old_classifier_raise():
    # issue 17 point 1: AttributeError on GS1 vectors with AI 8030 or 4330
    for text in (
        "(8030)DIGSIG(00)123456789012345675",
        "(00)123456789012345675(4330)123456",
        "(01)12345678901231(8030)DIGSIG(21)ABC123",
    ):
        assert isinstance(classify_scan(text), InvalidScan | ProductCode)


# --- every AI a till meets, one by one (GS1 General Specifications 3.x and 4.14) -----------------
G = "(01)09501101020917"


@pytest.mark.parametrize(
    ("text", "check"),
    [
        # dates: production 11, packaging 13, best before 15, sell by 16, expiry 17 (YYMMDD)
        (G + "(11)260101", lambda c: c.ai("11") == "260101"),
        (G + "(13)260102", lambda c: c.ai("13") == "260102"),
        (G + "(15)270630", lambda c: c.expiry == date(2027, 6, 30)),
        (G + "(16)270615", lambda c: c.expiry == date(2027, 6, 15)),
        (G + "(17)270701", lambda c: c.expiry == date(2027, 7, 1)),
        (G + "(21)ABC-123/4", lambda c: c.ai("21") == "ABC-123/4"),
        (G + "(30)12", lambda c: c.count == 12),
        # net weight kg with 0-5 decimals (310n), pounds (320n)
        (G + "(3100)000002", lambda c: c.weight_grams == 2000),
        (G + "(3102)000125", lambda c: c.weight_grams == 1250),
        (G + "(3205)100000", lambda c: c.weight_grams == 454),  # 1.00000 lb = 453.59237 g -> 454
        # other measures a till keeps but does not price by: length (311n), volume (315n), area (350n)
        (G + "(3111)000150", lambda c: c.ai("3111") == "000150" and c.weight_grams is None),
        (G + "(3150)000001", lambda c: c.ai("3150") == "000001"),
        (G + "(3502)000100", lambda c: c.ai("3502") == "000100"),
        (G + "(3612)000100", lambda c: c.ai("3612") == "000100"),
        # a trade item's gross weight (330n) needs 00 or 01: with 01 it is the item's
        (G + "(3301)001250", lambda c: c.ai("3301") == "001250"),
        # price with 392n and a measure; 393n in the store's currency
        (G + "(3922)4380(3102)001250", lambda c: c.price == Money(4380)),
        (G + "(3931)15645(3102)001250", lambda c: c.price == Money(450)),  # 156 CNY, 4.5 -> 4.50
        (G + "(8200)http://example.com/p", lambda c: c.ai("8200") == "http://example.com/p"),
    ],
)
def test_every_ai_a_till_meets(text, check):
    code = scan(text)
    assert isinstance(code, ProductCode), code
    assert check(code)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # 390n/391n are amounts payable on a coupon or an invoice (they need 255 or 8020), not prices
        (G + "(3902)1000", "gs1_missing_pair"),
        (G + "(3912)1561000", "gs1_missing_pair"),
        # a second net weight in another unit of decimals
        (G + "(3102)001250(3103)001250", "gs1_exclusive"),
        # 02 (the contents of a case) with 01
        (G + "(02)09501101020917(37)3", "gs1_exclusive"),
        # 3300 (gross weight) on a label with neither 00 nor 01
        ("(3300)001250", "gs1_missing_pair"),
    ],
)
def test_ais_a_till_refuses(text, reason):
    assert scan(text).code == reason
