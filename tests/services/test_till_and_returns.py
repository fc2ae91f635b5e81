"""Till sessions with X and Z totals, voids and returns, pickups."""

import pytest
from sqlalchemy import func, select

from pos_app.db import ledger, schema
from pos_app.domain.errors import DomainError, PermissionDeniedError, ReturnError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission
from pos_app.services.sales import receipt_no_from_scan
from tests.services.conftest import barcodes


def sell(terminal, codes, cash="500", member=False):
    co = terminal.checkout
    for code in codes:
        co.scan(code)
    if member:
        co.scan(terminal.demo.member_code)
    co.pay_cash(Money.of(cash), confirmed=True)
    return co.complete()


def test_open_twice_is_refused_and_float_is_checked(terminal, cashier):
    terminal.till.open(cashier, Money.of("300"))
    with pytest.raises(DomainError, match="already open"):
        terminal.till.open(cashier, Money.of("300"))


def test_x_and_z_totals_match_the_sales(terminal, open_till, cashier, supervisor_approval):
    s1 = sell(terminal, barcodes(terminal, 1, 3))
    s2 = sell(terminal, barcodes(terminal, 2, 3), member=True)
    co = terminal.checkout
    co.scan(barcodes(terminal, 4)[0])
    co.pay_card(co.pricing().total, "AUTH77")
    s3 = co.complete()
    terminal.till.move_cash(
        cashier, "cash_out", Money.of("100"), "to safe", approval=supervisor_approval(Permission.CASH_IN_OUT)
    )
    with pytest.raises(PermissionDeniedError):
        terminal.till.move_cash(cashier, "cash_in", Money.of("50"), "change")
    x = terminal.till.totals()
    assert x.sales_count == 3
    assert x.sales_total == s1.total + s2.total + s3.total
    assert x.tenders["card"] == s3.total
    assert x.tenders["cash"] == s1.total + s2.total
    assert x.expected_cash == Money.of("500") + s1.total + s2.total - Money.of("100")
    assert sum(net.minor for net, _tax in x.taxes.values()) == x.net_total.minor
    counted = x.expected_cash - Money(50)  # 0.50 short
    z = terminal.till.close(cashier, counted)
    assert z.over_short == Money(-50)
    assert z.totals.sales_total == x.sales_total and z.z_number == 1
    with terminal.ctx.db.read() as conn:
        assert ledger.verify_journal(conn).ok
        close_entry = conn.execute(select(schema.journal).order_by(schema.journal.c.seq.desc())).first()
        assert close_entry.kind == "TillSessionClosed" and close_entry.prev_hash == z.journal_head
        last = conn.execute(select(schema.outbox.c.type).order_by(schema.outbox.c.seq.desc())).scalar()
    assert last == "TillSessionClosed"
    assert terminal.till.current() is None
    stored = terminal.till.z_report(open_till.id)
    assert stored["sales_total"] == x.sales_total.minor and stored["counted_cash"] == counted.minor


def test_close_refused_with_a_payment_in_progress(terminal, open_till, cashier):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_card(Money(1), "A")
    with pytest.raises(DomainError, match="sale in progress"):
        terminal.till.close(cashier, Money.of("500"))


def test_void_sale_reverses_everything(terminal, open_till, cashier, supervisor_approval, printer):
    sale = sell(terminal, barcodes(terminal, 4, 4), member=True)
    with pytest.raises(PermissionDeniedError):
        terminal.sales.void_sale(cashier, sale.receipt_no, None, "wrong items")
    result = terminal.sales.void_sale(
        cashier, sale.receipt_no, supervisor_approval(Permission.VOID_SALE), "wrong items"
    )
    assert result.document.kind.value == "void"
    x = terminal.till.totals()
    assert x.sales_count == 0 and x.voids_count == 1 and x.voids_total == sale.total
    assert x.expected_cash == Money.of("500")
    with terminal.ctx.db.read() as conn:
        moves = conn.execute(
            select(schema.stock_move.c.product_id, func.sum(schema.stock_move.c.delta)).group_by(
                schema.stock_move.c.product_id
            )
        ).all()
        assert all(total == 0 for _pid, total in moves)
        points = conn.execute(select(func.sum(schema.points_entry.c.delta))).scalar()
        assert points == 0
    with pytest.raises(DomainError, match="already voided"):
        terminal.sales.void_sale(cashier, sale.receipt_no, supervisor_approval(Permission.VOID_SALE), "again")
    assert "VOID RECEIPT" in printer.text


def test_partial_then_full_return_refunds_exactly_what_was_paid(
    terminal, open_till, cashier, supervisor_approval
):
    dairy = barcodes(terminal, 2, 1)[0]
    sale = sell(terminal, [dairy, dairy, dairy], member=True)  # buy 2 get 1 free
    record = terminal.sales.sale_record(sale.receipt_no)
    line = record.lines[0]
    approval = supervisor_approval(Permission.RETURN)
    with pytest.raises(PermissionDeniedError):
        terminal.sales.complete_return(cashier, sale.receipt_no, {line.line_no: 1000})
    first = terminal.sales.complete_return(cashier, sale.receipt_no, {line.line_no: 1000}, approval=approval)
    assert first.plan.total == line.net.scale(1, 3)
    rest = terminal.sales.complete_return(cashier, sale.receipt_no, {line.line_no: 2000}, approval=approval)
    assert first.plan.total + rest.plan.total == sale.total
    assert rest.plan.completes_sale
    with pytest.raises(ReturnError, match="can still be returned"):
        terminal.sales.plan_return(sale.receipt_no, {line.line_no: 1000})
    x = terminal.till.totals()
    assert x.refunds_total == sale.total and x.net_total == Money(0)
    assert x.expected_cash == Money.of("500")
    assert x.points_earned == 0


def test_return_found_by_scanning_the_receipt_qr(terminal, open_till, cashier, supervisor_approval):
    sale = sell(terminal, barcodes(terminal, 1, 1))
    assert receipt_no_from_scan(sale.document.qr_data) == sale.receipt_no
    record = terminal.sales.sale_record(sale.document.qr_data)
    assert record.sale_id == sale.sale_id
    with pytest.raises(ReturnError, match="No sale"):
        terminal.sales.sale_record("S001-T01-261123-9999")


def test_void_refused_after_a_return_and_for_other_sessions(
    terminal, open_till, cashier, supervisor_approval
):
    sale = sell(terminal, barcodes(terminal, 1, 2))
    line = terminal.sales.sale_record(sale.receipt_no).lines[0]
    terminal.sales.complete_return(
        cashier, sale.receipt_no, {line.line_no: 1000}, approval=supervisor_approval(Permission.RETURN)
    )
    with pytest.raises(DomainError, match="were returned"):
        terminal.sales.void_sale(cashier, sale.receipt_no, supervisor_approval(Permission.VOID_SALE), "x")


def test_pickup_handover_offline_only_when_paid_and_ready(terminal, open_till, cashier):
    order = terminal.pickup.find(code=terminal.demo.pickup_code)
    assert order.status == "ready" and order.paid and len(order.lines) == 3
    done = terminal.pickup.handover(cashier, order.id)
    assert done.handed_over_here
    with pytest.raises(DomainError, match="already picked up"):
        terminal.pickup.handover(cashier, order.id)
    with terminal.ctx.db.write() as conn:
        conn.execute(
            schema.pickup_order.update()
            .values(id=5, code="111111", status="paid", paid=True)
            .where(schema.pickup_order.c.id == order.id)
        )
    with pytest.raises(DomainError, match="not ready"):
        terminal.pickup.handover(cashier, 5)
    with pytest.raises(DomainError, match="6 digits"):
        terminal.pickup.find(code="12")


def test_till_events_and_journal_chain_verify(terminal, open_till, cashier):
    sell(terminal, barcodes(terminal, 1, 2))
    with terminal.ctx.db.read() as conn:
        assert ledger.verify_journal(conn).ok
        seqs = [r.seq for r in conn.execute(select(schema.outbox.c.seq).order_by(schema.outbox.c.seq))]
    assert seqs == list(range(1, len(seqs) + 1))


def test_tampering_with_the_journal_is_detected(terminal, open_till):
    sell(terminal, barcodes(terminal, 1, 1))
    with terminal.ctx.db.write() as conn:
        conn.execute(schema.journal.update().where(schema.journal.c.seq == 2).values(amount=1))
    with terminal.ctx.db.read() as conn:
        check = ledger.verify_journal(conn)
    assert not check.ok and check.first_bad_seq == 2 and check.problem == "altered entry"


def test_a_drawer_that_fails_after_a_refund_is_a_warning_not_an_error(
    terminal, open_till, cashier, supervisor_approval, printer
):
    from hardware.printer import PrinterError

    sale = sell(terminal, barcodes(terminal, 1, 1))
    line = terminal.sales.sale_record(sale.receipt_no).lines[0]

    def broken_drawer():
        raise PrinterError("offline", "Printer offline")

    printer.open_drawer = broken_drawer
    result = terminal.sales.complete_return(
        cashier, sale.receipt_no, {line.line_no: 1000}, approval=supervisor_approval(Permission.RETURN)
    )
    assert any("did not open" in w for w in result.warnings)
    assert terminal.till.totals().refunds_count == 1


def test_print_later_leaves_the_job_for_the_printer_thread(terminal, open_till, printer):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_cash(Money.of("50"))
    sale = co.complete(print_later=True)
    assert sale.print_result is None and printer.documents == []
    assert terminal.receipts.print_job(sale.job_id).printed
    assert printer.documents[-1][0].receipt_no == sale.receipt_no
