"""The terminal's HTTP client of the central platform: signed requests, clock offset, clear errors.

Every failure becomes one of four exceptions the engine acts on:

- :class:`Unreachable`   no answer, a time-out, or the platform in trouble (5xx): try again later;
- :class:`Refused`       the platform said no (revoked device, bad signature ...): ``code`` says why;
- :class:`SequenceGap`   the platform expects an earlier event first (``expected_seq``);
- :class:`ProtocolError` an answer that cannot be read: treated like an outage, nothing is marked.

Not thread-safe: each thread uses its own client (the sync engine one, the online helpers another).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
import requests
from pydantic import BaseModel, TypeAdapter, ValidationError

from sync.protocol import signing
from sync.protocol.tokens import Ed25519PrivateKey
from sync.protocol.wire import (
    ChangeOp,
    CouponAnswer,
    CouponReleaseRequest,
    CouponReserveRequest,
    DayReconciliation,
    EnrolRequest,
    EnrolResponse,
    ErrorCode,
    ExceptionItem,
    Family,
    MemberBalance,
    PickupStatus,
    PullPage,
    PushResponse,
    Quote,
    QuoteRequest,
    ServerInfo,
)

M = TypeVar("M", bound=BaseModel)
_OPS = {op.value for op in ChangeOp}


@dataclass(frozen=True, slots=True)
class Page:
    """A pulled page as the engine applies it: ``changes`` are the wire's dicts
    (``{"op": "put"|"delete", "key": str, "version": int, "data": dict | None}``), checked."""

    family: Family
    changes: list[dict[str, Any]]
    cursor: str
    has_more: bool
    reset: bool = False
    device_seq: int = 0

    @classmethod
    def of(cls, page: PullPage) -> Page:
        return cls(
            page.family,
            [c.model_dump(mode="json") for c in page.changes],
            page.cursor,
            page.has_more,
            page.reset,
            page.device_seq,
        )


_EXCEPTIONS = TypeAdapter(list[ExceptionItem])
API = "/v1"


class SyncError(Exception):
    """Base of what talking to the platform can raise. ``str(exc)`` is for logs, in English."""


class Unreachable(SyncError):
    pass


class ProtocolError(SyncError):
    pass


class Refused(SyncError):
    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(f"{status} {code}: {detail}" if detail else f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail


class SequenceGap(SyncError):
    def __init__(self, expected_seq: int) -> None:
        super().__init__(f"the platform expects seq {expected_seq}")
        self.expected_seq = expected_seq


class CentralClient:
    """``base_url`` like ``http://127.0.0.1:8700``; ``device_id`` and ``key`` sign requests (not needed
    to enrol). ``clock`` is this device's wall clock (unix seconds); ``offset`` is what the platform's
    clock is ahead of it, measured on every answer and used to time-stamp signatures."""

    def __init__(
        self,
        base_url: str,
        device_id: str | None = None,
        key: Ed25519PrivateKey | None = None,
        *,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the platform's address starts with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.key = key
        self.timeout = timeout
        self.clock = clock
        self.offset: float | None = None
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "o2o-store-terminal"

    def close(self) -> None:
        self.session.close()

    # --- transport --------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: BaseModel | dict | None = None,
        signed: bool = True,
        timeout: float | None = None,
    ) -> tuple[int, bytes]:
        """Send one request; returns (status, body) of a success, raises for anything else."""
        url = self.base_url + API + path
        if params:
            url += "?" + urlencode(params)
        if isinstance(body, BaseModel):
            data = body.model_dump_json().encode("utf-8")
        elif body is not None:
            try:
                data = orjson.dumps(body)
            except TypeError:  # an integer beyond 64 bits: the slow way
                data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        else:
            data = b""
        for attempt in (1, 2):
            request = requests.Request(method, url, data=data or None)
            prepared = self.session.prepare_request(request)
            if data:
                prepared.headers["Content-Type"] = "application/json"
            if signed:
                if self.device_id is None or self.key is None:
                    raise Refused(0, "not_enrolled", "this terminal is not enrolled")
                stamp = self.clock() + (self.offset or 0.0)
                prepared.headers.update(
                    signing.sign_request(self.key, self.device_id, method, prepared.path_url, data, stamp)
                )
            sent = self.clock()
            try:
                response = self.session.send(prepared, timeout=timeout or self.timeout)
            except requests.RequestException as exc:
                raise Unreachable(f"{method} {path}: {exc.__class__.__name__}: {exc}") from exc
            self._measure_offset(response, sent, self.clock())
            status = response.status_code
            if status >= 500:
                raise Unreachable(f"{method} {path}: the platform answered {status}")
            if status < 300:
                return status, response.content
            try:
                payload = orjson.loads(response.content) if response.content else None
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(f"{method} {path}: the answer ({status}) is not JSON") from exc
            error = payload.get("error", "") if isinstance(payload, dict) else ""
            detail = payload.get("detail", "") if isinstance(payload, dict) else ""
            if status == 401 and error == ErrorCode.STALE_REQUEST and attempt == 1:
                continue  # our clock was off; the offset is measured now, sign again
            if status == 409 and error == ErrorCode.SEQUENCE_GAP:
                expected = payload.get("expected_seq") if isinstance(payload, dict) else None
                if not isinstance(expected, int):
                    raise ProtocolError(f"{method} {path}: a gap without the expected seq")
                raise SequenceGap(expected)
            raise Refused(status, error or "refused", str(detail))
        raise AssertionError("unreachable")

    def _measure_offset(self, response: requests.Response, sent: float, received: float) -> None:
        value = response.headers.get(signing.HEADER_SERVER_TIME)
        try:
            server_time = float(value) if value else None
        except ValueError:
            server_time = None
        if server_time is not None and server_time == server_time:
            self.offset = server_time - (sent + received) / 2

    def _call(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        _status, content = self._send(method, path, **kwargs)
        try:
            return model.model_validate_json(content)  # parsed and checked in one pass (Rust)
        except ValidationError as exc:
            raise ProtocolError(f"{method} {path}: the answer does not fit {model.__name__}: {exc}") from exc

    # --- the API ----------------------------------------------------------------------------------
    def health(self, timeout: float | None = None) -> ServerInfo:
        return self._call(ServerInfo, "GET", "/health", signed=False, timeout=timeout)

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        return self._call(EnrolResponse, "POST", "/devices/enrol", body=request, signed=False)

    def push(self, events: list[dict[str, Any]], client_time: float | None = None) -> PushResponse:
        body = {"device_id": self.device_id, "events": events, "client_time": client_time}
        return self._call(PushResponse, "POST", "/sync/push", body=body)

    def pull(self, family: Family, cursor: str, limit: int) -> Page:
        return self.read_page(family, self.pull_raw(family, cursor, limit))

    def pull_raw(self, family: Family, cursor: str, limit: int) -> bytes:
        """The page as received (JSON), to be read with :meth:`read_page` -- possibly on another
        thread, so a thread that only waits for the network holds the interpreter as little as it can."""
        params = {"family": family.value, "cursor": cursor, "limit": limit}
        return self._send("GET", "/sync/pull", params=params)[1]

    @staticmethod
    def read_page(family: Family, content: bytes) -> Page:
        """Check and read a page: its envelope by its model, its changes (thousands) by hand, as the
        model would -- a page of 2,000 products reads in a third of the time."""
        try:
            raw = orjson.loads(content)
            changes = raw.pop("changes") if isinstance(raw, dict) else None
            model = PullPage.model_validate({**raw, "changes": []})
        except (orjson.JSONDecodeError, ValidationError, TypeError) as exc:
            raise ProtocolError(f"GET /sync/pull: the answer is not a page: {exc}") from exc
        if model.family != family:
            raise ProtocolError(f"asked for {family.value}, got {model.family.value}")
        if not isinstance(changes, list):
            raise ProtocolError("GET /sync/pull: the page has no list of changes")
        for item in changes:
            if not (
                isinstance(item, dict)
                and item.get("op") in _OPS
                and isinstance(item.get("key"), str)
                and type(item.get("version")) is int
                and (item.get("data") is None or isinstance(item["data"], dict))
            ):
                raise ProtocolError(f"GET /sync/pull: a change cannot be read: {str(item)[:200]}")
        return Page(model.family, changes, model.cursor, model.has_more, model.reset, model.device_seq)

    def reserve_coupon(
        self, coupon_id: int, basket_id: str, amount: int, timeout: float | None = None
    ) -> CouponAnswer:
        body = CouponReserveRequest(basket_id=basket_id, amount=amount)
        return self._call(CouponAnswer, "POST", f"/coupons/{coupon_id}/reserve", body=body, timeout=timeout)

    def release_coupon(self, coupon_id: int, basket_id: str, timeout: float | None = None) -> CouponAnswer:
        body = CouponReleaseRequest(basket_id=basket_id)
        return self._call(CouponAnswer, "POST", f"/coupons/{coupon_id}/release", body=body, timeout=timeout)

    def quote(self, request: QuoteRequest, timeout: float | None = None) -> Quote:
        """The platform's price of a basket, with its promotions, tax classes and store settings."""
        return self._call(Quote, "POST", "/pricing/quote", body=request, timeout=timeout)

    def member_balance(self, member_id: int, timeout: float | None = None) -> MemberBalance:
        return self._call(MemberBalance, "GET", f"/members/{member_id}/balance", timeout=timeout)

    def pickup_status(self, order_id: int, timeout: float | None = None) -> PickupStatus:
        return self._call(PickupStatus, "GET", f"/pickup-orders/{order_id}", timeout=timeout)

    def reconciliation(self, business_day: str) -> DayReconciliation:
        return self._call(DayReconciliation, "GET", "/reconciliation", params={"business_day": business_day})

    def exceptions(self, business_day: str | None = None) -> list[ExceptionItem]:
        params = {"business_day": business_day} if business_day else None
        _status, content = self._send("GET", "/exceptions", params=params)
        try:
            return _EXCEPTIONS.validate_json(content)
        except ValidationError as exc:
            raise ProtocolError(f"GET /exceptions: the answer is not a list of exceptions: {exc}") from exc
