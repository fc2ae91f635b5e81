"""Taking money electronically: the card terminal beside the till, and the mobile-payment gateway that
charges a customer's WeChat Pay / Alipay / UnionPay payment code (or shows a QR code they scan).

Both answer with a :class:`PaymentResult`. The one status that matters most is ``UNKNOWN``: the request
was sent and no answer came, so the customer *may* have been charged. Nothing here retries a charge;
the caller (``pos_app.services.payments``) records the charge before asking, and on ``UNKNOWN`` asks
again with :meth:`~PaymentTerminal.query` -- by the same order reference -- never with a second charge.

Drivers have one transport method each: :meth:`PaymentTerminal._exchange` (one request to the terminal,
one answer) and :meth:`MobileGateway._call` (one call to the acquirer's API). The simulators
(:class:`SimulatedPaymentTerminal`, :class:`SimulatedMobileGateway`) keep their own ledger, like the
real ones, and can approve, decline, be cancelled, time out, fail before or after charging, and keep
their state in a file so a test can kill the till in the middle of a charge and restart it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from hardware.handler import EventSink, NullEvents
from hardware.threads import DeviceThread, runs_in_device_thread
from pos_app.domain.money import Money
from pos_app.i18n import _


class PaymentStatus(StrEnum):
    APPROVED = "approved"  # charged
    DECLINED = "declined"  # refused by the bank / wallet (not charged)
    CANCELLED = "cancelled"  # cancelled on the terminal or by the customer (not charged)
    FAILED = "failed"  # the request never reached the terminal or gateway (not charged)
    PENDING = "pending"  # the customer is still confirming (PIN, password on the phone)
    UNKNOWN = "unknown"  # sent, no answer: maybe charged -- ask again, never charge again
    NOT_FOUND = "not_found"  # a query: no such charge was ever made
    REVERSED = "reversed"  # voided / refunded / the order closed

    @property
    def settled_unpaid(self) -> bool:
        """Definitely not (or no longer) charged."""
        return self in _UNPAID


_UNPAID = {
    PaymentStatus.DECLINED,
    PaymentStatus.CANCELLED,
    PaymentStatus.FAILED,
    PaymentStatus.NOT_FOUND,
    PaymentStatus.REVERSED,
}


@dataclass(frozen=True)
class PaymentResult:
    status: PaymentStatus
    order_ref: str
    amount: Money | None = None
    reference: str = ""  # the terminal's authorisation or the wallet's transaction id
    provider: str = ""  # card scheme, or wechat / alipay / unionpay
    message: str = ""  # for the cashier (translated)

    @property
    def approved(self) -> bool:
        return self.status is PaymentStatus.APPROVED


class PaymentLinkError(Exception):
    """A transport failure. ``sent``: False if the request certainly did not reach the other side
    (nothing can have been charged), True if it went out and the answer is missing."""

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.sent = sent


def new_order_ref() -> str:
    """A unique order reference (32 characters, as WeChat Pay and Alipay accept), time-ordered."""
    import uuid6

    return uuid6.uuid7().hex


# --- card terminal --------------------------------------------------------------------------------


class PaymentTerminal(ABC):
    """A card terminal (bank POS) beside the till, driven by the till (amount in, result out).

    Every public method runs on the terminal's own thread and blocks until the terminal answers or
    ``timeout_s`` passes (a customer entering a PIN takes a while).
    """

    device = "payment"

    def __init__(self, *, timeout_s: float = 90.0, events: EventSink | None = None) -> None:
        self.timeout_s = timeout_s
        self.events: EventSink = events or NullEvents()
        self.device_thread = DeviceThread(f"payment-{type(self).__name__}")

    @abstractmethod
    def _exchange(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request, return the terminal's answer. Raises :class:`PaymentLinkError`."""

    def is_usable(self) -> bool:
        return True

    def close(self) -> None:
        self.device_thread.close()

    @runs_in_device_thread
    def charge(self, amount: Money, order_ref: str) -> PaymentResult:
        """Charge ``amount`` under ``order_ref`` (unique per attempt)."""
        if amount.minor <= 0:
            raise ValueError("a charge must be for more than zero")
        request = {"op": "sale", "order_ref": order_ref, "amount": amount.minor, "currency": amount.currency}
        return self._result(order_ref, amount, request, self.timeout_s)

    @runs_in_device_thread
    def query(self, order_ref: str) -> PaymentResult:
        """What became of the charge ``order_ref`` (the terminal's own record)."""
        return self._result(
            order_ref, None, {"op": "query", "order_ref": order_ref}, min(self.timeout_s, 15.0), asking=True
        )

    @runs_in_device_thread
    def void(self, reference: str) -> PaymentResult:
        """Void an approved charge (by its order reference or the terminal's reference), same day."""
        return self._result(
            reference, None, {"op": "void", "order_ref": reference}, min(self.timeout_s, 30.0)
        )

    def _result(
        self,
        order_ref: str,
        amount: Money | None,
        request: dict[str, Any],
        timeout: float,
        *,
        asking: bool = False,
    ) -> PaymentResult:
        """``asking``: a query -- not reaching the terminal then says nothing about the charge."""
        try:
            answer = self._exchange(request, timeout)
        except PaymentLinkError as exc:
            if exc.sent or asking:
                return PaymentResult(
                    PaymentStatus.UNKNOWN,
                    order_ref,
                    amount,
                    message=_("The card terminal did not answer ({detail})").format(detail=exc.message),
                )
            self.events.publish("device_problem", device=self.device, reason="offline", message=exc.message)
            return PaymentResult(
                PaymentStatus.FAILED,
                order_ref,
                amount,
                message=_("The card terminal cannot be reached ({detail})").format(detail=exc.message),
            )
        return _terminal_answer(order_ref, amount, answer)


_TERMINAL_RESULTS = {
    "approved": PaymentStatus.APPROVED,
    "declined": PaymentStatus.DECLINED,
    "cancelled": PaymentStatus.CANCELLED,
    "in_progress": PaymentStatus.PENDING,
    "not_found": PaymentStatus.NOT_FOUND,
    "voided": PaymentStatus.REVERSED,
}


def _terminal_answer(order_ref: str, amount: Money | None, answer: dict[str, Any]) -> PaymentResult:
    status = _TERMINAL_RESULTS.get(str(answer.get("result")), PaymentStatus.UNKNOWN)
    if amount is None and answer.get("amount") is not None:
        amount = Money(int(answer["amount"]), str(answer.get("currency", "CNY")))
    messages = {
        PaymentStatus.APPROVED: _("Card payment approved"),
        PaymentStatus.DECLINED: _("The card was declined: {reason}").format(reason=answer.get("message", "")),
        PaymentStatus.CANCELLED: _("The card payment was cancelled on the terminal"),
        PaymentStatus.PENDING: _("The customer is still at the terminal"),
        PaymentStatus.NOT_FOUND: _("The terminal has no record of this payment: the card was not charged"),
        PaymentStatus.REVERSED: _("The card payment was voided"),
        PaymentStatus.UNKNOWN: _("The card terminal gave an answer the till does not understand"),
    }
    return PaymentResult(
        status,
        order_ref,
        amount,
        reference=str(answer.get("auth", "")),
        provider=str(answer.get("scheme", "")),
        message=messages[status],
    )


class SimulatedCrash(BaseException):
    """The simulator's stand-in for the till dying right after the terminal charged the card."""


class _Ledger:
    """A payment device's own record of charges, optionally kept in a JSON file (it survives the till)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        if path is not None and path.exists():
            self.records = json.loads(path.read_text("utf-8"))

    def save(self) -> None:
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.records, indent=1), "utf-8")
            tmp.replace(self.path)

    def find(self, ref: str) -> dict[str, Any] | None:
        record = self.records.get(ref)
        if record is None:
            record = next((r for r in self.records.values() if r.get("auth") == ref), None)
        return record

    def charged(self) -> list[dict[str, Any]]:
        return [r for r in self.records.values() if r["state"] == "approved"]


class SimulatedPaymentTerminal(PaymentTerminal):
    """A card terminal in software (demos, training, tests) behind the same transport method.

    ``script``: what the next sales do, one word each -- ``approve``, ``decline``, ``cancel``,
    ``timeout`` (no answer, not charged), ``charge_then_timeout`` (charged, the answer lost),
    ``unavailable`` (not reachable, nothing sent), ``crash_after_charge`` (charged, then the till
    dies: :attr:`on_crash`), ``in_progress`` (the answer is lost while the customer is still at the
    terminal; it is approved when next asked). An empty script approves. ``query_script`` does the
    same for queries: ``answer`` (the default), ``timeout``, ``unavailable``.
    """

    def __init__(
        self,
        script: Iterable[str] = (),
        *,
        query_script: Iterable[str] = (),
        state_path: str | Path | None = None,
        delay_s: float = 0.0,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.script: deque[str] = deque(script)
        self.query_script: deque[str] = deque(query_script)
        self.ledger = _Ledger(Path(state_path) if state_path else None)
        self.delay_s = delay_s
        self.requests: list[dict[str, Any]] = []
        self.on_crash: Callable[[], None] = _raise_crash
        self._sequence = len(self.ledger.records)

    @property
    def charges(self) -> list[dict[str, Any]]:
        """Every charge the terminal approved and did not void (what the bank will pay out)."""
        with self.ledger.lock:
            return list(self.ledger.charged())

    def _exchange(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.requests.append(request)
        if self.delay_s:
            time.sleep(self.delay_s)
        op = request["op"]
        if op == "sale":
            return self._sale(request)
        step = self.query_script.popleft() if self.query_script else "answer"
        if step == "timeout":
            raise PaymentLinkError("no answer in time", sent=True)
        if step == "unavailable":
            raise PaymentLinkError("connection refused", sent=False)
        with self.ledger.lock:
            record = self.ledger.find(request["order_ref"])
            if record is None:
                return {"result": "not_found"}
            if op == "void":
                if record["state"] == "approved":
                    record["state"] = "voided"
                    self.ledger.save()
                return {**record, "result": record["state"]}
            if record["state"] == "in_progress":  # the customer finished meanwhile
                record["state"] = "approved"
                self.ledger.save()
            return {**record, "result": record["state"]}

    def _sale(self, request: dict[str, Any]) -> dict[str, Any]:
        step = self.script.popleft() if self.script else "approve"
        if step == "unavailable":
            raise PaymentLinkError("connection refused", sent=False)
        if step == "timeout":
            raise PaymentLinkError("no answer in time", sent=True)
        with self.ledger.lock:
            self._sequence += 1
            state = {
                "approve": "approved",
                "charge_then_timeout": "approved",
                "crash_after_charge": "approved",
                "decline": "declined",
                "cancel": "cancelled",
                "in_progress": "in_progress",
            }[step]
            record = {
                "order_ref": request["order_ref"],
                "amount": request["amount"],
                "currency": request["currency"],
                "state": state,
                "auth": f"{100000 + self._sequence:06d}" if state in ("approved", "in_progress") else "",
                "scheme": "unionpay",
                "message": "insufficient funds" if state == "declined" else "",
            }
            self.ledger.records[request["order_ref"]] = record
            self.ledger.save()
        if step == "crash_after_charge":
            self.on_crash()
        if step in ("charge_then_timeout", "in_progress"):
            raise PaymentLinkError("the answer was lost", sent=True)
        return {**record, "result": state}


def _raise_crash() -> None:
    raise SimulatedCrash("the till died after the charge")


# --- mobile payment gateway -----------------------------------------------------------------------

MOBILE_PROVIDERS = ("wechat", "alipay", "unionpay")


class MobileGateway(ABC):
    """The acquirer's API for WeChat Pay / Alipay / UnionPay QuickPass (one for all three, as the
    aggregators used by stores offer). Public methods run on the gateway's own thread."""

    device = "mobile_gateway"

    def __init__(self, *, timeout_s: float = 10.0, events: EventSink | None = None) -> None:
        self.timeout_s = timeout_s
        self.events: EventSink = events or NullEvents()
        self.device_thread = DeviceThread(f"gateway-{type(self).__name__}")

    @abstractmethod
    def _call(self, api: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One API call (``micropay``, ``query``, ``reverse``, ``precreate``); raises
        :class:`PaymentLinkError`."""

    def is_usable(self) -> bool:
        return True

    def close(self) -> None:
        self.device_thread.close()

    @runs_in_device_thread
    def pay_code(self, provider: str, auth_code: str, amount: Money, order_ref: str) -> PaymentResult:
        """Charge the customer's payment code (付款码) ``auth_code``."""
        if provider not in MOBILE_PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}")
        params = {
            "provider": provider,
            "auth_code": auth_code,
            "out_trade_no": order_ref,
            "total_fee": amount.minor,
            "currency": amount.currency,
        }
        return self._result("micropay", params, order_ref, amount)

    @runs_in_device_thread
    def query(self, order_ref: str) -> PaymentResult:
        return self._result("query", {"out_trade_no": order_ref}, order_ref, None, asking=True)

    @runs_in_device_thread
    def cancel(self, order_ref: str) -> PaymentResult:
        """Reverse (撤销) the order: refunds it if it was paid, closes it if not."""
        return self._result("reverse", {"out_trade_no": order_ref}, order_ref, None)

    @runs_in_device_thread
    def create_qr(self, provider: str, amount: Money, order_ref: str, description: str) -> str:
        """A QR code link the customer scans to pay ``amount`` (merchant-presented code).
        Raises :class:`PaymentLinkError`."""
        answer = self._call(
            "precreate",
            {
                "provider": provider,
                "out_trade_no": order_ref,
                "total_fee": amount.minor,
                "currency": amount.currency,
                "body": description,
            },
            self.timeout_s,
        )
        if answer.get("return_code") != "SUCCESS" or not answer.get("code_url"):
            raise PaymentLinkError(
                str(answer.get("err_code_des") or answer.get("err_code") or "refused"), sent=False
            )
        return str(answer["code_url"])

    def _result(
        self, api: str, params: dict[str, Any], order_ref: str, amount: Money | None, *, asking: bool = False
    ) -> PaymentResult:
        """``asking``: a query -- not reaching the platform then says nothing about the payment."""
        try:
            answer = self._call(api, params, self.timeout_s)
        except PaymentLinkError as exc:
            if exc.sent or asking:
                return PaymentResult(
                    PaymentStatus.UNKNOWN,
                    order_ref,
                    amount,
                    message=_("The payment platform did not answer ({detail})").format(detail=exc.message),
                )
            self.events.publish("device_problem", device=self.device, reason="offline", message=exc.message)
            return PaymentResult(
                PaymentStatus.FAILED,
                order_ref,
                amount,
                message=_("The payment platform cannot be reached ({detail})").format(detail=exc.message),
            )
        return _gateway_answer(order_ref, amount, answer)


#: trade_state / err_code of the WeChat Pay and Alipay style answers, and what they mean here.
_GATEWAY_STATES = {
    "SUCCESS": PaymentStatus.APPROVED,
    "USERPAYING": PaymentStatus.PENDING,
    "NOTPAY": PaymentStatus.PENDING,
    "PAYERROR": PaymentStatus.DECLINED,
    "CLOSED": PaymentStatus.REVERSED,
    "REVOKED": PaymentStatus.REVERSED,
    "REFUND": PaymentStatus.REVERSED,
    "ORDERNOTEXIST": PaymentStatus.NOT_FOUND,
    "SYSTEMERROR": PaymentStatus.UNKNOWN,
    "BANKERROR": PaymentStatus.UNKNOWN,
    "NOTENOUGH": PaymentStatus.DECLINED,
    "AUTHCODEEXPIRE": PaymentStatus.DECLINED,
    "AUTH_CODE_INVALID": PaymentStatus.DECLINED,
    "NOTSUPORTCARD": PaymentStatus.DECLINED,
}


def _gateway_answer(order_ref: str, amount: Money | None, answer: dict[str, Any]) -> PaymentResult:
    code = str(answer.get("trade_state") or answer.get("err_code") or answer.get("result_code") or "")
    status = _GATEWAY_STATES.get(code, PaymentStatus.UNKNOWN)
    if answer.get("result_code") == "FAIL" and code not in _GATEWAY_STATES:
        status = PaymentStatus.DECLINED
    if amount is None and answer.get("total_fee") is not None:
        amount = Money(int(answer["total_fee"]), str(answer.get("currency", "CNY")))
    reason = str(answer.get("err_code_des") or code)
    messages = {
        PaymentStatus.APPROVED: _("Mobile payment received"),
        PaymentStatus.PENDING: _("Waiting for the customer to confirm the payment on their phone"),
        PaymentStatus.DECLINED: _("The mobile payment was refused: {reason}").format(reason=reason),
        PaymentStatus.REVERSED: _("The mobile payment was cancelled"),
        PaymentStatus.NOT_FOUND: _("The payment platform has no such payment: nothing was charged"),
        PaymentStatus.UNKNOWN: _("The payment platform reported a problem ({reason})").format(reason=reason),
    }
    return PaymentResult(
        status,
        order_ref,
        amount,
        reference=str(answer.get("transaction_id", "")),
        provider=str(answer.get("provider", "")),
        message=messages.get(status, reason),
    )


class SimulatedMobileGateway(MobileGateway):
    """WeChat Pay / Alipay in software, answering like their micropay APIs.

    ``script``: what the next charges do -- ``success``; ``userpaying:N`` (the customer confirms on
    their phone after N queries); ``userpaying`` (never confirms); ``declined`` (not enough money);
    ``system_error_paid`` / ``system_error_unpaid`` (SYSTEMERROR, charged or not); ``timeout_paid`` /
    ``timeout_unpaid`` (no answer, charged or not); ``unavailable``; ``crash_after_charge``.
    ``query_script``: ``answer`` (the default), ``timeout``, ``unavailable`` for each later call.
    """

    def __init__(
        self,
        script: Iterable[str] = (),
        *,
        query_script: Iterable[str] = (),
        state_path: str | Path | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.script: deque[str] = deque(script)
        self.query_script: deque[str] = deque(query_script)
        self.ledger = _Ledger(Path(state_path) if state_path else None)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.on_crash: Callable[[], None] = _raise_crash

    @property
    def charges(self) -> list[dict[str, Any]]:
        """Every payment received and not reversed (what the store will be paid)."""
        with self.ledger.lock:
            return list(self.ledger.charged())

    def customer_pays(self, order_ref: str) -> None:
        """The customer scanned the shown QR code and confirmed on their phone."""
        with self.ledger.lock:
            record = self.ledger.records[order_ref]
            record["state"] = "approved"
            record["transaction_id"] = _transaction_id()
            self.ledger.save()

    def _call(self, api: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.calls.append((api, params))
        if api == "micropay":
            return self._micropay(params)
        if api == "precreate":
            with self.ledger.lock:
                self.ledger.records[params["out_trade_no"]] = {
                    "out_trade_no": params["out_trade_no"],
                    "total_fee": params["total_fee"],
                    "currency": params["currency"],
                    "provider": params["provider"],
                    "state": "waiting",
                    "polls_left": -1,
                    "transaction_id": "",
                }
                self.ledger.save()
            return {
                "return_code": "SUCCESS",
                "code_url": f"weixin://wxpay/bizpayurl?pr={params['out_trade_no'][:12]}",
            }
        step = self.query_script.popleft() if self.query_script else "answer"
        if step == "timeout":
            raise PaymentLinkError("read timed out", sent=True)
        if step == "unavailable":
            raise PaymentLinkError("name or service not known", sent=False)
        with self.ledger.lock:
            record = self.ledger.find(params["out_trade_no"])
            if record is None:
                return {"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "ORDERNOTEXIST"}
            if api == "reverse":
                record["state"] = (
                    "reversed" if record["state"] in ("approved", "waiting") else record["state"]
                )
                self.ledger.save()
                return {
                    **record,
                    "return_code": "SUCCESS",
                    "result_code": "SUCCESS",
                    "trade_state": "REVOKED",
                }
            if record["state"] == "waiting" and record["polls_left"] > 0:
                record["polls_left"] -= 1
                if record["polls_left"] == 0:
                    record["state"] = "approved"
                    record["transaction_id"] = _transaction_id()
                self.ledger.save()
            trade_state = {
                "approved": "SUCCESS",
                "waiting": "USERPAYING",
                "declined": "PAYERROR",
                "reversed": "REVOKED",
            }[record["state"]]
            return {**record, "return_code": "SUCCESS", "result_code": "SUCCESS", "trade_state": trade_state}

    def _micropay(self, params: dict[str, Any]) -> dict[str, Any]:
        step = self.script.popleft() if self.script else "success"
        if step == "unavailable":
            raise PaymentLinkError("name or service not known", sent=False)
        name, _sep, count = step.partition(":")
        charged = name in ("success", "system_error_paid", "timeout_paid", "crash_after_charge")
        state = "approved" if charged else "declined" if name == "declined" else "waiting"
        if name in ("system_error_unpaid", "timeout_unpaid"):
            state = "none"
        record = {
            "out_trade_no": params["out_trade_no"],
            "total_fee": params["total_fee"],
            "currency": params["currency"],
            "provider": params["provider"],
            "state": state,
            "polls_left": int(count) if count else -1,
            "transaction_id": _transaction_id() if charged else "",
        }
        with self.ledger.lock:
            if state != "none":
                self.ledger.records[params["out_trade_no"]] = record
                self.ledger.save()
        if name == "crash_after_charge":
            self.on_crash()
        if name.startswith("timeout"):
            raise PaymentLinkError("read timed out", sent=True)
        if name.startswith("system_error"):
            return {"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "SYSTEMERROR"}
        if name == "declined":
            return {
                "return_code": "SUCCESS",
                "result_code": "FAIL",
                "err_code": "NOTENOUGH",
                "err_code_des": "余额不足",
            }
        if name == "userpaying":
            return {"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "USERPAYING"}
        return {**record, "return_code": "SUCCESS", "result_code": "SUCCESS", "trade_state": "SUCCESS"}


def _transaction_id() -> str:
    return "42" + uuid.uuid4().hex[:26]
