"""Check digits against published GS1 examples, UPC-E, GS1 element strings and scale labels."""

import pytest

from pos_app.domain.barcodes import (
    BarcodeError,
    EmbeddedValue,
    PaymentProvider,
    ProductKey,
    ScaleLayout,
    ScaleRule,
    Symbology,
    expand_upce,
    gtin_check_digit,
    is_valid_gtin,
    parse_gs1_element_string,
    parse_gtin_digits,
    payment_provider,
    price_check_digit,
)
from pos_app.domain.money import Money

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
    layout = ScaleLayout()
    assert parse_gtin_digits("036000291452", None, layout).value == "00036000291452"
    assert parse_gtin_digits("0036000291452", Symbology.EAN13, layout).value == "00036000291452"
    assert parse_gtin_digits("10012345000017", None, layout).value == "10012345000017"


def test_eight_digits_ean8_or_upce_by_symbology():
    layout = ScaleLayout()
    ean8 = parse_gtin_digits("95012346", None, layout)
    assert ean8.value == "00000095012346"
    upce = parse_gtin_digits("04252614", Symbology.UPCE, layout)
    assert upce.value == "00042100005264"
    # without a symbology, a code valid both ways carries the other reading as an alternate
    ambiguous = parse_gtin_digits("01234565", None, layout)
    assert "00012345000065" in (ambiguous.value, *ambiguous.alternates)


def test_wrong_check_digit_and_wrong_length():
    with pytest.raises(BarcodeError) as err:
        parse_gtin_digits("9501101530004", None, ScaleLayout())
    assert err.value.code == "check_digit"
    with pytest.raises(BarcodeError) as err:
        parse_gtin_digits("1234567890", None, ScaleLayout())
    assert err.value.code == "length"


def make_label(body12):
    return body12 + gtin_check_digit(body12)


def test_price_and_weight_embedded_scale_labels_follow_the_layout():
    layout = ScaleLayout(
        (ScaleRule("21", 5, EmbeddedValue.PRICE, 5), ScaleRule("22", 5, EmbeddedValue.WEIGHT, 5))
    )
    price = parse_gtin_digits(make_label("211000100844"), None, layout)
    assert price.key is ProductKey.PLU and price.value == "10001" and price.price == Money(844)
    weight = parse_gtin_digits(make_label("221000100650"), None, layout)
    assert weight.value == "10001" and weight.weight_grams == 650
    # a 2x code outside the layout is an in-store GTIN like any other
    other = parse_gtin_digits(make_label("290000012345"), None, layout)
    assert other.key is ProductKey.GTIN


def test_scale_label_with_price_verifier_digit():
    layout = ScaleLayout((ScaleRule("23", 4, EmbeddedValue.PRICE, 5, value_check=True),))
    good = make_label("23" + "1234" + price_check_digit("01499") + "01499")
    assert parse_gtin_digits(good, None, layout).price == Money(1499)
    bad_verifier = str((int(price_check_digit("01499")) + 1) % 10)
    bad = make_label("23" + "1234" + bad_verifier + "01499")
    with pytest.raises(BarcodeError) as err:
        parse_gtin_digits(bad, None, layout)
    assert err.value.code == "price_check_digit"


def test_scale_rules_must_add_up():
    with pytest.raises(ValueError):
        ScaleRule("21", 6, EmbeddedValue.PRICE, 5)
    with pytest.raises(ValueError):
        ScaleRule("19", 5, EmbeddedValue.PRICE, 5)


def test_gs1_element_strings_with_weight_and_price():
    bracketed = parse_gs1_element_string("(01)09501101020917(3102)001250(3922)4380")
    assert (
        bracketed.value == "09501101020917"
        and bracketed.weight_grams == 12_500
        and bracketed.price == Money(4380)
    )
    raw = parse_gs1_element_string("0109501101020917" + "3922" + "4380" + "\x1d" + "3102001250")
    assert raw.weight_grams == 12_500 and raw.price == Money(4380)
    with pytest.raises(BarcodeError) as err:
        parse_gs1_element_string("(01)09501101020918(3102)001250")
    assert err.value.code == "check_digit"
    with pytest.raises(BarcodeError) as err:
        parse_gs1_element_string("(3102)001250")
    assert err.value.code == "gs1_no_gtin"


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
