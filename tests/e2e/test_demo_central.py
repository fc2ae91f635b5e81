"""The demo launcher's embedded platform: seeded, the terminal enrolled, sales synced, and again
after a restart on another port."""

from __future__ import annotations

import threading

from pos_app import config
from pos_app.app import build_terminal
from pos_app.config import Settings
from pos_app.demo_central import start_demo_central
from pos_app.domain.money import Money
from pos_app.services.demo import install_demo
from sync.engine import STATUS_EVENT


def _terminal(home, clock):
    settings = Settings.load(home)
    settings.set(config.LANGUAGE, "en")
    terminal = build_terminal(home, clock=clock)
    demo = install_demo(terminal.ctx, products=300, members=20)
    return terminal, demo


def _wait_synced(terminal, timeout=20):
    done = threading.Event()
    unsubscribe = terminal.ctx.events.subscribe(
        STATUS_EVENT, lambda status: done.set() if status.online and status.backlog == 0 else None
    )
    terminal.sync.wake()
    try:
        return done.wait(timeout)
    finally:
        unsubscribe()


def test_the_demo_platform_enrols_the_terminal_and_syncs_its_sales(home, clock):
    terminal, demo = _terminal(home, clock)
    started = start_demo_central(terminal, products=300, members=20)
    try:
        assert terminal.sync is not None and terminal.sync.running
        assert terminal.settings.get(config.CENTRAL_URL) == started.url
        cashier = terminal.staff.sign_in(1001, demo.staff[1001][2])
        terminal.checkout.set_cashier(cashier)
        terminal.till.open(cashier, Money.of("500"))
        for code in (started.member_code, started.coupon_codes[1]):
            terminal.checkout.add_product_id(49)
            assert terminal.checkout.scan(code).ok  # the platform's codes verify on the till
        payment = terminal.checkout.start_payment()
        terminal.checkout.pay_cash(payment.due)
        sale = terminal.checkout.complete(print_receipt=False)
        assert _wait_synced(terminal)
        from sqlalchemy import select

        from central.models import Sale

        with started.central.platform.db.read() as conn:
            assert conn.execute(select(Sale.__table__.c.id)).scalars().all() == [sale.sale_id]
    finally:
        terminal.close()
    assert not started.central.platform  # stopped with the terminal

    # next start: another port, the same platform data, no new enrolment
    terminal = build_terminal(home, clock=clock)
    again = start_demo_central(terminal, products=300, members=20)
    try:
        assert again.url != started.url or again.url == terminal.settings.get(config.CENTRAL_URL)
        assert terminal.settings.get(config.CENTRAL_URL) == again.url
        assert _wait_synced(terminal)
        assert terminal.sync.status.enrolled
    finally:
        terminal.close()
