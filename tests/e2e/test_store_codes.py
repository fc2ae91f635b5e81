"""Issue 14 points 15-17: pickup and coupon codes name their store(s), signed by the platform, and a
till of another store refuses them with that reason (real HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

from pos_app import config
from pos_app.services.scanning import CouponScan, InvalidScan, PickupScan, classify_scan

OTHER_STORE = "This code is for another store of the chain and cannot be used here."


def _scan(till, text):
    return classify_scan(text, None, till.terminal.ctx.scan_context())


def test_a_pickup_code_is_good_only_in_its_store(any_platform):
    platform = any_platform
    platform.admin.create_store("S002", "Second store")
    here = platform.new_till("here", "T01")
    there = platform.new_till("there", "T01", store_code="S002")
    # the enrolment told each till its store
    assert 0 < here.terminal.settings.get(config.STORE_ID) != there.terminal.settings.get(config.STORE_ID)
    order_id, code = platform.admin.create_pickup_order("S001", [(1, 1000)], paid=True)
    text = platform.admin.pickup_code(order_id).text
    mine = _scan(here, text)
    assert isinstance(mine, PickupScan) and mine.token.order_id == order_id and mine.code == code
    theirs = _scan(there, text)
    assert isinstance(theirs, InvalidScan) and theirs.code == "token_other_store"
    assert theirs.message == OTHER_STORE
    # and the checkout says so in the same words, changing nothing
    outcome = there.terminal.checkout.scan(text)
    assert not outcome.ok and outcome.message == OTHER_STORE


def test_a_coupon_names_the_stores_where_it_may_be_used(any_platform):
    platform = any_platform
    platform.admin.create_store("S002", "Second store")
    here = platform.new_till("here", "T01")
    there = platform.new_till("there", "T01", store_code="S002")
    only_there = platform.admin.create_campaign(
        "二店专享",
        "Second store only",
        {"kind": "amount_off", "scope": "basket", "amount": 500},
        stores=("S002",),
    )
    everywhere = platform.admin.create_campaign(
        "全店通用", "Every store", {"kind": "amount_off", "scope": "basket", "amount": 300}
    )
    there.sync()
    here.sync()
    local = platform.admin.issue_coupons(only_there, 1)[0].text
    shared = platform.admin.issue_coupons(everywhere, 1)[0].text
    assert isinstance(_scan(there, local), CouponScan)
    refused = _scan(here, local)
    assert isinstance(refused, InvalidScan) and refused.message == OTHER_STORE
    assert isinstance(_scan(here, shared), CouponScan) and isinstance(_scan(there, shared), CouponScan)
