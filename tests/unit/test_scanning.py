"""Every scan class, and input that must never break the classifier."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.domain.barcodes import (
    EmbeddedValue,
    PaymentProvider,
    ProductCode,
    ProductKey,
    ScaleLayout,
    ScaleRule,
    Symbology,
    gtin_check_digit,
)
from pos_app.services.scanning import (
    CouponScan,
    InvalidScan,
    MemberScan,
    PaymentScan,
    PickupScan,
    ScanContext,
    classify_scan,
)
from sync.protocol import tokens

KEY = tokens.new_private_key()
OTHER_KEY = tokens.new_private_key()
NOW = 1_800_000_000


def context(**kw):
    return ScanContext(
        layout=ScaleLayout(
            (ScaleRule("21", 5, EmbeddedValue.PRICE, 5), ScaleRule("22", 5, EmbeddedValue.WEIGHT, 5))
        ),
        public_keys={1: KEY.public_key()},
        clock=lambda: NOW,
        **kw,
    )


def classify(text, symbology=None):
    return classify_scan(text, symbology, context())


def test_product_codes():
    assert classify("4006381333931") == ProductCode(ProductKey.GTIN, "04006381333931")
    assert classify("036000291452").value == "00036000291452"
    assert classify("95012346").value == "00000095012346"
    assert classify("04252614", Symbology.UPCE).value == "00042100005264"
    assert classify("10012345000017").value == "10012345000017"
    assert classify("A0000123") == ProductCode(ProductKey.SKU, "A0000123")
    assert classify("a0000123") == ProductCode(ProductKey.SKU, "A0000123")
    assert classify("10001") == ProductCode(ProductKey.PLU, "10001")
    body = "221000100650"
    label = classify(body + gtin_check_digit(body))
    assert (label.key, label.value, label.weight_grams) == (ProductKey.PLU, "10001", 650)
    gs1 = classify("(01)09501101020917(3102)001250")
    assert gs1.value == "09501101020917" and gs1.weight_grams == 12_500
    raw = classify("]e00109501101020917\x1d3102001250")
    assert raw.weight_grams == 12_500


def test_aim_identifier_sets_the_symbology():
    assert classify("]E4" + "95012346").value == "00000095012346"
    assert classify("]C1" + "0109501101020917" + "3102001250").weight_grams == 12_500


def test_member_coupon_and_pickup_tokens():
    member = tokens.issue(tokens.MemberToken(100_001, NOW + 60), KEY)
    coupon = tokens.issue(tokens.CouponToken(700_001, 1, NOW + 60), KEY)
    pickup = tokens.issue(tokens.PickupToken(900_001, 246_810, NOW + 60), KEY)
    assert isinstance(classify(member), MemberScan) and classify(member).token.member_id == 100_001
    c = classify(coupon)
    assert isinstance(c, CouponScan) and (c.token.coupon_id, c.token.campaign_id) == (700_001, 1)
    p = classify(pickup)
    assert isinstance(p, PickupScan) and p.code == "246810" and p.token.order_id == 900_001
    # a reader with caps lock sends lower case; base32 is case-insensitive
    assert isinstance(classify(member.lower()), MemberScan)


def test_typed_pickup_code_and_payment_codes():
    assert classify("246810") == PickupScan("246810")
    assert classify("134567890123456789") == PaymentScan(PaymentProvider.WECHAT, "134567890123456789")
    assert classify("281234567890123456") == PaymentScan(PaymentProvider.ALIPAY, "281234567890123456")


def test_fullwidth_digits_from_an_ime_are_digits():
    assert classify("４００６３８１３３３９３１").value == "04006381333931"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \r\n", "empty"),
        ("4006381333932", "check_digit"),
        ("1234567890", "length"),
        ("hello world", "unknown"),
        ("https://example.com/x", "unknown"),
        ("ABC\x07DEF", "unreadable"),
        ("x" * 10_000, "too_long"),
        ("9" * 300, "too_long"),
        ("(01)09501101020918", "check_digit"),
        ("中文商品", "unknown"),
    ],
)
def test_invalid_scans_say_why(text, reason):
    result = classify(text)
    assert isinstance(result, InvalidScan)
    assert result.code == reason
    assert result.message and result.message[0].isupper()


def test_forged_expired_and_unknown_key_tokens():
    good = tokens.issue(tokens.CouponToken(700_001, 1, NOW + 60), KEY)
    # change one character of the signature
    i = len(good) - 5
    forged = good[:i] + ("A" if good[i] != "A" else "B") + good[i + 1 :]
    assert classify(forged).code in ("token_forged", "token_malformed")
    # a body changed to another coupon id with the old signature
    body_forged = good[:10] + ("A" if good[10] != "A" else "B") + good[11:]
    assert classify(body_forged).code in ("token_forged", "token_malformed")
    assert classify(tokens.issue(tokens.CouponToken(1, 1, NOW - 1), KEY)).code == "coupon_expired"
    assert classify(tokens.issue(tokens.MemberToken(1, NOW - 1), KEY)).code == "member_expired"
    assert classify(tokens.issue(tokens.PickupToken(1, 1, NOW - 1), KEY)).code == "pickup_expired"
    assert classify(tokens.issue(tokens.MemberToken(1, NOW + 60), OTHER_KEY)).code == "token_forged"
    assert (
        classify(tokens.issue(tokens.MemberToken(1, NOW + 60, key_id=9), OTHER_KEY)).code
        == "token_unknown_key"
    )
    assert classify("O2OC1.NOTBASE32!!").code == "token_malformed"
    assert classify("O2OC9." + good[6:]).code == "token_malformed"


def test_a_coupon_signature_cannot_pass_as_a_member_code():
    coupon = tokens.issue(tokens.CouponToken(5, 1, NOW + 60), KEY)
    as_member = "O2OM1." + coupon[6:]
    assert isinstance(classify(as_member), InvalidScan)


def test_tokens_fit_a_small_qr_code():
    import qrcode

    for token in (
        tokens.issue(tokens.MemberToken(2**63, 2**32 - 1), KEY),
        tokens.issue(tokens.CouponToken(2**63, 2**32 - 1, 2**32 - 1), KEY),
        tokens.issue(tokens.PickupToken(2**63, 999_999, 2**32 - 1), KEY),
    ):
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(token)
        qr.make(fit=True)
        assert qr.version <= 6, token


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_break_the_classifier(data):
    result = classify(data.decode("latin-1"))
    assert result is not None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_exactly_one_class(text):
    result = classify(text)
    assert isinstance(result, ProductCode | MemberScan | CouponScan | PickupScan | PaymentScan | InvalidScan)
