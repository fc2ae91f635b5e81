"""In-window panels for routine till work: quantity and weight, supervisor approval, price override,
member by phone, held baskets, the function menu. Each is shown beside the basket; none is modal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QListWidget, QListWidgetItem, QWidget

from pos_app.domain.catalog import MILLI
from pos_app.domain.permissions import Permission, permission_label
from pos_app.i18n import _
from pos_app.ui.views import LineView, money
from pos_app.ui.widgets import Keypad, Panel, button, label, parse_money


def field(placeholder: str = "", name: str = "", password: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if name:
        edit.setObjectName(name)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def parse_quantity(text: str, weighed: bool) -> int | None:
    """Thousandths from what was typed: pieces (``3``) or kilograms (``0.455`` or ``455g``)."""
    cleaned = text.strip().lower().replace(",", ".").replace("。", ".")
    if not cleaned:
        return None
    grams = cleaned.endswith("g") and not cleaned.endswith("kg")
    cleaned = cleaned.removesuffix("kg").removesuffix("g").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if value <= 0:
        return None
    if weighed:
        return round(value) if grams else round(value * MILLI)
    if value != int(value):
        return None
    return int(value) * MILLI


class QuantityPanel(Panel):
    """Quantity of a line, or the weight of a weighed item (typed from the scale display)."""

    chosen = Signal(int)

    def __init__(self, title: str, weighed: bool, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.weighed = weighed
        self.hint = label(
            _("Weight in kg (e.g. 0.455) or grams (e.g. 455g)") if weighed else _("Number of pieces"), "muted"
        )
        self.value = field(current, "quantityField")
        self.value.returnPressed.connect(self.accept)
        self.keypad = Keypad(target=self.value)
        self.keypad.enter.connect(self.accept)
        self.body.addWidget(self.hint)
        self.body.addWidget(self.value)
        self.body.addWidget(self.keypad)
        self.accepted.connect(self._chosen)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.value.setFocus()

    def _chosen(self) -> None:
        quantity = parse_quantity(self.value.text(), self.weighed)
        if quantity is None:
            self.fail(
                _("Enter a weight, e.g. 0.455") if self.weighed else _("Enter a whole number of pieces")
            )
            return
        self.chosen.emit(quantity)


class ApprovalPanel(Panel):
    """A supervisor enters their staff number and PIN to allow one action; checked by the services."""

    approve = Signal(int, str)

    def __init__(self, permission: Permission, parent: QWidget | None = None) -> None:
        super().__init__(_("Supervisor approval"), parent)
        self.permission = permission
        self.what = label(
            _("To {action}, a supervisor signs here.").format(action=permission_label(permission)), wrap=True
        )
        self.staff = field(_("Supervisor's staff number"), "approverNumber")
        self.pin = field(_("PIN"), "approverPin", password=True)
        self.keypad = Keypad(target=self.staff)
        self.staff.returnPressed.connect(
            lambda: (self.pin.setFocus(), setattr(self.keypad, "target", self.pin))
        )
        self.pin.returnPressed.connect(self.accept)
        self.keypad.enter.connect(self.accept)
        for edit in (self.staff, self.pin):
            edit.installEventFilter(self)
        self.body.addWidget(self.what)
        self.body.addWidget(self.staff)
        self.body.addWidget(self.pin)
        self.body.addWidget(self.keypad)
        self.primary.setText(_("Approve"))
        self.accepted.connect(self._approve)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == event.Type.FocusIn:
            self.keypad.target = watched
        return False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.staff.setFocus()

    def _approve(self) -> None:
        if not self.staff.text().strip().isdigit() or not self.pin.text():
            self.fail(_("Enter the supervisor's staff number and PIN"))
            return
        self.approve.emit(int(self.staff.text().strip()), self.pin.text())
        self.pin.clear()


class PricePanel(Panel):
    """A new unit price for a line (a supervisor approves it next)."""

    chosen = Signal(object, str)  # Money, reason

    def __init__(self, line: LineView, parent: QWidget | None = None) -> None:
        super().__init__(_("Change price"), parent)
        self.body.addWidget(label(f"{line.name}  ({line.unit_price})", wrap=True))
        self.price = field(_("New price"), "priceField")
        self.reason = field(_("Reason, e.g. damaged packaging"), "reasonField")
        self.keypad = Keypad(target=self.price)
        self.keypad.enter.connect(self.accept)
        self.price.returnPressed.connect(self.accept)
        self.body.addWidget(self.price)
        self.body.addWidget(self.reason)
        self.body.addWidget(self.keypad)
        self.accepted.connect(self._chosen)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.price.setFocus()

    def _chosen(self) -> None:
        value = parse_money(self.price.text())
        if value is None or value.minor < 0:
            self.fail(_("Enter the new price, e.g. 9.90"))
            return
        self.chosen.emit(value, self.reason.text().strip())


class MemberPanel(Panel):
    """Find a member by phone number (or ask them to show their member QR code)."""

    phone_entered = Signal(str)
    clear_member = Signal()

    def __init__(self, has_member: bool, parent: QWidget | None = None) -> None:
        super().__init__(_("Member"), parent)
        self.body.addWidget(
            label(_("Scan the member's QR code, or type their phone number."), "muted", wrap=True)
        )
        self.phone = field(_("Phone number"), "phoneField")
        self.phone.setMaxLength(20)
        self.phone.returnPressed.connect(self.accept)
        self.keypad = Keypad(target=self.phone)
        self.keypad.enter.connect(self.accept)
        self.body.addWidget(self.phone)
        self.body.addWidget(self.keypad)
        if has_member:
            self.body.addWidget(button(_("Remove member from this sale"), "danger", self.clear_member.emit))
        self.primary.setText(_("Find member"))
        self.accepted.connect(self._find)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.phone.setFocus()

    def _find(self) -> None:
        digits = "".join(ch for ch in self.phone.text() if ch.isdigit())
        if len(digits) < 8:
            self.fail(_("Enter the member's full phone number"))
            return
        self.phone_entered.emit(digits)


class HeldPanel(Panel):
    """Baskets on hold, oldest first; pick one to bring it back."""

    recall = Signal(str)

    def __init__(self, held: list[dict], parent: QWidget | None = None) -> None:
        super().__init__(_("Held sales"), parent)
        self.items = QListWidget()
        self.items.setObjectName("heldList")
        for entry in held:
            when = entry["created_at"][11:16]
            text = _("{time}  {lines} lines  {total}  {label}").format(
                time=when, lines=entry["line_count"], total=money(entry["total"]), label=entry["label"]
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, entry["id"])
            self.items.addItem(item)
        if held:
            self.items.setCurrentRow(0)
        else:
            self.body.addWidget(label(_("No sales are on hold."), "muted"))
        self.items.itemActivated.connect(lambda _item: self.accept())
        self.body.addWidget(self.items)
        self.primary.setText(_("Recall"))
        self.primary.setEnabled(bool(held))
        self.accepted.connect(self._recall)

    def _recall(self) -> None:
        item = self.items.currentItem()
        if item is None:
            self.fail(_("Choose a held sale"))
            return
        self.recall.emit(item.data(Qt.ItemDataRole.UserRole))


class ChoicePanel(Panel):
    """Six typed digits that are both a customer's pickup code and a product number: the cashier
    says which (issue 14 point 6). Nothing happens until they do."""

    pickup = Signal()
    product = Signal()

    def __init__(self, question: str, code: str, product_name: str, parent: QWidget | None = None) -> None:
        super().__init__(_("Pickup code or product?"), parent)
        self.body.addWidget(label(question, "", wrap=True))
        self.pickup_button = button(_("Pickup order {code}").format(code=code), "primary", self.pickup.emit)
        self.pickup_button.setObjectName("choosePickup")
        self.product_button = button(_("Sell {name}").format(name=product_name), "primary", self.product.emit)
        self.product_button.setObjectName("chooseProduct")
        for b in (self.pickup_button, self.product_button):
            b.setMinimumHeight(64)
            self.body.addWidget(b)
        self.body.addStretch(1)
        self.primary.hide()


class MenuPanel(Panel):
    """The less frequent functions, by touch or by their shortcut."""

    def __init__(
        self, actions: list[tuple[str, str, Callable[[], None]]], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Functions"), parent)
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, (text, shortcut, slot) in enumerate(actions):
            caption = f"{text}\n{shortcut}" if shortcut else text
            b = button(caption, "", slot)
            b.setMinimumHeight(64)
            grid.addWidget(b, i // 2, i % 2)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        self.primary.hide()
        self.secondary.setText(_("Back"))
