from __future__ import annotations

import threading
import time

import pytest


class RecordingEvents:
    """An event sink that keeps what devices publish (thread-safe)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []
        self._cond = threading.Condition()

    def publish(self, name: str, **data) -> None:
        with self._cond:
            self.events.append((name, data))
            self._cond.notify_all()

    def names(self) -> list[str]:
        with self._cond:
            return [name for name, _ in self.events]

    def wait_for(self, name: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [data for n, data in self.events if n == name]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count} x {name!r} within {timeout} s; got {self.events}")
                self._cond.wait(left)


@pytest.fixture
def events():
    return RecordingEvents()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def make_terminal(home, clock, printer=None, products: int = 200):
    """A terminal with demo data, English receipts and screens (the assertions read English)."""
    from pos_app import config
    from pos_app.app import build_terminal
    from pos_app.config import Settings
    from pos_app.services.demo import install_demo

    settings = Settings.load(home)
    settings.set(config.LANGUAGE, "en")
    settings.set(config.RECEIPT_LANGUAGE, "en")
    terminal = build_terminal(home, printer=printer, clock=clock)
    terminal.demo = install_demo(terminal.ctx, products=products, members=10)
    return terminal


def sign_in(terminal, staff_id: int = 1001):
    staff = terminal.staff.sign_in(staff_id, terminal.demo.staff[staff_id][2])
    terminal.checkout.set_cashier(staff)
    return staff


def product_codes(terminal, count: int = 3) -> list[str]:
    from sqlalchemy import select

    from pos_app.db import schema

    with terminal.ctx.db.read() as conn:
        rows = conn.execute(
            select(schema.barcode.c.code)
            .join(schema.product, schema.product.c.id == schema.barcode.c.product_id)
            .where(schema.product.c.unit == "each", schema.product.c.active.is_(True))
            .order_by(schema.product.c.id)
            .limit(count)
        ).scalars()
        return [code[1:] for code in rows]
