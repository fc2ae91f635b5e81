"""Test harness: a real central platform (uvicorn on 127.0.0.1, SQLite file or PostgreSQL) and real
terminals (``build_terminal`` + demo data + the real checkout and till services) enrolled with it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from central.embedded import EmbeddedCentral
from central.models import Sale, StockLevel, StockMove
from pos_app import config
from pos_app.app import Terminal, build_terminal, start_sync
from pos_app.config import Settings
from pos_app.domain.money import Money
from pos_app.services.context import FixedClock
from pos_app.services.demo import DemoSummary, install_demo
from sync.engine import SyncEngine, SyncStatus
from sync.enrolment import enrol
from tests.conftest import SHANGHAI

PRODUCTS = 300
MEMBERS = 20
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc.__class__.__name__}: {exc})"
    return None


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database (dropped afterwards); yields its SQLAlchemy URL."""
    import psycopg

    name = f"o2o_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def start_of_day() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@dataclass
class Till:
    """One enrolled terminal with a signed-in cashier and an open till."""

    terminal: Terminal
    engine: SyncEngine
    demo: DemoSummary
    clock: FixedClock
    cashier: object = None
    sales: list = field(default_factory=list)

    @property
    def ctx(self):
        return self.terminal.ctx

    def open_till(self) -> None:
        self.cashier = self.terminal.staff.sign_in(1001, self.demo.staff[1001][2])
        self.terminal.checkout.set_cashier(self.cashier)
        self.terminal.till.open(self.cashier, Money.of("500"))

    def sell(
        self,
        product_ids: list[int],
        *,
        member_code: str | None = None,
        coupon_code: str | None = None,
        points: int = 0,
    ):
        co = self.terminal.checkout
        for pid in product_ids:
            co.add_product_id(pid)
        if member_code:
            outcome = co.scan(member_code)
            assert outcome.ok, outcome.message
        if coupon_code:
            outcome = co.scan(coupon_code)
            assert outcome.ok, outcome.message
        payment = co.start_payment()
        if points:
            co.pay_points(points)
        due = payment.due
        if due.minor > 0:
            co.pay_cash(due)
        sale = co.complete(print_receipt=False)
        self.sales.append(sale)
        self.clock.advance(seconds=30)
        return sale

    def close_till(self):
        z = self.terminal.till.close(self.cashier, self.terminal.till.totals().expected_cash)
        return z

    def sync(self) -> SyncStatus:
        return self.engine.run_once()

    def close(self) -> None:
        self.terminal.close()


class Platform:
    """The central platform under test, and terminals enrolled with it."""

    def __init__(self, tmp: Path, database_url: str | None = None) -> None:
        self.tmp = tmp
        self.central = EmbeddedCentral(
            tmp / "central" if database_url is None else None,
            database_url=database_url,
            products=PRODUCTS,
            members=MEMBERS,
        )
        self.url = self.central.start()
        self.tills: list[Till] = []

    @property
    def admin(self):
        return self.central.admin

    @property
    def db(self):
        return self.central.platform.db

    def new_till(
        self,
        name: str,
        terminal_code: str = "T01",
        *,
        url: str | None = None,
        clock: FixedClock | None = None,
        now: Callable[[], float] = time.time,
        open_till: bool = True,
        store_code: str | None = None,
    ) -> Till:
        home = self.tmp / name
        home.mkdir(parents=True, exist_ok=True)
        settings = Settings.load(home)
        settings.set(config.LANGUAGE, "en")
        settings.set(config.RECEIPT_LANGUAGE, "en")
        clock = clock or FixedClock(start_of_day())
        terminal = build_terminal(home, clock=clock)
        demo = install_demo(terminal.ctx, products=PRODUCTS, members=MEMBERS)
        code = (
            self.central.enrolment_code(terminal_code)
            if store_code is None
            else self.admin.issue_enrolment_code(store_code, terminal_code)
        )
        enrol(terminal.settings, terminal.ctx.db, url or self.url, code)
        terminal.ctx.events.publish("reference_data_changed")  # new platform keys
        engine = start_sync(terminal, start=False, now=now)
        till = Till(terminal, engine, demo, clock)
        till.sync()  # the first pull
        if open_till:
            till.open_till()
        self.tills.append(till)
        return till

    def reopen(self, till: Till) -> Till:
        """Close a terminal and build it again from its data folder (a restart)."""
        home = till.terminal.settings.home
        till.terminal.close()
        terminal = build_terminal(home, clock=till.clock)
        engine = start_sync(terminal, start=False, now=till.engine.now)
        again = Till(terminal, engine, till.demo, till.clock, sales=till.sales)
        again.cashier = terminal.staff.sign_in(1001, till.demo.staff[1001][2])
        terminal.checkout.set_cashier(again.cashier)
        self.tills[self.tills.index(till)] = again
        return again

    def member_code(self, member_id: int = 100_001) -> str:
        return self.admin.member_code(member_id).text

    def coupon_code(self, campaign_id: int = 1) -> tuple[int, str]:
        issued = self.admin.issue_coupons(campaign_id, 1)[0]
        return issued.id, issued.text

    def sale_count(self) -> int:
        with self.db.read() as conn:
            return conn.execute(select(func.count()).select_from(Sale.__table__)).scalar_one()

    def sale_ids(self) -> set[str]:
        with self.db.read() as conn:
            return set(conn.execute(select(Sale.__table__.c.id)).scalars())

    def stock(self, store_id: int = 1) -> dict[int, int]:
        t = StockLevel.__table__
        with self.db.read() as conn:
            return dict(
                conn.execute(select(t.c.product_id, t.c.on_hand).where(t.c.store_id == store_id)).all()
            )

    def ledger_sums(self, store_id: int = 1) -> dict[int, int]:
        m = StockMove.__table__
        with self.db.read() as conn:
            return dict(
                conn.execute(
                    select(m.c.product_id, func.sum(m.c.delta))
                    .where(m.c.store_id == store_id)
                    .group_by(m.c.product_id)
                ).all()
            )

    def assert_stock_invariant(self) -> None:
        """On hand = initial + sum of deltas, for every SKU (the initial level is the first move)."""
        levels, sums = self.stock(), self.ledger_sums()
        assert set(levels) == set(sums)
        wrong = {p: (levels[p], sums[p]) for p in levels if levels[p] != sums[p]}
        assert not wrong, f"stock levels differ from their ledgers: {dict(list(wrong.items())[:5])}"

    def close(self) -> None:
        for till in self.tills:
            till.close()
        self.central.stop()


def require_postgres() -> bool:
    return os.environ.get("O2O_REQUIRE_POSTGRES") == "1"


def shifted_clock(**delta: float) -> FixedClock:
    return FixedClock(start_of_day() + timedelta(**delta))
