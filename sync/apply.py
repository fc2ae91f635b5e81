"""Applying pulled pages to the terminal's database, each page in the caller's write transaction
together with its cursor, through the catalogue's bulk upserts.

What this terminal did and the platform has not acknowledged stays visible over pulled data: stock
levels remember which of the terminal's own events they already count (``as_of_seq``, from the page),
and ``catalog.stock_on_hand`` adds the rest; member balances add the unacknowledged points entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pos_app.db import catalog, schema
from sync.client import Page
from sync.protocol.wire import Family

# the order families are pulled in: what others refer to first
FAMILY_ORDER = (
    Family.TAX_CLASSES,
    Family.STORE_SETTINGS,
    Family.CATEGORIES,
    Family.TIERS,
    Family.PRODUCTS,
    Family.PROMOTIONS,
    Family.CAMPAIGNS,
    Family.COUPON_REVOCATIONS,
    Family.MEMBERS,
    Family.STOCK_LEVELS,
    Family.PICKUP_ORDERS,
)


def get_cursor(conn: Connection, family: Family) -> str:
    value = conn.execute(
        select(schema.sync_cursor.c.cursor).where(schema.sync_cursor.c.family == family.value)
    ).scalar()
    return value or ""


def set_cursor(conn: Connection, family: Family, cursor: str, at: str) -> None:
    statement = sqlite_insert(schema.sync_cursor).values(family=family.value, cursor=cursor, updated_at=at)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[schema.sync_cursor.c.family], set_={"cursor": cursor, "updated_at": at}
        )
    )


def apply_page(conn: Connection, page: Page, at: str) -> int:
    """Write a page's changes and its cursor (one transaction: the caller's). Returns rows changed."""
    puts, deletes = [], []
    for change in page.changes:
        if change["op"] == "put":
            data = change["data"] or {}
            data["version"] = change["version"]
            puts.append(data)
        else:
            deletes.append(change["key"])
    _APPLY[page.family](conn, puts, deletes, page)
    set_cursor(conn, page.family, page.cursor, at)
    return len(page.changes)


def _int_keys(deletes: list[str]) -> list[int]:
    return [int(key) for key in deletes]


def _categories(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_categories(conn, puts)
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(delete(schema.category).where(schema.category.c.id.in_(chunk)))


def _products(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    catalog.upsert_products(conn, puts)
    catalog.delete_products(conn, _int_keys(deletes))


def _tax_classes(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_tax_classes(conn, puts)
    if deletes:
        conn.execute(delete(schema.tax_class).where(schema.tax_class.c.code.in_(deletes)))


def _store_settings(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_platform_settings(conn, puts)
    if deletes:
        conn.execute(delete(schema.platform_setting).where(schema.platform_setting.c.key.in_(deletes)))


def _tiers(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_tiers(conn, puts)
    if deletes:
        conn.execute(delete(schema.member_tier).where(schema.member_tier.c.code.in_(deletes)))


def _members(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_members(conn, puts)
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(delete(schema.member).where(schema.member.c.id.in_(chunk)))


def _promotions(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_promotions(conn, puts)
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(delete(schema.promotion).where(schema.promotion.c.id.in_(chunk)))


def _campaigns(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_campaigns(conn, puts)
    # a campaign deleted centrally is withdrawn here: codes already issued must not pass offline
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(
            schema.coupon_campaign.update().where(schema.coupon_campaign.c.id.in_(chunk)).values(revoked=True)
        )


def _revocations(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO coupon_revocation (coupon_id, reason, version) VALUES (?,?,?)",
            [(r["coupon_id"], r.get("reason", ""), r["version"]) for r in puts],
        )
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(delete(schema.coupon_revocation).where(schema.coupon_revocation.c.coupon_id.in_(chunk)))


def _stock(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        catalog.upsert_stock_levels(conn, [dict(r, as_of_seq=page.device_seq) for r in puts])
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(delete(schema.stock_level).where(schema.stock_level.c.product_id.in_(chunk)))


def _pickups(conn: Connection, puts: list[dict], deletes: list[str], page: Page) -> None:
    if puts:
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO pickup_order (id, code, status, paid, member_id, customer_masked, lines,"
            " total, version, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    r["id"],
                    r["code"],
                    r["status"],
                    int(bool(r["paid"])),
                    r.get("member_id"),
                    r.get("customer_masked", ""),
                    json.dumps(r.get("lines", []), ensure_ascii=False),
                    r["total"],
                    r["version"],
                    r.get("updated_at"),
                )
                for r in puts
            ],
        )
    for chunk in _chunks(_int_keys(deletes)):
        conn.execute(delete(schema.pickup_order).where(schema.pickup_order.c.id.in_(chunk)))


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


_APPLY: dict[Family, Callable[[Connection, list[dict], list[str], Page], Any]] = {
    Family.TAX_CLASSES: _tax_classes,
    Family.STORE_SETTINGS: _store_settings,
    Family.CATEGORIES: _categories,
    Family.PRODUCTS: _products,
    Family.TIERS: _tiers,
    Family.MEMBERS: _members,
    Family.PROMOTIONS: _promotions,
    Family.CAMPAIGNS: _campaigns,
    Family.COUPON_REVOCATIONS: _revocations,
    Family.STOCK_LEVELS: _stock,
    Family.PICKUP_ORDERS: _pickups,
}
