"""A sale from scan to receipt through the services, against a real SQLite file."""

import json

import pytest
from sqlalchemy import select

from hardware.printer import PrinterError
from pos_app.db import ledger, schema
from pos_app.domain.errors import CouponError, DomainError, PaymentError, PermissionDeniedError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission
from pos_app.domain.receipt import render_text
from pos_app.i18n import translator
from pos_app.services.checkout import CheckoutService
from resources.demo.generator import ean13
from tests.services.conftest import barcodes, count, pin, scale_label


def test_scan_lookup_and_running_total(terminal, open_till):
    co = terminal.checkout
    water, cola = barcodes(terminal, 1, 2)
    first = co.scan(water)
    assert first.ok and first.kind == "product" and first.line_id == 1
    co.scan(water)
    co.scan(cola)
    assert [ln.quantity for ln in co.basket.active_lines] == [2000, 1000]
    assert co.pricing().total.minor > 0


def test_bad_scans_change_nothing_and_explain(terminal, open_till):
    co = terminal.checkout
    unknown = ean13("699999999999")
    for text in ("6900000000318", "not a code", "", "\x00\x01garbage", unknown):
        outcome = co.scan(text)
        assert not outcome.ok and outcome.message
    assert co.basket.is_empty
    assert "not in the catalogue" in co.scan(unknown).message


def test_weighed_items_by_label_or_by_entered_weight(terminal, open_till):
    co = terminal.checkout
    outcome = co.scan(scale_label("10001", 650))
    assert outcome.ok
    assert co.basket.active_lines[0].quantity == 650
    assert co.pricing().total == Money(844)  # 12.98/kg x 0.650
    bananas = co.scan("10002")  # PLU typed, no weight
    assert bananas.ok and bananas.needs_weight and bananas.line_id is None
    line = co.add_product(bananas.product, 1200)
    assert line.quantity == 1200
    price_label = scale_label("10003", 1499, prefix="21")
    co.scan(price_label)
    assert co.basket.active_lines[-1].fixed_amount == Money(1499)


def test_complete_sale_writes_everything_in_one_transaction(terminal, open_till, printer):
    co = terminal.checkout
    before = {
        t.name: count(terminal, t) for t in (schema.sale, schema.outbox, schema.journal, schema.receipt_job)
    }
    for code in barcodes(terminal, 2, 3):
        co.scan(code)
    co.scan(terminal.demo.member_code)
    total = co.pricing().total
    co.start_payment()
    co.pay_points(100)
    co.pay_cash(Money.of("100"))
    sale = co.complete()
    assert sale.total == total
    assert count(terminal, schema.sale) == before["sale"] + 1
    assert count(terminal, schema.outbox) == before["outbox"] + 1
    assert count(terminal, schema.receipt_job) == before["receipt_job"] + 1
    with terminal.ctx.db.read() as conn:
        row = conn.execute(select(schema.sale).where(schema.sale.c.id == sale.sale_id)).one()
        lines = conn.execute(select(schema.sale_line).where(schema.sale_line.c.sale_id == sale.sale_id)).all()
        assert sum(ln.net for ln in lines) == row.total
        moves = conn.execute(select(schema.stock_move).where(schema.stock_move.c.ref == sale.sale_id)).all()
        assert sorted(m.delta for m in moves) == sorted(-ln.quantity for ln in lines)
        points = conn.execute(
            select(schema.points_entry).where(schema.points_entry.c.ref == sale.sale_id)
        ).all()
        assert {p.kind: p.delta for p in points} == {"earn": sale.points_earned, "redeem": -100}
        event = json.loads(
            conn.execute(select(schema.outbox.c.envelope).order_by(schema.outbox.c.seq.desc())).scalar()
        )
        assert event["type"] == "SaleCompleted" and event["payload"]["sale_id"] == sale.sale_id
        assert event["payload"]["total"] == row.total
        assert ledger.verify_journal(conn).ok
    assert printer.drawer_kicks == 1
    assert sale.receipt_no in printer.text
    assert co.basket.is_empty and co.payment is None


def test_sale_is_refused_until_paid(terminal, open_till):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    with pytest.raises(PaymentError, match="still to be paid"):
        co.complete()
    co.pay_cash(Money(1))
    with pytest.raises(PaymentError, match="still to be paid"):
        co.complete()


def test_no_sale_without_an_open_till(terminal, cashier):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_cash(Money.of("100"))
    with pytest.raises(DomainError, match="till is closed"):
        co.complete()
    assert count(terminal, schema.sale) == 0


def test_printer_out_of_paper_keeps_the_sale_and_the_job(terminal, open_till, printer):
    events = []
    terminal.ctx.events.subscribe("device_problem", lambda **kw: events.append(kw))
    printer.fail_with = PrinterError("paper_out", "Out of paper")
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_cash(Money.of("50"))
    sale = co.complete()
    assert not sale.print_result.printed
    assert any("Out of paper" in w for w in sale.warnings)
    assert events and events[0]["reason"] == "paper_out"
    assert count(terminal, schema.sale) == 1
    assert terminal.receipts.failed_jobs() == [sale.job_id]
    printer.fail_with = None
    again = terminal.receipts.print_job(sale.job_id)
    assert again.printed and terminal.receipts.failed_jobs() == []


def test_reprint_last_is_marked_as_a_copy(terminal, open_till, printer):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_cash(Money.of("50"))
    co.complete()
    terminal.receipts.reprint_last()
    assert printer.documents[-1][1] is True
    assert "*** COPY ***" in printer.text


def test_price_override_needs_a_supervisor_pin(terminal, open_till, cashier, supervisor_approval):
    co = terminal.checkout
    line = co.scan(barcodes(terminal, 3)[0]).line_id
    from pos_app.domain.permissions import Approval

    with pytest.raises(PermissionDeniedError):
        co.override_price(line, Money(100), Approval(cashier))
    with pytest.raises(PermissionDeniedError, match="Wrong staff number or PIN"):
        terminal.staff.approve(
            2001, "0000" if pin(terminal, 2001) != "0000" else "1111", Permission.PRICE_OVERRIDE
        )
    approval = supervisor_approval()
    co.override_price(line, Money(100), approval, "damaged")
    assert co.pricing().total == Money(100)
    co.pay_cash(Money(100))
    sale = co.complete()
    with terminal.ctx.db.read() as conn:
        row = conn.execute(select(schema.sale_line).where(schema.sale_line.c.sale_id == sale.sale_id)).one()
    assert row.override_by == 2001 and row.original_price is not None


def test_pin_lockout_after_five_wrong_pins(terminal):
    wrong = "9999" if pin(terminal, 1002) != "9999" else "8888"
    for _ in range(4):
        with pytest.raises(PermissionDeniedError, match="Wrong staff number or PIN"):
            terminal.staff.sign_in(1002, wrong)
    with pytest.raises(PermissionDeniedError, match="locked"):
        terminal.staff.sign_in(1002, wrong)
    with pytest.raises(PermissionDeniedError, match="Too many wrong PINs"):
        terminal.staff.sign_in(1002, pin(terminal, 1002))
    terminal.ctx.clock.advance(minutes=6)
    assert terminal.staff.sign_in(1002, pin(terminal, 1002)).id == 1002


def test_member_by_phone_and_points_earned(terminal, open_till):
    co = terminal.checkout
    member = co.set_member_by_phone(terminal.demo.member_phone)
    assert member.phone_masked == "138****8000"
    with pytest.raises(DomainError, match="No member"):
        co.set_member_by_phone("13900000001")
    co.scan(barcodes(terminal, 4)[0])
    co.pay_cash(Money.of("200"), confirmed=True)
    sale = co.complete()
    assert sale.points_earned > 0
    assert sale.document.member.points_balance == 3000 + sale.points_earned


def test_coupon_applied_offline_within_the_campaign_limit_and_only_once(terminal, open_till):
    co = terminal.checkout
    for code in barcodes(terminal, 4, 4):
        co.scan(code)
    coupon = co.scan(terminal.demo.coupon_codes[1])  # 满50减10, offline at most 10
    assert coupon.kind == "coupon" and coupon.ok, coupon.message
    assert "10.00 off" in coupon.message
    co.pay_cash(Money.of("500"), confirmed=True)
    sale = co.complete()
    with terminal.ctx.db.read() as conn:
        redemption = conn.execute(select(schema.coupon_redemption)).one()
    assert redemption.sale_id == sale.sale_id and redemption.amount == 1000 and redemption.offline
    co.scan(barcodes(terminal, 4)[0])
    again = co.scan(terminal.demo.coupon_codes[1])
    assert not again.ok and "already used" in again.message


def test_online_only_coupon_is_refused_offline(terminal, open_till):
    co = terminal.checkout
    co.scan(barcodes(terminal, 4)[0])
    outcome = co.scan(terminal.demo.coupon_codes[3])
    assert not outcome.ok and "only be used while the till is online" in outcome.message
    assert co.basket.coupons == []


def test_coupon_that_does_not_fit_the_goods_says_so(terminal, open_till):
    co = terminal.checkout
    co.scan(barcodes(terminal, 5)[0])  # household goods
    outcome = co.scan(terminal.demo.coupon_codes[2])  # drinks 20 % off
    assert outcome.kind == "coupon" and not outcome.ok
    assert "Not valid for these goods" in outcome.message


def test_coupon_from_an_unknown_campaign_or_withdrawn(terminal, open_till):
    from pos_app.services.demo import ensure_demo_key
    from sync.protocol import tokens

    key = ensure_demo_key(terminal.ctx)
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    stranger = tokens.issue(tokens.CouponToken(1, 99, 2_000_000_000), key)
    assert "not on this till yet" in co.scan(stranger).message
    with terminal.ctx.db.write() as conn:
        conn.execute(schema.coupon_revocation.insert().values(coupon_id=555))
    withdrawn = tokens.issue(tokens.CouponToken(555, 1, 2_000_000_000), key)
    with pytest.raises(CouponError, match="withdrawn"):
        from pos_app.services.scanning import classify_scan

        co.apply_coupon(classify_scan(withdrawn, None, terminal.ctx.scan_context()))


def test_split_tender_and_payment_in_progress_survives_a_restart(terminal, open_till, cashier):
    co = terminal.checkout
    for code in barcodes(terminal, 7, 2):
        co.scan(code)
    total = co.pricing().total
    co.pay_card(Money(1000), "AUTH123456")
    # the program stops here; a new checkout on the same database gets the basket and the card payment back
    fresh = CheckoutService(terminal.ctx, terminal.till)
    fresh.set_cashier(cashier)
    assert fresh.restore_active()
    assert fresh.payment.paid == Money(1000) and fresh.pricing().total == total
    with pytest.raises(PaymentError, match="Take back the payments"):
        fresh.scan(barcodes(terminal, 1)[0]) and fresh.add_product_id(40)
    fresh.pay_mobile(total - Money(1000), "alipay", "2026112322001")
    sale = fresh.complete()
    assert [t.kind.value for t in sale.document.tenders] == ["card", "mobile"]
    assert "******3456" in render_text(sale.document, "en", translator("en"))
    assert not fresh.restore_active()


def test_hold_and_recall(terminal, open_till):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    held = co.hold("blue jacket")
    assert co.basket.is_empty
    co.scan(barcodes(terminal, 2)[0])
    with pytest.raises(DomainError, match="Finish or hold"):
        co.recall(held)
    co.pay_cash(Money.of("50"))
    co.complete()
    assert [h["label"] for h in co.held_baskets()] == ["blue jacket"]
    co.recall(held)
    assert len(co.basket.active_lines) == 1
    assert co.held_baskets() == []
    with pytest.raises(DomainError, match="already recalled"):
        co.new_basket() or co.recall(held)


def test_void_line_and_cancel_basket_are_journalled(terminal, open_till):
    co = terminal.checkout
    line = co.scan(barcodes(terminal, 1)[0]).line_id
    co.scan(barcodes(terminal, 2)[0])
    co.void_line(line)
    co.cancel_basket("customer left")
    with terminal.ctx.db.read() as conn:
        kinds = [r.kind for r in conn.execute(select(schema.journal.c.kind).order_by(schema.journal.c.seq))]
    assert kinds[-2:] == ["line_void", "basket_cancelled"]
    assert co.basket.is_empty


def test_receipt_prints_in_chinese(terminal, open_till, printer):
    from pos_app import config

    terminal.settings.set(config.RECEIPT_LANGUAGE, "zh_CN")
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_cash(Money.of("100"))
    co.complete()
    text = printer.text
    assert "销售小票" in text and "合计" in text and "找零" in text


def test_points_already_tendered_count_against_the_balance(terminal, open_till):
    co = terminal.checkout
    for code in barcodes(terminal, 4, 6):
        co.scan(code)
    co.scan(terminal.demo.member_code)  # 3000 points
    co.start_payment()
    before = co.points_available()
    co.pay_points(1000)
    assert co.points_available() == before - 1000
    with pytest.raises(PaymentError, match="only"):
        co.pay_points(before - 999)


def test_offline_points_spending_is_bounded_per_terminal(terminal, open_till):
    from pos_app import config

    terminal.settings.set(config.POINTS_OFFLINE_LIMIT, 500)
    co = terminal.checkout
    for code in barcodes(terminal, 4, 3):
        co.scan(code)
    co.scan(terminal.demo.member_code)
    co.pay_points(400)
    co.pay_cash(Money.of("500"), confirmed=True)
    co.complete()
    for code in barcodes(terminal, 4, 3):
        co.scan(code)
    co.scan(terminal.demo.member_code)
    assert co.points_available() == 100
    with pytest.raises(PaymentError, match="at most 100 more points"):
        co.pay_points(200)
    co.pay_points(100)


def test_a_basket_nobody_paid_for_does_not_come_back_after_a_restart(terminal, open_till, cashier):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    co.pay_card(Money(1), "A1")
    co.remove_last_tender()  # the customer changed their mind
    co.cancel_basket("left")
    fresh = CheckoutService(terminal.ctx, terminal.till)
    fresh.set_cashier(cashier)
    assert not fresh.restore_active()


def test_cash_far_above_the_due_needs_the_cashiers_confirmation(terminal, open_till):
    co = terminal.checkout
    co.scan(barcodes(terminal, 1)[0])
    due = co.start_payment().due
    with pytest.raises(PaymentError) as refused:
        co.pay_cash(due + Money.of("100.01"))  # threshold ¥100 (the default setting)
    assert refused.value.code == "confirm_cash" and co.payment.tenders == []
    tender = co.pay_cash(due + Money.of("100.01"), confirmed=True)
    assert tender.change == Money.of("100.01")


def test_a_basket_being_rung_up_comes_back_after_a_restart_with_its_owner(terminal, open_till, cashier):
    co = terminal.checkout
    for code in barcodes(terminal, 1, 2):
        co.scan(code)
    co.void_line(co.basket.lines[0].line_id)
    total = co.pricing().total
    fresh = CheckoutService(terminal.ctx, terminal.till)
    signed = fresh.sign_in(cashier)
    assert signed.restored and signed.notes == ()
    assert [ln.voided for ln in fresh.basket.lines] == [True, False]
    assert fresh.pricing().total == total and fresh.sale.owner.staff_id == cashier.id
