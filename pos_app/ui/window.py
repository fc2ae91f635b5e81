"""The till window: a header with the store, cashier and the terminal's health, and the pages
(sign in, open the till, sell). Built by ``pos_app.ui.main`` from a ready terminal; runs on the GUI
thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app import config, i18n
from pos_app.app import Terminal
from pos_app.db import ledger
from pos_app.domain.permissions import Permission
from pos_app.domain.reports import layout_report
from pos_app.i18n import _
from pos_app.services.sales import receipt_no_from_scan
from pos_app.ui.backoffice import (
    CashPanel,
    ClosePanel,
    PickupPanel,
    ReportPanel,
    ReturnPanel,
    SettingsPanel,
    VoidPanel,
    rows_text,
)
from pos_app.ui.bridge import EventBridge
from pos_app.ui.controller import TillController, describe
from pos_app.ui.customer_display import CustomerDisplayWindow, QtCustomerDisplay
from pos_app.ui.devices import CameraPreview, DeviceBanner, QtDeviceHandler, ScanRelay
from pos_app.ui.sale import KEYS, SalePage
from pos_app.ui.signin import OpenTillPage, SignInPage
from pos_app.ui.tasks import Op, TaskRunner
from pos_app.ui.views import money
from pos_app.ui.wedge import WedgeFilter
from pos_app.ui.widgets import Sounds, button, label


class Header(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 14, 6)
        row.setSpacing(18)
        self.store = label("", "storeName")
        self.cashier = label("")
        self.till = label("")
        self.sync = label("", "statusOffline")
        self.device = label("", "statusProblem")
        self.clock = label("")
        self.lock_button = button("", "")
        self.lock_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        row.addWidget(self.store)
        row.addWidget(self.cashier)
        row.addWidget(self.till)
        row.addStretch(1)
        row.addWidget(self.device)
        row.addWidget(self.sync)
        row.addWidget(self.clock)
        row.addWidget(self.lock_button)


class TillWindow(QMainWindow):
    def __init__(
        self, terminal: Terminal, runner: TaskRunner | None = None, sounds: Sounds | None = None
    ) -> None:
        super().__init__()
        self.terminal = terminal
        self.runner = runner or TaskRunner(self)
        # events from the sync engine's thread reach the services on the worker that runs every call
        terminal.ctx.inbox.attach(self.runner.post)
        self.sounds = sounds or Sounds()
        self.controller = TillController(terminal, self.runner, self)
        self.bridge = EventBridge(terminal.ctx.events, self)
        self.device_problems: dict[str, str] = {}
        self.sync_state: dict[str, Any] = {}
        self.last_receipt = ""

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = Header()
        self.header.lock_button.clicked.connect(self.lock)
        layout.addWidget(self.header)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self.shortcut_bar = label("", "muted")
        self.shortcut_bar.setObjectName("shortcutBar")
        self.shortcut_bar.setContentsMargins(12, 2, 12, 4)
        layout.addWidget(self.shortcut_bar)
        self.setCentralWidget(central)

        self.signin = SignInPage()
        self.open_page = OpenTillPage()
        self.sale = SalePage(self.controller, self.sounds)
        for page in (self.signin, self.open_page, self.sale):
            self.pages.addWidget(page)

        self.signin.sign_in.connect(self._sign_in)
        self.signin.language_chosen.connect(self.set_language)
        self.open_page.open_till.connect(self.controller.open_till)
        self.open_page.sign_out.connect(self.sign_out)
        self.sale.lock_requested.connect(self.lock)
        self.sale.open_backoffice.connect(self.backoffice)
        self.controller.staff_changed.connect(self._staff_changed)
        self.controller.till_changed.connect(self._till_changed)
        self.controller.notice.connect(self._notice)
        self.controller.sale_completed.connect(lambda sale: setattr(self, "last_receipt", sale.receipt_no))
        self.bridge.event.connect(self._core_event)
        self.pages.currentChanged.connect(self._page_changed)

        self._start_devices(layout)

        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(1000)
        self.setMinimumSize(1024, 700)
        self.retranslate()
        self._tick()
        self._show_signin()
        self._page_changed(0)
        self.refresh_backlog()

    # --- devices ----------------------------------------------------------------------------------
    def _start_devices(self, layout: QVBoxLayout) -> None:
        """Devices talk to people through the banner; readers on their own threads scan into the sale;
        a keyboard-wedge reader's bursts are caught before any field sees them."""
        devices = self.terminal.devices
        self.banner = DeviceBanner()
        layout.insertWidget(1, self.banner)
        self.device_handler = QtDeviceHandler(self)
        self.device_handler.signals.asked.connect(self.banner.ask)
        self.device_handler.signals.status.connect(self.banner.set_status)
        devices.handler.set(self.device_handler)
        self.scan_relay = ScanRelay(self)
        self.scan_relay.scanned.connect(self._device_scan)
        self.wedge = None
        if devices.wedge is not None:
            self.wedge = WedgeFilter(devices.wedge, self)
            self.wedge.scanned.connect(self._device_scan)
            self.wedge.install()
        devices.start_scanners(self.scan_relay)
        self.camera_preview = None
        if devices.camera is not None:
            self.camera_preview = CameraPreview(devices.camera)
            self.sale.add_camera_preview(self.camera_preview)
        self.customer_window = None
        if devices.wants_display_window:
            s = self.terminal.settings
            self.customer_window = CustomerDisplayWindow(
                s.get(config.STORE_NAME), s.get(config.DISPLAY_LANGUAGE)
            )
            self.terminal.set_customer_display(
                QtCustomerDisplay(self.customer_window, store_payment_qr=s.get(config.DISPLAY_PAYMENT_QR))
            )
            self.customer_window.show_on_customer_screen()
        if devices.display is not None:
            devices.display.welcome(self.terminal.settings.get(config.STORE_NAME))

    def _device_scan(self, event: Any) -> None:
        """A code from any reader, on the GUI thread: to the page that is asking for one."""
        if self.pages.currentWidget() is self.sale:
            self.sale.handle_scan(event.text, event.symbology, event.source)
        elif self.pages.currentWidget() is self.signin:
            self.signin.show_error(_("Sign in first, then scan"))

    # --- language ---------------------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        i18n.set_language(language)
        self.terminal.settings.set(config.LANGUAGE, language)
        self.retranslate()
        self.controller.refresh()

    def retranslate(self) -> None:
        self.setWindowTitle(_("O2O Till") + " · " + self.terminal.settings.get(config.STORE_NAME))
        self.header.store.setText(self.terminal.settings.get(config.STORE_NAME))
        self.header.lock_button.setText(_("Lock") + f"  {KEYS['lock']}")
        self.signin.retranslate()
        self.open_page.retranslate()
        self.sale.retranslate()
        self._render_header()
        self.shortcut_bar.setText(
            "   ".join(
                f"{key} {name}"
                for key, name in (
                    (KEYS["search"], _("Search")),
                    (KEYS["member"], _("Member")),
                    (KEYS["quantity"], _("Qty")),
                    (KEYS["cancel"], _("Cancel")),
                    (KEYS["hold"], _("Hold")),
                    (KEYS["recall"], _("Recall")),
                    (KEYS["return"], _("Return")),
                    (KEYS["pickup"], _("Pickup")),
                    (KEYS["menu"], _("More")),
                    (KEYS["lock"], _("Lock")),
                    (KEYS["pay"], _("Pay")),
                )
            )
        )

    # --- header -----------------------------------------------------------------------------------
    def _now_text(self) -> str:
        """The store's time (the terminal's clock, which the business day follows too)."""
        return self.terminal.ctx.clock.now().strftime("%Y-%m-%d %H:%M")

    def _tick(self) -> None:
        self.header.clock.setText(self._now_text())

    def _render_header(self) -> None:
        staff = self.controller.staff
        self.header.cashier.setText(
            _("Cashier: {name}").format(name=staff.name) if staff else _("Signed out")
        )
        till = self.controller.till
        code = self.terminal.settings.get(config.TERMINAL_CODE)
        self.header.till.setText(
            _("Till {code} · day {day}").format(code=code, day=till.business_day)
            if till
            else _("Till {code} · closed").format(code=code)
        )
        state = self.sync_state
        backlog = state.get("backlog", 0)
        if state.get("online"):
            text = _("Online") + (
                " · " + _("{n} to sync").format(n=backlog) if backlog else " · " + _("synced")
            )
            self.header.sync.setObjectName("statusOnline")
        else:
            text = _("Offline") + (" · " + _("{n} waiting").format(n=backlog) if backlog else "")
            self.header.sync.setObjectName("statusOffline")
        if state.get("quarantined"):
            text += " · " + _("{n} need attention").format(n=state["quarantined"])
        self.header.sync.setText("● " + text)
        self.header.sync.setToolTip(state.get("last_error") or "")
        self.header.sync.style().unpolish(self.header.sync)
        self.header.sync.style().polish(self.header.sync)
        problems = "; ".join(self.device_problems.values())
        self.header.device.setText(("⚠ " + problems) if problems else "")

    def refresh_backlog(self) -> None:
        """Events waiting to be sent (shown until the sync engine reports its own status)."""
        ctx = self.terminal.ctx

        def count() -> int:
            with ctx.db.read() as conn:
                return ledger.backlog(conn)

        def show(n: int) -> None:
            self.sync_state["backlog"] = n
            self._render_header()

        Op(self.runner, count).success(show).run()

    def _core_event(self, name: str, data: dict) -> None:
        if name == "outbox_appended" and "status" not in self.sync_state:
            self.refresh_backlog()
        elif name == "sync_status":
            status = data.get("status")
            self.sync_state = {
                "status": status,
                "online": getattr(status, "online", False),
                "backlog": getattr(status, "backlog", 0),
                "quarantined": getattr(status, "quarantined", 0),
                "last_error": getattr(status, "last_error", None),
            }
            self._render_header()
        elif name == "device_problem":
            device = data.get("device", "device")
            self.device_problems[device] = data.get("message", "")
            self._render_header()
            self.sale.show_notice(data.get("message", ""), "warn")
        elif name == "device_ok":
            if self.device_problems.pop(data.get("device", ""), None) is not None:
                self._render_header()
        elif name == "reference_data_changed":
            self.controller.refresh()

    def _notice(self, text: str, kind: str) -> None:
        if self.pages.currentWidget() is self.signin and kind == "error":
            self.signin.show_error(text)
        elif self.pages.currentWidget() is self.open_page and kind == "error":
            self.open_page.error.setText(text)

    # --- staff, lock, till ------------------------------------------------------------------------
    def _show_signin(self, locked_by: str = "") -> None:
        self.signin.reset(locked_by)
        self.pages.setCurrentWidget(self.signin)

    def _sign_in(self, staff_id: int, pin: str) -> None:
        self.controller.sign_in(staff_id, pin)

    def _staff_changed(self, staff: Any) -> None:
        self._render_header()
        if staff is None:
            self._show_signin()

    def _page_changed(self, _index: int) -> None:
        selling = self.pages.currentWidget() is self.sale
        self.shortcut_bar.setVisible(selling)
        self.header.lock_button.setVisible(self.controller.staff is not None)

    def _till_changed(self, till: Any) -> None:
        self._render_header()
        if self.controller.staff is None:
            return
        if till is None:
            self.open_page.reset()
            self.pages.setCurrentWidget(self.open_page)
        else:
            self.pages.setCurrentWidget(self.sale)
            self.controller.refresh()
            self.sale.focus_scan()

    def lock(self) -> None:
        """Lock the screen: the basket stays; any staff member signs in to continue."""
        if self.controller.staff is None:
            return
        name = self.controller.staff.name
        self.controller.sign_out()
        self._show_signin(locked_by=name)

    def sign_out(self) -> None:
        self.controller.sign_out()

    # --- back-office panels -----------------------------------------------------------------------
    def backoffice(self, what: str) -> None:
        sale = self.sale
        sale.close_side()
        if what.startswith("pickup"):
            self._pickup(*what.split(":")[1:])
        elif what == "return":
            self._returns()
        elif what == "void":
            panel = VoidPanel(self.last_receipt)
            panel.void.connect(self._void)
            sale.open_full(panel)
        elif what == "cash":
            panel = CashPanel()
            panel.move.connect(self._cash)
            sale.open_side(panel)
        elif what == "x_report":
            self._x_report()
        elif what == "close":
            panel = ClosePanel()
            panel.close_till.connect(self._close_till)
            sale.open_side(panel)
        elif what == "settings":
            s = self.terminal.settings
            info = _("Terminal {code} · store {store} · data in {home}").format(
                code=s.get(config.TERMINAL_CODE), store=s.get(config.STORE_CODE), home=s.home
            )
            panel = SettingsPanel(
                {
                    "language": s.get(config.LANGUAGE),
                    "receipt_language": s.get(config.RECEIPT_LANGUAGE),
                    "info": info,
                }
            )
            panel.save.connect(self._save_settings)
            sale.open_full(panel)
        elif what == "drawer":
            sale.with_approval(Permission.OPEN_DRAWER, self._open_drawer)
        elif what == "switch":
            self.lock()

    def _pickup(self, code: str = "", order_id: str = "") -> None:
        panel = PickupPanel()
        pickup = self.terminal.pickup

        def find(text: str) -> None:
            self.controller.run(pickup.find, code=text, then=panel.show_order, refresh=False)

        def hand_over(oid: int) -> None:
            def done(order: Any) -> None:
                self.sale.close_full()
                self.sale.show_notice(_("Order {id} handed over").format(id=order.id), "ok")

            self.controller.run(pickup.handover, self.controller.staff, oid, then=done, refresh=False)

        panel.find.connect(find)
        panel.hand_over.connect(hand_over)
        panel.scanned_text = lambda text: self._pickup_scanned(panel, text)
        self.sale.open_full(panel)
        if order_id:
            self.controller.run(pickup.find, order_id=int(order_id), then=panel.show_order, refresh=False)
        elif code:
            find(code)

    def _pickup_scanned(self, panel: PickupPanel, text: str) -> None:
        from pos_app.services.scanning import PickupScan, classify_scan

        result = classify_scan(text, None, self.terminal.ctx.scan_context())
        if isinstance(result, PickupScan):
            if result.token is not None:
                self.controller.run(
                    self.terminal.pickup.find,
                    order_id=result.token.order_id,
                    then=panel.show_order,
                    refresh=False,
                )
            else:
                self.controller.run(
                    self.terminal.pickup.find, code=result.code, then=panel.show_order, refresh=False
                )
        else:
            panel.fail(getattr(result, "message", "") or _("This is not a pickup code"))

    def _returns(self) -> None:
        panel = ReturnPanel()
        sales = self.terminal.sales

        def find(text: str) -> None:
            def load() -> tuple:
                record = sales.sale_record(text)
                return record, sales.returned_so_far(record.sale_id)

            self.controller.run(load, then=lambda pair: panel.show_sale(*pair), refresh=False)

        def refund(receipt: str, quantities: dict, reason: str) -> None:
            def approved(approval: Any) -> None:
                def done(result: Any) -> None:
                    self.sale.close_full()
                    self.sale.show_notice(
                        _("Refunded {amount} ({how}). Receipt {no}.").format(
                            amount=money(result.plan.total),
                            how=", ".join(f"{r.kind.label} {money(r.amount)}" for r in result.plan.refunds),
                            no=result.receipt_no,
                        ),
                        "ok",
                    )

                self.controller.run(
                    sales.complete_return,
                    self.controller.staff,
                    receipt,
                    quantities,
                    approval=approval,
                    reason=reason,
                    then=done,
                    refresh=False,
                )

            self.sale.close_full()
            self.sale.with_approval(Permission.RETURN, approved, title=_("Approve the refund"))

        panel.find.connect(find)
        panel.refund.connect(refund)
        panel.scanned_text = lambda text: (
            panel.receipt.setText(receipt_no_from_scan(text) or text),
            find(text),
        )
        self.sale.open_full(panel)

    def _void(self, receipt: str, reason: str) -> None:
        sales = self.terminal.sales

        def approved(approval: Any) -> None:
            def done(result: Any) -> None:
                self.sale.show_notice(_("Sale {no} voided").format(no=result.receipt_no), "ok")

            self.controller.run(
                sales.void_sale, self.controller.staff, receipt, approval, reason, then=done, refresh=False
            )

        self.sale.close_full()
        self.sale.with_approval(Permission.VOID_SALE, approved)

    def _cash(self, kind: str, amount: Any, reason: str) -> None:
        till = self.terminal.till

        def approved(approval: Any) -> None:
            def done(_r: Any) -> None:
                self.sale.close_side()
                self.sale.show_notice(
                    _("Cash movement of {amount} recorded").format(amount=money(amount)), "ok"
                )

            self.controller.run(
                till.move_cash,
                self.controller.staff,
                kind,
                amount,
                reason,
                approval,
                then=done,
                refresh=False,
            )

        self.sale.close_side()
        self.sale.with_approval(Permission.CASH_IN_OUT, approved)

    def _open_drawer(self, approval: Any) -> None:
        self.controller.run(
            self.terminal.till.open_drawer,
            self.controller.staff,
            approval,
            refresh=False,
            then=lambda _r: self.sale.show_notice(_("Drawer opened"), "ok"),
        )

    def _x_report(self) -> None:
        till = self.terminal.till
        header = self.terminal.checkout.store_header()

        def show(totals: Any) -> None:
            rows = layout_report(totals, header, _, printed_at=self._now_text())
            panel = ReportPanel(_("X report"), rows_text(rows))
            panel.print_report.connect(lambda: self._print_rows(rows, panel))
            self.sale.open_full(panel)

        self.controller.run(till.totals, then=show, refresh=False)

    def _print_rows(self, rows: list, panel: Any) -> None:
        printer = self.terminal.ctx.printer
        if printer is None:
            panel.fail(_("No receipt printer is set up"))
            return

        def done(_r: Any) -> None:
            self.sale.show_notice(_("Report printed"), "ok")

        def failed(error: BaseException) -> None:
            panel.fail(describe(error))

        Op(self.runner, printer.print_report, rows).success(done).failure(failed).run_net()

    def _close_till(self, counted: Any) -> None:
        till = self.terminal.till
        header = self.terminal.checkout.store_header()

        def closed(z: Any) -> None:
            rows = layout_report(z.totals, header, _, z=z)
            self.sale.close_side()
            panel = ReportPanel(_("Z report"), rows_text(rows))
            panel.print_report.connect(lambda: self._print_rows(rows, panel))
            panel.cancelled.connect(self.sign_out)
            self.sale.open_full(panel)
            self.controller.till = None
            self._render_header()

        self.controller.run(till.close, self.controller.staff, counted, then=closed, refresh=False)

    def _save_settings(self, values: dict) -> None:
        self.terminal.settings.set(config.RECEIPT_LANGUAGE, values["receipt_language"])
        self.sale.close_full()
        if values["language"] != i18n.current_language():
            self.set_language(values["language"])
        self.sale.show_notice(_("Settings saved"), "ok")

    # --- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self._clock.stop()
        devices = self.terminal.devices
        self.device_handler.close()  # a device waiting for an answer gets "no" at once
        self.banner.answer_all(False)
        if self.wedge is not None:
            self.wedge.uninstall()
        devices.stop_scanners()
        if self.camera_preview is not None:
            self.camera_preview.stop()
        if self.customer_window is not None:
            self.customer_window.close()
        self.bridge.close()
        self.runner.shutdown()  # finishes what is queued, events included
        self.terminal.ctx.inbox.detach()
        devices.handler.set(None)
        super().closeEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and self.pages.currentWidget() is self.sale:
            self.sale.void_selected()
            return
        super().keyPressEvent(event)
