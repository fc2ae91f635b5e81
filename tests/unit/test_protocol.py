"""The wire protocol on its own: canonical JSON (hashes agree with the stdlib's), request signatures,
and the structural checks that decide what the platform quarantines."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol import payloads, signing, tokens
from sync.protocol.events import canonical_json, envelope_hash, make_envelope, verify_envelope

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=500)
@given(_json)
def test_canonical_json_is_byte_for_byte_the_stdlib_canonical_form(value):
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert canonical_json(value) == expected


def test_events_hashed_before_this_version_still_verify():
    envelope = make_envelope(
        event_id="e-1",
        device_id="d" * 36,
        seq=1,
        type="SaleCompleted",
        occurred_at="2026-11-23T02:00:00Z",
        till_session_id=None,
        payload={"名": '农夫山泉\n"550ml"', "n": 2**60},
        prev_hash="0" * 64,
    )
    body = {k: v for k, v in envelope.items() if k != "hash"}
    import hashlib

    old_way = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert envelope["hash"] == old_way == envelope_hash(envelope)
    assert verify_envelope(envelope)


def test_a_signature_covers_method_path_body_time_and_nonce():
    key = tokens.new_private_key()
    public = key.public_key()
    headers = signing.sign_request(key, "dev-1", "POST", "/v1/sync/push?x=1", b'{"a":1}', 1000.0)
    signed = signing.parse_headers(headers)
    signing.verify_request(public, signed, "POST", "/v1/sync/push?x=1", b'{"a":1}')
    with pytest.raises(signing.SignatureError, match="digest"):
        signing.verify_request(public, signed, "POST", "/v1/sync/push?x=1", b'{"a":2}')
    for method, path in (("GET", "/v1/sync/push?x=1"), ("POST", "/v1/sync/push?x=2")):
        with pytest.raises(signing.SignatureError) as refused:
            signing.verify_request(public, signed, method, path, b'{"a":1}')
        assert refused.value.reason == "bad_signature"
    forged = signing.parse_headers({**headers, signing.HEADER_TIMESTAMP: "1001.000"})
    with pytest.raises(signing.SignatureError):
        signing.verify_request(public, forged, "POST", "/v1/sync/push?x=1", b'{"a":1}')
    with pytest.raises(signing.SignatureError) as missing:
        signing.parse_headers({k: v for k, v in headers.items() if k != signing.HEADER_NONCE})
    assert missing.value.reason == "missing_signature"
    with pytest.raises(signing.SignatureError):
        signing.parse_headers({**headers, signing.HEADER_TIMESTAMP: "nan"})


def _sale(**changes):
    payload = {
        "sale_id": "01890000-0000-7000-8000-000000000001",
        "receipt_no": "S001-T01-261123-0001",
        "business_day": "2026-11-23",
        "staff_id": 1001,
        "subtotal": 500,
        "discount_total": 0,
        "total": 500,
        "lines": [{"line_no": 1, "product_id": 20, "quantity": 1000, "net": 500}],
        "tenders": [{"kind": "cash", "amount": 500}],
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"total": "5.00"}, "total"),
        ({"total": -1}, "negative"),
        ({"lines": []}, "lines"),
        ({"total": 2**60}, "total"),  # beyond what a database column holds exactly
        ({"business_day": "23/11"}, "business_day"),
    ],
)
def test_structurally_invalid_sales_are_refused_with_the_reason(change, problem):
    payloads.check_payload("SaleCompleted", _sale())
    with pytest.raises(payloads.InvalidEvent, match=problem):
        payloads.check_payload("SaleCompleted", _sale(**change))


def test_unknown_types_and_bad_envelopes_are_refused():
    with pytest.raises(payloads.InvalidEvent, match="unknown event type"):
        payloads.check_payload("SaleTeleported", {})
    with pytest.raises(payloads.InvalidEvent, match="envelope"):
        payloads.check_envelope({"seq": "1"})
    with pytest.raises(payloads.InvalidEvent, match="object"):
        payloads.check_envelope([1, 2])
