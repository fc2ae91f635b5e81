"""Panels for the less frequent work at the till: online pickups, returns, voiding a sale, cash in and
out, the X report, closing the till with a blind count and the Z report, settings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from pos_app.domain.catalog import MILLI, Unit, format_quantity
from pos_app.domain.receipt import COLUMNS_80MM, compose
from pos_app.domain.returns import ReturnedSoFar, SaleRecord
from pos_app.i18n import _, current_language
from pos_app.services.pickup import PickupOrder
from pos_app.ui.panels import field
from pos_app.ui.views import money
from pos_app.ui.widgets import Keypad, Panel, button, choice, label, parse_money


def rows_text(rows, columns: int = COLUMNS_80MM) -> str:
    lines: list[str] = []
    for row in rows:
        lines.extend(compose(row, columns))
    return "\n".join(lines)


def receipt_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName("receiptView")
    view.setReadOnly(True)
    font = QFont("WenQuanYi Micro Hei Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    view.setFont(font)
    return view


class PickupPanel(Panel):
    """An online order picked up in store: scan its pickup QR or type the 6 digits, check, hand over."""

    find = Signal(str)
    hand_over = Signal(int)
    mark_ready = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Online order pickup"), parent)
        self.order: PickupOrder | None = None
        self.code = field(_("Pickup code (6 digits), or scan the customer's pickup QR code"), "pickupCode")
        self.code.setMaxLength(6)
        self.code.returnPressed.connect(self._find)
        row = QHBoxLayout()
        row.addWidget(self.code, 1)
        row.addWidget(button(_("Find"), "", self._find))
        self.body.addLayout(row)
        self.summary = label("", "", wrap=True)
        self.body.addWidget(self.summary)
        self.lines = QTableWidget(0, 3)
        self.lines.setObjectName("pickupLines")
        self.lines.setHorizontalHeaderLabels([_("Item"), _("Qty"), _("Amount")])
        self.lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lines.verticalHeader().hide()
        self.lines.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.body.addWidget(self.lines, 1)
        self.keypad = Keypad(target=self.code, enter_text=_("Find"))
        self.keypad.enter.connect(self._find)
        self.body.addWidget(self.keypad)
        self.primary.setText(_("Hand over"))
        self.primary.setEnabled(False)
        # staff prepare a paid order in the store, then say so here (it syncs to the platform)
        self.ready_button = button(_("Mark ready"), "success", self._mark_ready)
        self.ready_button.hide()
        self.buttons.insertWidget(1, self.ready_button)
        self.initial_focus = self.code
        self.accepted.connect(self._hand_over)

    def _find(self) -> None:
        code = self.code.text().strip()
        if not (code.isdigit() and len(code) == 6):
            self.fail(_("A pickup code has 6 digits"))
            return
        self.error.clear()
        self.find.emit(code)

    def show_order(self, order: PickupOrder) -> None:
        self.order = order
        self.code.setText(order.code)
        language = current_language()
        status = order.status_label.get(language)
        where = _("checked online") if order.checked_online else _("as last synced (offline)")
        self.summary.setText(
            _("Order {id} · {customer} · {status} ({where}) · {total}").format(
                id=order.id,
                customer=order.customer_masked or _("guest (no member account)"),
                status=status,
                where=where,
                total=money(order.total),
            )
        )
        self.lines.setRowCount(len(order.lines))
        for row, line in enumerate(order.lines):
            self.lines.setItem(row, 0, QTableWidgetItem(line.name.get(language)))
            qty = QTableWidgetItem(format_quantity(line.quantity, Unit.EACH))
            qty.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.lines.setItem(row, 1, qty)
            amount = QTableWidgetItem(money(line.amount))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.lines.setItem(row, 2, amount)
        ready = order.status == "ready" and order.paid and not order.handed_over_here
        preparing = order.status == "paid" and order.paid and not order.handed_over_here
        self.primary.setEnabled(ready)
        self.ready_button.setVisible(preparing)
        if order.handed_over_here or order.status == "handed_over":
            self.fail(_("This order was already picked up"))
        elif order.status == "cancelled":
            self.fail(_("This order was cancelled online. Do not hand it over."))
        elif preparing:
            self.fail(_("Being prepared: when its goods are packed, mark it ready, then hand it over."))
        elif not ready:
            self.fail(_("This order is not ready for pickup yet"))
        else:
            self.error.clear()

    def _hand_over(self) -> None:
        if self.order is not None:
            self.hand_over.emit(self.order.id)

    def _mark_ready(self) -> None:
        if self.order is not None:
            self.mark_ready.emit(self.order.id)


class WeighedReturn(QCheckBox):
    """A weighed line on the return screen: ticked, its whole weight comes back. Reads like the
    pieces' spin box (``value`` 0 or 1) so the panel treats both alike."""

    valueChanged = Signal(int)

    def __init__(self, weight: str, returnable: bool, parent: QWidget | None = None) -> None:
        super().__init__(weight, parent)
        self.setEnabled(returnable)
        self.toggled.connect(lambda on: self.valueChanged.emit(int(on)))

    def value(self) -> int:
        return int(self.isChecked())

    def setValue(self, value: int) -> None:
        self.setChecked(bool(value) and self.isEnabled())

    def maximum(self) -> int:
        return int(self.isEnabled())


class ReturnPanel(Panel):
    """Return goods against a receipt: scan its QR code or type its number, choose what comes back."""

    find = Signal(str)
    refund = Signal(str, object, str)  # receipt, {line_no: thousandths}, reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Return goods"), parent)
        self.sale: SaleRecord | None = None
        self.receipt = field(_("Scan the receipt's QR code or type the receipt number"), "receiptField")
        self.receipt.returnPressed.connect(self._find)
        row = QHBoxLayout()
        row.addWidget(self.receipt, 1)
        row.addWidget(button(_("Find"), "", self._find))
        self.body.addLayout(row)
        self.summary = label("", "", wrap=True)
        self.body.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("returnLines")
        self.table.setHorizontalHeaderLabels([_("Item"), _("Sold"), _("Paid"), _("Can return"), _("Return")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.body.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(button(_("Return everything"), "", self._all))
        buttons.addWidget(button(_("Clear"), "", self._none))
        self.body.addLayout(buttons)
        self.reason = field(_("Reason, e.g. wrong size, faulty"), "returnReason")
        self.body.addWidget(self.reason)
        self.primary.setText(_("Refund"))
        self.primary.setEnabled(False)
        self.accepted.connect(self._refund)
        self.spins: dict[int, QSpinBox | WeighedReturn] = {}

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.sale is None:
            self.receipt.setFocus()

    def _find(self) -> None:
        text = self.receipt.text().strip()
        if not text:
            self.fail(_("Scan or type the receipt number"))
            return
        self.error.clear()
        self.find.emit(text)

    def show_sale(self, sale: SaleRecord, so_far: ReturnedSoFar) -> None:
        self.sale = sale
        self.receipt.setText(sale.receipt_no)
        self.summary.setText(
            _("Receipt {no} · paid {total}").format(no=sale.receipt_no, total=money(sale.total))
            + ("  " + _("(voided)") if sale.voided else "")
        )
        language = current_language()
        self.table.setRowCount(len(sale.lines))
        self.spins.clear()
        for row, line in enumerate(sale.lines):
            left = line.quantity - so_far.quantities.get(line.line_no, 0)
            unit = " kg" if line.unit is Unit.KG else ""
            self.table.setItem(row, 0, QTableWidgetItem(line.name.get(language)))
            for col, text in (
                (1, format_quantity(line.quantity, line.unit) + unit),
                (2, money(line.net)),
                (3, format_quantity(left, line.unit) + unit),
            ):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
            if line.unit is Unit.KG:
                # weighed goods come back whole (by their weight) or not at all: a tick, not a count
                spin = WeighedReturn(format_quantity(left, Unit.KG) + " kg", bool(left))
            else:
                spin = QSpinBox()
                spin.setRange(0, left // MILLI)
            spin.setObjectName(f"returnQty{line.line_no}")
            spin.setMinimumHeight(40)
            spin.valueChanged.connect(self._changed)
            self.table.setCellWidget(row, 4, spin)
            self.spins[line.line_no] = spin
        self.table.resizeRowsToContents()
        self._changed()
        if sale.voided:
            self.fail(_("This sale was voided; there is nothing to return"))

    def quantities(self) -> dict[int, int]:
        if self.sale is None:
            return {}
        by_no = {line.line_no: line for line in self.sale.lines}
        chosen = {}
        for line_no, spin in self.spins.items():
            if spin.value():
                line = by_no[line_no]
                if line.unit is Unit.KG:
                    chosen[line_no] = line.quantity  # the whole remaining weight; planning checks it
                else:
                    chosen[line_no] = spin.value() * MILLI
        return chosen

    def _changed(self) -> None:
        self.primary.setEnabled(bool(self.quantities()))

    def _all(self) -> None:
        for spin in self.spins.values():
            spin.setValue(spin.maximum())

    def _none(self) -> None:
        for spin in self.spins.values():
            spin.setValue(0)

    def _refund(self) -> None:
        if self.sale is None or not self.quantities():
            self.fail(_("Choose what to return"))
            return
        self.refund.emit(self.sale.receipt_no, self.quantities(), self.reason.text().strip())


class VoidPanel(Panel):
    """Void a whole sale of this till session (a supervisor approves)."""

    void = Signal(str, str)

    def __init__(self, last_receipt: str = "", parent: QWidget | None = None) -> None:
        super().__init__(_("Void a sale"), parent)
        self.body.addWidget(
            label(
                _("Everything paid goes back the way it was paid. Only sales of the open till."),
                "muted",
                wrap=True,
            )
        )
        self.receipt = field(_("Receipt number or QR code"), "voidReceipt")
        self.receipt.setText(last_receipt)
        self.reason = field(_("Reason (required)"), "voidReason")
        self.body.addWidget(self.receipt)
        self.body.addWidget(self.reason)
        self.body.addStretch(1)
        self.initial_focus = self.reason if last_receipt else self.receipt
        self.primary.setText(_("Void sale"))
        self.primary.setProperty("kind", "danger")
        self.accepted.connect(self._void)

    def _void(self) -> None:
        if not self.receipt.text().strip():
            self.fail(_("Scan or type the receipt number"))
            return
        if not self.reason.text().strip():
            self.fail(_("Say why the sale is voided"))
            return
        self.void.emit(self.receipt.text().strip(), self.reason.text().strip())


class CashPanel(Panel):
    """Cash into or out of the drawer (change from the safe, banking takings)."""

    move = Signal(str, object, str)  # kind, Money, reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Cash in / out"), parent)
        self.kind = choice("cashKind")
        self.kind.addItem(_("Take cash out (to the safe)"), "cash_out")
        self.kind.addItem(_("Put cash in (change)"), "cash_in")
        self.amount = field(_("Amount"), "cashAmount")
        self.reason = field(_("Reason"), "cashReason")
        self.keypad = Keypad(target=self.amount)
        self.keypad.enter.connect(self.accept)
        self.amount.returnPressed.connect(self.reason.setFocus)
        self.reason.returnPressed.connect(self.accept)
        self.body.addWidget(self.kind)
        self.body.addWidget(self.amount)
        self.body.addWidget(self.reason)
        self.body.addWidget(self.keypad)
        self.initial_focus = self.amount
        self.accepted.connect(self._move)

    def _move(self) -> None:
        value = parse_money(self.amount.text())
        if value is None or value.minor <= 0:
            self.fail(_("Enter an amount more than zero"))
            return
        self.move.emit(self.kind.currentData(), value, self.reason.text().strip())


class ReportPanel(Panel):
    """An X or Z report on screen, as it prints."""

    print_report = Signal()

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.view = receipt_view()
        self.view.setPlainText(text)
        self.body.addWidget(self.view, 1)
        self.primary.setText(_("Print"))
        self.secondary.setText(_("Close"))
        self.accepted.connect(self.print_report.emit)


class ClosePanel(Panel):
    """Close the till: count the drawer first (blind), then see the Z report with the difference."""

    close_till = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Close the till"), parent)
        self.body.addWidget(
            label(
                _(
                    "Count all the cash in the drawer and enter the total. The expected amount is "
                    "shown only after you confirm."
                ),
                "muted",
                wrap=True,
            )
        )
        self.amount = field(_("Cash counted"), "countedCash")
        self.keypad = Keypad(target=self.amount)
        self.keypad.enter.connect(self.accept)
        self.amount.returnPressed.connect(self.accept)
        self.body.addWidget(self.amount)
        self.body.addWidget(self.keypad)
        self.primary.setText(_("Close till"))
        self.initial_focus = self.amount
        self.accepted.connect(self._close)

    def _close(self) -> None:
        value = parse_money(self.amount.text())
        if value is None or value.minor < 0:
            self.fail(_("Enter the cash counted, e.g. 1234.50"))
            return
        self.close_till.emit(value)
