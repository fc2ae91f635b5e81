"""Every scan class, and input that must never break the classifier."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.domain.barcodes import (
    PaymentProvider,
    ProductCode,
    ProductKey,
    Symbology,
    gtin_check_digit,
)
from pos_app.domain.scale_labels import ScaleLayout, ScaleRule
from pos_app.services.scanning import (
    CouponScan,
    InvalidScan,
    MemberScan,
    NumberScan,
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
        layout=ScaleLayout((ScaleRule("21", "FFIIIIIPPPPPC"), ScaleRule("22", "FFIIIIIWWWWWC"))),
        public_keys={1: KEY.public_key()},
        clock=lambda: NOW,
        **kw,
    )


def classify(text, symbology=None, **kw):
    return classify_scan(text, symbology, context(**kw))


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


def test_six_typed_digits_are_a_pickup_code_or_a_product_number():
    # issue 14 point 6: the checkout decides by what exists (tests/services/test_number_scan.py)
    assert classify("246810") == NumberScan("246810")


def test_payment_codes_only_while_taking_payment():
    # WeChat Pay 付款码: 18 digits starting 10-15; Alipay: 16-24 digits starting 25-30
    wechat, alipay = "134567890123456789", "281234567890123456"
    assert classify(wechat, taking_payment=True) == PaymentScan(PaymentProvider.WECHAT, wechat)
    assert classify(alipay, taking_payment=True) == PaymentScan(PaymentProvider.ALIPAY, alipay)
    assert classify(wechat).code == "payment_not_now"
    assert classify(alipay).code == "payment_not_now"


@pytest.mark.parametrize("space", ["\u3000", "\u00a0", "\u2003", "\u200b", "\ufeff", " \t", "\r\n"])
def test_unicode_whitespace_around_a_code_is_stripped(space):
    # issue 14 point 3: an IME's ideographic space (U+3000) or a no-break space (U+00A0)
    assert classify(space + "4006381333931" + space).value == "04006381333931"
    assert classify(space + "(01)09501101020917" + space).value == "09501101020917"


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
        ("9" * 600, "too_long"),
        ("(01)09501101020918", "gs1_check_digit"),
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
    assert classify("O2OC2.NOTBASE32!!").code == "token_malformed"
    assert classify("O2OC9." + good[6:]).code == "token_malformed"


@pytest.mark.parametrize("text", ["O2OM1.", "O2OC2.", "O2OP2.", "o2om2."])
def test_a_token_header_with_no_body_is_a_malformed_token(text):
    # issue 14 point 17: not a product code
    assert classify(text).code == "token_malformed"


def test_a_coupon_signature_cannot_pass_as_a_member_code():
    coupon = tokens.issue(tokens.CouponToken(5, 1, NOW + 60), KEY)
    as_member = "O2OM2." + coupon[6:]
    assert isinstance(classify(as_member), InvalidScan)


def _qr_version(text):
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version


def test_tokens_fit_a_small_qr_code():
    big = 2**32 - 1
    for token in (
        tokens.MemberToken(2**63, big),
        tokens.CouponToken(2**63, big, big),
        tokens.CouponToken(2**63, big, big, store_ids=(big, big)),
        tokens.PickupToken(2**63, 999_999, big, store_id=big),
    ):
        assert _qr_version(tokens.issue(token, KEY)) <= 6, token
    # the most stores a coupon may name still fits version 7
    most = tokens.CouponToken(2**63, big, big, store_ids=(big,) * tokens.MAX_STORES)
    assert _qr_version(tokens.issue(most, KEY)) <= 7
    with pytest.raises(ValueError):
        tokens.issue(tokens.CouponToken(1, 1, big, store_ids=(1,) * (tokens.MAX_STORES + 1)), KEY)


# --- issue 14 point 15: a pickup or coupon code names its store(s) --------------------------------
def test_a_pickup_code_for_another_store_is_refused_with_that_reason():
    text = tokens.issue(tokens.PickupToken(900_001, 246_810, NOW + 60, store_id=7), KEY)
    assert isinstance(classify(text, store_id=7), PickupScan)
    other = classify(text, store_id=8)
    assert other.code == "token_other_store"
    assert other.message == "This code is for another store of the chain and cannot be used here."


def test_a_coupon_names_the_stores_where_it_is_valid():
    everywhere = tokens.issue(tokens.CouponToken(1, 1, NOW + 60), KEY)
    two = tokens.issue(tokens.CouponToken(2, 1, NOW + 60, store_ids=(3, 5)), KEY)
    assert isinstance(classify(everywhere, store_id=9), CouponScan)
    assert classify(two, store_id=5).token.store_ids == (3, 5)
    assert classify(two, store_id=4).code == "token_other_store"


def test_the_store_list_is_signed():
    text = tokens.issue(tokens.PickupToken(1, 1, NOW + 60, store_id=7), KEY)
    raw = base64.b32decode(text[6:] + "=" * (-len(text[6:]) % 8))
    moved = raw[:-68] + (8).to_bytes(4, "big") + raw[-64:]  # the store id sits before the signature
    forged = text[:6] + base64.b32encode(moved).decode().rstrip("=")
    assert classify(forged, store_id=8).code == "token_forged"


# --- issue 14 point 16: one text per token --------------------------------------------------------
def test_only_the_canonical_base32_text_verifies():
    text = tokens.issue(tokens.CouponToken(700_001, 1, NOW + 60), KEY)
    assert isinstance(classify(text), CouponScan)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    variants = [text[:-1] + ch for ch in alphabet if ch != text[-1]]
    decoded_same = [
        v
        for v in variants
        if base64.b32decode(v[6:] + "=" * (-len(v[6:]) % 8))
        == base64.b32decode(text[6:] + "=" * (-len(text[6:]) % 8))
    ]
    assert decoded_same  # the pad bits make these decode to the same bytes ...
    for variant in decoded_same:
        assert classify(variant).code == "token_malformed"  # ... and none of them verifies


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_break_the_classifier(data):
    result = classify(data.decode("latin-1"))
    assert result is not None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_exactly_one_class(text):
    result = classify(text)
    assert isinstance(
        result, ProductCode | MemberScan | CouponScan | PickupScan | NumberScan | PaymentScan | InvalidScan
    )
