from __future__ import annotations

import io

import pytest

from hardware.printer import PrinterError, TextPrinter
from pos_app import config
from pos_app.app import build_terminal
from pos_app.config import Settings
from pos_app.domain.money import Money
from pos_app.services.demo import install_demo


class RecordingPrinter(TextPrinter):
    """The text printer, with a switch to make it fail like a real one (out of paper ...)."""

    def __init__(self):
        super().__init__(io.StringIO())
        self.fail_with: PrinterError | None = None
        self.documents = []

    def print_receipt(self, document, language, *, copy=False):
        if self.fail_with is not None:
            raise self.fail_with
        self.documents.append((document, copy))
        super().print_receipt(document, language, copy=copy)

    @property
    def text(self) -> str:
        return self.target.getvalue()


@pytest.fixture
def printer():
    return RecordingPrinter()


@pytest.fixture
def terminal(home, clock, printer):
    settings = Settings.load(home)  # the assertions read English
    settings.set(config.LANGUAGE, "en")
    settings.set(config.RECEIPT_LANGUAGE, "en")
    term = build_terminal(home, printer=printer, clock=clock)
    term.demo = install_demo(term.ctx, products=300, members=20)
    yield term
    term.close()


def pin(terminal, staff_id):
    return terminal.demo.staff[staff_id][2]


@pytest.fixture
def cashier(terminal):
    staff = terminal.staff.sign_in(1001, pin(terminal, 1001))
    terminal.checkout.set_cashier(staff)
    return staff


@pytest.fixture
def open_till(terminal, cashier):
    return terminal.till.open(cashier, Money.of("500"))


@pytest.fixture
def supervisor_approval(terminal):
    from pos_app.domain.permissions import Permission

    def approve(permission=Permission.PRICE_OVERRIDE):
        return terminal.staff.approve(2001, pin(terminal, 2001), permission)

    return approve


def barcodes(terminal, category_id, count=1):
    """GTIN-13s (as a reader sends them) of the first products of a category."""
    from sqlalchemy import select

    from pos_app.db import schema

    with terminal.ctx.db.read() as conn:
        rows = conn.execute(
            select(schema.barcode.c.code)
            .join(schema.product, schema.product.c.id == schema.barcode.c.product_id)
            .where(schema.product.c.category_id == category_id)
            .order_by(schema.product.c.id)
            .limit(count)
        ).scalars()
        return [code[1:] for code in rows]


def scale_label(plu: str, grams: int, prefix: str = "22") -> str:
    from pos_app.domain.barcodes import gtin_check_digit

    body = f"{prefix}{int(plu):05d}{grams:05d}"
    return body + gtin_check_digit(body)


def count(terminal, table) -> int:
    from sqlalchemy import func, select

    with terminal.ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()
