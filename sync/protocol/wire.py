"""Wire schemas of the sync API, shared by the terminals and the central platform.

The central platform validates requests with these models and builds its OpenAPI document from them;
terminals parse the answers with them. Both sides ignore fields they do not know, so a newer server can
add fields without breaking an older terminal (and an older terminal can leave out optional ones).

Events travel as plain objects (``events: list[dict]``) on purpose: a structurally invalid event must
reach the server to be quarantined there (kept and visible), not be refused with the whole batch.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

API_VERSION = 1
MIN_PUSH_BATCH = 1
MAX_PUSH_BATCH = 500
MAX_PULL_PAGE = 5000


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ErrorCode(StrEnum):
    """The ``error`` of every refusal; terminals act on it, people read ``detail``."""

    MISSING_SIGNATURE = "missing_signature"
    UNKNOWN_DEVICE = "unknown_device"
    DEVICE_REVOKED = "device_revoked"
    STALE_REQUEST = "stale_request"
    REPLAYED_REQUEST = "replayed_request"
    BAD_SIGNATURE = "bad_signature"
    BAD_DIGEST = "bad_digest"
    WRONG_DEVICE = "wrong_device"
    SEQUENCE_GAP = "sequence_gap"
    BAD_ENROLMENT_CODE = "bad_enrolment_code"
    ALREADY_ENROLLED = "already_enrolled"
    UNKNOWN_FAMILY = "unknown_family"
    NOT_FOUND = "not_found"
    INVALID_REQUEST = "invalid_request"


class ErrorBody(WireModel):
    error: str
    detail: str = ""
    server_time: float | None = None
    expected_seq: int | None = None


class ServerInfo(WireModel):
    status: str = "ok"
    server_time: float
    api_version: int = API_VERSION
    schema_versions: list[int] = Field(default_factory=list)


# --- enrolment ------------------------------------------------------------------------------------


class EnrolRequest(WireModel):
    code: str = Field(min_length=4, max_length=64)
    device_id: str = Field(min_length=8, max_length=64)
    public_key: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    app_version: str = Field(default="", max_length=40)


class EnrolResponse(WireModel):
    device_id: str
    store_code: str
    store_name: str = ""
    store_id: int = 0  # what pickup and coupon codes name (sync.protocol.tokens.valid_in_store)
    terminal_code: str
    platform_keys: dict[str, str]
    member_lookup_salt: str
    server_time: float


# --- push -----------------------------------------------------------------------------------------


class PushRequest(WireModel):
    device_id: str = Field(min_length=8, max_length=64)
    events: list[dict[str, Any]] = Field(min_length=MIN_PUSH_BATCH, max_length=MAX_PUSH_BATCH)
    client_time: float | None = Field(
        default=None, description="The device's own clock (unix seconds, uncorrected) when it sent this"
    )


class EventStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    DEFERRED = "deferred"


class EventResult(WireModel):
    seq: int
    event_id: str = ""
    status: EventStatus
    error: str | None = None


class PushResponse(WireModel):
    last_seq: int = Field(description="Highest seq of this device the platform has processed")
    results: list[EventResult]
    server_time: float


# --- pull -----------------------------------------------------------------------------------------


class Family(StrEnum):
    """Reference data a terminal pulls, each with its own cursor."""

    CATEGORIES = "categories"
    PRODUCTS = "products"  # catalogue and prices
    TIERS = "tiers"
    MEMBERS = "members"  # minimised: masked phone, lookup hash, tier, balance
    PROMOTIONS = "promotions"
    CAMPAIGNS = "campaigns"
    COUPON_REVOCATIONS = "coupon_revocations"
    STOCK_LEVELS = "stock_levels"
    PICKUP_ORDERS = "pickup_orders"
    TAX_CLASSES = "tax_classes"  # the VAT rate of each tax class a product names
    STORE_SETTINGS = "store_settings"  # what the platform sets for a store: scale labels, rounding, ...


#: Terminal settings the platform may decide for a store (family ``store_settings``); on the terminal
#: they win over its own settings file.
PLATFORM_SETTINGS = frozenset(
    {
        "scan.scale_layout",  # the label layouts of the store's scales
        "scan.expired_goods",  # warn or refuse a product past its expiry
        "promotions.free_units",  # which units a buy-N-get-M or Nth-unit offer reduces
        "tax.rounding",  # tax per rate (receipt) or per line (fapiao)
        "money.cash_rounding",  # cash rounded to the jiao or the yuan
    }
)


class ChangeOp(StrEnum):
    PUT = "put"
    DELETE = "delete"


class Change(WireModel):
    op: ChangeOp
    key: str
    version: int
    data: dict[str, Any] | None = None


class PullPage(WireModel):
    family: Family
    changes: list[Change]
    cursor: str = Field(description="Pass back to get the next changes; opaque")
    has_more: bool
    reset: bool = Field(
        default=False,
        description="The cursor was not valid here (another database, or too old): drop it and pull the "
        "snapshot from an empty cursor",
    )
    snapshot: bool = Field(default=False, description="This page is part of a full snapshot")
    device_seq: int = Field(
        default=0, description="This device's last processed seq when the page was read (stock levels)"
    )
    server_time: float


# --- online helpers -------------------------------------------------------------------------------


class CouponReserveRequest(WireModel):
    basket_id: str = Field(min_length=1, max_length=64)
    amount: int = Field(ge=0, le=10_000_000)


class CouponReleaseRequest(WireModel):
    basket_id: str = Field(min_length=1, max_length=64)


class CouponAnswer(WireModel):
    coupon_id: int
    ok: bool
    reason: str = ""
    status: str = ""


class MemberBalance(WireModel):
    member_id: int
    balance: int


class PickupStatus(WireModel):
    order_id: int
    status: str
    paid: bool
    version: int = 0


# --- pricing: the platform prices a basket as the till does --------------------------------------


class QuoteLine(WireModel):
    product_id: int = Field(ge=0)
    quantity: int = Field(gt=0, le=10_000_000)  # thousandths: 1 each = 1000, 1 kg = 1000


class QuoteRequest(WireModel):
    """A basket: products and quantities, and the labels of the store's scales as printed."""

    lines: list[QuoteLine] = Field(default_factory=list, max_length=500)
    labels: list[str] = Field(default_factory=list, max_length=500)  # scale label digits
    tier: str | None = Field(default=None, max_length=32)  # the member's tier, if a member is present


class QuotedLine(WireModel):
    product_id: int
    quantity: int
    gross: int
    net: int


class QuotedTax(WireModel):
    rate_bp: int
    net: int
    tax: int


class Quote(WireModel):
    currency: str
    subtotal: int
    discount_total: int
    total: int
    lines: list[QuotedLine]
    taxes: list[QuotedTax]


# --- reconciliation -------------------------------------------------------------------------------


class SessionReconciliation(WireModel):
    till_session_id: str
    device_id: str
    terminal_code: str
    business_day: str
    status: str  # matched, pending, gap, mismatch
    closed: bool
    expected: dict[str, Any] | None = None
    central: dict[str, Any]
    differences: dict[str, list[Any]] = Field(default_factory=dict)
    missing_seqs: list[int] = Field(default_factory=list)


class ExceptionItem(WireModel):
    id: int
    kind: str
    store_code: str
    device_id: str | None = None
    business_day: str | None = None
    till_session_id: str | None = None
    ref: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)
    created_at: str
    resolved: bool = False


class DayReconciliation(WireModel):
    store_code: str
    business_day: str
    status: str
    sessions: list[SessionReconciliation]
    exceptions: list[ExceptionItem]
