"""Kill a terminal with SIGKILL at random moments while it completes sales; nothing may be half there."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pos_app.app import build_terminal
from pos_app.db import ledger, schema
from pos_app.domain.money import Money
from pos_app.services.demo import install_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sales_are_whole_or_absent_after_sigkill(home):
    terminal = build_terminal(home)
    demo = install_demo(terminal.ctx, products=200, members=5)
    staff = terminal.staff.sign_in(1001, demo.staff[1001][2])
    terminal.till.open(staff, Money.of("500"))
    with terminal.ctx.db.read() as conn:
        codes = [c[1:] for c in conn.execute(select(schema.barcode.c.code).limit(40)).scalars()]
    (home / "codes.txt").write_text("\n".join(codes))
    terminal.close()

    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kills = 0
    for round_ in range(10):
        child = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests/db/crash_worker.py"),
                str(home),
                demo.staff[1001][2],
                str(round_),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL, child.stderr.read()
        kills += 1

    terminal = build_terminal(home)
    try:
        with terminal.ctx.db.read() as conn:
            sales = conn.execute(select(schema.sale)).all()
            assert len(sales) >= 10, "the child should have completed sales between kills"
            events = [
                json.loads(e)
                for e in conn.execute(
                    select(schema.outbox.c.envelope).order_by(schema.outbox.c.seq)
                ).scalars()
            ]
            sale_events = [e for e in events if e["type"] == "SaleCompleted"]
            assert len(sale_events) == len(sales)
            assert sorted(e["payload"]["sale_id"] for e in sale_events) == sorted(s.id for s in sales)
            assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
            prev = "0" * 64
            for e in events:  # the outbox hash chain links every event
                assert e["prev_hash"] == prev
                prev = e["hash"]
            for sale in sales:
                lines = conn.execute(
                    select(schema.sale_line).where(schema.sale_line.c.sale_id == sale.id)
                ).all()
                tenders = conn.execute(select(schema.tender).where(schema.tender.c.sale_id == sale.id)).all()
                moves = conn.execute(select(func.count()).where(schema.stock_move.c.ref == sale.id)).scalar()
                jobs = conn.execute(select(func.count()).where(schema.receipt_job.c.ref == sale.id)).scalar()
                assert lines and sum(ln.net for ln in lines) == sale.total
                assert sum(t.amount for t in tenders) == sale.total
                assert moves == len(lines) and jobs == 1
            assert ledger.verify_journal(conn).ok
    finally:
        terminal.close()
    assert kills == 10
