import pytest

from pos_app.domain.errors import PaymentError
from pos_app.domain.members import PointsRule
from pos_app.domain.money import CashRounding, Money
from pos_app.domain.tenders import Payment, TenderKind


def test_cash_with_change():
    p = Payment(Money(3578))
    tender = p.add_cash(Money(10_000))
    assert tender.amount == Money(3578) and tender.change == Money(6422)
    assert p.is_settled and p.change == Money(6422)


def test_cash_rounding_down_in_customers_favour_is_recorded():
    p = Payment(Money(3578), CashRounding("down_10"))
    assert p.cash_due() == Money(3570)
    p.add_cash(Money(5000))
    assert p.is_settled
    assert p.rounding_adjustment == Money(-8)
    assert p.change == Money(1430)
    assert p.paid == Money(3570)


def test_partial_cash_is_not_rounded():
    p = Payment(Money(3578), CashRounding("nearest_10"))
    p.add_cash(Money(1000))
    assert p.rounding_adjustment is None and p.due == Money(2578)
    p.add_card(Money(2578), "AUTH1")
    assert p.is_settled


def test_split_tender_card_mobile_points_cash():
    rule = PointsRule(fen_per_100_points=100, max_share_bp=5000)
    p = Payment(Money(10_000))
    p.add_points(2000, rule, balance=5000)  # 20.00
    p.add_card(Money(3000), "A1")
    p.add_mobile(Money(2000), "wechat", "4200001")
    p.add_cash(Money(5000))
    assert p.is_settled
    assert [t.kind for t in p.tenders] == [
        TenderKind.POINTS,
        TenderKind.CARD,
        TenderKind.MOBILE,
        TenderKind.CASH,
    ]
    assert p.change == Money(2000)
    assert sum(t.amount.minor for t in p.tenders) == 10_000


def test_non_cash_cannot_overpay():
    p = Payment(Money(1000))
    with pytest.raises(PaymentError, match="cannot pay more than is due"):
        p.add_card(Money(1001), "X")
    with pytest.raises(PaymentError):
        p.add_mobile(Money(10), "paypal", "X")


def test_points_limits():
    rule = PointsRule(fen_per_100_points=100, max_share_bp=5000)
    p = Payment(Money(1000))
    with pytest.raises(PaymentError, match="only 100 points"):
        p.add_points(200, rule, balance=100)
    with pytest.raises(PaymentError, match=r"at most 5\.00"):
        p.add_points(600, rule, balance=10_000)
    p.add_points(500, rule, balance=10_000)
    with pytest.raises(PaymentError, match=r"at most 5\.00"):
        p.add_points(100, rule, balance=10_000)


def test_no_payment_after_settled_and_take_back():
    p = Payment(Money(500))
    p.add_cash(Money(500))
    with pytest.raises(PaymentError, match="already paid"):
        p.add_cash(Money(100))
    p.remove_last()
    assert p.due == Money(500)


def test_payment_round_trips_through_storage():
    p = Payment(Money(3578), CashRounding("down_10"))
    p.add_card(Money(1000), "AUTH")
    restored = Payment.from_dict(p.to_dict())
    assert restored.to_dict() == p.to_dict()
    assert restored.due == Money(2578)


def test_change_is_bounded_at_ten_thousand_yuan():
    p = Payment(Money(430))  # ¥4.30
    with pytest.raises(PaymentError, match="No drawer gives that much change"):
        p.add_cash(Money(1_000_431))  # change ¥10,000.01
    assert p.tenders == []
    p.add_cash(Money(1_000_430))  # change exactly ¥10,000.00
    assert p.change == Money(1_000_000)


def test_change_for_a_tender():
    p = Payment(Money(3578), CashRounding("down_10"))
    assert p.change_for(Money(10_000)) == Money(6430)  # after rounding down to 35.70
    assert p.change_for(Money(1000)) == Money(0)  # pays part: no change


def test_cash_rounding_to_the_yuan_in_customers_favour():
    # 35.78 due, 抹角: the customer pays 35.00; the 0.78 is recorded as the rounding
    p = Payment(Money(3578), CashRounding("down_100"))
    assert p.cash_due() == Money(3500)
    p.add_cash(Money(5000))
    assert p.is_settled and p.rounding_adjustment == Money(-78) and p.change == Money(1500)
