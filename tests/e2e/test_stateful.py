"""A Hypothesis state machine: sell, go offline, lose answers, restart the terminal, send duplicates and
reordered batches, push and pull in any order -- and after every step the invariants hold: no sale is
counted twice, nothing the terminal considers delivered is missing centrally, the stock ledger adds
up. At the end, back online, the platform has exactly the terminal's sales."""

from __future__ import annotations

import contextlib
import itertools
import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from central.models import Sale
from pos_app.db import ledger, schema
from sync.client import CentralClient, SequenceGap, SyncError
from sync.enrolment import load_identity
from tests.e2e.faultproxy import FaultProxy

_names = itertools.count()


class SyncMachine(RuleBasedStateMachine):
    def __init__(self, platform, proxy: FaultProxy) -> None:
        super().__init__()
        self.platform = platform
        self.proxy = proxy
        proxy.set_mode("pass")
        proxy.drop_responses(0)
        n = next(_names)
        self.till = platform.new_till(f"h{n}", f"H{n}", url=proxy.url)
        self.device = self.till.ctx.device_id

    # --- helpers ----------------------------------------------------------------------------------
    def _client(self) -> CentralClient:
        identity = load_identity(self.till.terminal.settings, self.till.ctx.db)
        return CentralClient(self.proxy.url, identity.device_id, identity.key, timeout=5)

    def _local(self) -> tuple[set[str], set[str]]:
        """(every sale on the terminal, the sales whose event the platform acknowledged)"""
        with self.till.ctx.db.read() as conn:
            sales = set(conn.execute(select(schema.sale.c.id)).scalars())
            acked_events = conn.execute(
                select(schema.outbox.c.envelope).where(
                    schema.outbox.c.status == "acked", schema.outbox.c.type == "SaleCompleted"
                )
            ).scalars()
            acked = {json.loads(e)["payload"]["sale_id"] for e in acked_events}
        return sales, acked

    def _central(self) -> list[str]:
        s = Sale.__table__
        with self.platform.db.read() as conn:
            return list(conn.execute(select(s.c.id).where(s.c.device_id == self.device)).scalars())

    # --- rules ------------------------------------------------------------------------------------
    @rule(n=st.integers(1, 3), product=st.integers(20, 60))
    def sell(self, n, product):
        for i in range(n):
            self.till.sell([product + i])

    @rule()
    def go_offline(self):
        self.proxy.set_mode("refuse")

    @rule()
    def go_online(self):
        self.proxy.set_mode("pass")

    @rule()
    def drop_next_response(self):
        self.proxy.drop_responses(1)

    @rule()
    def push(self):
        with contextlib.suppress(SyncError):
            self.till.engine.push_all(self.till.engine._connect())

    @rule()
    def pull(self):
        with contextlib.suppress(SyncError):
            self.till.engine.pull_all(self.till.engine._connect())

    @rule()
    def restart(self):
        self.till = self.platform.reopen(self.till)

    @rule(k=st.integers(1, 5))
    def duplicate(self, k):
        with self.till.ctx.db.read() as conn:
            rows = conn.execute(
                select(schema.outbox.c.envelope)
                .where(schema.outbox.c.status == "acked")
                .order_by(schema.outbox.c.seq.desc())
                .limit(k)
            ).scalars()
            events = sorted((json.loads(r) for r in rows), key=lambda e: e["seq"])
        if not events:
            return
        client = self._client()
        try:
            answer = client.push(events)
            assert {r.status.value for r in answer.results} <= {"duplicate"}
        except SyncError:
            pass
        finally:
            client.close()

    @rule()
    def reorder(self):
        with self.till.ctx.db.read() as conn:
            events = ledger.pending_events(conn, 50)
        if len(events) < 2:
            return
        half = len(events) // 2
        client = self._client()
        try:
            client.push(events[half:])  # the later half first
        except SequenceGap as gap:
            assert gap.expected_seq <= events[half]["seq"]
        except SyncError:
            pass
        finally:
            client.close()

    # --- invariants -------------------------------------------------------------------------------
    @invariant()
    def nothing_twice_nothing_lost(self):
        central = self._central()
        assert len(central) == len(set(central)), "a sale counted twice"
        sales, acked = self._local()
        assert set(central) <= sales, "a sale the terminal does not have"
        assert acked <= set(central), "a sale the terminal thinks delivered is missing"

    @invariant()
    def stock_adds_up(self):
        self.platform.assert_stock_invariant()

    def teardown(self):
        self.proxy.set_mode("pass")
        self.proxy.drop_responses(0)
        status = self.till.sync()
        assert status.backlog == 0
        sales, _acked = self._local()
        assert sorted(self._central()) == sorted(sales)


@pytest.mark.slow
def test_sync_state_machine(platform):
    proxy = FaultProxy(platform.central.port)
    try:
        run_state_machine_as_test(
            lambda: SyncMachine(platform, proxy),
            settings=settings(
                max_examples=12,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        proxy.close()
