"""Taking payment: cash with quick amounts and change, card, the customer's payment code, points, and
any mix of them; then the change and the choice to print the receipt."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.domain.money import Money
from pos_app.domain.tenders import too_much_change
from pos_app.i18n import _
from pos_app.ui.customer_display import qr_pixmap
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
    cash = Signal(object, bool)  # Money tendered, confirmed (more change than the store's threshold)
    card = Signal(object, str)  # Money, authorisation reference (a stand-alone card terminal)
    card_terminal = Signal(object)  # Money to charge on the connected card terminal
    points = Signal(object)  # a Python int: no 32-bit limit on what was typed
    mobile_requested = Signal(object)  # Money to charge with the customer's payment code
    code_typed = Signal(str)  # the customer's payment code, typed (the reader could not read it)
    qr_requested = Signal(object)  # Money: show a payment QR code to the customer
    check_qr = Signal()
    cancel_qr = Signal()
    check_pending = Signal()
    settle_pending = Signal(bool, str)  # charged?, reference from the terminal's slip
    take_back = Signal()
    finish = Signal(bool)  # print the receipt?

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        card_terminal: bool = False,
        mobile: bool = False,
        offer_qr: bool = False,
        confirm_change_above: Money | None = None,
    ) -> None:
        super().__init__(_("Payment"), parent)
        self.view: BasketView | None = None
        self.confirm_change_above = confirm_change_above
        self._unconfirmed: Money | None = None  # cash received that waits for the cashier's "yes"
        self._confirm_by_key = False
        self.has_card_terminal = card_terminal
        self.has_mobile = mobile
        self.qr_data = ""
        self.mode = "amount"  # or "card_ref" / "points"
        self._card_amount: Money | None = None
        self._code_amount: Money | None = None
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
        self.mobile_button.setEnabled(mobile)
        if not mobile:
            self.mobile_button.setToolTip(_("Mobile payments are not set up on this till"))
        self.points_button = button(_("Points"), "", self._points)
        self.qr_button = button(_("QR code to scan"), "", self._qr)
        self.qr_button.setVisible(mobile and offer_qr)
        self.back_button = button(_("Take back last"), "danger", self.take_back.emit)
        buttons = [self.card_button, self.mobile_button, self.points_button, self.back_button]
        if mobile and offer_qr:
            buttons.insert(2, self.qr_button)
        for i, b in enumerate(buttons):
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
        # until the sale is completed (and the drawer opens) the last payment can still go back
        self.take_back_paid_button = button(_("Take back the last payment"), "danger", self.take_back.emit)
        dl.addWidget(self.print_button)
        dl.addWidget(self.no_receipt_button)
        dl.addWidget(self.take_back_paid_button)
        self.stack.addWidget(done)

        # --- a charge sent to a device without an answer yet
        pending = QWidget()
        pl = QVBoxLayout(pending)
        pl.setContentsMargins(80, 10, 80, 10)
        self.pending_text = label("", "totalLabel", wrap=True)
        self.qr_image = QLabel()
        self.qr_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pl.addWidget(self.pending_text)
        pl.addWidget(self.qr_image, 1)
        row = QHBoxLayout()
        self.check_button = button(_("Check the payment"), "primary", self._check)
        self.cancel_qr_button = button(_("Cancel the QR code"), "danger", self.cancel_qr.emit)
        self.charged_button = button(_("It was charged (supervisor)"), "", self._charged)
        self.not_charged_button = button(
            _("It was not charged (supervisor)"), "", lambda: self.settle_pending.emit(False, "")
        )
        for b in (self.check_button, self.cancel_qr_button, self.charged_button, self.not_charged_button):
            b.setMinimumHeight(60)
            row.addWidget(b)
        pl.addLayout(row)
        self.slip_reference = QLineEdit()
        self.slip_reference.setObjectName("slipReference")
        self.slip_reference.setPlaceholderText(_("Reference printed on the terminal's slip"))
        pl.addWidget(self.slip_reference)
        self.stack.addWidget(pending)
        self._qr_timer = QTimer(self)
        self._qr_timer.timeout.connect(self.check_qr.emit)

        # --- far more cash than is due: the cashier confirms what the customer handed over
        confirm = QWidget()
        cl = QVBoxLayout(confirm)
        cl.setContentsMargins(80, 10, 80, 10)
        self.confirm_text = label("", "totalLabel", wrap=True)
        self.confirm_change = label("", "changeAmount")
        self.confirm_change.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cl.addWidget(self.confirm_text)
        cl.addWidget(self.confirm_change)
        cl.addStretch(1)
        self.confirm_button = button("", "primary", self._confirm_cash)
        self.correct_button = button(_("No, correct the amount"), "", self._correct_cash)
        for b in (self.confirm_button, self.correct_button):
            b.setMinimumHeight(60)
            cl.addWidget(b)
        self.stack.addWidget(confirm)

        self.primary.hide()
        self.secondary.setText(_("Back to the sale"))

    # --- rendering --------------------------------------------------------------------------------
    def update_view(self, view: BasketView) -> None:
        self.view = view
        payment = view.payment
        if payment is None or self._unconfirmed is not None:
            return
        if view.pending is not None:
            self._show_pending(view)
            return
        self._qr_timer.stop()
        self.qr_data = ""
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

    def _show_pending(self, view: BasketView) -> None:
        pending = view.pending
        self.stack.setCurrentIndex(2)
        self.secondary.hide()
        waiting_qr = pending.kind == "qr" and pending.state == "waiting"
        if waiting_qr:
            self.title.setText(_("Waiting for the customer to pay"))
            self.pending_text.setText(
                _(
                    "The customer scans the QR code and pays {amount}. It is checked every few seconds."
                ).format(amount=money(pending.amount))
            )
            if self.qr_data:
                self.qr_image.setPixmap(qr_pixmap(self.qr_data, 260))
            if not self._qr_timer.isActive():
                self._qr_timer.start(3000)
        else:
            self._qr_timer.stop()
            self.qr_image.clear()
            device = _("card terminal") if pending.kind == "card" else _("payment platform")
            self.title.setText(_("Payment not confirmed"))
            self.pending_text.setText(
                _(
                    "The {device} has not said whether {amount} was charged. Do NOT charge again: check the "
                    "payment, or let a supervisor settle it from the terminal's slip."
                ).format(device=device, amount=money(pending.amount))
            )
        self.cancel_qr_button.setVisible(waiting_qr)
        manual = not waiting_qr
        for widget in (self.charged_button, self.not_charged_button, self.slip_reference):
            widget.setVisible(manual)

    def _check(self) -> None:
        pending = self.view.pending if self.view else None
        if pending is not None and pending.kind == "qr" and pending.state == "waiting":
            self.check_qr.emit()
        else:
            self.check_pending.emit()

    def _charged(self) -> None:
        reference = self.slip_reference.text().strip()
        if not reference:
            self.fail(_("Enter the reference printed on the terminal's slip"))
            return
        self.settle_pending.emit(True, reference)

    def show_qr(self, data: str) -> None:
        self.qr_data = data
        if self.view is not None and self.view.pending is not None:
            self._show_pending(self.view)

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
        elif mode == "code":
            self.prompt.setText(
                _("Scan the customer's payment code for {amount}, or type its digits").format(
                    amount=money(self._code_amount)
                )
            )
            self.amount.setPlaceholderText(_("Payment code"))
            self.keypad.ok.setText(_("Charge"))
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
            self._take_cash(Money(int(amount)))

    def _enter(self) -> None:
        payment = self.view.payment if self.view else None
        if payment is None:
            return
        if payment.settled:
            self.finish.emit(True)
            return
        text = self.amount.text()
        if self.mode == "code":
            digits = text.strip().replace(" ", "")
            if not (digits.isdigit() and 16 <= len(digits) <= 24):
                self.fail(_("Type the 18 digits under the customer's payment code"))
                return
            self.code_typed.emit(digits)
            return
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
        self._take_cash(value)

    def _take_cash(self, value: Money) -> None:
        """Cash received; far more than is due is confirmed first (a mistyped amount loses nothing)."""
        payment = self.view.payment if self.view else None
        change = value - payment.cash_due if payment is not None else None
        if change is None:
            return
        refused = too_much_change(value, payment.cash_due)
        if refused is not None:
            self.fail(refused)
            self.amount.selectAll()
            return
        if self.confirm_change_above is not None and change > self.confirm_change_above:
            self._unconfirmed = value
            self.stack.setCurrentIndex(3)
            self.title.setText(_("Check the cash received"))
            self.secondary.hide()
            self.confirm_text.setText(
                _("{tendered} received for {due} due. Is that what the customer handed over?").format(
                    tendered=money(value), due=money(payment.cash_due)
                )
            )
            self.confirm_change.setText(_("Change {amount}").format(amount=money(change)))
            self.confirm_button.setText(_("Yes, give {amount} change").format(amount=money(change)))
            # Enter confirms once the Enter that typed the amount is done (hiding the amount field moves
            # the focus, and that same key event then reaches this panel)
            self._confirm_by_key = False
            QTimer.singleShot(0, self._ready_to_confirm)
            return
        self.cash.emit(value, False)

    def _ready_to_confirm(self) -> None:
        self._confirm_by_key = True
        self.confirm_button.setFocus()

    def _confirm_cash(self) -> None:
        value, self._unconfirmed = self._unconfirmed, None
        if self.view is not None:
            self.update_view(self.view)  # back to the amounts; the paid page follows when it is taken
        if value is not None:
            self.cash.emit(value, True)

    def _correct_cash(self) -> None:
        value, self._unconfirmed = self._unconfirmed, None
        if self.view is not None:
            self.update_view(self.view)
        if value is not None:
            self.amount.setText(value.plain())
        self.amount.setFocus()
        self.amount.selectAll()

    def cancel(self) -> None:
        """Esc (or Back) while confirming the cash goes back to the amount, not out of the payment."""
        if self._unconfirmed is not None:
            self._correct_cash()
            return
        super().cancel()

    def _typed_amount(self) -> Money | None:
        """The amount typed for a card or mobile payment (else all that is due)."""
        if self.mode == "amount" and self.amount.text().strip():
            return parse_money(self.amount.text())
        return None

    def _card(self) -> None:
        payment = self.view.payment if self.view else None
        if payment is None:
            return
        if self.has_card_terminal:
            self.card_terminal.emit(self._typed_amount())
            self.prompt.setText(_("Waiting for the card terminal..."))
            return
        self._card_amount = self._typed_amount() or payment.due
        self._set_mode("card_ref")

    def _points(self) -> None:
        self._set_mode("points")

    def _mobile(self) -> None:
        payment = self.view.payment if self.view else None
        if payment is None:
            return
        self._code_amount = self._typed_amount() or payment.due
        self._set_mode("code")
        self.mobile_requested.emit(self._code_amount)

    def _qr(self) -> None:
        if self.view is not None and self.view.payment is not None:
            self.qr_requested.emit(self._typed_amount())

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(
            self.focusWidget(), QLineEdit
        ):
            if self._unconfirmed is not None:
                if self._confirm_by_key:
                    self._confirm_cash()
            else:
                self._enter()  # e.g. Enter on the "paid" page prints the receipt
            return

        super().keyPressEvent(event)
