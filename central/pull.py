"""Reference data for terminals, per family, by cursor.

A cursor is ``<database epoch>.<version>.<key>``: the last row a terminal has, in (version, key) order.
Rows that share a version (one transaction changed many) are paged by key. An empty cursor starts a
full snapshot; a cursor from another database (another epoch) or one that cannot be read is answered
with ``reset``, and the terminal starts again from the snapshot.

Members are minimised: a terminal gets the masked phone, the salted lookup hash, tier, balance and
consent -- never the phone number or the name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Table, select, tuple_

from central.core.db import Database
from central.models import (
    Category,
    Coupon,
    CouponCampaign,
    Device,
    Member,
    PickupOrder,
    Product,
    Promotion,
    StockLevel,
    StoreSetting,
    TaxClass,
    Tier,
)
from central.platform import epoch
from sync.protocol.wire import ChangeOp, Family, PullPage


@dataclass(frozen=True)
class _FamilySpec:
    table: Table
    key: Column
    key_type: type
    per_store: bool
    row: Callable[[Any], tuple[ChangeOp, dict[str, Any] | None]]
    where: Callable[[Table], Any] | None = None


def _category(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {"id": r.id, "name_zh": r.name_zh, "name_en": r.name_en, "parent_id": r.parent_id}


def _product(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {
        "id": r.id,
        "sku": r.sku,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "category_id": r.category_id,
        "unit": r.unit,
        "price": r.price,
        "member_price": r.member_price,
        "tax_class": r.tax_class,
        "plu": r.plu,
        "points_eligible": r.points_eligible,
        "active": r.active,
        "barcodes": json.loads(r.barcodes),
    }


def _tier(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {
        "code": r.code,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "earn_multiplier_bp": r.earn_multiplier_bp,
        "member_prices": r.member_prices,
    }


def _member(r) -> tuple[ChangeOp, dict | None]:
    if r.erased:
        return ChangeOp.DELETE, None
    return ChangeOp.PUT, {
        "id": r.id,
        "phone_hash": r.phone_hash,
        "phone_masked": r.phone_masked,
        "name_masked": r.name_masked,
        "tier": r.tier,
        "points_balance": r.points_balance,
        "marketing_consent": r.marketing_consent,
    }


def _promotion(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {
        "id": r.id,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "offer": json.loads(r.offer),
        "priority": r.priority,
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
        "active": r.active,
    }


def _campaign(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {
        "id": r.id,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "offer": json.loads(r.offer),
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
        "single_use": r.single_use,
        "offline_allowed": r.offline_allowed,
        "offline_max_value": r.offline_max_value,
        "revoked": r.revoked,
    }


def _revocation(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {"coupon_id": r.id, "reason": r.revoked_reason}


def _stock(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {"product_id": r.product_id, "on_hand": r.on_hand}


def _pickup(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {
        "id": r.id,
        "code": r.code,
        "status": r.status,
        "paid": r.paid,
        "member_id": r.member_id,
        "customer_masked": r.customer_masked,
        "lines": json.loads(r.lines),
        "total": r.total,
        "updated_at": r.updated_at,
    }


def _tax_class(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {"code": r.code, "rate_bp": r.rate_bp, "name_zh": r.name_zh, "name_en": r.name_en}


def _store_setting(r) -> tuple[ChangeOp, dict]:
    return ChangeOp.PUT, {"key": r.key, "value": json.loads(r.value)}


def _t(model) -> Table:
    return model.__table__


FAMILIES: dict[Family, _FamilySpec] = {
    Family.TAX_CLASSES: _FamilySpec(_t(TaxClass), _t(TaxClass).c.code, str, False, _tax_class),
    Family.STORE_SETTINGS: _FamilySpec(_t(StoreSetting), _t(StoreSetting).c.key, str, True, _store_setting),
    Family.CATEGORIES: _FamilySpec(_t(Category), _t(Category).c.id, int, False, _category),
    Family.PRODUCTS: _FamilySpec(_t(Product), _t(Product).c.id, int, False, _product),
    Family.TIERS: _FamilySpec(_t(Tier), _t(Tier).c.code, str, False, _tier),
    Family.MEMBERS: _FamilySpec(_t(Member), _t(Member).c.id, int, False, _member),
    Family.PROMOTIONS: _FamilySpec(_t(Promotion), _t(Promotion).c.id, int, False, _promotion),
    Family.CAMPAIGNS: _FamilySpec(_t(CouponCampaign), _t(CouponCampaign).c.id, int, False, _campaign),
    Family.COUPON_REVOCATIONS: _FamilySpec(
        _t(Coupon), _t(Coupon).c.id, int, False, _revocation, where=lambda t: t.c.status == "revoked"
    ),
    Family.STOCK_LEVELS: _FamilySpec(_t(StockLevel), _t(StockLevel).c.product_id, int, True, _stock),
    Family.PICKUP_ORDERS: _FamilySpec(_t(PickupOrder), _t(PickupOrder).c.id, int, True, _pickup),
}


class BadCursor(ValueError):
    pass


def parse_cursor(cursor: str, current_epoch: str, key_type: type) -> tuple[int, Any] | None:
    """``None`` for an empty cursor (snapshot); raises :class:`BadCursor` for one to reset."""
    if not cursor:
        return None
    parts = cursor.split(".", 2)
    if len(parts) != 3 or parts[0] != current_epoch:
        raise BadCursor(cursor)
    try:
        return int(parts[1]), key_type(parts[2])
    except ValueError as exc:
        raise BadCursor(cursor) from exc


def make_cursor(current_epoch: str, version: int, key: Any) -> str:
    return f"{current_epoch}.{version}.{key}"


def pull(db: Database, device_id: str, family: Family, cursor: str, limit: int) -> dict[str, Any]:
    """One page, shaped as :class:`~sync.protocol.wire.PullPage` (a plain dict: a page of 2,000
    products is serialised straight to JSON, ten times faster than through the models)."""
    spec = FAMILIES[family]
    table, key = spec.table, spec.key
    with db.snapshot() as conn:
        current = epoch(conn)
        device = conn.execute(
            select(Device.__table__.c.store_id, Device.__table__.c.last_seq).where(
                Device.__table__.c.id == device_id
            )
        ).one()
        try:
            position = parse_cursor(cursor, current, spec.key_type)
        except BadCursor:
            return PullPage(
                family=family, changes=[], cursor="", has_more=True, reset=True, server_time=time.time()
            ).model_dump(mode="json")
        query = select(table)
        if spec.per_store:
            query = query.where(table.c.store_id == device.store_id)
        if spec.where is not None:
            query = query.where(spec.where(table))
        if position is not None:
            version, last_key = position
            # a row-value comparison: both databases walk the (version, key) index from the cursor
            query = query.where(tuple_(table.c.version, key) > tuple_(version, last_key))
        rows = conn.execute(query.order_by(table.c.version, key).limit(limit + 1)).all()
        return _page(conn, family, spec, rows, limit, cursor, current, device.last_seq, position is None)


def _page(
    conn: Connection,
    family: Family,
    spec: _FamilySpec,
    rows: list,
    limit: int,
    cursor: str,
    current: str,
    device_seq: int,
    snapshot: bool,
) -> dict[str, Any]:
    has_more = len(rows) > limit
    rows = rows[:limit]
    key_name = spec.key.name
    changes = []
    for r in rows:
        op, data = spec.row(r)
        changes.append({"op": op.value, "key": str(getattr(r, key_name)), "version": r.version, "data": data})
    if rows:
        last = rows[-1]
        cursor = make_cursor(current, last.version, getattr(last, spec.key.name))
    elif not cursor:
        cursor = make_cursor(current, 0, spec.key_type())
    return {
        "family": family.value,
        "changes": changes,
        "cursor": cursor,
        "has_more": has_more,
        "reset": False,
        "snapshot": snapshot,
        "device_seq": device_seq,
        "server_time": time.time(),
    }
