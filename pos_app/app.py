"""The composition root: builds settings, database, devices and services for one terminal.

Widgets never construct services; ``pos_app.ui`` receives a ready :class:`Terminal` from here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hardware.customer_display import CustomerDisplay
from hardware.factory import Devices, build_devices
from hardware.printer import ReceiptPrinter
from pos_app import config, i18n
from pos_app.config import Settings
from pos_app.db.database import Database
from pos_app.events import EventBus
from pos_app.services.checkout import CheckoutService
from pos_app.services.context import Clock, Offline, OnlineHelpers, TerminalContext
from pos_app.services.payments import PaymentService
from pos_app.services.pickup import PickupService
from pos_app.services.receipts import ReceiptService
from pos_app.services.sales import SalesService
from pos_app.services.staff import StaffService
from pos_app.services.till import TillService

if TYPE_CHECKING:  # the sync engine (requests, pydantic, ...) is imported when it starts, not before
    from sync.engine import SyncEngine

log = logging.getLogger(__name__)


@dataclass
class Terminal:
    ctx: TerminalContext
    staff: StaffService
    till: TillService
    checkout: CheckoutService
    sales: SalesService
    pickup: PickupService
    receipts: ReceiptService
    payments: PaymentService
    devices: Devices
    closers: list = field(default_factory=list)
    sync: SyncEngine | None = None

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def set_customer_display(self, display: CustomerDisplay | None) -> None:
        """The customer display window the UI built (``display.kind`` = window)."""
        self.devices.set_display(display)
        self.payments.display = self.devices.display

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                log.exception("closing %r failed", closer)
        self.ctx.db.close()


def build_terminal(
    home: Path,
    *,
    printer: ReceiptPrinter | None = None,
    clock: Clock | None = None,
    online: OnlineHelpers | None = None,
    devices: Devices | None = None,
) -> Terminal:
    """``printer`` replaces the configured one (demo, tests); ``devices`` defaults to what the
    settings file sets up (``hardware.factory``)."""
    settings = Settings.load(home)
    i18n.set_language(settings.get(config.LANGUAGE))
    db = Database(settings.database_file)
    events = EventBus()
    devices = devices or build_devices(settings, events=events)
    ctx = TerminalContext(
        settings=settings,
        db=db,
        clock=clock or Clock(),
        events=events,
        printer=printer if printer is not None else devices.printer,
        online=online or Offline(),
    )
    till = TillService(ctx)
    checkout = CheckoutService(ctx, till)
    payments = PaymentService(
        ctx,
        checkout,
        terminal=devices.terminal,
        gateway=devices.gateway,
        handler=devices.handler,
        display=devices.display,
    )
    return Terminal(
        ctx=ctx,
        staff=StaffService(ctx),
        till=till,
        checkout=checkout,
        sales=SalesService(ctx, till),
        pickup=PickupService(ctx, till),
        receipts=ReceiptService(ctx),
        payments=payments,
        devices=devices,
        closers=[devices.close],
    )


def start_sync(terminal: Terminal, *, start: bool = True, now: Callable[[], float] = time.time) -> SyncEngine:
    """Give ``terminal`` its sync engine: the till's online helpers go through the platform from now
    on, and the engine's thread starts (unless ``start`` is false: then call ``run_once`` yourself).
    Closing the terminal stops the engine. Works before enrolment too: the engine then reports
    "not enrolled" and picks the enrolment up when it happens."""
    from sync.engine import SyncEngine
    from sync.online import PlatformHelpers

    settings = terminal.settings
    engine = SyncEngine(settings, settings.database_file, terminal.ctx.events, now=now)
    helpers = PlatformHelpers(
        lambda: engine.make_client(timeout=settings.get(config.SYNC_ONLINE_TIMEOUT_MS) / 1000),
        timeout_ms=settings.get(config.SYNC_ONLINE_TIMEOUT_MS),
    )
    terminal.ctx.online = helpers
    terminal.sync = engine
    terminal.closers.append(helpers.close)
    terminal.closers.append(engine.close)
    if start:
        engine.start()
    return engine
