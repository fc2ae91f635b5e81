"""The checkout's pieces under another policy: a self-service kiosk composes the same checkout as the
till, and its customer may not change a price, key in a weight or park a basket; an attendant may."""

import pytest
from sqlalchemy import func, select

from pos_app.db import schema
from pos_app.domain.errors import PermissionDeniedError
from pos_app.domain.money import Money
from pos_app.services.checkout import CheckoutService
from pos_app.services.checkout.policy import ATTENDED, SELF_SERVICE, Action
from tests.services.conftest import barcodes, scale_label


@pytest.fixture
def kiosk(terminal, open_till, cashier):
    """A checkout of the kiosk's kind on the same terminal, selling under the signed-in identity."""
    checkout = CheckoutService(terminal.ctx, terminal.till, policy=SELF_SERVICE)
    checkout.set_cashier(cashier)
    return checkout


def test_the_till_keeps_nothing_for_staff_and_the_kiosk_keeps_every_listed_action():
    assert all(ATTENDED.allows(action) for action in Action)
    assert not any(SELF_SERVICE.allows(action) for action in Action)


def test_a_customer_may_not_change_a_price_even_with_a_supervisor_approval(
    kiosk, terminal, supervisor_approval
):
    line = kiosk.scan(barcodes(terminal, 3)[0]).line_id
    total = kiosk.pricing().total
    with pytest.raises(PermissionDeniedError, match="ask a member of staff to change a price"):
        kiosk.override_price(line, Money(100), supervisor_approval(), "damaged")
    assert kiosk.pricing().total == total and kiosk.basket.active_lines[0].override is None
    kiosk.policy = ATTENDED  # the attendant signed in at the kiosk
    kiosk.override_price(line, Money(100), supervisor_approval(), "damaged")
    assert kiosk.pricing().total == Money(100)


def test_a_customer_scans_a_scale_label_but_may_not_key_in_a_weight(kiosk):
    labelled = kiosk.scan(scale_label("10001", 650))
    assert labelled.ok and kiosk.basket.active_lines[0].quantity == 650
    unlabelled = kiosk.scan("10002")  # bananas by PLU: the scan asks for a weight
    assert unlabelled.ok and unlabelled.needs_weight
    with pytest.raises(PermissionDeniedError, match="enter a weight"):
        kiosk.add_product(unlabelled.product, 1200)
    assert len(kiosk.basket.active_lines) == 1


def test_a_customer_may_not_hold_a_basket_but_may_remove_a_line_which_is_journalled(kiosk, terminal):
    water, cola = barcodes(terminal, 1, 2)
    line = kiosk.scan(water).line_id
    kiosk.scan(cola)
    with pytest.raises(PermissionDeniedError, match="hold or recall a basket"):
        kiosk.hold("back soon")
    with pytest.raises(PermissionDeniedError, match="hold or recall a basket"):
        kiosk.recall("any")
    kiosk.void_line(line)
    with terminal.ctx.db.read() as conn:
        last = conn.execute(select(schema.journal.c.kind).order_by(schema.journal.c.seq.desc())).first()
    assert last.kind == "line_void"
    kiosk.pay_cash(Money.of("100"))
    sale = kiosk.complete(print_receipt=False)
    with terminal.ctx.db.read() as conn:
        lines = conn.execute(
            select(func.count()).where(schema.sale_line.c.sale_id == sale.sale_id)
        ).scalar_one()
    assert lines == 1
