"""A paid online order prepared in the store: marked ready at the till, over real HTTP to the real
platform on SQLite and PostgreSQL. The order's state machine moves on the platform (paid -> ready),
every till pulls it, and the conflicts (cancelled online meanwhile, marked on two tills) are handled
as the rules say."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from central.models import SyncException
from pos_app.db import schema
from pos_app.domain.errors import DomainError
from tests.e2e.faultproxy import FaultProxy

DEMO_MEMBER = 100_001


def exceptions(platform, kind=None) -> list:
    x = SyncException.__table__
    query = select(x.c.kind, x.c.ref)
    if kind is not None:
        query = query.where(x.c.kind == kind)
    with platform.db.read() as conn:
        return conn.execute(query).all()


def local_status(till, order_id: int) -> str:
    with till.ctx.db.read() as conn:
        return conn.execute(
            select(schema.pickup_order.c.status).where(schema.pickup_order.c.id == order_id)
        ).scalar_one()


def test_an_order_marked_ready_at_the_till_is_ready_on_the_platform_and_every_till(any_platform):
    platform = any_platform
    t1 = platform.new_till("t1", "T01")
    t2 = platform.new_till("t2", "T02")
    admin = platform.admin
    order_id, code = admin.create_pickup_order("S001", [(60, 2000)], member_id=DEMO_MEMBER, paid=True)
    t1.sync()
    t2.sync()
    order = t1.terminal.pickup.find(code=code)
    assert order.status == "paid" and order.checked_online and order.customer_masked
    with pytest.raises(DomainError, match="not ready"):
        t1.terminal.pickup.handover(t1.cashier, order_id)
    version = platform.admin.pickup_order(order_id)["version"]

    ready = t1.terminal.pickup.mark_ready(t1.cashier, order_id)
    assert ready.status == "ready"  # at once on this till, before the event is sent
    assert platform.admin.pickup_order(order_id)["status"] == "paid"
    t1.sync()
    on_platform = platform.admin.pickup_order(order_id)
    assert on_platform["status"] == "ready" and on_platform["version"] > version
    assert local_status(t2, order_id) == "paid"
    t2.sync()  # the other till pulls the new state
    assert local_status(t2, order_id) == "ready"
    t2.terminal.pickup.handover(t2.cashier, order_id)
    t2.sync()
    assert platform.admin.pickup_order(order_id)["status"] == "handed_over"
    assert exceptions(platform) == []


def test_marked_ready_on_two_tills_is_ready_once(any_platform):
    platform = any_platform
    t1 = platform.new_till("t1", "T01")
    t2 = platform.new_till("t2", "T02")
    order_id, _code = platform.admin.create_pickup_order("S001", [(61, 1000)], paid=True)
    t1.sync()
    t2.sync()
    t1.terminal.pickup.mark_ready(t1.cashier, order_id)
    t2.terminal.pickup.mark_ready(t2.cashier, order_id)
    t1.sync()
    t2.sync()
    assert platform.admin.pickup_order(order_id)["status"] == "ready"
    assert exceptions(platform) == []


def test_marked_ready_offline_after_an_online_cancel_is_an_exception(any_platform):
    platform = any_platform
    proxy = FaultProxy(platform.central.port)
    try:
        t1 = platform.new_till("t1", url=proxy.url)
        order_id, _code = platform.admin.create_pickup_order("S001", [(60, 1000)], paid=True)
        t1.sync()
        proxy.set_mode("refuse")  # the store's line is down
        order = t1.terminal.pickup.mark_ready(t1.cashier, order_id)
        assert order.status == "ready" and not order.checked_online
        platform.admin.pickup_cancel(order_id)  # meanwhile the customer cancels online
        proxy.set_mode("pass")
        t1.sync()
        assert platform.admin.pickup_order(order_id)["status"] == "cancelled"  # stays cancelled
        assert exceptions(platform, "pickup_ready_conflict") == [("pickup_ready_conflict", str(order_id))]
        assert local_status(t1, order_id) == "cancelled"  # and the till pulled the cancel
        with pytest.raises(DomainError, match="cancelled online"):
            t1.terminal.pickup.handover(t1.cashier, order_id)
    finally:
        proxy.close()


def test_an_unpaid_order_cannot_be_marked_ready(platform):
    t1 = platform.new_till("t1")
    order_id, _code = platform.admin.create_pickup_order("S001", [(60, 1000)])
    t1.sync()
    with pytest.raises(DomainError, match="not paid"):
        t1.terminal.pickup.mark_ready(t1.cashier, order_id)
