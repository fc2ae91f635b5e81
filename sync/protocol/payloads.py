"""The envelope and the payload of each event type (schema version 1), as the platform checks them.

An event that does not fit is *structurally invalid*: the platform quarantines it (keeps it, shows it,
never applies it) instead of guessing. Extra fields are allowed, so a terminal may send more than this
version reads. Amounts are integer minor units, quantities integer thousandths.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sync.protocol.events import EventType

SUPPORTED_SCHEMA_VERSIONS = (1,)

# every integer a database column can hold exactly (and JSON numbers survive): +-2^53
Int = Annotated[int, Field(ge=-(2**53), le=2**53)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Envelope(_Model):
    event_id: str = Field(min_length=8, max_length=64)
    device_id: str = Field(min_length=8, max_length=64)
    seq: Int = Field(ge=1)
    type: str = Field(min_length=1, max_length=64)
    schema_version: Int = Field(ge=1)
    occurred_at: str = Field(min_length=10, max_length=40)
    till_session_id: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any]
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class StockDelta(_Model):
    product_id: Int
    delta: Int


class Points(_Model):
    earned: Int = Field(default=0, ge=0)
    redeemed: Int = Field(default=0, ge=0)


class SaleLine(_Model):
    line_no: Int
    product_id: Int
    quantity: Int
    net: Int
    tax_rate_bp: Int = 0
    trace: str = Field(default="", max_length=400)  # lot, expiry, serial of a GS1 code; an EAN add-on
    points: Int = 0  # what the line earned the member (a return takes back exactly that)


class TenderItem(_Model):
    kind: str = Field(min_length=1, max_length=20)
    amount: Int
    points: Int = 0


class CouponUse(_Model):
    coupon_id: Int
    campaign_id: Int
    amount: Int = Field(ge=0)


class SaleCompleted(_Model):
    sale_id: str = Field(min_length=8, max_length=64)
    receipt_no: str = Field(min_length=1, max_length=64)
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: Int
    member_id: Int | None = None
    currency: str = "CNY"
    subtotal: Int
    discount_total: Int
    rounding: Int = 0
    total: Int
    change: Int = 0
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
    reversed: Int = Field(default=0, ge=0)
    returned: Int = Field(default=0, ge=0)


class RefundIssued(_Model):
    refund_id: str = Field(min_length=8, max_length=64)
    receipt_no: str
    sale_id: str
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: Int
    member_id: Int | None = None
    total: Int = Field(ge=0)
    tenders: list[TenderItem] = Field(default_factory=list)
    points: ReturnPoints = Field(default_factory=ReturnPoints)
    stock: list[StockDelta] = Field(default_factory=list)


class SaleVoided(_Model):
    sale_id: str
    receipt_no: str
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: Int
    member_id: Int | None = None
    total: Int = Field(ge=0)
    points: ReturnPoints = Field(default_factory=ReturnPoints)
    stock: list[StockDelta] = Field(default_factory=list)


class StockAdjusted(_Model):
    stock: list[StockDelta] = Field(min_length=1)
    reason: str = ""


class PickupHandedOver(_Model):
    order_id: Int
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: Int
    offline: bool = False


class PickupMarkedReady(_Model):
    """Staff in the store finished preparing a paid online order: it is ready for pickup."""

    order_id: Int
    business_day: str = Field(min_length=10, max_length=10)
    staff_id: Int
    offline: bool = False


class TillSessionOpened(_Model):
    till_session_id: str
    terminal_code: str
    business_day: str = Field(min_length=10, max_length=10)
    opening_float: Int = Field(ge=0)
    staff_id: Int


class CashMoved(_Model):
    till_session_id: str
    kind: str = Field(pattern="^(cash_in|cash_out)$")
    amount: Int = Field(gt=0)
    staff_id: Int


class ZTotals(_Model):
    till_session_id: str
    business_day: str = Field(min_length=10, max_length=10)
    sales_count: Int
    sales_total: Int
    voids_count: Int
    voids_total: Int
    refunds_count: Int
    refunds_total: Int
    cash_in: Int = 0
    cash_out: Int = 0
    tenders: dict[str, Int] = Field(default_factory=dict)
    points_earned: Int = 0
    points_redeemed: Int = 0
    first_seq: Int | None = None
    last_seq: Int
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
    EventType.PICKUP_MARKED_READY: PickupMarkedReady,
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
