"""The central side of the Z report: voids, returns (points paid back), cash in and out all match;
then the statuses a manager sees when something is missing, quarantined or different."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from central.models import Event, Sale, TillSession
from central.reconcile import day_reconciliation, exceptions
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission


def _approval(till, permission):
    return till.terminal.staff.approve(2001, till.demo.staff[2001][2], permission)


def _busy_day(platform):
    till = platform.new_till("t1")
    member = platform.member_code(100_003)
    sales = [till.sell([49, 50], member_code=member, points=1000), till.sell([20, 21, 22]), till.sell([23])]
    till.terminal.sales.void_sale(
        till.cashier, sales[2].receipt_no, _approval(till, Permission.VOID_SALE), "wrong"
    )
    record = till.terminal.sales.sale_record(sales[0].receipt_no)
    till.terminal.sales.complete_return(
        till.cashier,
        sales[0].receipt_no,
        {record.lines[0].line_no: 1000},
        approval=_approval(till, Permission.RETURN),
    )
    till.terminal.till.move_cash(
        till.cashier, "cash_in", Money.of("100"), "change", _approval(till, Permission.CASH_IN_OUT)
    )
    till.terminal.till.move_cash(
        till.cashier, "cash_out", Money.of("50"), "safe", _approval(till, Permission.CASH_IN_OUT)
    )
    return till


def test_a_busy_till_session_matches_its_z_report(platform):
    till = _busy_day(platform)
    pending = till.sync()
    day = till.terminal.till.current().business_day
    assert day_reconciliation(platform.db, "S001", day).status == "pending"  # still open
    z = till.close_till()
    till.sync()
    result = day_reconciliation(platform.db, "S001", day)
    session = result.sessions[0]
    assert session.status == "matched", session.differences
    assert session.central["voids_count"] == 1 and session.central["refunds_count"] == 1
    assert session.central["cash_in"] == 10000 and session.central["cash_out"] == 5000
    assert session.central["points_redeemed"] == z.totals.points_redeemed
    assert pending.online


def test_a_difference_is_a_mismatch_and_a_quarantined_event_a_gap(platform):
    till = _busy_day(platform)
    z = till.close_till()
    till.sync()
    day = z.totals.business_day
    # someone changes a sale centrally: the figures no longer agree
    with platform.db.write() as conn:
        sale_id = (
            conn.execute(select(Sale.__table__.c.id).where(Sale.__table__.c.status == "completed"))
            .scalars()
            .first()
        )
        conn.execute(update(Sale.__table__).where(Sale.__table__.c.id == sale_id).values(total=1))
    session = day_reconciliation(platform.db, "S001", day).sessions[0]
    assert session.status == "mismatch"
    assert set(session.differences) >= {"sales_total"}
    # an event of the session that could not be applied: the session has a gap, named by seq
    with platform.db.write() as conn:
        seq = (
            conn.execute(select(Event.__table__.c.seq).where(Event.__table__.c.type == "CashMoved"))
            .scalars()
            .first()
        )
        conn.execute(update(Event.__table__).where(Event.__table__.c.seq == seq).values(status="quarantined"))
    session = day_reconciliation(platform.db, "S001", day).sessions[0]
    assert session.status == "gap" and session.missing_seqs == [seq]
    # a day without its close yet is pending
    with platform.db.write() as conn:
        conn.execute(update(TillSession.__table__).values(z=None))
        conn.execute(delete(Event.__table__).where(Event.__table__.c.type == "TillSessionClosed"))
    assert day_reconciliation(platform.db, "S001", day).status == "pending"


def test_the_manager_reads_reconciliation_and_exceptions_from_the_till(platform):
    till = _busy_day(platform)
    z = till.close_till()
    till.sync()
    client = till.engine._connect()
    result = client.reconciliation(z.totals.business_day)
    assert result.status == "matched" and len(result.sessions) == 1
    assert client.exceptions(z.totals.business_day) == exceptions(platform.db, "S001", z.totals.business_day)
