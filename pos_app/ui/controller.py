"""The till's controller: every user action goes from a widget to here, then to the services through
the task runner, and comes back as a signal the pages render. Widgets never call services.

Runs on the GUI thread; the service calls run on the database worker (``Op(...).run()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from pos_app import config
from pos_app.app import Terminal
from pos_app.db import catalog
from pos_app.domain.barcodes import ScanEvent, ScanSource, Symbology
from pos_app.domain.errors import DomainError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Approval, Permission, StaffMember
from pos_app.i18n import _, current_language
from pos_app.services.payments import EXTERNAL
from pos_app.services.sales import receipt_from_sale_scan
from pos_app.ui.tasks import Op, TaskRunner
from pos_app.ui.views import BasketView, snapshot


def describe(error: BaseException) -> str:
    """Words for the cashier: our own errors carry them; anything else is summarised."""
    if isinstance(error, DomainError):
        return error.message
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    return _("Something went wrong: {error}").format(error=type(error).__name__)


class TillController(QObject):
    basket_changed = Signal(object)  # BasketView
    notice = Signal(str, str)  # text, kind: ok | error | info | warn
    scanned = Signal(object)  # ScanOutcome
    staff_changed = Signal(object)  # StaffMember | None
    till_changed = Signal(object)  # TillSession | None
    sale_completed = Signal(object)  # CompletedSale
    search_results = Signal(str, list)  # query, [Product]
    succeeded = Signal()  # an action the person took worked: older messages are out of date
    busy = Signal(bool)

    def __init__(self, terminal: Terminal, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.terminal = terminal
        self.runner = runner
        self.staff: StaffMember | None = None
        self.till = None
        self.view: BasketView | None = None
        self._search_serial = 0
        runner.busy_changed.connect(self.busy)

    # --- plumbing ---------------------------------------------------------------------------------
    def _op(self, fn: Callable[..., Any], *args: Any, refresh: bool = True, **kwargs: Any) -> Op:
        """An operation on the services that returns the fresh basket snapshot with its own result."""
        checkout = self.terminal.checkout

        def call() -> tuple[Any, BasketView | None]:
            result = fn(*args, **kwargs)
            return result, (snapshot(checkout) if refresh else None)

        return Op(self.runner, call)

    def _after(
        self, callback: Callable[[Any], None] | None = None, clears: bool = True
    ) -> Callable[[tuple[Any, Any]], None]:
        def done(value: tuple[Any, BasketView | None]) -> None:
            result, view = value
            if clears:
                self.succeeded.emit()  # before the callback, whose own message is the new one
            if view is not None:
                self._feed_display(self.view, view)
                self.view = view
                self.basket_changed.emit(view)
            if callback is not None:
                callback(result)

        return done

    # --- the customer display ---------------------------------------------------------------------
    @property
    def display(self) -> Any:
        return self.terminal.devices.display

    def _feed_display(self, before: BasketView | None, after: BasketView) -> None:
        """Show the customer what just changed: the line rung up, the total, what is due."""
        display = self.display
        if display is None:
            return
        if after.empty:
            if before is not None and not before.empty:
                display.welcome(self.terminal.settings.get(config.STORE_NAME))
            return
        if after.payment is not None:
            if before is None or before.payment is None:
                display.total(after.total, after.payment.due, after.item_count)
            return
        old = {line.line_id: line for line in (before.lines if before else ())}
        for line in reversed(after.lines):
            previous = old.get(line.line_id)
            if line.voided or (previous is not None and previous == line):
                continue
            display.item(
                line.name, f"{line.quantity} x {line.unit_price}", line.amount, after.total, after.item_count
            )
            return
        display.total(after.total, None, after.item_count)

    def _fail(self, error: BaseException) -> None:
        self.notice.emit(describe(error), "error")

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        refresh: bool = True,
        clears: bool = True,
        **kwargs: Any,
    ) -> None:
        """Run a service call on the worker; ``then(result)`` on success, the error shown otherwise.
        A success clears the messages shown before it (``clears``; not for a refresh or a search)."""

        def on_failure(error: BaseException) -> None:
            self._fail(error)
            if failed is not None:
                failed(error)

        op = self._op(fn, *args, refresh=refresh, **kwargs)
        op.success(self._after(then, clears)).failure(on_failure).run()

    def refresh(self) -> None:
        self.run(lambda: None, clears=False)

    # --- staff and till ---------------------------------------------------------------------------
    def sign_in(self, staff_id: int, pin: str, then: Callable[[StaffMember], None] | None = None) -> None:
        def signed(staff: StaffMember) -> None:
            self.staff = staff
            self.staff_changed.emit(staff)
            self.load_till()
            if then:
                then(staff)

        def do() -> tuple[StaffMember, Any]:
            staff = self.terminal.staff.sign_in(staff_id, pin)
            # whose sale it is: theirs comes back; another cashier's is parked for them (or refused)
            signed_in = self.terminal.checkout.sign_in(staff)
            outcome = None
            if signed_in.restored:
                # a payment was in progress when the till stopped: settle a charge left unanswered
                outcome = self.terminal.payments.recover()
            return staff, (signed_in.notes, outcome)

        def done(result: tuple[StaffMember, Any]) -> None:
            staff, (notes, outcome) = result
            signed(staff)
            for note in notes:
                self.notice.emit(note, "info")
            if outcome is not None:
                self.notice.emit(outcome.message, "ok" if outcome.paid else "warn")

        self.run(do, then=done)

    def sign_out(self) -> None:
        def do() -> None:
            self.terminal.checkout.set_cashier(None)

        self.staff = None
        self.run(do, refresh=False)
        self.staff_changed.emit(None)

    def approve(
        self,
        staff_id: int,
        pin: str,
        permission: Permission,
        then: Callable[[Approval], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.run(
            self.terminal.staff.approve, staff_id, pin, permission, then=then, failed=failed, refresh=False
        )

    def load_till(self) -> None:
        def loaded(session: Any) -> None:
            self.till = session
            self.till_changed.emit(session)

        self.run(self.terminal.till.current, then=loaded, clears=False)

    def open_till(self, amount: Money, then: Callable[[Any], None] | None = None) -> None:
        def opened(session: Any) -> None:
            self.till = session
            self.till_changed.emit(session)
            self.notice.emit(_("Till opened with a float of {amount}").format(amount=amount.plain()), "ok")
            if then:
                then(session)

        self.run(self.terminal.till.open, self.staff, amount, then=opened)

    # --- scanning and search ----------------------------------------------------------------------
    def scan(
        self, text: str, symbology: Symbology = Symbology.UNKNOWN, source: ScanSource = ScanSource.MANUAL
    ) -> None:
        event = ScanEvent(text, symbology, source)

        def done(outcome: Any) -> None:
            self.scanned.emit(outcome)
            if outcome.kind != "product" or not outcome.ok or outcome.needs_weight:
                kind = "ok" if outcome.ok else "error"
                if outcome.needs_weight:
                    kind = "info"
                self.notice.emit(outcome.message, kind)

        self.run(self.terminal.checkout.handle_scan, event, then=done)

    def receipt_in(self, text: str) -> str | None:
        """The receipt number when ``text`` is one of our receipts (its QR code or its number)."""
        return receipt_from_sale_scan(text, self.terminal.settings.get(config.E_RECEIPT_URL))

    def search(self, query: str) -> None:
        """Search as you type; stale answers (an older keystroke finishing late) are dropped."""
        self._search_serial += 1
        serial = self._search_serial
        ctx = self.terminal.ctx

        def do() -> list:
            with ctx.db.read() as conn:
                return catalog.search_products(conn, query, limit=30, currency=ctx.currency)

        def done(products: list) -> None:
            if serial == self._search_serial:
                self.search_results.emit(query, products)

        self.run(do, then=done, refresh=False, clears=False)

    def add_product(self, product_id: int, quantity: int | None = None) -> None:
        self.run(self.terminal.checkout.add_product_id, product_id, quantity)

    def add_open_price(self, price: Money, then: Callable[[Any], None] | None = None) -> None:
        self.run(self.terminal.checkout.add_open_price_item, price, then=then)

    @property
    def open_price_allowed(self) -> bool:
        return self.terminal.settings.get(config.SALE_OPEN_PRICE)

    @property
    def open_price_max(self) -> Money:
        return Money(self.terminal.settings.get(config.SALE_OPEN_PRICE_MAX) * 100, self.terminal.ctx.currency)

    def set_quantity(self, line_id: int, quantity: int) -> None:
        self.run(self.terminal.checkout.set_quantity, line_id, quantity)

    def void_line(self, line_id: int) -> None:
        self.run(self.terminal.checkout.void_line, line_id)

    def override_price(self, line_id: int, price: Money, approval: Approval, reason: str) -> None:
        self.run(self.terminal.checkout.override_price, line_id, price, approval, reason)

    # --- member and coupons -----------------------------------------------------------------------
    def member_by_phone(self, phone: str, then: Callable[[Any], None] | None = None) -> None:
        self.run(self.terminal.checkout.set_member_by_phone, phone, then=then)

    def clear_member(self) -> None:
        self.run(self.terminal.checkout.clear_member)

    def remove_coupon(self, coupon_id: int) -> None:
        self.run(self.terminal.checkout.remove_coupon, coupon_id)

    # --- basket -----------------------------------------------------------------------------------
    def cancel_basket(self, reason: str = "") -> None:
        self.run(self.terminal.checkout.cancel_basket, reason)

    def hold(self, label: str = "", then: Callable[[Any], None] | None = None) -> None:
        self.run(self.terminal.checkout.hold, label, then=then)

    def held_baskets(self, then: Callable[[list], None]) -> None:
        self.run(self.terminal.checkout.held_baskets, then=then, refresh=False)

    def recall(self, held_id: str, then: Callable[[Any], None] | None = None) -> None:
        self.run(self.terminal.checkout.recall, held_id, then=then)

    # --- payment ----------------------------------------------------------------------------------
    def start_payment(self, then: Callable[[Any], None] | None = None) -> None:
        self.run(self.terminal.checkout.start_payment, then=then)

    def pay_cash(self, tendered: Money, confirmed: bool = False) -> None:
        self.run(self.terminal.checkout.pay_cash, tendered, confirmed=confirmed)

    @property
    def cash_confirm_above(self) -> Money:
        return self.terminal.checkout.cash_confirm_above()  # a setting: safe to read on any thread

    def pay_card(self, amount: Money, reference: str) -> None:
        """A card paid on a stand-alone terminal: the cashier types its approval code."""
        self.run(self.terminal.checkout.pay_card, amount, reference, EXTERNAL)

    @property
    def has_card_terminal(self) -> bool:
        return self.terminal.payments.terminal is not None

    @property
    def has_mobile_gateway(self) -> bool:
        return self.terminal.payments.gateway is not None

    @property
    def offers_qr(self) -> bool:
        return self.terminal.settings.get(config.PAYMENT_OFFER_QR)

    def _charge_done(self, outcome: Any) -> None:
        kind = {"paid": "ok", "pending": "warn"}.get(str(getattr(outcome, "outcome", "")), "error")
        self.notice.emit(outcome.message, kind)

    def charge_card(self, amount: Money | None) -> None:
        """Charge on the connected card terminal (waits for the customer, on the database worker)."""
        self.run(self.terminal.payments.pay_card, amount, then=self._charge_done)

    def charge_payment_code(self, scan: Any, amount: Money | None) -> None:
        self.run(self.terminal.payments.pay_mobile_code, scan, amount, then=self._charge_done)

    def offer_qr(self, amount: Money | None, then: Callable[[Any], None]) -> None:
        self.run(self.terminal.payments.offer_qr, amount, then=then)

    def check_qr(self, then: Callable[[Any], None]) -> None:
        self.run(self.terminal.payments.check_qr, then=then)

    def cancel_qr(self) -> None:
        self.run(self.terminal.payments.cancel_qr, then=self._charge_done)

    def check_pending(self) -> None:
        self.run(self.terminal.payments.check_pending, then=self._charge_done)

    def resolve_pending(self, approval: Approval, charged: bool, reference: str) -> None:
        self.run(
            self.terminal.payments.resolve_manually,
            approval,
            charged=charged,
            reference=reference,
            then=self._charge_done,
        )

    def pay_mobile(self, amount: Money, provider: str, reference: str) -> None:
        self.run(self.terminal.checkout.pay_mobile, amount, provider, reference)

    def pay_points(self, points: int) -> None:
        self.run(self.terminal.checkout.pay_points, points)

    def take_back_tender(self) -> None:
        """The last tender goes back (a card or mobile payment is voided on its device first)."""
        self.run(self.terminal.payments.take_back_last)

    def complete(self, print_receipt: bool) -> None:
        def done(sale: Any) -> None:
            if self.display is not None:
                self.display.change(sale.total + sale.change, sale.change)
            self.sale_completed.emit(sale)
            for warning in sale.warnings:
                self.notice.emit(warning, "warn")
            if print_receipt:
                self.print_job(sale.job_id)

        self.run(self.terminal.checkout.complete, print_receipt=print_receipt, print_later=True, then=done)

    def print_job(self, job_id: int, copy: bool = False) -> None:
        """Print on the device pool: a printer waiting for paper never holds up the next sale."""

        def done(result: Any) -> None:
            if not result.printed:
                self.notice.emit(_("Receipt not printed: {error}").format(error=result.message), "warn")
            elif copy:
                self.notice.emit(_("Receipt reprinted"), "ok")

        Op(self.runner, self.terminal.receipts.print_job, job_id, copy=copy).success(done).failure(
            self._fail
        ).run_net()

    def reprint_last(self) -> None:
        def reprint() -> Any:
            job_id = self.terminal.receipts.last_job()
            if job_id is None:
                raise DomainError(_("There is no receipt to reprint yet"))
            return job_id

        self.run(reprint, then=lambda job_id: self.print_job(job_id, copy=True), refresh=False)

    @property
    def language(self) -> str:
        return current_language()
