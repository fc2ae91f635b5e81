"""Wrapping receipt text on narrow paper."""

from pos_app.domain.receipt import fit, text_width, wrap


def test_latin_text_wraps_between_words():
    assert wrap("Scan for your e-receipt and returns", 32) == ["Scan for your e-receipt and", "returns"]
    assert wrap("O2O 示范店 Demo Store", 16) == ["O2O 示范店 Demo", "Store"]


def test_truncating_cuts_between_any_characters():
    assert fit("Bright Pure Milk 250ml", 14)[0] == "Bright Pure Mi"


def test_chinese_wraps_anywhere_and_counts_double():
    pieces = wrap("扫码查看电子小票 / 退货凭证", 16)
    assert pieces == ["扫码查看电子小票", "/ 退货凭证"]
    assert all(text_width(p) <= 16 for p in pieces)


def test_a_word_longer_than_the_line_is_cut():
    assert wrap("Supercalifragilistic", 10) == ["Supercalif", "ragilistic"]


def test_nothing_is_lost():
    text = "农夫山泉 Nongfu Spring Natural Water 550ml x12 家庭装"
    for columns in (8, 12, 16, 32, 48):
        pieces = wrap(text, columns)
        assert all(text_width(p) <= columns for p in pieces)
        assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
