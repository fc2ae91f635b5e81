"""Card terminal and mobile payments through the simulators: approved, declined, cancelled, timed out,
charged without an answer, the till dying in between -- never charged twice, never a charge lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hardware.customer_display import FakePoleDisplay, ScreenKind
from hardware.handler import ScriptedHandler
from hardware.payment import SimulatedCrash, SimulatedMobileGateway, SimulatedPaymentTerminal
from pos_app.app import build_terminal
from pos_app.db import schema
from pos_app.domain.barcodes import PaymentProvider
from pos_app.domain.errors import PaymentError, PermissionDeniedError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Permission
from pos_app.domain.tenders import TenderKind
from pos_app.services.payments import ChargeKind, Outcome, PaymentService
from pos_app.services.scanning import PaymentScan
from tests.hardware.conftest import make_terminal, product_codes, sign_in

WECHAT_CODE = PaymentScan(PaymentProvider.WECHAT, "134567890123456789")


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def till(home, clock):
    terminal = make_terminal(home, clock)
    staff = sign_in(terminal)
    terminal.till.open(staff, Money.of("300"))
    for code in product_codes(terminal, 2):
        terminal.checkout.scan(code)
    terminal.staff_member = staff
    yield terminal
    terminal.close()


@pytest.fixture
def devices():
    made = []

    def make(kind="terminal", *args, **kwargs):
        device = (SimulatedPaymentTerminal if kind == "terminal" else SimulatedMobileGateway)(*args, **kwargs)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


def service(till, terminal=None, gateway=None, **options) -> PaymentService:
    fake_time = FakeTime()
    options.setdefault("sleep", fake_time.sleep)
    options.setdefault("monotonic", fake_time.monotonic)
    return PaymentService(till.ctx, till.checkout, terminal=terminal, gateway=gateway, **options)


def due(till) -> Money:
    return till.checkout.start_payment().due


def sales(till) -> list:
    with till.ctx.db.read() as conn:
        return conn.execute(select(schema.sale)).all()


# --- card -----------------------------------------------------------------------------------------


def test_an_approved_card_payment_becomes_a_tender_and_the_sale_completes(till, devices):
    terminal = devices("terminal")
    payments = service(till, terminal)
    total = due(till)
    outcome = payments.pay_card()
    assert outcome.paid and outcome.tender.kind is TenderKind.CARD
    assert outcome.tender.amount == total and outcome.tender.reference == terminal.charges[0]["auth"]
    assert payments.pending() is None
    sale = till.checkout.complete()
    assert sale.total == total and [c["amount"] for c in terminal.charges] == [total.minor]


@pytest.mark.parametrize(
    ("step", "outcome", "words"),
    [
        ("decline", Outcome.DECLINED, "declined"),
        ("cancel", Outcome.DECLINED, "cancelled"),
        ("unavailable", Outcome.NOT_CHARGED, "cannot be reached"),
        ("timeout", Outcome.NOT_CHARGED, "no record"),  # sent, no answer; the query says no charge
    ],
)
def test_card_payments_that_did_not_charge(till, devices, step, outcome, words):
    terminal = devices("terminal", [step])
    payments = service(till, terminal)
    result = payments.pay_card()
    assert result.outcome is outcome and words in result.message
    assert terminal.charges == [] and payments.pending() is None
    assert till.checkout.payment.tenders == []
    till.checkout.pay_cash(Money.of("500"), confirmed=True)  # another way to pay works at once
    till.checkout.complete()


def test_charged_but_no_answer_is_found_by_asking_again(till, devices):
    terminal = devices("terminal", ["charge_then_timeout"])
    outcome = service(till, terminal).pay_card()
    assert outcome.paid
    assert [r["op"] for r in terminal.requests] == ["sale", "query"]  # asked, never charged again
    assert len(terminal.charges) == 1
    till.checkout.complete()


def test_an_answer_lost_while_the_customer_enters_the_pin(till, devices):
    terminal = devices("terminal", ["in_progress"])
    assert service(till, terminal).pay_card().paid
    assert len(terminal.charges) == 1


def test_a_terminal_that_stays_silent_blocks_everything_until_it_answers(till, devices):
    terminal = devices("terminal", ["charge_then_timeout"], query_script=["timeout"] * 3)
    handler = ScriptedHandler([False])
    payments = service(till, terminal, handler=handler)
    outcome = payments.pay_card()
    assert outcome.outcome is Outcome.PENDING and "Do NOT charge again" in outcome.message
    assert handler.questions[0].reason == "no_answer"
    pending = payments.pending()
    assert pending.kind is ChargeKind.CARD and pending.state == "unknown"
    co = till.checkout
    for attempt in (
        lambda: co.pay_cash(Money.of("500"), confirmed=True),
        lambda: co.complete(),
        lambda: co.cancel_basket("changed mind"),
        lambda: co.new_basket(),
        lambda: co.remove_last_tender(),
        lambda: payments.pay_card(),
        lambda: payments.pay_mobile_code(WECHAT_CODE),
    ):
        with pytest.raises(PaymentError, match=r"waiting for its answer|set up"):
            attempt()
    lines = len(co.basket.lines)
    scan = co.scan(product_codes(till, 3)[2])  # a scan never raises: it says why not
    assert not scan.ok and "waiting for its answer" in scan.message and len(co.basket.lines) == lines
    assert len(terminal.requests) == 4  # one sale, three queries: nothing charged again
    outcome = payments.check_pending()  # the terminal answers now
    assert outcome.paid and len(terminal.charges) == 1
    co.complete()


def test_the_person_is_asked_and_can_wait_for_the_terminal(till, devices):
    terminal = devices("terminal", ["charge_then_timeout"], query_script=["timeout"] * 4)
    handler = ScriptedHandler([True])  # "check again"
    outcome = service(till, terminal, handler=handler).pay_card()
    assert outcome.paid and len(handler.questions) == 1
    assert handler.statuses and handler.statuses[0][0] == "payment"


def test_the_till_dies_between_the_charge_and_the_answer(home, clock, tmp_path):
    ledger_file = tmp_path / "terminal-ledger.json"
    till = make_terminal(home, clock)
    terminal = SimulatedPaymentTerminal(["crash_after_charge"], state_path=ledger_file)
    try:
        staff = sign_in(till)
        pin = till.demo.staff[1001][2]
        till.till.open(staff, Money.of("300"))
        for code in product_codes(till, 2):
            till.checkout.scan(code)
        total = due(till)
        with pytest.raises(SimulatedCrash):
            service(till, terminal).pay_card()
    finally:
        terminal.close()
        till.close()
    # the till starts again: the basket, and the charge it was asking for, come back
    till = build_terminal(home, clock=clock)
    terminal = SimulatedPaymentTerminal(state_path=ledger_file)  # the terminal kept its own record
    try:
        till.checkout.set_cashier(till.staff.sign_in(1001, pin))
        assert till.checkout.restore_active()
        payments = service(till, terminal)
        assert payments.pending().amount == total.minor
        outcome = payments.recover()
        assert outcome.paid and outcome.tender.amount == total
        sale = till.checkout.complete()
        assert sale.total == total and len(sales(till)) == 1
        assert len(terminal.charges) == 1 and [r["op"] for r in terminal.requests] == ["query"]
    finally:
        terminal.close()
        till.close()


def test_a_supervisor_settles_a_charge_the_terminal_cannot_tell_about(till, devices):
    terminal = devices("terminal", ["charge_then_timeout"], query_script=["unavailable"] * 10)
    payments = service(till, terminal)
    assert payments.pay_card().outcome is Outcome.PENDING
    cashier = till.staff.approve(1001, till.demo.staff[1001][2], Permission.SELL)
    with pytest.raises(PermissionDeniedError):
        payments.resolve_manually(cashier, charged=True, reference="100001")
    supervisor = till.staff.approve(2001, till.demo.staff[2001][2], Permission.VOID_SALE)
    with pytest.raises(PaymentError, match="reference"):
        payments.resolve_manually(supervisor, charged=True)
    outcome = payments.resolve_manually(supervisor, charged=True, reference="100001")
    assert outcome.paid and outcome.tender.reference == "100001"
    with till.ctx.db.read() as conn:
        entry = conn.execute(select(schema.journal).where(schema.journal.c.kind == "payment_resolved")).one()
    assert entry.staff_id == 2001 and entry.amount == outcome.tender.amount.minor
    till.checkout.complete()


def test_a_supervisor_records_not_charged(till, devices):
    terminal = devices("terminal", ["timeout"], query_script=["unavailable"] * 10)
    payments = service(till, terminal)
    assert payments.pay_card().outcome is Outcome.PENDING
    supervisor = till.staff.approve(2001, till.demo.staff[2001][2], Permission.VOID_SALE)
    assert payments.resolve_manually(supervisor, charged=False).outcome is Outcome.NOT_CHARGED
    assert payments.pending() is None
    till.checkout.pay_cash(Money.of("500"), confirmed=True)
    till.checkout.complete()


def test_split_payment_card_then_cash(till, devices):
    terminal = devices("terminal")
    payments = service(till, terminal)
    total = due(till)
    with pytest.raises(PaymentError, match="more than is due"):
        payments.pay_card(total + Money(1))
    assert payments.pay_card(Money(100)).paid
    assert due(till) == total - Money(100)
    till.checkout.pay_cash(Money.of("500"), confirmed=True)
    sale = till.checkout.complete()
    assert sale.total == total and terminal.charges[0]["amount"] == 100


def test_taking_back_a_card_payment_voids_it_on_the_terminal(till, devices):
    terminal = devices("terminal")
    payments = service(till, terminal)
    payments.pay_card(Money(100))
    tender = payments.take_back_last()
    assert tender.kind is TenderKind.CARD and terminal.charges == []
    with till.ctx.db.read() as conn:
        kinds = conn.execute(select(schema.journal.c.kind)).scalars().all()
    assert "tender_reversed" in kinds
    assert till.checkout.payment.tenders == []


def test_a_card_payment_that_cannot_be_voided_stays(till, devices):
    terminal = devices("terminal", query_script=["unavailable"])
    payments = service(till, terminal)
    payments.pay_card(Money(100))
    with pytest.raises(PaymentError, match="could not be voided"):
        payments.take_back_last()
    assert len(till.checkout.payment.tenders) == 1 and len(terminal.charges) == 1


def test_no_terminal_configured(till):
    with pytest.raises(PaymentError, match="No card terminal"):
        service(till).pay_card()


# --- the customer's payment code ------------------------------------------------------------------


def test_a_wechat_payment_code(till, devices):
    gateway = devices("gateway")
    total = due(till)
    outcome = service(till, gateway=gateway).pay_mobile_code(WECHAT_CODE)
    assert outcome.paid and outcome.tender.provider == "wechat" and outcome.tender.amount == total
    assert gateway.calls[0][1]["auth_code"] == WECHAT_CODE.code
    sale = till.checkout.complete()
    assert sale.document.tenders[0].provider == "wechat"


def test_the_customer_confirms_with_a_password_on_the_phone(till, devices):
    gateway = devices("gateway", ["userpaying:2"])
    outcome = service(till, gateway=gateway).pay_mobile_code(WECHAT_CODE)
    assert outcome.paid
    assert [api for api, _ in gateway.calls] == ["micropay", "query", "query"]


def test_a_customer_who_never_confirms_is_not_charged(till, devices):
    gateway = devices("gateway", ["userpaying"])
    payments = service(till, gateway=gateway, confirm_timeout_s=30)
    outcome = payments.pay_mobile_code(WECHAT_CODE)
    assert outcome.outcome is Outcome.NOT_CHARGED and "cancelled" in outcome.message
    assert gateway.calls[-1][0] == "reverse" and gateway.charges == []
    assert payments.pending() is None


def test_not_enough_money_in_the_wallet(till, devices):
    gateway = devices("gateway", ["declined"])
    outcome = service(till, gateway=gateway).pay_mobile_code(WECHAT_CODE)
    assert outcome.outcome is Outcome.DECLINED and "余额不足" in outcome.message


@pytest.mark.parametrize(
    ("step", "paid"),
    [
        ("system_error_paid", True),
        ("system_error_unpaid", False),
        ("timeout_paid", True),
        ("timeout_unpaid", False),
    ],
)
def test_unknown_mobile_outcomes_are_settled_by_asking(till, devices, step, paid):
    gateway = devices("gateway", [step])
    outcome = service(till, gateway=gateway).pay_mobile_code(WECHAT_CODE)
    assert outcome.paid is paid
    assert len(gateway.charges) == int(paid)
    assert [api for api, _ in gateway.calls].count("micropay") == 1


def test_a_mobile_charge_nobody_can_confirm_is_reversed_so_the_customer_gets_the_money_back(till, devices):
    gateway = devices("gateway", ["timeout_paid"], query_script=["timeout"] * 3)
    outcome = service(till, gateway=gateway).pay_mobile_code(WECHAT_CODE)
    assert outcome.outcome is Outcome.NOT_CHARGED
    assert gateway.charges == []  # reversed: refunded by the platform
    assert [api for api, _ in gateway.calls] == ["micropay", "query", "query", "query", "reverse"]


def test_a_platform_that_stays_away_keeps_the_payment_open_until_it_is_back(till, devices):
    gateway = devices("gateway", ["timeout_paid"], query_script=["unavailable"] * 6)
    payments = service(till, gateway=gateway)
    outcome = payments.pay_mobile_code(WECHAT_CODE)
    assert outcome.outcome is Outcome.PENDING and outcome.pending.code == "6789"
    with pytest.raises(PaymentError):
        till.checkout.complete()
    assert payments.check_pending().paid  # the platform is back: the charge is found
    assert len(gateway.charges) == 1
    till.checkout.complete()


# --- a QR code on the customer display ------------------------------------------------------------


def test_a_qr_code_shown_to_the_customer(till, devices):
    gateway = devices("gateway")
    display = FakePoleDisplay()
    try:
        payments = service(till, gateway=gateway, display=display)
        total = due(till)
        offer = payments.offer_qr()
        assert offer.outcome is Outcome.PENDING and offer.qr_data.startswith("weixin://")
        assert display.last_screen.kind is ScreenKind.PAYMENT and display.last_screen.qr_data == offer.qr_data
        assert display.last_screen.due == total
        assert payments.check_qr().outcome is Outcome.PENDING
        gateway.customer_pays(offer.pending.order_ref)
        paid = payments.check_qr()
        assert paid.paid and paid.tender.kind is TenderKind.MOBILE
    finally:
        display.close()
    till.checkout.complete()


def test_cancelling_a_qr_code(till, devices):
    gateway = devices("gateway")
    payments = service(till, gateway=gateway)
    payments.offer_qr()
    assert payments.cancel_qr().outcome is Outcome.NOT_CHARGED
    assert payments.pending() is None
    offer = payments.offer_qr()
    gateway.customer_pays(offer.pending.order_ref)  # paid just as the cashier pressed cancel
    assert payments.cancel_qr().paid
    assert len(gateway.charges) == 1


# --- a real crash: SIGKILL right after the charge -------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["card", "code"])
def test_sigkill_after_the_charge_loses_nothing_and_charges_once(home, clock, tmp_path, kind):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    setup = make_terminal(home, clock)
    staff = sign_in(setup)
    pin = setup.demo.staff[1001][2]
    setup.till.open(staff, Money.of("300"))
    codes = product_codes(setup, 3)
    (home / "codes.txt").write_text("\n".join(codes))
    setup.close()
    ledger_file = tmp_path / "device-ledger.json"
    child = subprocess.run(
        [
            sys.executable,
            str(root / "tests/hardware/payment_crash_worker.py"),
            str(home),
            pin,
            str(ledger_file),
            kind,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    till = build_terminal(home, clock=clock)
    device = (SimulatedPaymentTerminal if kind == "card" else SimulatedMobileGateway)(state_path=ledger_file)
    try:
        till.checkout.set_cashier(till.staff.sign_in(1001, pin))
        assert till.checkout.restore_active()
        assert len(till.checkout.basket.lines) == 3
        options = {"terminal": device} if kind == "card" else {"gateway": device}
        payments = service(till, **options)
        pending = payments.pending()
        assert pending is not None and pending.state == "sent"
        outcome = payments.recover()
        assert outcome.paid
        sale = till.checkout.complete()
        assert len(device.charges) == 1
        charged = device.charges[0]
        assert charged.get("amount", charged.get("total_fee")) == sale.total.minor
        assert len(sales(till)) == 1
        assert sale.document.tenders[0].kind is (TenderKind.CARD if kind == "card" else TenderKind.MOBILE)
    finally:
        device.close()
        till.close()


def test_the_cashier_sees_that_the_customer_is_confirming(till, devices):
    gateway = devices("gateway", ["userpaying:2"])
    handler = ScriptedHandler()
    assert service(till, gateway=gateway, handler=handler).pay_mobile_code(WECHAT_CODE).paid
    assert handler.statuses[0] == (
        "payment",
        "Waiting for the customer to confirm the payment on their phone",
    )
    assert handler.cleared == ["payment"]
