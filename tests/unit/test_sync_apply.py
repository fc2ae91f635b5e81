"""Applying pulled pages, including deletions, and the engine's status texts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pos_app.db import schema
from pos_app.db.database import Database
from pos_app.i18n import set_language
from resources.demo import generator
from sync.apply import apply_page, get_cursor
from sync.client import Page, ProtocolError, Refused, Unreachable
from sync.engine import SyncStatus, describe, format_status
from sync.protocol.wire import Change, ChangeOp, Family, PullPage

DATA = generator.build(50, 5)
ROWS = {
    Family.CATEGORIES: ("id", DATA.categories, schema.category),
    Family.PRODUCTS: ("id", DATA.products, schema.product),
    Family.TIERS: ("code", DATA.tiers, schema.member_tier),
    Family.MEMBERS: ("id", DATA.members, schema.member),
    Family.PROMOTIONS: ("id", DATA.promotions, schema.promotion),
    Family.CAMPAIGNS: ("id", DATA.campaigns, schema.coupon_campaign),
    Family.COUPON_REVOCATIONS: ("coupon_id", [{"coupon_id": 7, "reason": "lost"}], schema.coupon_revocation),
    Family.STOCK_LEVELS: ("product_id", DATA.stock, schema.stock_level),
    Family.PICKUP_ORDERS: ("id", DATA.pickup_orders, schema.pickup_order),
}


def _page(family, changes, cursor="e.1.1"):
    model = PullPage(
        family=family, changes=changes, cursor=cursor, has_more=False, server_time=0, device_seq=3
    )
    return Page.of(model)


@pytest.mark.parametrize("family", list(ROWS))
def test_puts_then_deletes_of_every_family(tmp_path, family):
    key, rows, table = ROWS[family]
    db = Database(tmp_path / "t.sqlite3")
    puts = [Change(op=ChangeOp.PUT, key=str(r[key]), version=1, data=dict(r)) for r in rows]
    with db.write() as conn:
        assert apply_page(conn, _page(family, puts), "now") == len(rows)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == len(rows)
        assert get_cursor(conn, family) == "e.1.1"
    gone = Change(op=ChangeOp.DELETE, key=str(rows[0][key]), version=2)
    with db.write() as conn:
        apply_page(conn, _page(family, [gone], "e.2.1"), "now")
    with db.read() as conn:
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if family is Family.PRODUCTS:  # old sales still name it: kept, inactive
            assert conn.execute(select(schema.product.c.active).where(schema.product.c.id == 1)).scalar() == 0
        elif family is Family.CAMPAIGNS:  # withdrawn, so its codes no longer pass offline
            assert (
                conn.execute(
                    select(schema.coupon_campaign.c.revoked).where(schema.coupon_campaign.c.id == 1)
                ).scalar()
                == 1
            )
        else:
            assert count == len(rows) - 1
        assert get_cursor(conn, family) == "e.2.1"
    db.close()


def test_stock_levels_remember_what_they_count(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    changes = [Change(op=ChangeOp.PUT, key="1", version=1, data={"product_id": 1, "on_hand": 5000})]
    with db.write() as conn:
        apply_page(conn, _page(Family.STOCK_LEVELS, changes), "now")
    with db.read() as conn:
        assert conn.execute(select(schema.stock_level.c.as_of_seq)).scalar() == 3
    db.close()


def test_status_lines_and_reasons_in_both_languages():
    status = SyncStatus(
        enrolled=True,
        online=False,
        backlog=12,
        quarantined=1,
        clock_offset=-7200.0,
        last_error=describe(Unreachable("x")),
    )
    assert format_status(status) == (
        "Sync offline: 12 to send, 1 quarantined; clock off by 7200 s"
        " -- The platform cannot be reached; sales are kept and sent later."
    )
    assert "not enrolled" in format_status(SyncStatus(enrolled=False, online=False, backlog=0, quarantined=0))
    assert "revoked" in describe(Refused(403, "device_revoked"))
    assert "(teapot)" in describe(Refused(418, "teapot"))
    assert "could not be read" in describe(ProtocolError("x"))
    set_language("zh_CN")
    try:
        assert format_status(status).startswith("同步状态：离线，12 条待发送")
        assert describe(Refused(403, "device_revoked")) == "平台已吊销本终端；请店长重新登记。"
    finally:
        set_language("en")
