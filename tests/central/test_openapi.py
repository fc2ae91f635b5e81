"""The checked-in OpenAPI document is the contract: it must be what the code serves."""

from __future__ import annotations

import json

from central.main import OPENAPI_FILE, openapi_document, openapi_text


def test_the_checked_in_openapi_document_is_current():
    assert OPENAPI_FILE.read_text("utf-8") == openapi_text(), (
        "the API changed: run `pos-central openapi --write` and commit central/openapi.json"
    )


def test_the_document_lists_every_route_of_the_protocol():
    paths = set(json.loads(openapi_text())["paths"])
    assert paths == {
        "/v1/health",
        "/v1/devices/enrol",
        "/v1/sync/push",
        "/v1/sync/pull",
        "/v1/coupons/{coupon_id}/reserve",
        "/v1/coupons/{coupon_id}/release",
        "/v1/members/{member_id}/balance",
        "/v1/pickup-orders/{order_id}",
        "/v1/pricing/quote",
        "/v1/reconciliation",
        "/v1/exceptions",
    }
    assert openapi_document()["info"]["title"] == "O2O central platform"
