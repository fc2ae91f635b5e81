"""Taking payment: cash with quick amounts and change, card, the customer's payment code, points, and
any mix of them; then the change and the choice to print the receipt."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.domain.money import Money
from pos_app.i18n import _
from pos_app.ui.views import BasketView, money
from pos_app.ui.widgets import Keypad, Panel, button, label, parse_money


def quick_amounts(due: Money) -> list[Money]:
    """Exact, then the next notes a customer is likely to hand over (10, 20, 50, 100 yuan)."""
    if due.minor <= 0:
        return []
    amounts = [due]
    for note in (1000, 2000, 5000, 10000):
        candidate = -(-due.minor // note) * note
        if candidate > due.minor and Money(candidate, due.currency) not in amounts:
            amounts.append(Money(candidate, due.currency))
    return sorted(amounts, key=lambda m: m.minor)[:4]


class PaymentPanel(Panel):
    cash = Signal(object)  # Money tendered
    card = Signal(object, str)  # Money, authorisation reference
    points = Signal(int)
    mobile_requested = Signal(object)  # Money to charge with the customer's payment code
    take_back = Signal()
    finish = Signal(bool)  # print the receipt?

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Payment"), parent)
        self.view: BasketView | None = None
        self.mode = "amount"  # or "card_ref" / "points"
        self._card_amount: Money | None = None
        self.stack = QStackedWidget()
        self.body.addWidget(self.stack, 1)

        # --- collecting tenders: what is due and how it is paid on the left, the keypad on the right
        collect = QWidget()
        columns = QHBoxLayout(collect)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(16)
        col = QVBoxLayout()
        col.setSpacing(8)
        row = QHBoxLayout()
        self.due_caption = label(_("To pay"), "totalLabel")
        self.due = label("", "dueAmount")
        self.due.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.due_caption)
        row.addWidget(self.due, 1)
        col.addLayout(row)
        self.summary = label("", "muted")
        col.addWidget(self.summary)
        self.tenders = QListWidget()
        self.tenders.setObjectName("tenderList")
        self.tenders.setMaximumHeight(110)
        self.tenders.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        col.addWidget(self.tenders)
        self.prompt = label("", "muted", wrap=True)
        col.addWidget(self.prompt)
        self.amount = QLineEdit()
        self.amount.setObjectName("tenderAmount")
        self.amount.returnPressed.connect(self._enter)
        col.addWidget(self.amount)
        self.quick = QHBoxLayout()
        self.quick_buttons = [button("", "quick") for _i in range(4)]
        for b in self.quick_buttons:
            b.clicked.connect(lambda _c=False, b=b: self._quick(b))
            self.quick.addWidget(b)
        col.addLayout(self.quick)
        methods = QGridLayout()
        methods.setSpacing(8)
        self.card_button = button(_("Card"), "", self._card)
        self.mobile_button = button(_("Payment code"), "", self._mobile)
        self.points_button = button(_("Points"), "", self._points)
        self.back_button = button(_("Take back last"), "danger", self.take_back.emit)
        for i, b in enumerate((self.card_button, self.mobile_button, self.points_button, self.back_button)):
            b.setMinimumHeight(60)
            methods.addWidget(b, i // 2, i % 2)
        col.addLayout(methods)
        col.addStretch(1)
        columns.addLayout(col, 3)
        self.keypad = Keypad(target=self.amount, enter_text=_("Cash"))
        self.keypad.enter.connect(self._enter)
        keypad_column = QVBoxLayout()
        keypad_column.addStretch(1)
        keypad_column.addWidget(self.keypad)
        columns.addLayout(keypad_column, 2)
        self.stack.addWidget(collect)

        # --- settled: change and receipt
        done = QWidget()
        dl = QVBoxLayout(done)
        dl.setContentsMargins(120, 10, 120, 10)
        self.change_caption = label(_("Change"), "totalLabel")
        self.change_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.change = label("", "changeAmount")
        self.change.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.settled_tenders = label("", "muted", wrap=True)
        self.settled_tenders.setAlignment(Qt.AlignmentFlag.AlignCenter)
        dl.addWidget(self.change_caption)
        dl.addWidget(self.change)
        dl.addWidget(self.settled_tenders)
        dl.addStretch(1)
        self.print_button = button(
            _("Print receipt") + "  (Enter)", "primary", lambda: self.finish.emit(True)
        )
        self.print_button.setMinimumHeight(72)
        self.no_receipt_button = button(_("No receipt"), "", lambda: self.finish.emit(False))
        dl.addWidget(self.print_button)
        dl.addWidget(self.no_receipt_button)
        self.stack.addWidget(done)

        self.primary.hide()
        self.secondary.setText(_("Back to the sale"))

    # --- rendering --------------------------------------------------------------------------------
    def update_view(self, view: BasketView) -> None:
        self.view = view
        payment = view.payment
        if payment is None:
            return
        self.tenders.clear()
        self.tenders.setVisible(bool(payment.tenders))
        for t in payment.tenders:
            self.tenders.addItem(f"{t.label}   {t.amount}   {t.detail}".rstrip())
        if payment.settled:
            self.stack.setCurrentIndex(1)
            self.change.setText(money(payment.change))
            self.settled_tenders.setText(
                "\n".join(f"{t.label}  {t.amount}  {t.detail}" for t in payment.tenders)
            )
            self.title.setText(_("Paid"))
            self.secondary.hide()
            self.print_button.setFocus()
            return
        self.stack.setCurrentIndex(0)
        self.title.setText(_("Payment"))
        self.secondary.show()
        parts = [
            _("Total {amount}").format(amount=money(payment.total)),
            _("{n} items").format(n=view.item_count),
        ]
        if view.discount_total.minor:
            parts.append(_("you save {amount}").format(amount=money(view.discount_total)))
        if view.member is not None:
            parts.append(_("member {phone}").format(phone=view.member.phone))
        self.summary.setText("  ·  ".join(parts))
        self.due.setText(money(payment.due))
        if payment.cash_due != payment.due:
            self.due_caption.setText(_("To pay (cash {amount})").format(amount=money(payment.cash_due)))
        else:
            self.due_caption.setText(_("To pay"))
        for b, amount in zip(self.quick_buttons, quick_amounts(payment.cash_due) + [None] * 4, strict=False):
            b.setVisible(amount is not None)
            if amount is not None:
                b.setText(money(amount))
                b.setProperty("amount", amount.minor)
        self.points_button.setEnabled(payment.points_available > 0)
        self.points_button.setText(
            _("Points ({points})").format(points=payment.points_available)
            if payment.points_available
            else _("Points")
        )
        self._set_mode("amount")

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.amount.clear()
        payment = self.view.payment if self.view else None
        if mode == "amount":
            self.prompt.setText(_("Cash received (or choose another way to pay)"))
            self.amount.setPlaceholderText(money(payment.cash_due) if payment else "")
            self.keypad.ok.setText(_("Cash"))
        elif mode == "card_ref":
            self.prompt.setText(
                _("Charge {amount} on the card terminal, then enter the approval code from its slip.").format(
                    amount=money(self._card_amount)
                )
            )
            self.amount.setPlaceholderText(_("Approval code"))
            self.keypad.ok.setText(_("Confirm card"))
        elif mode == "points":
            available = payment.points_available if payment else 0
            self.prompt.setText(_("Points to use (up to {points})").format(points=available))
            self.amount.setPlaceholderText(str(available))
            self.keypad.ok.setText(_("Use points"))
        self.amount.setFocus()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.amount.setFocus()

    # --- actions ----------------------------------------------------------------------------------
    def _quick(self, b) -> None:
        amount = b.property("amount")
        if amount:
            self.cash.emit(Money(int(amount)))

    def _enter(self) -> None:
        payment = self.view.payment if self.view else None
        if payment is None:
            return
        if payment.settled:
            self.finish.emit(True)
            return
        text = self.amount.text()
        if self.mode == "card_ref":
            reference = text.strip()
            if not reference:
                self.fail(_("Enter the approval code printed by the card terminal"))
                return
            self.card.emit(self._card_amount, reference)
            return
        if self.mode == "points":
            points = text.strip() or str(payment.points_available)
            if not points.isdigit() or int(points) <= 0:
                self.fail(_("Enter a number of points"))
                return
            self.points.emit(int(points))
            return
        value = parse_money(text) if text.strip() else payment.cash_due
        if value is None:
            self.fail(_("Enter an amount, e.g. 100 or 35.50"))
            return
        self.cash.emit(value)

    def _card(self) -> None:
        payment = self.view.payment if self.view else None
        if payment is None:
            return
        typed = (
            parse_money(self.amount.text()) if self.mode == "amount" and self.amount.text().strip() else None
        )
        self._card_amount = typed or payment.due
        self._set_mode("card_ref")

    def _points(self) -> None:
        self._set_mode("points")

    def _mobile(self) -> None:
        payment = self.view.payment if self.view else None
        if payment is None:
            return
        typed = (
            parse_money(self.amount.text()) if self.mode == "amount" and self.amount.text().strip() else None
        )
        amount = typed or payment.due
        self.prompt.setText(_("Scan the customer's payment code for {amount}").format(amount=money(amount)))
        self.mobile_requested.emit(amount)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(
            self.focusWidget(), QLineEdit
        ):
            self._enter()  # e.g. Enter on the "paid" page prints the receipt
            return
        super().keyPressEvent(event)
