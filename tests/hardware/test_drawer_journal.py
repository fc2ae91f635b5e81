"""Every way the cash drawer is kicked through a real ESC/POS driver leaves a drawer_open entry in the
hash-chained journal, and nothing else kicks it."""

from __future__ import annotations

from sqlalchemy import select

from hardware.printer import FakePrinter
from pos_app.db import ledger, schema
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission
from tests.hardware.conftest import make_terminal, product_codes, sign_in


def drawer_entries(terminal) -> list[str]:
    with terminal.ctx.db.read() as conn:
        assert ledger.verify_journal(conn).ok
        return list(
            conn.execute(
                select(schema.journal.c.ref)
                .where(schema.journal.c.kind == "drawer_open")
                .order_by(schema.journal.c.seq)
            ).scalars()
        )


def test_every_drawer_kick_is_journalled(home, clock):
    printer = FakePrinter()
    terminal = make_terminal(home, clock, printer=printer)
    try:
        staff = sign_in(terminal)
        supervisor = terminal.staff.sign_in(2001, terminal.demo.staff[2001][2])
        terminal.till.open(staff, Money.of("300"))
        co = terminal.checkout
        codes = product_codes(terminal, 3)
        kicks = []

        def check(expected_refs: int) -> None:
            assert printer.drawer_kicks == expected_refs == len(drawer_entries(terminal))

        # a cash sale opens the drawer
        co.scan(codes[0])
        co.pay_cash(Money.of("100"))
        cash_sale = co.complete()
        kicks.append(cash_sale.sale_id)
        check(1)

        # a card sale does not
        co.scan(codes[1])
        co.pay_card(co.pricing().total, "AUTH-1", "unionpay")
        co.complete()
        check(1)

        # a cash refund does
        record = terminal.sales.sale_record(cash_sale.receipt_no)
        refund = terminal.sales.complete_return(
            staff,
            cash_sale.receipt_no,
            {record.lines[0].line_no: record.lines[0].quantity},
            approval=terminal.staff.approve(2001, terminal.demo.staff[2001][2], Permission.RETURN),
        )
        kicks.append(refund.refund_id)
        check(2)

        # voiding a cash sale does
        co.scan(codes[2])
        co.pay_cash(Money.of("100"))
        to_void = co.complete()
        kicks.append(to_void.sale_id)
        terminal.sales.void_sale(
            staff,
            to_void.receipt_no,
            terminal.staff.approve(2001, terminal.demo.staff[2001][2], Permission.VOID_SALE),
            "customer changed their mind",
        )
        kicks.append(to_void.sale_id)
        check(4)

        # taking cash to the safe does
        terminal.till.move_cash(
            staff,
            "cash_out",
            Money.of("50"),
            "to safe",
            approval=terminal.staff.approve(2001, terminal.demo.staff[2001][2], Permission.CASH_IN_OUT),
        )
        check(5)

        # and so does "no sale" with a supervisor
        terminal.till.open_drawer(supervisor, reason="change for a note")
        check(6)
        refs = drawer_entries(terminal)
        assert refs[:4] == kicks and refs[5] == "change for a note"
    finally:
        terminal.close()
        printer.close()
