"""Three terminals offline with 10,000 sales between them while the online shop sells from the same
stock; then they reconnect. Exactly 10,000 sales arrive, every Z report matches, and the stock
invariant holds for every SKU."""

from __future__ import annotations

import random
import threading
from collections import defaultdict

import pytest
from sqlalchemy import select

from central.reconcile import day_reconciliation
from pos_app.db import schema
from resources.demo import generator
from tests.e2e.faultproxy import FaultProxy
from tests.e2e.harness import MEMBERS, PRODUCTS, Platform, postgres_database, postgres_problem

TOTAL_SALES = 10_000


@pytest.fixture
def scale_platform(tmp_path):
    """PostgreSQL (as in production) when it is reachable, else SQLite."""
    if postgres_problem() is None:
        with postgres_database() as url:
            p = Platform(tmp_path, url)
            yield p
            p.close()
    else:
        p = Platform(tmp_path)
        yield p
        p.close()


def _run_all(functions):
    errors = []

    def run(fn):
        try:
            fn()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.mark.slow
def test_three_offline_terminals_ten_thousand_sales_and_the_online_shop(scale_platform):
    platform = scale_platform
    proxy = FaultProxy(platform.central.port)
    try:
        tills = [platform.new_till(f"t{i}", f"T0{i}", url=proxy.url) for i in (1, 2, 3)]
        member = platform.member_code(100_002)
        initial = platform.stock()
        proxy.set_mode("refuse")  # the store's line is down all day

        shares = [TOTAL_SALES - 2 * (TOTAL_SALES // 3), TOTAL_SALES // 3, TOTAL_SALES // 3]
        each_products = [p["id"] for p in generator.build(PRODUCTS, MEMBERS).products if p["unit"] == "each"]

        def trade(till, count, seed):
            rng = random.Random(seed)
            for n in range(count):
                lines = rng.sample(each_products, rng.randint(1, 3))
                till.sell(lines, member_code=member if n % 25 == 0 else None)

        # meanwhile the online shop sells from the same stock (paid pickup orders)
        online_sold: dict[int, int] = defaultdict(int)

        def online_shop():
            rng = random.Random(99)
            for _ in range(40):
                pid = rng.choice(each_products)
                platform.admin.create_pickup_order("S001", [(pid, 1000)], paid=True)
                online_sold[pid] += 1000

        _run_all(
            [lambda t=t, c=c, i=i: trade(t, c, i) for i, (t, c) in enumerate(zip(tills, shares, strict=True))]
            + [online_shop]
        )
        zs = [till.close_till() for till in tills]
        assert sum(z.totals.sales_count for z in zs) == TOTAL_SALES

        proxy.set_mode("pass")
        _run_all([t.sync for t in tills])

        assert platform.sale_count() == TOTAL_SALES
        assert platform.sale_ids() == {s.sale_id for t in tills for s in t.sales}
        for till in tills:
            assert till.engine.status.backlog == 0 and till.engine.status.quarantined == 0
        day = day_reconciliation(platform.db, "S001", zs[0].totals.business_day)
        assert [s.status for s in day.sessions] == ["matched"] * 3, [s.differences for s in day.sessions]
        assert sum(s.central["sales_total"] for s in day.sessions) == sum(
            z.totals.sales_total.minor for z in zs
        )

        platform.assert_stock_invariant()
        sold_in_store: dict[int, int] = defaultdict(int)
        for till in tills:
            with till.ctx.db.read() as conn:
                for pid, delta in conn.execute(
                    select(schema.stock_move.c.product_id, schema.stock_move.c.delta)
                ):
                    sold_in_store[pid] -= delta
        levels = platform.stock()
        for pid, start in initial.items():
            assert levels[pid] == start - sold_in_store[pid] - online_sold[pid], pid
        # the terminals see the platform's levels (their own sales included) after the next pull
        _run_all([t.sync for t in tills])
        with tills[0].ctx.db.read() as conn:
            local = dict(
                conn.execute(select(schema.stock_level.c.product_id, schema.stock_level.c.on_hand)).all()
            )
        assert local == levels
    finally:
        proxy.close()
