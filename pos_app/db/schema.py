"""Tables of a terminal's local SQLite database (SQLAlchemy Core; the ORM costs ~2.5x per sale commit).

Money is INTEGER minor units, quantities INTEGER thousandths, timestamps ISO-8601 text in UTC.
Reference data (catalogue, members, promotions, campaigns, pickup orders, stock levels) is pulled from
the central platform and carries the platform's ``version``; everything a terminal does is written
once, with its journal entry and outbox event, in one transaction.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

meta = Table(
    "meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

# --- reference data (pulled) ----------------------------------------------------------------------

category = Table(
    "category",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("parent_id", Integer),
    Column("version", Integer, nullable=False, server_default="0"),
)

product = Table(
    "product",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("sku", String, nullable=False, unique=True),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("category_id", Integer),
    Column("unit", String, nullable=False, server_default="each"),
    Column("price", Integer, nullable=False),
    Column("member_price", Integer),
    Column("tax_class", String, nullable=False, server_default="standard"),
    Column("plu", String),
    Column("points_eligible", Boolean, nullable=False, server_default=text("1")),
    Column("active", Boolean, nullable=False, server_default=text("1")),
    Column("version", Integer, nullable=False, server_default="0"),
    CheckConstraint("unit IN ('each', 'kg')", name="unit"),
    CheckConstraint("price >= 0", name="price"),
)
Index("ix_product_plu", product.c.plu, unique=True, sqlite_where=product.c.plu.isnot(None))

barcode = Table(
    "barcode",
    metadata,
    Column("code", String, primary_key=True),  # GTIN-14
    Column("product_id", Integer, nullable=False, index=True),
)

# Every distinct token of the search index, so a typed prefix longer than the FTS5 prefix indexes
# (1-3 characters) can be expanded to whole terms: an OR of whole terms streams and stops at the limit,
# where a long prefix query must merge every matching doclist first (100x slower over a million names).
search_term = Table(
    "search_term",
    metadata,
    Column("term", String, primary_key=True),
    sqlite_with_rowid=False,
)

tax_class = Table(
    "tax_class",
    metadata,
    Column("code", String, primary_key=True),
    Column("rate_bp", Integer, nullable=False),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
)

# settings the platform sets for this store (scale label layouts, the free-units rule, tax and cash
# rounding): they win over the terminal's own settings file
platform_setting = Table(
    "platform_setting",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("version", Integer, nullable=False, server_default="0"),
)

member_tier = Table(
    "member_tier",
    metadata,
    Column("code", String, primary_key=True),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("earn_multiplier_bp", Integer, nullable=False, server_default="10000"),
    Column("member_prices", Boolean, nullable=False, server_default=text("1")),
    Column("version", Integer, nullable=False, server_default="0"),
)

member = Table(
    "member",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("phone_hash", String, nullable=False, index=True),
    Column("phone_masked", String, nullable=False),
    Column("name_masked", String, nullable=False, server_default=""),
    Column("tier", String, nullable=False, server_default="regular"),
    Column("points_balance", Integer, nullable=False, server_default="0"),  # as last pulled
    Column("marketing_consent", Boolean, nullable=False, server_default=text("0")),
    Column("version", Integer, nullable=False, server_default="0"),
)

promotion = Table(
    "promotion",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("offer", Text, nullable=False),  # JSON of domain.pricing.Offer
    Column("priority", Integer, nullable=False, server_default="100"),
    Column("starts_at", String),
    Column("ends_at", String),
    Column("active", Boolean, nullable=False, server_default=text("1")),
    Column("version", Integer, nullable=False, server_default="0"),
)

coupon_campaign = Table(
    "coupon_campaign",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("offer", Text, nullable=False),
    Column("starts_at", String),
    Column("ends_at", String),
    Column("single_use", Boolean, nullable=False, server_default=text("1")),
    Column("offline_allowed", Boolean, nullable=False, server_default=text("1")),
    Column("offline_max_value", Integer),  # most an offline redemption may take off, minor units
    Column("revoked", Boolean, nullable=False, server_default=text("0")),
    Column("version", Integer, nullable=False, server_default="0"),
)

coupon_revocation = Table(
    "coupon_revocation",
    metadata,
    Column("coupon_id", Integer, primary_key=True, autoincrement=False),
    Column("reason", String, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="0"),
)

pickup_order = Table(
    "pickup_order",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("code", String, nullable=False, index=True),  # 6 digits
    Column("status", String, nullable=False),  # created, paid, ready, handed_over, cancelled
    Column("paid", Boolean, nullable=False, server_default=text("0")),
    Column("member_id", Integer),
    Column("customer_masked", String, nullable=False, server_default=""),
    Column("lines", Text, nullable=False),  # JSON [{product_id, sku, name_zh, name_en, quantity, amount}]
    Column("total", Integer, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("updated_at", String),
)

stock_level = Table(
    "stock_level",
    metadata,
    Column("product_id", Integer, primary_key=True, autoincrement=False),
    Column("on_hand", Integer, nullable=False),  # thousandths, as last pulled
    Column("version", Integer, nullable=False, server_default="0"),
    # the last of this terminal's own events the pulled level already counts (NULL: not pulled)
    Column("as_of_seq", Integer),
)

sync_cursor = Table(
    "sync_cursor",
    metadata,
    Column("family", String, primary_key=True),
    Column("cursor", String, nullable=False),
    Column("updated_at", String, nullable=False),
)

# --- people and tills -----------------------------------------------------------------------------

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("role", String, nullable=False),
    Column("pin_hash", String, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("1")),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", String),
    CheckConstraint("role IN ('cashier', 'supervisor', 'manager')", name="role"),
)

till_session = Table(
    "till_session",
    metadata,
    Column("id", String, primary_key=True),
    Column("terminal_code", String, nullable=False),
    Column("business_day", String, nullable=False),
    Column("opened_at", String, nullable=False),
    Column("opened_by", Integer, nullable=False),
    Column("opening_float", Integer, nullable=False),
    Column("status", String, nullable=False, server_default="open"),
    Column("closed_at", String),
    Column("closed_by", Integer),
    Column("counted_cash", Integer),
    Column("expected_cash", Integer),
    Column("z_number", Integer),
    Column("z_report", Text),  # JSON of the Z totals as printed
    CheckConstraint("status IN ('open', 'closed')", name="status"),
)
Index(
    "ix_till_session_one_open",
    till_session.c.terminal_code,
    unique=True,
    sqlite_where=till_session.c.status == "open",
)

cash_movement = Table(
    "cash_movement",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("till_session_id", String, ForeignKey("till_session.id"), nullable=False, index=True),
    Column("kind", String, nullable=False),  # cash_in, cash_out
    Column("amount", Integer, nullable=False),
    Column("reason", String, nullable=False, server_default=""),
    Column("staff_id", Integer, nullable=False),
    Column("approved_by", Integer),
    Column("created_at", String, nullable=False),
    CheckConstraint("kind IN ('cash_in', 'cash_out')", name="kind"),
    CheckConstraint("amount > 0", name="amount"),
)

# --- sales ----------------------------------------------------------------------------------------

sale = Table(
    "sale",
    metadata,
    Column("id", String, primary_key=True),
    Column("receipt_no", String, nullable=False, unique=True),
    Column("till_session_id", String, ForeignKey("till_session.id"), nullable=False, index=True),
    Column("business_day", String, nullable=False, index=True),
    Column("staff_id", Integer, nullable=False),
    Column("member_id", Integer),
    Column("status", String, nullable=False, server_default="completed"),
    Column("currency", String, nullable=False, server_default="CNY"),
    Column("subtotal", Integer, nullable=False),
    Column("discount_total", Integer, nullable=False),
    Column("rounding", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False),  # what was paid: lines' nets add up to it
    Column("change", Integer, nullable=False, server_default="0"),
    Column("points_earned", Integer, nullable=False, server_default="0"),
    Column("points_redeemed", Integer, nullable=False, server_default="0"),
    Column("pickup_order_id", Integer),
    Column("created_at", String, nullable=False),
    Column("voided_at", String),
    Column("voided_by", Integer),
    Column("void_reason", String),
    CheckConstraint("status IN ('completed', 'voided')", name="status"),
)

sale_line = Table(
    "sale_line",
    metadata,
    Column("sale_id", String, ForeignKey("sale.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("product_id", Integer, nullable=False),
    Column("sku", String, nullable=False),
    Column("name_zh", String, nullable=False),
    Column("name_en", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Integer, nullable=False),
    Column("original_price", Integer),  # before a price override
    Column("override_by", Integer),
    Column("gross", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("net", Integer, nullable=False),
    Column("tax_rate_bp", Integer, nullable=False),
    Column("discounts", Text, nullable=False, server_default="[]"),  # JSON [{source, ref, zh, en, amount}]
    # what the scanned GS1 code carried besides the GTIN, "(10)LOT(17)YYMMDD(21)SERIAL", and an EAN
    # add-on " +03": kept for traceability (recalls) and printed under the item
    Column("trace", String, nullable=False, server_default=""),
    Column("points", Integer, nullable=False, server_default="0"),  # what the line earned the member
    PrimaryKeyConstraint("sale_id", "line_no"),
)

tender = Table(
    "tender",
    metadata,
    Column("sale_id", String, ForeignKey("sale.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tendered", Integer),
    Column("change", Integer),
    Column("provider", String, nullable=False, server_default=""),
    Column("reference", String, nullable=False, server_default=""),
    Column("points", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("sale_id", "seq"),
)

refund = Table(
    "refund",
    metadata,
    Column("id", String, primary_key=True),
    Column("receipt_no", String, nullable=False, unique=True),
    Column("sale_id", String, ForeignKey("sale.id"), nullable=False, index=True),
    Column("till_session_id", String, ForeignKey("till_session.id"), nullable=False, index=True),
    Column("business_day", String, nullable=False),
    Column("staff_id", Integer, nullable=False),
    Column("approved_by", Integer),
    Column("total", Integer, nullable=False),
    Column("points_reversed", Integer, nullable=False, server_default="0"),
    Column("points_returned", Integer, nullable=False, server_default="0"),
    Column("reason", String, nullable=False, server_default=""),
    Column("created_at", String, nullable=False),
)

refund_line = Table(
    "refund_line",
    metadata,
    Column("refund_id", String, ForeignKey("refund.id"), nullable=False),
    Column("line_no", Integer, nullable=False),  # the original sale's line
    Column("quantity", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax_rate_bp", Integer, nullable=False),
    Column("points", Integer, nullable=False, server_default="0"),  # earned points taken back
    PrimaryKeyConstraint("refund_id", "line_no"),
)

refund_tender = Table(
    "refund_tender",
    metadata,
    Column("refund_id", String, ForeignKey("refund.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("tender_index", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("provider", String, nullable=False, server_default=""),
    Column("reference", String, nullable=False, server_default=""),
    Column("points", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("refund_id", "seq"),
)

stock_move = Table(
    "stock_move",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", Integer, nullable=False, index=True),
    Column("delta", Integer, nullable=False),  # thousandths; negative leaves the store
    Column("reason", String, nullable=False),  # sale, refund, void, adjust
    Column("ref", String, nullable=False),
    Column("outbox_seq", Integer, nullable=False, index=True),
    Column("created_at", String, nullable=False),
)

points_entry = Table(
    "points_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, nullable=False, index=True),
    Column("delta", Integer, nullable=False),
    Column("kind", String, nullable=False),  # earn, redeem, refund, reverse
    Column("ref", String, nullable=False),
    Column("outbox_seq", Integer, nullable=False, index=True),
    Column("created_at", String, nullable=False),
)

coupon_redemption = Table(
    "coupon_redemption",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coupon_id", Integer, nullable=False),
    Column("campaign_id", Integer, nullable=False),
    Column("sale_id", String, nullable=False, index=True),
    Column("amount", Integer, nullable=False),
    Column("offline", Boolean, nullable=False, server_default=text("1")),
    Column("status", String, nullable=False, server_default="redeemed"),  # redeemed, reversed
    Column("outbox_seq", Integer, nullable=False),
    Column("created_at", String, nullable=False),
)
Index(
    "ix_coupon_redemption_once",
    coupon_redemption.c.coupon_id,
    unique=True,
    sqlite_where=coupon_redemption.c.status == "redeemed",
)

pickup_handover = Table(
    "pickup_handover",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("till_session_id", String, nullable=False),
    Column("staff_id", Integer, nullable=False),
    Column("offline", Boolean, nullable=False),
    Column("outbox_seq", Integer, nullable=False),
    Column("created_at", String, nullable=False),
)

held_basket = Table(
    "held_basket",
    metadata,
    Column("id", String, primary_key=True),
    Column("staff_id", Integer, nullable=False),
    Column("label", String, nullable=False, server_default=""),
    Column("line_count", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", String, nullable=False),
)

active_basket = Table(
    "active_basket",
    metadata,
    Column("terminal_code", String, primary_key=True),
    Column("data", Text, nullable=False),  # the basket and its tenders, kept while payment is taken
    Column("updated_at", String, nullable=False),
)

receipt_job = Table(
    "receipt_job",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String, nullable=False, index=True),  # sale, refund or void id
    Column("receipt_no", String, nullable=False, index=True),
    Column("document", Text, nullable=False),  # JSON of domain.receipt.ReceiptDocument
    Column("status", String, nullable=False, server_default="pending"),  # pending, printed, failed, skipped
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", String),
    Column("created_at", String, nullable=False),
    Column("printed_at", String),
)

# --- audit and sync -------------------------------------------------------------------------------

journal = Table(
    "journal",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # gapless, assigned as max + 1
    Column("created_at", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("staff_id", Integer),
    Column("till_session_id", String),
    Column("ref", String, nullable=False, server_default=""),
    Column("amount", Integer, nullable=False, server_default="0"),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String, nullable=False),
    Column("hash", String, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # gapless per device
    Column("event_id", String, nullable=False, unique=True),
    Column("type", String, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", String, nullable=False),
    Column("till_session_id", String),
    Column("envelope", Text, nullable=False),  # the exact JSON pushed, hash included
    Column("hash", String, nullable=False),
    Column("status", String, nullable=False, server_default="pending"),  # pending, acked, quarantined
    Column("acked_at", String),
    Column("error", String),
)
Index("ix_outbox_pending", outbox.c.status, outbox.c.seq)
