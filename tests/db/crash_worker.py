"""Child process for the crash test: completes sales until it is killed."""

import random
import sys
from pathlib import Path

from pos_app.app import build_terminal
from pos_app.domain.money import Money


def main(home: str, pin: str, seed: int) -> None:
    terminal = build_terminal(Path(home))
    staff = terminal.staff.sign_in(1001, pin)
    co = terminal.checkout
    co.set_cashier(staff)
    co.restore_active()
    rng = random.Random(seed)
    codes = [line.strip() for line in (Path(home) / "codes.txt").read_text().splitlines() if line.strip()]
    print("ready", flush=True)
    while True:
        if co.payment is None or not co.payment.tenders:
            co.new_basket()
            for _ in range(rng.randint(1, 6)):
                co.scan(rng.choice(codes))
        total = co.pricing().total
        if rng.random() < 0.3 and (co.payment is None or co.payment.due == total):
            co.pay_card(Money(max(total.minor // 2, 1)), f"AUTH{rng.randint(0, 10**6)}")
        payment = co.start_payment()
        if not payment.is_settled:  # a restored payment may already be complete
            co.pay_cash(Money(payment.due.minor + rng.randint(0, 5000)))
        co.complete(print_receipt=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
