"""Scale labels as Chinese label scales print them, and what they must never be taken for.

Sources of the layouts (the field order and units; the check digit is GS1 mod 10 over every digit
before it, "采用EAN 13校验方法", so the tests compute it with python-stdnum rather than copy the
sources' illustrative last digits, which do not verify):

- Dahua 13-digit amount label "F1F2 CCCCC XXXXX CD": flag 21, PLU 10001, amount 005.00 yuan (the
  vendor's example "211000100500" + check digit; 兰州衡盛 "条码秤条码符号的构成").
- Dahua TOP2000 18-digit label "26 XXXXX MMMMM WWWWW C": PLU, amount with 2 decimals, weight with 3
  decimals (昂捷论坛 "18位码各位数字的意义").
- 1-digit flag, 6-digit item, 5-digit weight ("7+5+1": "2000001" item, "02310" = 2.310 kg; 亚津条码秤
  说明) -- the Aclas "flag 1, PLU 6" preset.
- GS1 General Specifications 7.9.3: the 4/5-digit price verifier ("2875" -> 9, "14685" -> 6).
- Apple at 8.38 yuan/kg weighing 2.31 kg is 19.3578 -> 19.36 yuan (same 亚津 page), the amount the
  18-digit examples below carry.
"""

import pytest

from pos_app.domain.barcodes import BarcodeError, PaymentProvider, ProductCode, ProductKey, gtin_check_digit
from pos_app.domain.money import Money
from pos_app.domain.scale_labels import PRESETS, ScaleLayout, ScaleRule
from pos_app.services.scanning import InvalidScan, PaymentScan, ScanContext, classify


def label(body: str) -> str:
    return body + gtin_check_digit(body)


def scan(text, layout, taking_payment=False):
    return classify(
        text, None, ScanContext(layout=ScaleLayout.from_config(layout), taking_payment=taking_payment)
    )


def test_dahua_13_digit_amount_label():
    code = scan(label("211000100500"), [{"flag": "21", "preset": "dahua-13-amount"}])
    assert (code.key, code.value, code.price, code.weight_grams) == (
        ProductKey.PLU,
        "10001",
        Money(500),
        None,
    )


def test_dahua_18_digit_label_carries_amount_and_weight():
    code = scan(label("26" + "00123" + "01936" + "02310"), [{"flag": "26", "preset": "dahua-18"}])
    assert (code.value, code.price, code.weight_grams) == ("123", Money(1936), 2310)


def test_aclas_1_digit_flag_and_6_digit_plu():
    layout = [{"flag": "2", "preset": "aclas-13-plu6-weight"}]
    code = scan(label("2" + "000001" + "02310"), layout)
    assert (code.value, code.weight_grams) == ("1", 2310)
    code = scan(label("2" + "123456" + "03500"), layout)
    assert (code.value, code.weight_grams) == ("123456", 3500)


def test_aclas_18_weight_before_amount():
    code = scan(label("27" + "00042" + "02310" + "01936"), [{"flag": "27", "preset": "aclas-18"}])
    assert (code.value, code.weight_grams, code.price) == ("42", 2310, Money(1936))


def test_price_verifier_digit_before_the_amount():
    layout = [{"flag": "23", "preset": "gs1-price-verifier"}]
    good = label("23" + "1234" + "6" + "14685")  # GS1 7.9.3: verifier of 14685 is 6
    assert scan(good, layout).price == Money(14685)
    bad = label("23" + "1234" + "7" + "14685")
    assert scan(bad, layout).code == "price_check_digit"


def test_layouts_are_configurable_as_the_scales_are():
    # flag 1 or 2 digits, PLU 4-6, price, weight or both, verifier before the amount
    for fmt in (
        "FIIIIIPPPPPPC",
        "FFIIIIIIWWWWC",
        "FFIIIIVPPPPPC",
        "FFIIIIIWWWWPPPPPPC",
        "FIIIIIIPPPPPWWWWWC",
    ):
        flag = "2" if fmt.count("F") == 1 else "28"
        assert ScaleRule(flag, fmt).length == len(fmt)
    for flag, fmt in [
        ("21", "FFIIIIIIIPPPPC"),  # 14 digits
        ("21", "FFIIIPPPPPPPC"),  # PLU of 3
        ("21", "FFIIIIIIIPPPC"),  # PLU of 7
        ("2", "FFIIIIIPPPPPC"),  # flag longer than given
        ("19", "FFIIIIIPPPPPC"),  # not a restricted circulation number
        ("21", "FFIIIIVWWWWWC"),  # a verifier belongs to an amount
        ("21", "FFIIIIIPPPPPX"),
    ]:
        with pytest.raises(ValueError):
            ScaleRule(flag, fmt)


def test_every_preset_is_a_valid_layout_and_has_a_name():
    for name, preset in PRESETS.items():
        flag = "2" if preset.format.count("F") == 1 else "26"
        assert ScaleRule.from_dict({"flag": flag, "preset": name}).preset == name
        assert preset.description


def test_the_first_version_of_the_setting_still_reads():
    rule = ScaleRule.from_dict(
        {"prefix": "23", "item_digits": 4, "value": "price", "value_digits": 5, "value_check": True}
    )
    assert rule.format == "FFIIIIVPPPPPC"


def test_the_longer_flag_decides():
    layout = ScaleLayout.from_config(
        [{"flag": "2", "preset": "aclas-13-plu6-weight"}, {"flag": "21", "preset": "dahua-13-amount"}]
    )
    assert layout.rule_for(label("211000100500")).flag == "21"
    assert layout.rule_for(label("220000100500")).flag == "2"


def test_wrong_check_digit_and_zero_weight():
    rule = ScaleRule("22", "FFIIIIIWWWWWC")
    body = "221000100650"
    wrong = body + str((int(gtin_check_digit(body)) + 1) % 10)
    with pytest.raises(BarcodeError) as err:
        rule.read(wrong)
    assert err.value.code == "check_digit"
    with pytest.raises(BarcodeError) as err:
        rule.read(label("221000100000"))
    assert err.value.code == "zero_weight"


# --- issue 14 item 1: 18-digit labels are not Alipay codes ---------------------------------------

# Alipay's payment code: 16-24 digits starting 25-30 (Alipay 当面付 documentation, "付款码");
# WeChat Pay: 18 digits starting 10-15 (WeChat Pay 付款码支付 documentation).
DAHUA_18 = [{"flag": "28", "preset": "dahua-18"}]


def test_a_scale_label_starting_28_is_the_scales_even_while_paying():
    text = label("28" + "00123" + "01936" + "02310")
    assert len(text) == 18
    for paying in (False, True):
        code = scan(text, DAHUA_18, taking_payment=paying)
        assert isinstance(code, ProductCode) and code.price == Money(1936)


def test_an_alipay_code_that_is_no_label_is_a_payment_only_while_paying():
    body = "28" + "00123" + "01936" + "02310"
    alipay = body + str((int(gtin_check_digit(body)) + 1) % 10)  # fails the label's check digit
    assert scan(alipay, DAHUA_18, taking_payment=True) == PaymentScan(PaymentProvider.ALIPAY, alipay)
    refused = scan(alipay, DAHUA_18, taking_payment=False)
    assert isinstance(refused, InvalidScan) and refused.code == "payment_not_now"
    # and with no 18-digit layout at all
    assert scan(alipay, [], taking_payment=True).provider is PaymentProvider.ALIPAY


def test_a_wechat_code_is_never_a_label():
    wechat = "134567890123456789"
    assert scan(wechat, DAHUA_18, taking_payment=True) == PaymentScan(PaymentProvider.WECHAT, wechat)
    assert scan(wechat, DAHUA_18).code == "payment_not_now"
