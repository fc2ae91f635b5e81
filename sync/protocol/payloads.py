"""The envelope and the payload of each event type (schema version 1), as the platform checks them.

An event that does not fit is *structurally invalid*: the platform quarantines it (keeps it, shows it,
never applies it) instead of guessing. Extra fields are allowed, so a terminal may send more than this
version reads. Amounts are integer minor units, quantities integer thousandths.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sync.protocol.events import EventType

SUPPORTED_SCHEMA_VERSIONS = (1,)


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Envelope(_Model):
    event_id: str = Field(min_length=8, max_length=64)
    device_id: str = Field(min_length=8, max_length=64)
    seq: int = Field(ge=1)
    type: str = Field(min_length=1, max_length=64)
    schema_version: int = Field(ge=1)
    occurred_at: str = Field(min_length=10, max_length=40)
    till_session_id: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any]
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class StockDelta(_Model):
    product_id: int
    delta: int


class Points(_Model):
    earned: int = Field(default=0, ge=0)
    redeemed: int = Field(default=0, ge=0)


class SaleLine(_Model):
    line_no: int
    product_id: int
    quantity: int
    net: int
    tax_rate_bp: int = 0


class TenderItem(_Model):
    kind: str = Field(min_length=1, max_length=20)
    amount: int
    points: int = 0


class CouponUse(_Model):
    coupon_id: int
    campaign_id: int
    amount: int = Field(ge=0)


class SaleCompleted(_Model):
    sale_id: str = Field(min_length=8, max_length=64)
    receipt_no: str = Field(min_length=1, max_length=64)
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: int
    member_id: int | None = None
    currency: str = "CNY"
    subtotal: int
    discount_total: int
    rounding: int = 0
    total: int
    change: int = 0
    lines: list[SaleLine] = Field(min_length=1)
    tenders: list[TenderItem] = Field(min_length=1)
    coupons: list[CouponUse] = Field(default_factory=list)
    points: Points = Field(default_factory=Points)
    stock: list[StockDelta] = Field(default_factory=list)

    @field_validator("total")
    @classmethod
    def _total_not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("a sale's total cannot be negative")
        return value


class ReturnPoints(_Model):
    reversed: int = Field(default=0, ge=0)
    returned: int = Field(default=0, ge=0)


class RefundIssued(_Model):
    refund_id: str = Field(min_length=8, max_length=64)
    receipt_no: str
    sale_id: str
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: int
    member_id: int | None = None
    total: int = Field(ge=0)
    tenders: list[TenderItem] = Field(default_factory=list)
    points: ReturnPoints = Field(default_factory=ReturnPoints)
    stock: list[StockDelta] = Field(default_factory=list)


class SaleVoided(_Model):
    sale_id: str
    receipt_no: str
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: int
    member_id: int | None = None
    total: int = Field(ge=0)
    points: ReturnPoints = Field(default_factory=ReturnPoints)
    stock: list[StockDelta] = Field(default_factory=list)


class StockAdjusted(_Model):
    stock: list[StockDelta] = Field(min_length=1)
    reason: str = ""


class PickupHandedOver(_Model):
    order_id: int
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: int
    offline: bool = False


class TillSessionOpened(_Model):
    till_session_id: str
    terminal_code: str
    business_day: str = Field(min_length=10, max_length=10)
    opening_float: int = Field(ge=0)
    staff_id: int


class CashMoved(_Model):
    till_session_id: str
    kind: str = Field(pattern="^(cash_in|cash_out)$")
    amount: int = Field(gt=0)
    staff_id: int


class ZTotals(_Model):
    till_session_id: str
    business_day: str = Field(min_length=10, max_length=10)
    sales_count: int
    sales_total: int
    voids_count: int
    voids_total: int
    refunds_count: int
    refunds_total: int
    cash_in: int = 0
    cash_out: int = 0
    tenders: dict[str, int] = Field(default_factory=dict)
    points_earned: int = 0
    points_redeemed: int = 0
    first_seq: int | None = None
    last_seq: int
    journal_head: str = ""


class TillSessionClosed(_Model):
    till_session_id: str
    z: ZTotals


PAYLOADS: dict[str, type[_Model]] = {
    EventType.SALE_COMPLETED: SaleCompleted,
    EventType.REFUND_ISSUED: RefundIssued,
    EventType.SALE_VOIDED: SaleVoided,
    EventType.STOCK_ADJUSTED: StockAdjusted,
    EventType.PICKUP_HANDED_OVER: PickupHandedOver,
    EventType.TILL_SESSION_OPENED: TillSessionOpened,
    EventType.CASH_MOVED: CashMoved,
    EventType.TILL_SESSION_CLOSED: TillSessionClosed,
}


class InvalidEvent(ValueError):
    """The event cannot be applied as it is; ``str(exc)`` says why (kept with the quarantined event)."""


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "(event)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def check_envelope(raw: Any) -> Envelope:
    if not isinstance(raw, dict):
        raise InvalidEvent("an event must be a JSON object")
    try:
        return Envelope.model_validate(raw)
    except ValidationError as exc:
        raise InvalidEvent("envelope: " + _describe(exc)) from exc


def check_payload(event_type: str, payload: dict[str, Any]) -> _Model:
    model = PAYLOADS.get(event_type)
    if model is None:
        raise InvalidEvent(f"unknown event type {event_type!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidEvent(f"{event_type}: " + _describe(exc)) from exc
