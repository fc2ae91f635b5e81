from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_app.domain.money import CashRounding, CurrencyMismatchError, Money, div_round


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (5, 10, 1),
        (4, 10, 0),
        (15, 10, 2),
        (25, 10, 3),
        (-5, 10, -1),
        (-4, 10, 0),
        (-15, 10, -2),
        (7, -2, -4),
        (0, 3, 0),
    ],
)
def test_div_round_is_half_away_from_zero(num, den, expected):
    assert div_round(num, den) == expected


def test_construction_and_decimals():
    assert Money.of("12.50").minor == 1250
    assert Money.of("0.01").minor == 1
    assert Money.of(3).minor == 300
    assert Money.of("100", "JPY").minor == 100
    with pytest.raises(ValueError):
        Money.of("1.005")
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    assert Money.from_decimal(Decimal("12.345")).minor == 1235  # half up
    assert Money.from_decimal(Decimal("-12.345")).minor == -1235


def test_percent_and_scale_round_half_up():
    assert Money(999).percent(1000) == Money(100)  # 99.9 -> 100
    assert Money(1005).percent(5000) == Money(503)  # 502.5 -> 503
    assert Money(1298).scale(650, 1000) == Money(844)  # 12.98/kg x 0.650 kg = 8.437 -> 8.44
    assert Money(1).scale(1, 2) == Money(1)


def test_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatchError):
        Money(1, "CNY") + Money(1, "USD")
    with pytest.raises(CurrencyMismatchError):
        _ = Money(1, "CNY") < Money(1, "HKD")


def test_formatting_in_both_languages():
    assert Money.of("1234.5").format("zh_CN") == "¥1,234.50"
    assert Money.of("1234.5").format("en") == "CN¥1,234.50"
    assert Money(-1250).plain() == "-12.50"
    assert Money(5).plain() == "0.05"


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_parts_always_sum_to_the_whole(amount, weights):
    parts = Money(amount).allocate(weights)
    assert sum(p.minor for p in parts) == amount
    assert len(parts) == len(weights)
    if sum(weights) and amount >= 0:
        for part, weight in zip(parts, weights, strict=True):
            exact = amount * weight / sum(weights)
            assert abs(part.minor - exact) < 1


def test_allocate_is_deterministic_and_proportional():
    assert [m.minor for m in Money(100).allocate([1, 1, 1])] == [34, 33, 33]
    assert [m.minor for m in Money(-100).allocate([1, 1, 1])] == [-34, -33, -33]
    assert [m.minor for m in Money(10).allocate([0, 0])] == [5, 5]


@pytest.mark.parametrize(
    ("mode", "due", "expected"),
    [
        ("none", 1234, 1234),
        ("nearest_10", 1234, 1230),
        ("nearest_10", 1235, 1240),
        ("down_10", 1239, 1230),
        ("down_10", 1230, 1230),
        # issue 14 point 14, 抹角: to the whole yuan, half up (四舍五入) or down in the customer's favour
        ("nearest_100", 1249, 1200),  # 12.49 -> 12.00
        ("nearest_100", 1250, 1300),  # 12.50 -> 13.00
        ("nearest_100", 1251, 1300),
        ("nearest_100", 1200, 1200),
        ("down_100", 1299, 1200),  # 12.99 -> 12.00
        ("down_100", 1200, 1200),
        ("down_100", 1201, 1200),
        # never to nothing: a customer owing 0.40 or 0.99 pays it
        ("nearest_100", 40, 40),
        ("down_100", 99, 99),
        ("nearest_100", 50, 100),
    ],
)
def test_cash_rounding(mode, due, expected):
    assert CashRounding(mode).round(Money(due)) == Money(expected)


def test_unknown_cash_rounding_is_refused():
    with pytest.raises(ValueError):
        CashRounding("bankers")
