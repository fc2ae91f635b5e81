"""Tables of the central platform (SQLAlchemy 2 declarative; SQLite or PostgreSQL).

Reference data (catalogue, members, campaigns, stock levels, pickup orders) carries a ``version`` from
one counter, so a terminal pulls what changed since its cursor. What terminals push is kept as
received (``event``) and applied to ledgers: stock moves, points entries, coupon redemptions, sales,
refunds and till sessions. Anything a manager must look at becomes a ``sync_exception``.

Money is integer minor units, quantities integer thousandths, timestamps ISO-8601 UTC text (unix
seconds as floats where they are compared with a clock).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite makes only an INTEGER PRIMARY KEY an auto-incrementing row id; PostgreSQL gets BIGINT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class VersionCounter(Base):
    """The one counter behind every ``version``; taken last in a transaction (see ``central.versions``)."""

    __tablename__ = "version_counter"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class PlatformKey(Base):
    """The platform's Ed25519 keys that sign member, coupon and pickup codes."""

    __tablename__ = "platform_key"
    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    private_key: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Store(Base):
    __tablename__ = "store"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[str] = mapped_column(String(40))


class EnrolmentCode(Base):
    __tablename__ = "enrolment_code"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    terminal_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Device(Base):
    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"), index=True)
    terminal_code: Mapped[str] = mapped_column(String(32))
    public_key: Mapped[str] = mapped_column(String(64))
    app_version: Mapped[str] = mapped_column(String(40), default="")
    enrolled_at: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    clock_offset: Mapped[float | None] = mapped_column(Float, nullable=True)


class RequestNonce(Base):
    """Nonces of signed requests, remembered while their timestamp is still acceptable."""

    __tablename__ = "request_nonce"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[float] = mapped_column(Float, index=True)


class Event(Base):
    """Every event a device pushed, exactly as received, with what became of it."""

    __tablename__ = "event"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # applied, quarantined, deferred
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    hash: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[int] = mapped_column(Integer)
    till_session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    occurred_at: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[str] = mapped_column(String(40))
    # the event as received, without its hash: canonical JSON whose SHA-256 is ``hash`` when intact
    envelope: Mapped[str] = mapped_column(Text)


Index("ix_event_status", Event.status, Event.store_id)
Index("ix_event_till_session", Event.till_session_id)


# --- reference data -------------------------------------------------------------------------------


class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Product(Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit: Mapped[str] = mapped_column(String(8), default="each")
    price: Mapped[int] = mapped_column(Integer)
    member_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tax_class: Mapped[str] = mapped_column(String(16), default="standard")
    plu: Mapped[str | None] = mapped_column(String(16), nullable=True)
    points_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    barcodes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of GTIN-14
    version: Mapped[int] = mapped_column(BigInteger)


Index("ix_product_version_id", Product.version, Product.id)


class TaxClass(Base):
    """A VAT class products name; the rate is the platform's (3 % and 1 % for small-scale taxpayers)."""

    __tablename__ = "tax_class"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    rate_bp: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class StoreSetting(Base):
    """A terminal setting the platform decides for a store (``scan.scale_layout``, ...), as JSON."""

    __tablename__ = "store_setting"
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Tier(Base):
    __tablename__ = "tier"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    earn_multiplier_bp: Mapped[int] = mapped_column(Integer, default=10_000)
    member_prices: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Member(Base):
    """A member of the chain. Terminals get only the minimised columns (see ``central.pull``)."""

    __tablename__ = "member"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100), default="")
    name_masked: Mapped[str] = mapped_column(String(100), default="")
    tier: Mapped[str] = mapped_column(String(32), default="regular")
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger)


Index("ix_member_version_id", Member.version, Member.id)


class Promotion(Base):
    __tablename__ = "promotion"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    offer: Mapped[str] = mapped_column(Text)  # JSON of the terminal's pricing Offer
    priority: Mapped[int] = mapped_column(Integer, default=100)
    starts_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ends_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class CouponCampaign(Base):
    __tablename__ = "coupon_campaign"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    offer: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ends_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    single_use: Mapped[bool] = mapped_column(Boolean, default=True)
    offline_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    offline_max_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    # ids of the stores where its coupons may be redeemed, comma separated; empty: every store
    store_ids: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Coupon(Base):
    """One issued coupon code. ``status``: issued, reserved, redeemed, revoked."""

    __tablename__ = "coupon"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("coupon_campaign.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    expires_at: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[str] = mapped_column(String(40))
    reserved_basket: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reserved_device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reserved_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    redeemed_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class CouponRedemption(Base):
    """Every redemption seen, valid or not: at most one valid per single-use coupon."""

    __tablename__ = "coupon_redemption"
    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    coupon_id: Mapped[int] = mapped_column(BigInteger, index=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))  # store, online
    ref: Mapped[str] = mapped_column(String(64))  # sale id or online order reference
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amount: Mapped[int] = mapped_column(Integer)
    valid: Mapped[bool] = mapped_column(Boolean)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(40))


class StockLevel(Base):
    """On hand per store and product: always the initial level plus the sum of its moves."""

    __tablename__ = "stock_level"
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger)


Index("ix_stock_level_store_version", StockLevel.store_id, StockLevel.version, StockLevel.product_id)


class StockMove(Base):
    """The stock ledger: every delta, keyed by the event (or admin action) that caused it."""

    __tablename__ = "stock_move"
    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    delta: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))  # initial, sale, refund, void, adjust, online, ...
    ref: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


Index("ix_stock_move_store_product", StockMove.store_id, StockMove.product_id)


class PointsEntry(Base):
    """The points ledger: a member's balance is the sum of their entries."""

    __tablename__ = "points_entry"
    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    delta: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # initial, earn, redeem, refund, reverse, online
    ref: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


class Sale(Base):
    __tablename__ = "sale"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(Integer)
    till_session_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    business_day: Mapped[str] = mapped_column(String(10))
    receipt_no: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="completed")  # completed, voided
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount_total: Mapped[int] = mapped_column(BigInteger)
    rounding: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    points_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    tenders: Mapped[str] = mapped_column(Text)  # JSON {kind: amount}
    coupons: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_sale_store_day", Sale.store_id, Sale.business_day)


class Refund(Base):
    __tablename__ = "refund"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sale_id: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(Integer)
    till_session_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    business_day: Mapped[str] = mapped_column(String(10))
    total: Mapped[int] = mapped_column(BigInteger)
    points_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    tenders: Mapped[str] = mapped_column(Text)  # JSON {kind: amount}
    tender_points: Mapped[int] = mapped_column(BigInteger, default=0)


class TillSession(Base):
    __tablename__ = "till_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    store_id: Mapped[int] = mapped_column(Integer)
    terminal_code: Mapped[str] = mapped_column(String(32))
    business_day: Mapped[str] = mapped_column(String(10))
    opening_float: Mapped[int] = mapped_column(BigInteger, default=0)
    opened_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    closed_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    z: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON of the Z totals pushed at close


Index("ix_till_session_store_day", TillSession.store_id, TillSession.business_day)


class CashMovement(Base):
    __tablename__ = "cash_movement"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    till_session_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)


class PickupOrder(Base):
    """An online order collected in store: created -> paid -> ready -> handed_over, or cancelled."""

    __tablename__ = "pickup_order"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(6), index=True)
    store_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    member_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    customer_masked: Mapped[str] = mapped_column(String(100), default="")
    lines: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    handed_over_device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(BigInteger)


Index("ix_pickup_order_store_version", PickupOrder.store_id, PickupOrder.version, PickupOrder.id)


class SyncException(Base):
    """Something a manager must see and explain: conflicts, overdrafts, quarantined events, skew."""

    __tablename__ = "sync_exception"
    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    business_day: Mapped[str | None] = mapped_column(String(10), nullable=True)
    till_session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ref: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))
    resolved_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


Index("ix_sync_exception_store_day", SyncException.store_id, SyncException.business_day)
