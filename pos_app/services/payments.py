"""Card and mobile payments without losing or doubling a charge.

The danger is the charge whose answer never comes: the terminal took the money, then the cable, the
network or the till itself went away. The rules here:

1. **Record before asking.** Each charge gets a fresh order reference and is written to the basket in
   progress (``active_basket``, with the tenders) *before* the terminal or gateway is asked.
2. **Never charge twice.** While a charge is recorded and unresolved, the checkout refuses another
   tender, any change to the basket, and completing the sale.
3. **Ask again, by the same reference.** No answer -> query the terminal (or gateway) for that order
   reference until it says approved, declined or "no such charge". An approved charge becomes a tender
   in the same write that forgets the pending record. A customer's payment code that stays unresolved is
   reversed (the documented WeChat Pay/Alipay procedure), so the customer is not charged for nothing.
4. **Survive a crash.** On start-up, :meth:`PaymentService.recover` resolves a recorded charge the same
   way. If the terminal cannot be reached at all, a supervisor can settle it from the terminal's own
   slip or report (:meth:`PaymentService.resolve_manually`, journalled).

Threading: like the checkout, called from one worker thread at a time (never the GUI thread: it waits
for the customer at the terminal).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from hardware.customer_display import CustomerDisplay
from hardware.handler import DeviceHandler, NullHandler
from hardware.payment import (
    MobileGateway,
    PaymentLinkError,
    PaymentResult,
    PaymentStatus,
    PaymentTerminal,
    new_order_ref,
)
from pos_app import config
from pos_app.db import ledger
from pos_app.domain.errors import PaymentError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Approval, Permission
from pos_app.domain.tenders import Tender, TenderKind
from pos_app.i18n import _
from pos_app.services.checkout.tenders import TakesTenders
from pos_app.services.context import TerminalContext
from pos_app.services.scanning import PaymentScan

DEVICE = "payment"
EXTERNAL = "external"  # the provider of a card tender taken on a stand-alone terminal


class ChargeKind(StrEnum):
    CARD = "card"  # the card terminal
    CODE = "code"  # the customer's payment code, scanned
    QR = "qr"  # a QR code the customer scans from the display


@dataclass(frozen=True)
class PendingCharge:
    """A charge asked of a terminal or gateway whose outcome is not known yet (stored as JSON)."""

    order_ref: str
    kind: ChargeKind
    amount: int  # minor units
    currency: str
    provider: str = ""  # wechat / alipay / unionpay for mobile payments
    started_at: str = ""
    state: str = "sent"  # sent -> unknown (no answer) ; waiting (QR shown)
    code: str = ""  # the last 4 digits of a payment code, for the cashier's screen

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def to_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_dict(cls, data: dict) -> PendingCharge:
        return cls(**{**data, "kind": ChargeKind(data["kind"])})


class Outcome(StrEnum):
    PAID = "paid"  # a tender was added
    DECLINED = "declined"  # refused, or cancelled: not charged
    NOT_CHARGED = "not_charged"  # could not start, or reversed: not charged
    PENDING = "pending"  # still unknown (or the customer has not paid the QR code yet)


@dataclass(frozen=True)
class ChargeOutcome:
    outcome: Outcome
    message: str  # for the cashier
    tender: Tender | None = None
    pending: PendingCharge | None = None
    qr_data: str = ""  # QR payments: the code shown to the customer

    @property
    def paid(self) -> bool:
        return self.outcome is Outcome.PAID


class PaymentService:
    def __init__(
        self,
        ctx: TerminalContext,
        checkout: TakesTenders,
        *,
        terminal: PaymentTerminal | None = None,
        gateway: MobileGateway | None = None,
        handler: DeviceHandler | None = None,
        display: CustomerDisplay | None = None,
        query_attempts: int = 3,
        query_interval_s: float = 2.0,
        confirm_timeout_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ctx = ctx
        self.checkout = checkout
        self.terminal = terminal
        self.gateway = gateway
        self.handler = handler or NullHandler()
        self.display = display
        self.query_attempts = query_attempts
        self.query_interval_s = query_interval_s
        self.confirm_timeout_s = confirm_timeout_s
        self.sleep = sleep
        self.monotonic = monotonic

    # --- the charge in progress -------------------------------------------------------------------
    def pending(self) -> PendingCharge | None:
        raw = self.checkout.pending_charge
        return None if raw is None else PendingCharge.from_dict(raw)

    # --- card -------------------------------------------------------------------------------------
    def pay_card(self, amount: Money | None = None) -> ChargeOutcome:
        """Charge ``amount`` (default: all that is due) on the card terminal; waits for the customer."""
        terminal = self._require(self.terminal, _("No card terminal is set up on this till"))
        amount = self._amount(amount)
        charge = self._record(ChargeKind.CARD, amount)
        self.handler.show_status(
            DEVICE,
            _("Ask the customer to present their card on the terminal: {amount}").format(
                amount=amount.plain()
            ),
        )
        try:
            result = terminal.charge(amount, charge.order_ref)
        finally:
            self.handler.clear_status(DEVICE)
        return self._conclude(charge, result)

    # --- the customer's payment code --------------------------------------------------------------
    def pay_mobile_code(self, scan: PaymentScan, amount: Money | None = None) -> ChargeOutcome:
        """Charge the payment code (付款码) the customer showed; waits while they confirm on the phone."""
        gateway = self._require(self.gateway, _("Mobile payments are not set up on this till"))
        amount = self._amount(amount)
        charge = self._record(ChargeKind.CODE, amount, provider=scan.provider.value, code=scan.code[-4:])
        result = gateway.pay_code(scan.provider.value, scan.code, amount, charge.order_ref)
        return self._conclude(charge, result)

    # --- a QR code the customer scans -------------------------------------------------------------
    def offer_qr(self, amount: Money | None = None, provider: str = "wechat") -> ChargeOutcome:
        """Show a payment QR code for ``amount`` (on the customer display too); then call
        :meth:`check_qr` every few seconds until it is paid, or :meth:`cancel_qr`."""
        gateway = self._require(self.gateway, _("Mobile payments are not set up on this till"))
        amount = self._amount(amount)
        charge = self._record(ChargeKind.QR, amount, provider=provider)
        try:
            qr = gateway.create_qr(
                provider, amount, charge.order_ref, self.ctx.settings.get(config.STORE_NAME)
            )
        except PaymentLinkError as exc:
            if exc.sent:
                return self._resolve(replace(charge, state="unknown"))
            self._forget(charge)
            return ChargeOutcome(
                Outcome.NOT_CHARGED,
                _("The payment platform cannot be reached ({detail})").format(detail=exc.message),
            )
        charge = replace(charge, state="waiting")
        self._keep(charge)
        if self.display is not None:
            self.display.payment(amount, qr, _("Scan with WeChat or Alipay to pay"))
        return ChargeOutcome(Outcome.PENDING, _("Waiting for the customer to scan and pay"), None, charge, qr)

    def check_qr(self) -> ChargeOutcome:
        """Has the customer paid the QR code shown? (One query; ``PENDING`` while they have not.)"""
        charge = self._require_pending(ChargeKind.QR)
        result = self._gateway().query(charge.order_ref)
        if result.status in (PaymentStatus.PENDING, PaymentStatus.UNKNOWN):
            return ChargeOutcome(Outcome.PENDING, result.message, pending=charge)
        return self._conclude(charge, result)

    def cancel_qr(self) -> ChargeOutcome:
        """The customer will pay another way: close the QR order (if they paid meanwhile, it counts)."""
        charge = self._require_pending(ChargeKind.QR)
        paid = self._gateway().query(charge.order_ref)
        if paid.approved:
            return self._apply(charge, paid)
        return self._reverse(charge)

    # --- unknown outcomes -------------------------------------------------------------------------
    def check_pending(self) -> ChargeOutcome:
        """Ask the terminal or gateway again about the recorded charge (the cashier's "Check payment")."""
        charge = self.pending()
        if charge is None:
            return ChargeOutcome(Outcome.NOT_CHARGED, _("No payment is waiting for an answer"))
        if charge.kind is ChargeKind.QR and charge.state == "waiting":
            return self.check_qr()
        return self._resolve(charge)

    def recover(self) -> ChargeOutcome | None:
        """At start-up, after ``checkout.restore_active()``: resolve a charge the till was asking for
        when it stopped. None if there was none."""
        if self.pending() is None:
            return None
        return self.check_pending()

    def resolve_manually(self, approval: Approval, *, charged: bool, reference: str = "") -> ChargeOutcome:
        """A supervisor settles a charge the terminal cannot tell about any more, from the terminal's
        own slip or report: ``charged`` with its ``reference``, or not charged. Journalled."""
        approval.staff.require(Permission.VOID_SALE)
        charge = self.pending()
        if charge is None:
            return ChargeOutcome(Outcome.NOT_CHARGED, _("No payment is waiting for an answer"))
        if charged and not reference.strip():
            raise PaymentError(_("Enter the reference printed on the terminal's slip"))
        with self.ctx.db.write() as conn:
            ledger.append_journal(
                conn,
                kind="payment_resolved",
                created_at=self.ctx.clock.utc_iso(),
                staff_id=approval.staff.id,
                till_session_id=None,
                ref=charge.order_ref,
                amount=charge.amount if charged else 0,
                payload={"kind": charge.kind.value, "charged": charged, "reference": reference.strip()},
            )
        if charged:
            result = PaymentResult(
                PaymentStatus.APPROVED, charge.order_ref, charge.money, reference.strip(), charge.provider
            )
            return self._apply(charge, result)
        self._forget(charge)
        return ChargeOutcome(Outcome.NOT_CHARGED, _("Recorded as not charged"))

    # --- taking a payment back --------------------------------------------------------------------
    def take_back_last(self) -> Tender:
        """Remove the last tender; a card or mobile payment is voided on the terminal/gateway first
        (if that fails, the tender stays and the error says why)."""
        payment = self.checkout.payment
        if payment is None or not payment.tenders:
            raise PaymentError(_("There is no payment to take back"))
        tender = payment.tenders[-1]
        # a card paid on a stand-alone terminal (the cashier typed its approval code) is voided on that
        # terminal by hand; only payments this till took through a device are voided here
        if (
            tender.kind in (TenderKind.CARD, TenderKind.MOBILE)
            and tender.reference
            and tender.provider != EXTERNAL
        ):
            device = self.terminal if tender.kind is TenderKind.CARD else self.gateway
            if device is None:
                raise PaymentError(_("This payment can only be taken back on the device that took it"))
            result = (
                device.void(tender.reference)
                if isinstance(device, PaymentTerminal)
                else device.cancel(tender.reference)
            )
            if result.status is not PaymentStatus.REVERSED:
                raise PaymentError(
                    _("The payment could not be voided, so it stays: {reason}").format(reason=result.message)
                )
            with self.ctx.db.write() as conn:
                ledger.append_journal(
                    conn,
                    kind="tender_reversed",
                    created_at=self.ctx.clock.utc_iso(),
                    staff_id=self.checkout.cashier.id if self.checkout.cashier else None,
                    till_session_id=None,
                    ref=tender.reference,
                    amount=-tender.amount.minor,
                    payload={"kind": tender.kind.value, "provider": tender.provider},
                )
        return self.checkout.remove_last_tender()

    # --- the steps --------------------------------------------------------------------------------
    def _amount(self, amount: Money | None) -> Money:
        payment = self.checkout.start_payment()  # refuses while another charge is pending
        due = payment.due
        amount = due if amount is None else amount
        if amount.minor <= 0:
            raise PaymentError(_("Enter an amount more than zero"))
        if amount > due:
            raise PaymentError(_("Cannot charge more than is due ({due})").format(due=due.plain()))
        return amount

    def _record(self, kind: ChargeKind, amount: Money, provider: str = "", code: str = "") -> PendingCharge:
        charge = PendingCharge(
            new_order_ref(),
            kind,
            amount.minor,
            amount.currency,
            provider,
            self.ctx.clock.utc_iso(),
            code=code,
        )
        self._keep(charge)
        return charge

    def _keep(self, charge: PendingCharge) -> None:
        self.checkout.keep_pending_charge(charge.to_dict())

    def _forget(self, charge: PendingCharge) -> None:
        self.checkout.keep_pending_charge(None)

    def _settled(self, charge: PendingCharge, result: PaymentResult) -> ChargeOutcome | None:
        """The outcome when ``result`` settles the charge (paid, refused, or not charged); None while
        it is still open."""
        if result.approved:
            return self._apply(charge, result)
        if result.status in (PaymentStatus.DECLINED, PaymentStatus.CANCELLED):
            self._forget(charge)
            return ChargeOutcome(Outcome.DECLINED, result.message)
        if result.status.settled_unpaid:
            self._forget(charge)
            return ChargeOutcome(Outcome.NOT_CHARGED, result.message)
        return None

    def _conclude(self, charge: PendingCharge, result: PaymentResult) -> ChargeOutcome:
        settled = self._settled(charge, result)
        if settled is not None:
            return settled
        if charge.state == "sent":
            charge = replace(charge, state="unknown")
            self._keep(charge)
        return self._resolve(charge)

    def _resolve(self, charge: PendingCharge) -> ChargeOutcome:
        """Query until the outcome is known; customers confirming on their phone get
        ``confirm_timeout_s``, then a payment code is reversed."""
        try:
            return self._resolve_by_asking(charge)
        finally:
            self.handler.clear_status(DEVICE)

    def _resolve_by_asking(self, charge: PendingCharge) -> ChargeOutcome:
        device_query = self._query_function(charge)
        started = self.monotonic()
        unanswered = 0
        while True:
            result = device_query(charge.order_ref)
            settled = self._settled(charge, result)
            if settled is not None:
                return settled
            if result.status is PaymentStatus.PENDING:
                unanswered = 0
                self.handler.show_status(DEVICE, result.message)
                if self.monotonic() - started >= self.confirm_timeout_s:
                    if charge.kind is ChargeKind.CARD:
                        return ChargeOutcome(Outcome.PENDING, result.message, pending=charge)
                    return self._reverse(charge)
            else:
                unanswered += 1
                if unanswered >= self.query_attempts:
                    if charge.kind is not ChargeKind.CARD:
                        return self._reverse(charge)
                    message = _(
                        "The terminal has not answered whether the card was charged. Do NOT charge again: "
                        "check the terminal's screen or slip, then check the payment again."
                    )
                    if not self.handler.ask_retry(DEVICE, "no_answer", message):
                        return ChargeOutcome(Outcome.PENDING, message, pending=charge)
                    unanswered = 0
            self.sleep(self.query_interval_s)

    def _reverse(self, charge: PendingCharge) -> ChargeOutcome:
        """Reverse a mobile order whose outcome stays unknown: afterwards the customer is certainly not
        charged (a payment is refunded by the platform)."""
        for _attempt in range(self.query_attempts):
            result = self._gateway().cancel(charge.order_ref)
            if result.status in (PaymentStatus.REVERSED, PaymentStatus.NOT_FOUND):
                self._forget(charge)
                if self.display is not None:
                    self.display.payment(self.checkout.start_payment().due)
                return ChargeOutcome(
                    Outcome.NOT_CHARGED,
                    _("The payment was not confirmed in time and was cancelled: ask for another payment"),
                )
            self.sleep(self.query_interval_s)
        message = _(
            "The payment platform does not answer. The payment stays open: check it again before taking "
            "another payment."
        )
        return ChargeOutcome(Outcome.PENDING, message, pending=charge)

    def _apply(self, charge: PendingCharge, result: PaymentResult) -> ChargeOutcome:
        """The charge is approved: one write adds the tender and forgets the pending record."""
        amount = result.amount if result.amount is not None else charge.money
        reference = result.reference or charge.order_ref
        previous = self.checkout.pending_charge
        self.checkout.pending_charge = None
        try:
            if charge.kind is ChargeKind.CARD:
                tender = self.checkout.pay_card(amount, reference, result.provider)
            else:
                provider = result.provider or charge.provider
                tender = self.checkout.pay_mobile(amount, provider, reference)
        except PaymentError:
            # cannot happen while the basket is frozen; if it does, keep the charge on record
            self.checkout.pending_charge = previous
            raise
        if self.display is not None and self.checkout.payment is not None:
            due = self.checkout.payment.due
            if due.minor > 0:
                self.display.payment(due)
        return ChargeOutcome(Outcome.PAID, result.message or _("Paid"), tender)

    def _query_function(self, charge: PendingCharge) -> Callable[[str], PaymentResult]:
        if charge.kind is ChargeKind.CARD:
            return self._require(self.terminal, _("No card terminal is set up on this till")).query
        return self._gateway().query

    def _gateway(self) -> MobileGateway:
        return self._require(self.gateway, _("Mobile payments are not set up on this till"))

    def _require_pending(self, kind: ChargeKind) -> PendingCharge:
        charge = self.pending()
        if charge is None or charge.kind is not kind:
            raise PaymentError(_("No payment is waiting for an answer"))
        return charge

    @staticmethod
    def _require(device, message: str):
        if device is None:
            raise PaymentError(message)
        return device
