"""A sync that applies new prices and promotions while a sale is under way, with the real sync engine
on its own thread, the real embedded platform and the real till window.

The checkout is called from one thread at a time, its database worker. The engine's
``reference_data_changed`` reaches it on that worker, behind the call it is busy with (STYLE.md rule
18), and a sale whose payment has started is completed at the total the customer was told.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, update

from central.embedded import EmbeddedCentral
from central.models import Promotion, Sale
from central.versions import next_version
from pos_app import config
from pos_app.app import start_sync
from pos_app.db import schema
from pos_app.domain.money import Money
from pos_app.ui.tasks import Op
from tests.ui.conftest import open_till, scan, settle, sign_in

SNACKS_TEN_OFF = 2  # the demo's "Snacks 10% off" promotion (category 3)


@pytest.fixture
def central(tmp_path):
    platform = EmbeddedCentral(tmp_path / "central", products=400, members=20)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def device_settings():
    return {config.SYNC_INTERVAL: 1, config.SYNC_MAX_BACKOFF: 1}


@pytest.fixture
def synced(qtbot, window, central):
    """The window's terminal enrolled with the platform, its sync engine running on its own thread,
    the cashier signed in and the till open."""
    from sync.enrolment import enrol

    terminal = window.terminal
    enrol(terminal.settings, terminal.ctx.db, central.url, central.enrolment_code("T01"))
    terminal.ctx.events.publish("reference_data_changed")  # the platform's keys
    start_sync(terminal)
    qtbot.waitUntil(lambda: window.header.sync.text() == "● Online · synced", timeout=20_000)
    sign_in(qtbot, window)
    open_till(qtbot, window)
    return window


def snack(terminal) -> tuple[str, int]:
    """A snack sold by the piece whose price takes 10 % off exactly: its barcode (as a reader sends it)
    and its price in fen."""
    p, b = schema.product, schema.barcode
    with terminal.ctx.db.read() as conn:
        code, price = conn.execute(
            select(b.c.code, p.c.price)
            .join(p, p.c.id == b.c.product_id)
            .where(
                p.c.category_id == 3, p.c.unit == "each", p.c.price % 10 == 0, p.c.price.between(200, 5000)
            )
            .order_by(p.c.id)
            .limit(1)
        ).one()
    return code[1:], price


def end_promotion(central, promotion_id: int) -> None:
    """The chain ends a promotion on the platform; terminals pull it with the next sync."""
    t = Promotion.__table__
    with central.platform.db.write() as conn:
        conn.execute(update(t).where(t.c.id == promotion_id).values(active=False, version=next_version(conn)))


def pulled(terminal) -> threading.Event:
    """Set when the engine has applied new reference data (on the engine's thread)."""
    done = threading.Event()
    terminal.ctx.events.subscribe("reference_data_changed", lambda **_: done.set())
    return done


def test_new_promotions_reach_the_checkout_only_on_its_worker(qtbot, synced, central):
    window = synced
    terminal = window.terminal
    code, price = snack(terminal)
    scan(qtbot, window, code)
    assert window.sale.view.total == Money(price - price // 10)  # snacks 10 % off

    gate = threading.Event()
    Op(window.runner, gate.wait, 30).run()  # the worker is busy with a long call
    try:
        done = pulled(terminal)
        end_promotion(central, SNACKS_TEN_OFF)
        terminal.sync.wake()
        qtbot.waitUntil(done.is_set, timeout=20_000)
        # The engine applied the change on its own thread; nothing of the checkout was touched there,
        # so the basket is priced as it was rung up. (Read while the worker waits on the gate.)
        assert terminal.checkout.pricing().total == Money(price - price // 10)
    finally:
        gate.set()
    settle(qtbot, window)
    scan(qtbot, window, code)  # the worker has taken the new promotions in: no snack is 10 % off now
    assert window.sale.view.total == Money(2 * price)


def test_a_sale_whose_payment_started_completes_at_the_total_the_customer_was_told(qtbot, synced, central):
    window = synced
    terminal = window.terminal
    code, price = snack(terminal)
    told = price - price // 10  # snacks 10 % off
    scan(qtbot, window, code)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    qtbot.keyClicks(panel.amount, "1")  # one yuan in cash, the customer looks for the rest
    qtbot.keyClick(panel.amount, "\r")
    settle(qtbot, window)
    assert window.sale.view.payment.due == Money(told - 100)

    done = pulled(terminal)
    end_promotion(central, SNACKS_TEN_OFF)
    terminal.sync.wake()
    qtbot.waitUntil(done.is_set, timeout=20_000)
    settle(qtbot, window)

    notes = [b for b in panel.quick_buttons if b.isVisible()]
    qtbot.mouseClick(notes[-1], Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    qtbot.mouseClick(panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "completed" in window.sale.message.text(), window.sale.message.text()
    with terminal.ctx.db.read() as conn:
        assert conn.execute(select(schema.sale.c.total)).scalars().all() == [told]

    scan(qtbot, window, code)  # the next customer pays the new price
    assert window.sale.view.total == Money(price)
    terminal.sync.wake()
    qtbot.waitUntil(lambda: window.header.sync.text() == "● Online · synced", timeout=20_000)
    with central.platform.db.read() as conn:
        assert conn.execute(select(Sale.__table__.c.total)).scalars().all() == [told]
