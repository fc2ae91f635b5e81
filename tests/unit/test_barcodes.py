"""Check digits against published GS1 examples, UPC-E, EAN add-ons and payment code prefixes.

GS1 element strings: tests/unit/test_gs1.py; scale labels: tests/unit/test_scale_labels.py."""

import pytest

from pos_app.domain.barcodes import (
    BarcodeError,
    PaymentProvider,
    Symbology,
    expand_upce,
    gtin_check_digit,
    is_valid_gtin,
    parse_gtin_digits,
    parse_with_addon,
    payment_provider,
    price_check_digit,
    strip_aim,
)

# Published examples: GS1 General Specifications (GTIN-13 9501101530003, GTIN-8 95012346, GTIN-14
# 10012345000017), Wikipedia EAN-13/UPC-A/EAN-8/UPC-E articles, ISBN-13 of ISO 2108.
PUBLISHED = [
    "9501101530003",
    "95012346",
    "10012345000017",
    "4006381333931",
    "036000291452",
    "96385074",
    "5901234123457",
    "9780306406157",
    "73513537",
    "042100005264",
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_gtins_are_valid_and_one_wrong_digit_is_caught(code):
    assert is_valid_gtin(code)
    assert gtin_check_digit(code[:-1]) == code[-1]
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not is_valid_gtin(wrong)
    swapped = code[1] + code[0] + code[2:]
    if swapped != code and (int(code[0]) - int(code[1])) % 5:  # mod-10 weights 3/1 catch these swaps
        assert not is_valid_gtin(swapped)


@pytest.mark.parametrize(
    ("upce", "upca"),
    [("04252614", "042100005264"), ("01234565", "012345000065"), ("06543217", "065100004327")],
)
def test_upce_expands_to_its_upca(upce, upca):
    assert expand_upce(upce) == upca


def test_upce_with_wrong_check_digit_or_number_system():
    assert expand_upce("04252615") is None
    assert expand_upce("24252614") is None


def test_price_check_digits_from_the_gs1_specification():
    assert price_check_digit("2875") == "9"
    assert price_check_digit("14685") == "6"


def test_ean13_and_upca_and_gtin14_compare_as_gtin14():
    assert parse_gtin_digits("036000291452", None).value == "00036000291452"
    assert parse_gtin_digits("0036000291452", Symbology.EAN13).value == "00036000291452"
    assert parse_gtin_digits("10012345000017", None).value == "10012345000017"


def test_eight_digits_ean8_or_upce_by_symbology():
    ean8 = parse_gtin_digits("95012346", None)
    assert ean8.value == "00000095012346"
    upce = parse_gtin_digits("04252614", Symbology.UPCE)
    assert upce.value == "00042100005264"
    # without a symbology, a code valid both ways carries the other reading as an alternate
    ambiguous = parse_gtin_digits("01234565", None)
    assert "00012345000065" in (ambiguous.value, *ambiguous.alternates)


def test_wrong_check_digit_and_wrong_length():
    with pytest.raises(BarcodeError) as err:
        parse_gtin_digits("9501101530004", None)
    assert err.value.code == "check_digit"
    with pytest.raises(BarcodeError) as err:
        parse_gtin_digits("1234567890", None)
    assert err.value.code == "length"


def test_ean13_with_add_on_keeps_the_add_on():
    # ISSN 0317-8471 as EAN-13 977 0317847 00 1 (GS1 General Specifications 2.1.10 / ISSN manual's
    # example) with the 2-digit issue add-on "03" and a 5-digit add-on "00012"
    two = parse_with_addon("9770317847001" + "03")
    assert (two.value, two.addon) == ("09770317847001", "03")
    five = parse_with_addon("9770317847001" + "00012")
    assert five.addon == "00012"
    with pytest.raises(BarcodeError) as err:
        parse_with_addon("9770317847001" + "123")
    assert err.value.code == "addon_length"
    with pytest.raises(BarcodeError) as err:
        parse_with_addon("9770317847002" + "03")
    assert err.value.code == "check_digit"


@pytest.mark.parametrize(
    ("scan", "data", "symbology"),
    [
        # ISO/IEC 15424 symbology identifiers, as listed in GS1 General Specifications 5.1.2
        ("]E09501101530003", "9501101530003", Symbology.EAN13),
        ("]E3977031784700103", "977031784700103", Symbology.EAN13_ADDON),
        ("]E495012346", "95012346", Symbology.EAN8),
        ("]C10109501101020917", "0109501101020917", Symbology.GS1_128),
        ("]e00109501101020917", "0109501101020917", Symbology.DATABAR),
        ("]d20109501101020917", "0109501101020917", Symbology.GS1_DATAMATRIX),
        ("]Q30109501101020917", "0109501101020917", Symbology.GS1_QR),
        ("]J10109501101020917", "0109501101020917", Symbology.GS1_DOTCODE),
        ("]Q1hello", "hello", Symbology.QR),
        ("]X0ABC", "ABC", Symbology.UNKNOWN),  # a prefix we do not know is still the reader's
        ("9501101530003", "9501101530003", None),
    ],
)
def test_aim_symbology_identifiers(scan, data, symbology):
    assert strip_aim(scan) == (data, symbology)


@pytest.mark.parametrize(
    ("code", "provider"),
    [
        ("134567890123456789", PaymentProvider.WECHAT),
        ("101234567890123456", PaymentProvider.WECHAT),
        ("2812345678901234", PaymentProvider.ALIPAY),
        ("281234567890123456", PaymentProvider.ALIPAY),
        ("301234567890123456789012", PaymentProvider.ALIPAY),
        ("6212345678901234567", PaymentProvider.UNIONPAY),
        ("161234567890123456", None),
        ("2512345678901", None),
        ("3112345678901234", None),
    ],
)
def test_mobile_payment_code_prefixes_and_lengths(code, provider):
    assert payment_provider(code) == provider
