"""A terminal and the platform on loopback: sales arrive exactly once, Z totals reconcile, stock and
reference data flow both ways, the engine's thread starts and stops cleanly."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from pos_app.db import catalog, ledger, schema
from sync.engine import STATUS_EVENT, SyncStatus
from sync.protocol.wire import Family


def _outbox_statuses(till) -> dict[str, int]:
    with till.ctx.db.read() as conn:
        rows = conn.execute(select(schema.outbox.c.status)).scalars().all()
    counts: dict[str, int] = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_sales_arrive_once_and_the_z_report_matches(any_platform):
    till = any_platform.new_till("t1")
    member = any_platform.member_code()
    for i in range(12):
        till.sell([20 + i, 40 + i], member_code=member if i % 3 == 0 else None)
    status = till.sync()
    assert status.online and status.backlog == 0 and status.pushed == 13  # the till opening and 12 sales
    assert any_platform.sale_ids() == {s.sale_id for s in till.sales}
    # again: nothing new is sent, nothing counted twice
    assert till.sync().pushed == 0
    assert any_platform.sale_count() == 12
    z = till.close_till()
    till.sync()
    from central.reconcile import day_reconciliation

    day = day_reconciliation(any_platform.db, "S001", z.totals.business_day)
    assert day.status == "matched", day.sessions
    assert [s.status for s in day.sessions] == ["matched"]
    assert day.sessions[0].central["sales_count"] == 12
    assert _outbox_statuses(till) == {"acked": 14}  # open, 12 sales, close
    any_platform.assert_stock_invariant()


def test_stock_shown_is_pulled_level_plus_unsynced_local_moves(platform):
    till = platform.new_till("t1")
    product = 25
    with till.ctx.db.read() as conn:
        before = catalog.stock_on_hand(conn, product, ledger.acked_seq(conn))
    assert before == platform.stock()[product]
    till.sell([product, product])
    with till.ctx.db.read() as conn:
        pending = catalog.stock_on_hand(conn, product, ledger.acked_seq(conn))
    assert pending == before - 2000  # shown at once, before any sync
    till.sync()
    assert platform.stock()[product] == before - 2000
    with till.ctx.db.read() as conn:
        after = catalog.stock_on_hand(conn, product, ledger.acked_seq(conn))
        level = conn.execute(
            select(schema.stock_level.c.on_hand, schema.stock_level.c.as_of_seq).where(
                schema.stock_level.c.product_id == product
            )
        ).one()
        acked = ledger.acked_seq(conn)
    assert after == before - 2000
    assert level.on_hand == before - 2000 and level.as_of_seq == acked


def test_price_changes_and_new_pickup_orders_are_pulled(platform):
    till = platform.new_till("t1")
    platform.admin.set_price(30, 12345)
    order_id, code = platform.admin.create_pickup_order("S001", [(31, 2000)], paid=True)
    platform.admin.pickup_ready(order_id)
    seen = []
    till.ctx.events.subscribe("reference_data_changed", lambda **_: seen.append(1))
    status = till.sync()
    assert status.pulled >= 2 and seen
    with till.ctx.db.read() as conn:
        assert catalog.product_by_id(conn, 30).price.minor == 12345
    order = till.terminal.pickup.find(code=code)
    assert order.status == "ready" and order.paid


def test_a_cursor_from_another_database_resets_to_a_snapshot(platform):
    till = platform.new_till("t1")
    with till.ctx.db.write() as conn:
        conn.execute(
            schema.sync_cursor.update()
            .where(schema.sync_cursor.c.family == Family.PRODUCTS.value)
            .values(cursor="deadbeef.99.99")
        )
        conn.execute(schema.product.update().where(schema.product.c.id == 12).values(price=1))
    till.sync()
    with till.ctx.db.read() as conn:
        assert catalog.product_by_id(conn, 12).price.minor != 1  # the snapshot brought it back
        cursor = conn.execute(
            select(schema.sync_cursor.c.cursor).where(schema.sync_cursor.c.family == Family.PRODUCTS.value)
        ).scalar()
    assert not cursor.startswith("deadbeef.")


def test_pages_are_pulled_in_pieces(platform):
    till = platform.new_till("t1")
    till.engine.pull_page = 7
    with till.ctx.db.write() as conn:
        conn.execute(schema.sync_cursor.delete())
        conn.execute(schema.product.update().values(price=1))
    client = till.engine._connect()
    pages = []
    real_pull = client.pull_raw
    client.pull_raw = lambda *a, **k: pages.append(1) or real_pull(*a, **k)
    assert till.engine.pull_family(client, Family.PRODUCTS) == 301
    assert len(pages) == 43  # 300 products and the "other item", 7 a page
    with till.ctx.db.read() as conn:
        assert conn.execute(select(schema.product.c.id).where(schema.product.c.price == 1)).first() is None


def test_engine_thread_syncs_on_its_own_and_stops_cleanly(platform):
    till = platform.new_till("t1")
    statuses: list[SyncStatus] = []
    synced = threading.Event()

    def listen(status: SyncStatus) -> None:
        statuses.append(status)
        if status.online and status.backlog == 0 and status.last_success and status.pushed:
            synced.set()

    till.ctx.events.subscribe(STATUS_EVENT, listen)
    till.engine.interval = 60
    till.engine.start()
    try:
        till.engine.start()  # idempotent
        till.sell([22])  # outbox_appended wakes the engine at once
        assert synced.wait(15), statuses[-3:]
    finally:
        till.engine.stop()
    assert not till.engine.running
    assert platform.sale_count() == 1
    assert statuses[-1].clock_offset is not None and abs(statuses[-1].clock_offset) < 5


def test_engine_keeps_retrying_while_the_platform_is_away_and_never_blocks_a_sale(platform):
    from tests.e2e.faultproxy import FaultProxy

    proxy = FaultProxy(platform.central.port)
    try:
        till = platform.new_till("t1", url=proxy.url)
        till.engine.max_backoff = 0.2
        proxy.set_mode("refuse")
        failures = []
        till.ctx.events.subscribe(
            STATUS_EVENT, lambda status: failures.append(status) if not status.online else None
        )
        till.engine.start()
        try:
            for i in range(5):
                till.sell([20 + i])  # the till does not wait for the platform
            deadline = threading.Event()
            while len(failures) < 3 and not deadline.wait(0.1):
                pass
            assert failures and failures[-1].backlog >= 1
            assert "cannot be reached" in failures[-1].last_error
            proxy.set_mode("pass")
            done = threading.Event()
            till.ctx.events.subscribe(
                STATUS_EVENT, lambda status: done.set() if status.online and status.backlog == 0 else None
            )
            assert done.wait(20)
        finally:
            till.engine.stop()
        assert platform.sale_count() == 5
    finally:
        proxy.close()


@pytest.mark.parametrize("batch", [50, 500])
def test_pushes_go_in_batches(platform, batch):
    till = platform.new_till("t1")
    till.engine.push_batch = batch
    for i in range(60):
        till.sell([20 + i % 50])
    calls = []
    client = till.engine._connect()
    real_push = client.push

    def counting_push(events, client_time=None):
        calls.append(len(events))
        return real_push(events, client_time)

    client.push = counting_push
    till.sync()
    assert sum(calls) == 61 and max(calls) <= batch  # the till opening and 60 sales
    assert len(calls) == (2 if batch == 50 else 1)
    assert platform.sale_count() == 60
