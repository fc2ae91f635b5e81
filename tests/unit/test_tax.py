"""Issue 14 points 12 and 13: the platform's tax classes (3 % and 1 % for small-scale taxpayers) and
tax rounded per line, as an e-fapiao rounds it.

Figures by hand from the VAT rules: the tax contained in a tax-inclusive amount is
amount x rate / (1 + rate), rounded half up to the fen (小规模纳税人 3 % and the 1 % reduction of
财政部 税务总局公告2023年第19号; the fapiao's 含税 mode rounds per line, 税额 = 价税合计 - 金额).
"""

import pytest

from pos_app.domain.basket import Basket
from pos_app.domain.catalog import TAX_CLASSES, Product
from pos_app.domain.fapiao import fapiao_lines, tax_per_rate
from pos_app.domain.money import Money
from pos_app.domain.pricing import TaxRounding
from tests.unit.helpers import product


@pytest.mark.parametrize(
    ("tax", "price", "contained"),
    [
        ("small_scale", 1030, 30),  # 10.30 at 3 %: 10.30 x 3/103 = 0.30
        ("small_scale_reduced", 1010, 10),  # 10.10 at 1 %: 0.10
        ("small_scale", 100, 3),  # 1.00 x 3/103 = 0.0291 -> 0.03
        ("standard", 11_300, 1300),  # 113.00 at 13 %: 13.00
        ("reduced", 10_900, 900),
    ],
)
def test_small_scale_rates(tax, price, contained):
    b = Basket()
    b.add(product(1, price, tax=tax))
    assert b.price().taxes[0].tax == Money(contained)


def test_the_platforms_rate_wins_over_the_built_in_one():
    # a product whose tax class the platform set to 3 % although "standard" is 13 % built in
    item = Product(id=1, sku="A1", name=product(1, 1030).name, price=Money(1030), tax_rate=300)
    b = Basket()
    b.add(item)
    assert b.price().taxes[0].rate_bp == 300 and b.price().taxes[0].tax == Money(30)
    assert TAX_CLASSES["standard"].rate_bp == 1300


def three_lines_of_one_yuan():
    b = Basket()
    for pid in (1, 2, 3):
        b.add(product(pid, 100))  # 1.00 each at 13 %
    return b


def test_per_rate_and_per_line_differ_by_a_fen():
    # per rate: 3.00 x 13/113 = 0.3451 -> 0.35; per line: 1.00 x 13/113 = 0.1150 -> 0.12, x 3 = 0.36
    b = three_lines_of_one_yuan()
    assert b.price().taxes[0].tax == Money(35)
    assert b.price(tax_rounding=TaxRounding.PER_LINE).taxes[0].tax == Money(36)


def test_the_fapiao_matches_the_receipt_in_per_line_mode():
    b = three_lines_of_one_yuan()
    b.add(product(4, 1000, tax="reduced"))  # 10.00 at 9 %: 0.8257 -> 0.83
    pricing = b.price(tax_rounding=TaxRounding.PER_LINE)
    lines = fapiao_lines(pricing.lines)
    # each line: 金额 + 税额 = 价税合计 (1.00 = 0.88 + 0.12; 10.00 = 9.17 + 0.83)
    assert [(ln.amount.minor, ln.tax.minor) for ln in lines] == [(88, 12), (88, 12), (88, 12), (917, 83)]
    assert all(ln.total == pl.net for ln, pl in zip(lines, pricing.lines, strict=True))
    receipt = {t.rate_bp: t.tax for t in pricing.taxes}
    assert tax_per_rate(lines) == receipt == {1300: Money(36), 900: Money(83)}
    # per rate, the receipt says 0.35 at 13 % while the fapiao says 0.36
    assert {t.rate_bp: t.tax for t in b.price().taxes}[1300] == Money(35)


def test_a_free_unit_puts_no_line_on_the_fapiao():
    from pos_app.domain.pricing import Offer, OfferKind, Promotion, Scope
    from pos_app.domain.text import Text

    b = Basket()
    b.add(product(1, 500))
    b.add(product(2, 300))
    gift = Promotion(
        1, Text("买一送一", "Buy 1 get 1"), Offer(OfferKind.BUY_N_GET_M, Scope.ITEM, buy=1, get=1)
    )
    lines = fapiao_lines(b.price([gift]).lines)
    assert [ln.total for ln in lines] == [Money(500)]
