"""Conflict rules: a completed sale is never rejected; conflicts are applied and become exceptions."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from central.models import CouponRedemption, Member, PickupOrder, PointsEntry, SyncException
from pos_app.domain.errors import DomainError
from tests.e2e.faultproxy import FaultProxy

BIG = [49, 50, 51]  # 72.30 + 54.30 + 56.30 yuan of pantry goods: over every coupon threshold


def _exceptions(platform, kind):
    x = SyncException.__table__
    with platform.db.read() as conn:
        return conn.execute(select(x).where(x.c.kind == kind)).all()


@pytest.fixture
def proxy(platform):
    p = FaultProxy(platform.central.port)
    yield p
    p.close()


def test_a_single_use_coupon_redeemed_offline_on_two_tills_and_online(platform, proxy):
    t1 = platform.new_till("t1", "T01", url=proxy.url)
    t2 = platform.new_till("t2", "T02", url=proxy.url)
    coupon_id, code = platform.coupon_code(campaign_id=1)
    proxy.set_mode("refuse")  # the store loses its line
    s1 = t1.sell(BIG, coupon_code=code)
    s2 = t2.sell(BIG, coupon_code=code)
    assert platform.admin.redeem_coupon_online(coupon_id, "WEB-1", 1000)  # meanwhile, online
    proxy.set_mode("pass")
    t1.sync()
    t2.sync()
    assert platform.sale_ids() >= {s1.sale_id, s2.sale_id}  # both sales stand
    r = CouponRedemption.__table__
    with platform.db.read() as conn:
        rows = conn.execute(select(r).where(r.c.coupon_id == coupon_id).order_by(r.c.id)).all()
    assert [(x.channel, x.valid) for x in rows] == [("online", True), ("store", False), ("store", False)]
    conflicts = _exceptions(platform, "coupon_conflict")
    assert sorted(c.ref for c in conflicts) == [str(coupon_id)] * 2
    # online again, a third till asks the platform first and is told it is used
    t3 = platform.new_till("t3", "T03")
    t3.terminal.checkout.add_product_id(49)
    outcome = t3.terminal.checkout.scan(code)
    assert not outcome.ok and "already used" in outcome.message


def test_a_coupon_reserved_online_is_refused_at_another_till(platform):
    t1 = platform.new_till("t1", "T01")
    t2 = platform.new_till("t2", "T02")
    _coupon_id, code = platform.coupon_code(campaign_id=3)  # online only
    for pid in BIG:
        t1.terminal.checkout.add_product_id(pid)
        t2.terminal.checkout.add_product_id(pid)
    assert t1.terminal.checkout.scan(code).ok  # reserved for t1's basket
    outcome = t2.terminal.checkout.scan(code)
    assert not outcome.ok and "another till" in outcome.message
    t1.terminal.checkout.remove_coupon(_coupon_id)  # released
    assert t2.terminal.checkout.scan(code).ok


def test_points_overspent_offline_within_the_bound(platform, proxy):
    t1 = platform.new_till("t1", "T01", url=proxy.url)
    t2 = platform.new_till("t2", "T02", url=proxy.url)
    member = platform.member_code(100_001)  # 3,000 points
    proxy.set_mode("refuse")
    s1 = t1.sell(BIG, member_code=member, points=2000)
    s2 = t2.sell(BIG, member_code=member, points=2000)
    proxy.set_mode("pass")
    t1.sync()
    t2.sync()
    m, p = Member.__table__, PointsEntry.__table__
    with platform.db.read() as conn:
        balance = conn.execute(select(m.c.points_balance).where(m.c.id == 100_001)).scalar_one()
        ledger_sum = sum(conn.execute(select(p.c.delta).where(p.c.member_id == 100_001)).scalars())
    earned = s1.points_earned + s2.points_earned
    assert balance == ledger_sum == 3000 - 4000 + earned  # applied, whatever the order
    overdrafts = _exceptions(platform, "points_overdraft")
    assert len(overdrafts) == 1
    import json

    detail = json.loads(overdrafts[0].detail)
    assert detail["overdraft"] > 0 and detail["beyond_bound"] is False
    assert detail["overdraft"] <= detail["bound"]
    # the till pulls the real (negative) balance: nothing more to spend
    t1.sync()
    t1.terminal.checkout.add_product_id(49)
    t1.terminal.checkout.scan(member)
    assert t1.terminal.checkout.points_available() == 0


def test_offline_points_spending_is_bounded_per_terminal(platform, proxy):
    from pos_app import config
    from pos_app.domain.errors import PaymentError

    t1 = platform.new_till("t1", url=proxy.url)
    t1.terminal.settings.set(config.POINTS_OFFLINE_LIMIT, 2500)
    proxy.set_mode("refuse")
    member = platform.member_code(100_003)  # 4,997 points
    t1.sell(BIG, member_code=member, points=2000)
    co = t1.terminal.checkout
    for pid in BIG:
        co.add_product_id(pid)
    co.scan(member)
    co.start_payment()
    assert co.points_available() == 500
    with pytest.raises(PaymentError):
        co.pay_points(1000)


def test_a_pickup_handed_over_offline_while_cancelled_online(platform, proxy):
    t1 = platform.new_till("t1", url=proxy.url)
    order_id, code = platform.admin.create_pickup_order("S001", [(60, 2000), (61, 1000)], paid=True)
    platform.admin.pickup_ready(order_id)
    t1.sync()
    stock_before = platform.stock()
    proxy.set_mode("refuse")
    order = t1.terminal.pickup.find(code=code)
    assert order.status == "ready" and not order.checked_online
    t1.terminal.pickup.handover(t1.cashier, order_id)  # the customer leaves with the goods
    platform.admin.pickup_cancel(order_id)  # a late cancel online puts the stock back ...
    assert platform.stock()[60] == stock_before[60] + 2000
    proxy.set_mode("pass")
    t1.sync()
    with platform.db.read() as conn:
        status = conn.execute(
            select(PickupOrder.__table__.c.status).where(PickupOrder.__table__.c.id == order_id)
        ).scalar_one()
    assert status == "handed_over"  # ... the handover wins
    assert len(_exceptions(platform, "pickup_cancelled_handed_over")) == 1
    assert platform.stock()[60] == stock_before[60]  # and the goods are out of stock again
    platform.assert_stock_invariant()


def test_online_the_platform_has_the_last_word_on_a_pickup(platform):
    t1 = platform.new_till("t1")
    order_id, code = platform.admin.create_pickup_order("S001", [(60, 1000)], paid=True)
    platform.admin.pickup_ready(order_id)
    t1.sync()
    platform.admin.pickup_cancel(order_id)
    order = t1.terminal.pickup.find(code=code)
    assert order.checked_online and order.status == "cancelled"
    with pytest.raises(DomainError, match="cancelled online"):
        t1.terminal.pickup.handover(t1.cashier, order_id)


def test_online_helpers_give_up_fast_and_the_sale_goes_on(platform, proxy):
    t1 = platform.new_till("t1", url=proxy.url)
    _coupon_id, code = platform.coupon_code(campaign_id=1)
    proxy.set_mode("blackhole")
    co = t1.terminal.checkout
    for pid in BIG:
        co.add_product_id(pid)
    started = time.perf_counter()
    outcome = co.scan(code)
    elapsed = time.perf_counter() - started
    assert outcome.ok and "Offline" in outcome.message
    assert elapsed < 1.5  # connect + read time-outs of 300 ms, not the network's default
    started = time.perf_counter()
    co.scan(platform.member_code())  # the helpers stay quiet after a failure: no second wait
    assert time.perf_counter() - started < 0.2
    proxy.set_mode("pass")
