"""The sale screen: scan or search, the basket, the member and totals, and the function buttons.

Every task (quantity, approval, payment, returns ...) opens as a panel in the window -- beside the
basket for quick ones, over it for the larger ones -- so nothing modal ever blocks the till.
Runs on the GUI thread; all work goes through the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListView,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos_app.domain.barcodes import ScanSource, Symbology
from pos_app.domain.permissions import Permission
from pos_app.i18n import _
from pos_app.services.scanning import PaymentScan, PickupScan
from pos_app.ui.controller import TillController, describe
from pos_app.ui.models import BasketModel, ProductDelegate, ProductListModel
from pos_app.ui.panels import (
    ApprovalPanel,
    ChoicePanel,
    HeldPanel,
    MemberPanel,
    MenuPanel,
    PricePanel,
    QuantityPanel,
)
from pos_app.ui.payment import PaymentPanel
from pos_app.ui.views import BasketView, money
from pos_app.ui.widgets import MessageBar, Panel, Sounds, button, label

# Function keys, shown on the buttons and in the shortcut bar.
KEYS = {
    "search": "F2",
    "member": "F3",
    "quantity": "F4",
    "cancel": "F5",
    "hold": "F6",
    "recall": "F7",
    "return": "F8",
    "pickup": "F9",
    "menu": "F10",
    "lock": "F11",
    "pay": "F12",
    "void_line": "Del",
    "reprint": "Ctrl+P",
}


def _looks_like_search(text: str) -> bool:
    """Letters or Chinese typed by a person (not a code a scanner sends)."""
    stripped = text.strip()
    if not stripped or stripped.startswith("O2O") or stripped.startswith("]") or stripped.startswith("("):
        return False
    if stripped.isdigit():
        return False
    if (
        stripped[0].isalpha()
        and stripped[0].isascii()
        and any(ch.isdigit() for ch in stripped)
        and " " not in stripped
    ):
        return len(stripped) < 4  # "A0000031": a typed SKU, scanned on Enter
    return True


class SalePage(QWidget):
    lock_requested = Signal()
    open_backoffice = Signal(str)  # return, pickup, void, cash, x_report, close, settings

    def __init__(self, controller: TillController, sounds: Sounds, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.controller = controller
        self.sounds = sounds
        self.view: BasketView | None = None
        self.side_panel: Panel | None = None
        self.full_panel: Panel | None = None
        self.awaiting_payment_code = None  # the amount to charge when the customer's code is scanned

        root = QVBoxLayout(self)
        root.setContentsMargins(10, 10, 10, 6)
        root.setSpacing(8)
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)

        # --- the sale view ------------------------------------------------------------------------
        sale = QWidget()
        columns = QHBoxLayout(sale)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(10)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.scan_field = QLineEdit()
        self.scan_field.setObjectName("scanField")
        self.scan_field.returnPressed.connect(self._enter)
        self.scan_field.textEdited.connect(self._typed)
        self.scan_field.installEventFilter(self)
        left.addWidget(self.scan_field)
        self.results_model = ProductListModel()
        self.results = QListView()
        self.results.setObjectName("searchResults")
        self.results.setModel(self.results_model)
        self.results.setItemDelegate(ProductDelegate(self.results))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setUniformItemSizes(True)
        self.results.setMaximumHeight(260)
        self.results.hide()
        self.results.activated.connect(self._pick_result)
        self.results.clicked.connect(self._pick_result)
        left.addWidget(self.results)
        self.model = BasketModel()
        self.table = QTableView()
        self.table.setObjectName("basketTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 90), (2, 110), (3, 110)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(col, width)
        left.addWidget(self.table, 1)
        line_row = QHBoxLayout()
        self.minus_button = button("−", "key", lambda: self._step(-1))
        self.plus_button = button("+", "key", lambda: self._step(1))
        self.qty_button = button("", "", self.ask_quantity)
        self.price_button = button("", "", self.ask_price)
        self.void_line_button = button("", "danger", self.void_selected)
        self.line_buttons = (
            self.minus_button,
            self.plus_button,
            self.qty_button,
            self.price_button,
            self.void_line_button,
        )
        for b in self.line_buttons:
            line_row.addWidget(b)
        left.addLayout(line_row)
        self.message = MessageBar()
        left.addWidget(self.message)
        columns.addLayout(left, 3)

        self.side = QStackedWidget()
        self.side.setMinimumWidth(380)
        self.side.setMaximumWidth(460)
        summary = QWidget()
        sl = QVBoxLayout(summary)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.setSpacing(8)
        self.member_card = QFrame()
        self.member_card.setObjectName("card")
        mc = QVBoxLayout(self.member_card)
        self.member_title = label("", "cardTitle")
        self.member_text = label("", "memberBox", wrap=True)
        self.coupon_text = label("", "muted", wrap=True)
        mc.addWidget(self.member_title)
        mc.addWidget(self.member_text)
        mc.addWidget(self.coupon_text)
        sl.addWidget(self.member_card)
        totals = QFrame()
        totals.setObjectName("card")
        tl = QGridLayout(totals)
        self.subtotal_caption = label("", "muted")
        self.subtotal = label("", "")
        self.discount_text = label("", "muted", wrap=True)
        self.total_caption = label("", "totalLabel")
        self.total = label("", "totalAmount")
        self.items_text = label("", "muted")
        for widget in (self.subtotal, self.total):
            widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        tl.addWidget(self.subtotal_caption, 0, 0)
        tl.addWidget(self.subtotal, 0, 1)
        tl.addWidget(self.discount_text, 1, 0, 1, 2)
        tl.addWidget(self.total_caption, 2, 0)
        tl.addWidget(self.total, 2, 1)
        tl.addWidget(self.items_text, 3, 0, 1, 2)
        sl.addWidget(totals)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.pay_button = button("", "primary", self.pay)
        self.pay_button.setMinimumHeight(72)
        self.member_button = button("", "", self.ask_member)
        self.hold_button = button("", "", self.hold)
        self.recall_button = button("", "", self.recall)
        self.pickup_button = button("", "", lambda: self.open_backoffice.emit("pickup"))
        self.return_button = button("", "", lambda: self.open_backoffice.emit("return"))
        self.cancel_button = button("", "danger", self.cancel_sale)
        self.menu_button = button("", "", self.show_menu)
        grid.addWidget(self.pay_button, 0, 0, 1, 2)
        for i, b in enumerate(
            (
                self.member_button,
                self.hold_button,
                self.recall_button,
                self.pickup_button,
                self.return_button,
                self.menu_button,
                self.cancel_button,
            )
        ):
            grid.addWidget(b, 1 + i // 2, i % 2)
        sl.addLayout(grid)
        sl.addStretch(1)
        self.side.addWidget(summary)
        columns.addWidget(self.side, 2)
        self.stack.addWidget(sale)

        # --- shortcuts ----------------------------------------------------------------------------
        self.shortcuts: list[QShortcut] = []
        for key, slot in (
            (KEYS["search"], self.focus_scan),
            (KEYS["member"], self.ask_member),
            (KEYS["quantity"], self.ask_quantity),
            (KEYS["cancel"], self.cancel_sale),
            (KEYS["hold"], self.hold),
            (KEYS["recall"], self.recall),
            (KEYS["return"], lambda: self.open_backoffice.emit("return")),
            (KEYS["pickup"], lambda: self.open_backoffice.emit("pickup")),
            (KEYS["menu"], self.show_menu),
            (KEYS["lock"], self.lock_requested.emit),
            (KEYS["pay"], self.pay),
            (KEYS["reprint"], self.controller.reprint_last),
            ("Ctrl+Up", lambda: self._move_selection(-1)),
            ("Ctrl+Down", lambda: self._move_selection(1)),
        ):
            shortcut = QShortcut(
                QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            self.shortcuts.append(shortcut)

        controller.basket_changed.connect(self.render)
        controller.scanned.connect(self._scanned)
        controller.notice.connect(self.show_notice)
        controller.search_results.connect(self._results)
        controller.sale_completed.connect(self._completed)
        self.retranslate()

    def add_camera_preview(self, preview: QWidget) -> None:
        """The camera's live picture above the member card (only when a camera is set up)."""
        preview.setMaximumHeight(170)
        summary = self.side.widget(0)
        summary.layout().insertWidget(0, preview)

    # --- text -------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.scan_field.setPlaceholderText(_("Scan, type a code, or search by name"))
        self.qty_button.setText(_("Qty / weight") + f"  {KEYS['quantity']}")
        self.price_button.setText(_("Change price"))
        self.void_line_button.setText(_("Void line") + f"  {KEYS['void_line']}")
        self.member_title.setText(_("Member"))
        self.subtotal_caption.setText(_("Subtotal"))
        self.total_caption.setText(_("Total"))
        self.pay_button.setText(_("Pay") + f"  {KEYS['pay']}")
        self.member_button.setText(_("Member") + f"  {KEYS['member']}")
        self.hold_button.setText(_("Hold") + f"  {KEYS['hold']}")
        self.recall_button.setText(_("Recall") + f"  {KEYS['recall']}")
        self.pickup_button.setText(_("Pickup") + f"  {KEYS['pickup']}")
        self.return_button.setText(_("Return") + f"  {KEYS['return']}")
        self.cancel_button.setText(_("Cancel sale") + f"  {KEYS['cancel']}")
        self.menu_button.setText(_("More") + f"  {KEYS['menu']}")
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, BasketModel.COLUMNS - 1)
        if self.view is not None:
            self.render(self.view)
        else:
            self._render_empty()

    def _render_empty(self) -> None:
        self.member_text.setText(
            _("No member. Scan their member code or press {key}.").format(key=KEYS["member"])
        )
        self.coupon_text.setText("")
        self.subtotal.setText(money_zero())
        self.discount_text.setText("")
        self.total.setText(money_zero())
        self.items_text.setText("")

    # --- rendering the basket ---------------------------------------------------------------------
    def render(self, view: BasketView) -> None:
        self.view = view
        selected = self.selected_line()
        added = self.model.set_view(view)
        if self.model.touched is None:
            self.table.resizeRowsToContents()
        else:  # only the rows a scan added or changed (measuring every row costs ~5 ms a scan)
            for touched in self.model.touched:
                self.table.resizeRowToContents(touched)
        row = added
        if row is None and selected is not None:
            row = next((i for i, line in enumerate(view.lines) if line.line_id == selected.line_id), None)
        if row is None and view.lines:
            row = len(view.lines) - 1
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        if view.member is not None:
            m = view.member
            self.member_text.setText(
                _("{phone}  {tier}\n{points} points").format(
                    phone=m.phone or m.member_id, tier=m.tier, points=m.points
                )
            )
        else:
            self.member_text.setText(
                _("No member. Scan their member code or press {key}.").format(key=KEYS["member"])
            )
        self.coupon_text.setText("\n".join(("✓ " if c.applied else "✗ ") + c.text for c in view.coupons))
        self.subtotal.setText(money(view.subtotal))
        self.discount_text.setText("\n".join(f"{name}   {amount}" for name, amount in view.discounts))
        self.total.setText(money(view.total))
        self.items_text.setText(
            _("{n} items · VAT included {tax}").format(n=view.item_count, tax=money(view.tax))
            if view.item_count
            else ""
        )
        has_tenders = view.payment is not None and bool(view.payment.tenders)
        empty = view.empty
        self.pay_button.setEnabled(not empty)
        for b in (self.hold_button, self.cancel_button):
            b.setEnabled(not empty and not has_tenders)
        for b in self.line_buttons:
            b.setEnabled(not empty and not has_tenders)
        if isinstance(self.full_panel, PaymentPanel):
            if view.payment is None:
                self.close_full()
            else:
                self.full_panel.update_view(view)

    def show_notice(self, text: str, kind: str) -> None:
        self.message.show_message(text, kind, seconds=0 if kind in ("error", "warn") else 8)
        if isinstance(self.side_panel, Panel) and kind == "error" and self.side_panel.isVisible():
            self.side_panel.fail(text)
        if isinstance(self.full_panel, Panel) and kind == "error" and self.full_panel.isVisible():
            self.full_panel.fail(text)
        if kind == "error":
            self.sounds.play("bad")

    # --- panels -----------------------------------------------------------------------------------
    def open_side(self, panel: Panel, on_cancel: Callable[[], None] | None = None) -> Panel:
        self.close_side()
        self.side_panel = panel
        panel.cancelled.connect(on_cancel or self.close_side)
        self.side.addWidget(panel)
        self.side.setCurrentWidget(panel)
        panel.setFocus()
        return panel

    def close_side(self) -> None:
        panel = self.side_panel
        self.side_panel = None
        self.side.setCurrentIndex(0)
        if panel is not None:
            self.side.removeWidget(panel)
            panel.deleteLater()
        self.focus_scan()

    def open_full(self, panel: Panel, on_cancel: Callable[[], None] | None = None) -> Panel:
        self.close_full()
        self.full_panel = panel
        panel.cancelled.connect(on_cancel or self.close_full)
        self.stack.addWidget(panel)
        self.stack.setCurrentWidget(panel)
        return panel

    def close_full(self) -> None:
        panel = self.full_panel
        self.full_panel = None
        self.awaiting_payment_code = None
        self.stack.setCurrentIndex(0)
        if panel is not None:
            self.stack.removeWidget(panel)
            panel.deleteLater()
        self.focus_scan()

    def focus_scan(self) -> None:
        if self.side_panel is None and self.full_panel is None:
            self.scan_field.setFocus()

    def with_approval(self, permission: Permission, then: Callable[[Any], None], title: str = "") -> None:
        """Ask a supervisor's number and PIN in a panel; the services check it; ``then(approval)``."""
        staff = self.controller.staff
        if staff is not None and staff.allows(permission):
            from pos_app.domain.permissions import Approval

            then(Approval(staff))
            return
        panel = ApprovalPanel(permission)
        if title:
            panel.title.setText(title)

        def approved(approval: Any) -> None:
            self.close_side()
            then(approval)

        panel.approve.connect(
            lambda number, pin: self.controller.approve(
                number, pin, permission, approved, failed=lambda e: panel.fail(describe(e))
            )
        )
        self.open_side(panel)

    # --- scanning and search ----------------------------------------------------------------------
    def handle_scan(
        self, text: str, symbology: Symbology = Symbology.UNKNOWN, source: ScanSource = ScanSource.WEDGE
    ) -> None:
        """A code from any reader (wedge, serial, camera): always goes to the sale, whatever has focus."""
        if self.full_panel is not None and hasattr(self.full_panel, "scanned_text"):
            self.full_panel.scanned_text(text)
            return
        self.controller.scan(text, symbology, source)

    def _typed(self, text: str) -> None:
        if _looks_like_search(text):
            self.controller.search(text)
        else:
            self.results.hide()

    def _results(self, query: str, products: list) -> None:
        if query != self.scan_field.text():
            return
        self.results_model.set_products(products)
        self.results.setVisible(bool(products))
        if products:
            self.results.setCurrentIndex(self.results_model.index(0))

    def _pick_result(self, index) -> None:
        product = self.results_model.data(index, Qt.ItemDataRole.UserRole)
        if product is None:
            return
        self.scan_field.clear()
        self.results.hide()
        if product.unit.is_weighed:
            self.ask_weight(product)
        else:
            self.controller.add_product(product.id)
            self.sounds.play("good")

    def _enter(self) -> None:
        text = self.scan_field.text()
        if self.results.isVisible() and self.results.currentIndex().isValid():
            self._pick_result(self.results.currentIndex())
            return
        if not text.strip():
            return
        self.scan_field.clear()
        self.results.hide()
        self.controller.scan(text, Symbology.UNKNOWN, ScanSource.MANUAL)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.scan_field and event.type() == event.Type.KeyPress and self.results.isVisible():
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.results.currentIndex().row() + (1 if event.key() == Qt.Key.Key_Down else -1)
                row = max(0, min(row, self.results_model.rowCount() - 1))
                self.results.setCurrentIndex(self.results_model.index(row))
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.results.hide()
                return True
        return False

    def _scanned(self, outcome: Any) -> None:
        result = outcome.result
        if outcome.kind == "product":
            if outcome.needs_weight and outcome.product is not None:
                self.sounds.play("good")
                self.ask_weight(outcome.product)
                return
            if outcome.warning:  # sold, but the cashier must look at it (past its expiry date)
                self.show_notice(outcome.message, "warn")
                self.sounds.play("bad")
                return
            self.sounds.play("good" if outcome.ok else "bad")
            return
        if outcome.kind == "choose" and outcome.product is not None:
            self.ask_pickup_or_product(result.digits, outcome.product, outcome.message)
            return
        if isinstance(result, PaymentScan):
            if isinstance(self.full_panel, PaymentPanel) and self.controller.has_mobile_gateway:
                # in payment, a payment code is a payment: for the amount chosen, else all that is due
                self._charge_payment_code(result, self.awaiting_payment_code)
            else:
                self.show_notice(
                    _("Customer payment code read. Press Pay, then Payment code, to charge it."), "info"
                )
            return
        if isinstance(result, PickupScan):
            self.sounds.play("good")
            self.open_backoffice.emit(
                "pickup:" + result.code + ":" + (str(result.token.order_id) if result.token else "")
            )
            return
        self.sounds.play("good" if outcome.ok else "bad")

    # --- line actions -----------------------------------------------------------------------------
    def selected_line(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        line = self.model.line_at(rows[0].row())
        return None if line is None or line.voided else line

    def _move_selection(self, step: int) -> None:
        current = self.table.currentIndex().row()
        row = max(0, min(current + step, self.model.rowCount() - 1))
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _need_line(self):
        line = self.selected_line()
        if line is None:
            self.show_notice(_("Choose a line in the basket first"), "error")
        return line

    def _step(self, delta: int) -> None:
        line = self._need_line()
        if line is None:
            return
        if line.weighed:
            self.ask_quantity()
            return
        quantity = int(line.quantity) + delta
        if quantity <= 0:
            self.void_selected()
            return
        self.controller.set_quantity(line.line_id, quantity * 1000)

    def ask_quantity(self) -> None:
        line = self._need_line()
        if line is None:
            return
        title = (
            _("Weight of {name}").format(name=line.name)
            if line.weighed
            else _("Quantity of {name}").format(name=line.name)
        )
        panel = QuantityPanel(title, line.weighed, line.quantity)
        panel.chosen.connect(lambda q: (self.close_side(), self.controller.set_quantity(line.line_id, q)))
        self.open_side(panel)

    def ask_pickup_or_product(self, code: str, product: Any, question: str) -> None:
        name = product.name.get(self.controller.language)
        panel = ChoicePanel(question, code, name)
        panel.pickup.connect(lambda: (self.close_side(), self.open_backoffice.emit("pickup:" + code + ":")))
        panel.product.connect(lambda: (self.close_side(), self._add_chosen(product)))
        self.sounds.play("good")
        self.open_side(panel)

    def _add_chosen(self, product: Any) -> None:
        if product.unit.is_weighed:
            self.ask_weight(product)
        else:
            self.controller.add_product(product.id)

    def ask_weight(self, product: Any) -> None:
        panel = QuantityPanel(_("Weigh {name}").format(name=product.name.get(self.controller.language)), True)
        panel.chosen.connect(
            lambda grams: (self.close_side(), self.controller.add_product(product.id, grams))
        )
        self.open_side(panel)

    def void_selected(self) -> None:
        line = self._need_line()
        if line is not None:
            self.controller.void_line(line.line_id)

    def ask_price(self) -> None:
        line = self._need_line()
        if line is None:
            return
        panel = PricePanel(line)

        def chosen(price: Any, reason: str) -> None:
            self.close_side()
            self.with_approval(
                Permission.PRICE_OVERRIDE,
                lambda approval: self.controller.override_price(line.line_id, price, approval, reason),
            )

        panel.chosen.connect(chosen)
        self.open_side(panel)

    # --- member, hold, recall, cancel, menu -------------------------------------------------------
    def ask_member(self) -> None:
        panel = MemberPanel(self.view is not None and self.view.member is not None)
        panel.phone_entered.connect(
            lambda phone: self.controller.member_by_phone(phone, then=lambda _m: self.close_side())
        )
        panel.clear_member.connect(lambda: (self.controller.clear_member(), self.close_side()))
        self.open_side(panel)

    def hold(self) -> None:
        if self.view is None or self.view.empty:
            self.show_notice(_("The basket is empty"), "error")
            return
        self.controller.hold("", then=lambda _id: self.show_notice(_("Sale put on hold"), "ok"))

    def recall(self) -> None:
        def show(held: list) -> None:
            panel = HeldPanel(held)
            panel.recall.connect(
                lambda held_id: self.controller.recall(held_id, then=lambda _r: self.close_side())
            )
            self.open_side(panel)

        self.controller.held_baskets(show)

    def cancel_sale(self) -> None:
        if self.view is None or self.view.empty:
            return
        panel = Panel(_("Cancel this sale?"))
        panel.body.addWidget(
            label(_("All lines are removed. The cancelled sale is kept in the journal."), "", wrap=True)
        )
        panel.primary.setText(_("Cancel sale"))
        panel.primary.setProperty("kind", "danger")
        panel.secondary.setText(_("Keep selling"))
        panel.accepted.connect(
            lambda: (self.close_side(), self.controller.cancel_basket("cancelled at the till"))
        )
        self.open_side(panel)

    def show_menu(self) -> None:
        actions = [
            (_("X report"), "", lambda: self.open_backoffice.emit("x_report")),
            (
                _("Reprint last receipt"),
                KEYS["reprint"],
                lambda: (self.close_side(), self.controller.reprint_last()),
            ),
            (_("Cash in / out"), "", lambda: self.open_backoffice.emit("cash")),
            (_("Void a sale"), "", lambda: self.open_backoffice.emit("void")),
            (_("Open drawer"), "", lambda: self.open_backoffice.emit("drawer")),
            (_("Lock screen"), KEYS["lock"], self.lock_requested.emit),
            (_("Switch cashier"), "", lambda: self.open_backoffice.emit("switch")),
            (_("Close till"), "", lambda: self.open_backoffice.emit("close")),
            (_("Settings"), "", lambda: self.open_backoffice.emit("settings")),
        ]
        self.open_side(MenuPanel(actions))

    # --- payment ----------------------------------------------------------------------------------
    def pay(self) -> None:
        if self.view is None or self.view.empty:
            self.show_notice(_("The basket is empty"), "error")
            return
        if isinstance(self.full_panel, PaymentPanel):
            return
        self.close_side()
        c = self.controller
        panel = PaymentPanel(
            card_terminal=c.has_card_terminal, mobile=c.has_mobile_gateway, offer_qr=c.offers_qr
        )
        panel.cash.connect(c.pay_cash)
        panel.card.connect(c.pay_card)
        panel.card_terminal.connect(c.charge_card)
        panel.points.connect(c.pay_points)
        panel.take_back.connect(c.take_back_tender)
        panel.finish.connect(c.complete)
        panel.mobile_requested.connect(self._await_payment_code)
        panel.qr_requested.connect(
            lambda amount: c.offer_qr(amount, then=lambda out: panel.show_qr(out.qr_data))
        )
        panel.check_qr.connect(lambda: c.check_qr(then=self._qr_checked))
        panel.cancel_qr.connect(c.cancel_qr)
        panel.check_pending.connect(c.check_pending)
        panel.settle_pending.connect(
            lambda charged, reference: self.with_approval(
                Permission.VOID_SALE,
                lambda approval: c.resolve_pending(approval, charged, reference),
                title=_("Settle the unconfirmed payment"),
            )
        )

        def leave() -> None:
            if self.view is not None and self.view.payment is not None and self.view.payment.tenders:
                panel.fail(_("Take back the payments first, or finish the payment."))
                return
            self.close_full()

        self.open_full(panel, on_cancel=leave)
        c.start_payment()

    def _qr_checked(self, outcome: Any) -> None:
        if outcome.paid:
            self.show_notice(outcome.message, "ok")

    def _await_payment_code(self, amount: Any) -> None:
        if not self.controller.has_mobile_gateway:
            self.show_notice(_("Mobile payments are not set up on this till"), "error")
            return
        self.awaiting_payment_code = amount
        self.scan_field.setFocus()

    def _charge_payment_code(self, scan: PaymentScan, amount: Any) -> None:
        self.awaiting_payment_code = None
        self.controller.charge_payment_code(scan, amount)

    def _completed(self, sale: Any) -> None:
        self.close_full()
        self.sounds.play("done")
        self.show_notice(
            _("Sale {no} completed. Change {change}.").format(no=sale.receipt_no, change=money(sale.change)),
            "ok",
        )
        self.controller.refresh()


def money_zero() -> str:
    return "¥0.00"
