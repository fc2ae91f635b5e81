"""The till and the central platform: real uvicorn on 127.0.0.1 behind a TCP fault proxy, the real
sync engine on its own thread, the real window. A sale made while the platform cannot be reached
completes like any other, the header says it waits, and it reaches the platform once it is back."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from central.embedded import EmbeddedCentral
from pos_app import config
from pos_app.app import start_sync
from pos_app.db import ledger
from pos_app.demo_central import DEMO_COUPON_IDS, DEMO_MEMBER_ID
from tests.e2e.faultproxy import FaultProxy
from tests.services.conftest import barcodes
from tests.ui.conftest import open_till, scan, settle, sign_in


@pytest.fixture
def central(tmp_path):
    platform = EmbeddedCentral(tmp_path / "central", products=400, members=20)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def proxy(central):
    p = FaultProxy(central.port)
    yield p
    p.close()


@pytest.fixture
def device_settings():
    return {config.SYNC_INTERVAL: 1, config.SYNC_MAX_BACKOFF: 1}


@pytest.fixture
def synced(qtbot, window, central, proxy):
    """The window's terminal enrolled through the proxy, its sync engine running."""
    from sync.enrolment import enrol

    terminal = window.terminal
    enrol(terminal.settings, terminal.ctx.db, proxy.url, central.enrolment_code("T01"))
    terminal.ctx.events.publish("reference_data_changed")  # the platform's keys
    start_sync(terminal)
    qtbot.waitUntil(lambda: header(window).startswith(ONLINE), timeout=20_000)
    return window


ONLINE, OFFLINE = "● Online", "✕ Offline"


def header(window) -> str:
    return window.header.sync.text()


def test_a_sale_while_the_platform_is_unreachable_is_synced_when_it_is_back(qtbot, synced, central, proxy):
    window = synced
    admin = central.admin
    member_code = admin.member_code(DEMO_MEMBER_ID).text
    coupon_code = admin.coupon_code(DEMO_COUPON_IDS[0]).text

    proxy.set_mode("refuse")  # the store's line goes down
    sign_in(qtbot, window)
    open_till(qtbot, window)
    for code in barcodes(window.terminal, 4, 3):
        scan(qtbot, window, code)
    scan(qtbot, window, member_code)  # the platform's codes verify offline
    assert window.sale.view.member is not None
    scan(qtbot, window, coupon_code)
    assert window.sale.view.coupons, window.sale.message.text()
    total = window.sale.view.total

    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F12)
    settle(qtbot, window)
    panel = window.sale.full_panel
    notes = [b for b in panel.quick_buttons if b.isVisible()]
    qtbot.mouseClick(notes[-1], Qt.MouseButton.LeftButton)  # the largest note offered
    settle(qtbot, window)
    qtbot.mouseClick(panel.no_receipt_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "completed" in window.sale.message.text()

    # the cashier sees the terminal is offline and that events wait, without being interrupted
    qtbot.waitUntil(
        lambda: header(window).startswith(OFFLINE) and "waiting" in header(window), timeout=20_000
    )
    with window.terminal.ctx.db.read() as conn:
        assert ledger.backlog(conn) > 0
    assert window.sale.full_panel is None and window.pages.currentWidget() is window.sale

    proxy.set_mode("pass")  # back on line
    window.terminal.sync.wake()
    qtbot.waitUntil(lambda: header(window) == "● Online · synced", timeout=30_000)

    from central.models import Coupon, Sale

    with central.platform.db.read() as conn:
        sales = conn.execute(select(Sale.__table__.c.total)).scalars().all()
        assert sales == [total.minor]
        status = conn.execute(
            select(Coupon.__table__.c.status).where(Coupon.__table__.c.id == DEMO_COUPON_IDS[0])
        ).scalar_one()
        assert status == "redeemed"
        assert conn.execute(select(func.count()).select_from(Sale.__table__)).scalar_one() == 1
    with window.terminal.ctx.db.read() as conn:
        assert ledger.backlog(conn) == 0


class TestHeartbeat:
    """Nothing is sold and the next sync is an hour away: only the heartbeat can notice."""

    @pytest.fixture
    def device_settings(self):
        return {config.SYNC_INTERVAL: 3600, config.SYNC_MAX_BACKOFF: 3600, config.SYNC_HEARTBEAT: 1}

    def test_a_lost_platform_shows_offline_within_seconds_and_back_online(self, qtbot, synced, proxy):
        from PySide6.QtGui import QPalette

        window = synced
        label = window.header.sync
        online_colour = label.palette().color(QPalette.ColorRole.WindowText).name()
        proxy.set_mode("blackhole")  # the line drops: connections hang, nothing answers
        lost = time.monotonic()
        qtbot.waitUntil(lambda: header(window).startswith(OFFLINE), timeout=10_000)
        # one heartbeat (1 s) and its time-out (1 s here), not the hour until the next sync
        assert time.monotonic() - lost < 6
        assert header(window) == "✕ Offline · nothing waiting"
        assert online_colour == "#86efac"
        assert label.palette().color(QPalette.ColorRole.WindowText).name() == "#ffffff"
        assert label.palette().color(QPalette.ColorRole.Window).name() == "#b91c1c"
        proxy.set_mode("pass")
        back = time.monotonic()
        qtbot.waitUntil(lambda: header(window) == "● Online · synced", timeout=10_000)
        assert time.monotonic() - back < 6  # the back-off (up to an hour) ended at the next heartbeat

    def test_an_offline_pickup_handover_shows_what_waits(self, qtbot, synced, proxy):
        from pos_app.ui.backoffice import PickupPanel

        window = synced
        sign_in(qtbot, window)
        open_till(qtbot, window)
        window.terminal.sync.wake()
        qtbot.waitUntil(lambda: header(window) == "● Online · synced", timeout=10_000)
        proxy.set_mode("refuse")
        qtbot.waitUntil(lambda: header(window) == "✕ Offline · nothing waiting", timeout=10_000)
        qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F9)
        panel = window.sale.full_panel
        assert isinstance(panel, PickupPanel)
        qtbot.keyClicks(panel.code, window.terminal.demo.pickup_code)
        qtbot.keyClick(panel.code, "\r")
        settle(qtbot, window)
        assert "as last synced (offline)" in panel.summary.text()
        qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        assert "handed over" in window.sale.message.text()
        qtbot.waitUntil(lambda: header(window) == "✕ Offline · 1 waiting", timeout=5_000)


def test_an_online_order_prepared_in_store_is_marked_ready_and_handed_over(qtbot, synced, central):
    """As the README plays it: a paid order made with pos-central arrives "being prepared"."""
    from pos_app.ui.backoffice import PickupPanel

    window = synced
    admin = central.admin
    order_id, code = admin.create_pickup_order("S001", [(49, 2000), (51, 1000)], paid=True)
    sign_in(qtbot, window)
    open_till(qtbot, window)
    window.terminal.sync.wake()
    qtbot.waitUntil(lambda: _pulled(window, order_id), timeout=20_000)
    qtbot.keyClick(window.sale.scan_field, Qt.Key.Key_F9)
    panel = window.sale.full_panel
    assert isinstance(panel, PickupPanel)
    qtbot.keyClicks(panel.code, code)
    qtbot.keyClick(panel.code, "\r")
    settle(qtbot, window)
    assert f"Order {order_id} · guest (no member account) · Paid, being prepared (checked online)" in (
        panel.summary.text()
    )
    assert panel.ready_button.isVisible() and not panel.primary.isEnabled()
    qtbot.mouseClick(panel.ready_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "Ready for pickup" in panel.summary.text() and panel.primary.isEnabled()
    assert not panel.ready_button.isVisible()
    assert f"Order {order_id} is ready for pickup" in window.sale.message.text()
    qtbot.waitUntil(lambda: admin.pickup_order(order_id)["status"] == "ready", timeout=20_000)
    qtbot.mouseClick(panel.primary, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert f"Order {order_id} handed over" in window.sale.message.text()
    qtbot.waitUntil(lambda: admin.pickup_order(order_id)["status"] == "handed_over", timeout=20_000)


def _pulled(window, order_id: int) -> bool:
    from pos_app.db import schema

    with window.terminal.ctx.db.read() as conn:
        return (
            conn.execute(select(schema.pickup_order.c.id).where(schema.pickup_order.c.id == order_id)).first()
            is not None
        )
