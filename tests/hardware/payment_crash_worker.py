"""Child process for test_payments_crash: rings up a basket and pays it; the simulated terminal or
gateway charges, then this process is killed with SIGKILL before the answer is handled."""

import os
import signal
import sys
from pathlib import Path

from hardware.payment import SimulatedMobileGateway, SimulatedPaymentTerminal
from pos_app.app import build_terminal
from pos_app.domain.barcodes import PaymentProvider
from pos_app.services.payments import PaymentService
from pos_app.services.scanning import PaymentScan


def main(home: str, pin: str, ledger: str, kind: str) -> None:
    terminal = build_terminal(Path(home))
    staff = terminal.staff.sign_in(1001, pin)
    terminal.checkout.set_cashier(staff)
    for code in Path(home, "codes.txt").read_text().split():
        terminal.checkout.scan(code)
    if kind == "card":
        device = SimulatedPaymentTerminal(["crash_after_charge"], state_path=ledger)
        payments = PaymentService(terminal.ctx, terminal.checkout, terminal=device)
    else:
        device = SimulatedMobileGateway(["crash_after_charge"], state_path=ledger)
        payments = PaymentService(terminal.ctx, terminal.checkout, gateway=device)
    device.on_crash = lambda: os.kill(os.getpid(), signal.SIGKILL)
    if kind == "card":
        payments.pay_card()
    else:
        payments.pay_mobile_code(PaymentScan(PaymentProvider.ALIPAY, "281234567890123456"))
    print("not killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
