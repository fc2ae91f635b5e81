"""Enrolment and signed requests against a real server: stale, replayed, tampered and revoked requests
are refused with clear statuses; enrolment codes are single-use and expire."""

from __future__ import annotations

import json
import time

import pytest
import requests

from pos_app.db import ledger
from sync.client import CentralClient, Refused
from sync.enrolment import EnrolmentError, enrol, load_identity
from sync.protocol import signing, tokens
from sync.protocol.wire import EnrolRequest


def _signed(till, method, path, body=b"", *, timestamp=None):
    identity = load_identity(till.terminal.settings, till.ctx.db)
    headers = signing.sign_request(
        identity.key, identity.device_id, method, path, body, time.time() if timestamp is None else timestamp
    )
    headers["Content-Type"] = "application/json"
    return identity, headers


def _push_body(till) -> bytes:
    with till.ctx.db.read() as conn:
        events = ledger.pending_events(conn, 10)
    return json.dumps({"device_id": till.ctx.device_id, "events": events}).encode()


def test_a_replayed_request_is_refused(platform):
    till = platform.new_till("t1")
    _identity, headers = _signed(till, "GET", "/v1/members/100001/balance")
    url = platform.url + "/v1/members/100001/balance"
    first = requests.get(url, headers=headers, timeout=5)
    assert first.status_code == 200 and first.json()["balance"] == 3000
    again = requests.get(url, headers=headers, timeout=5)
    assert again.status_code == 401 and again.json()["error"] == "replayed_request"


def test_tampered_requests_are_refused(platform):
    till = platform.new_till("t1")
    till.sell([20])
    body = _push_body(till)
    _identity, headers = _signed(till, "POST", "/v1/sync/push", body)
    data = json.loads(body)
    data["events"][1]["payload"]["total"] += 100  # a fen more, on the way
    altered = json.dumps(data).encode()
    answer = requests.post(platform.url + "/v1/sync/push", data=altered, headers=headers, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_digest"
    headers2 = dict(headers, **{signing.HEADER_DIGEST: signing.body_digest(altered)})
    answer = requests.post(platform.url + "/v1/sync/push", data=altered, headers=headers2, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"
    # the signature covers the path and query too
    _identity, headers = _signed(till, "GET", "/v1/sync/pull?family=members")
    answer = requests.get(platform.url + "/v1/sync/pull?family=products", headers=headers, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"
    assert platform.sale_count() == 0


def test_a_stale_request_is_refused_with_the_platform_clock(platform):
    till = platform.new_till("t1")
    _identity, headers = _signed(till, "GET", "/v1/members/100001/balance", timestamp=time.time() - 600)
    answer = requests.get(platform.url + "/v1/members/100001/balance", headers=headers, timeout=5)
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "stale_request" and abs(body["server_time"] - time.time()) < 5
    assert signing.HEADER_SERVER_TIME in answer.headers


def test_unsigned_and_unknown_devices_are_refused(platform):
    answer = requests.get(platform.url + "/v1/sync/pull?family=products", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"] == "missing_signature"
    stranger = CentralClient(platform.url, "0" * 36, tokens.new_private_key())
    with pytest.raises(Refused) as refused:
        stranger.member_balance(100001)
    assert refused.value.status == 401 and refused.value.code == "unknown_device"


def test_a_revoked_device_is_refused_and_told_so(platform):
    till = platform.new_till("t1")
    till.sell([20])
    platform.admin.revoke_device(till.ctx.device_id)
    with pytest.raises(Refused) as refused:
        till.sync()
    assert refused.value.status == 403 and refused.value.code == "device_revoked"
    assert "revoked" in till.engine.status.last_error
    assert till.engine.status.backlog == 2  # kept, to be sent if the terminal is enrolled again
    assert platform.sale_count() == 0


def test_a_device_pushes_only_its_own_events(platform):
    t1 = platform.new_till("t1", "T01")
    t2 = platform.new_till("t2", "T02")
    t2.sell([20])
    with t2.ctx.db.read() as conn:
        events = ledger.pending_events(conn, 10)
    client = t1.engine._connect()
    with pytest.raises(Refused) as refused:
        client._send("POST", "/sync/push", body={"device_id": t2.ctx.device_id, "events": events})
    assert refused.value.status == 403 and refused.value.code == "wrong_device"
    answer = json.loads(
        client._send("POST", "/sync/push", body={"device_id": t1.ctx.device_id, "events": events})[1]
    )
    assert answer["results"][0]["status"] == "quarantined"  # t2's events in t1's stream: kept, not applied
    assert "another device" in answer["results"][0]["error"]
    assert platform.sale_count() == 0


def test_enrolment_codes_are_single_use_and_expire(platform, tmp_path):
    from pos_app.config import Settings
    from pos_app.db.database import Database

    def terminal(name):
        settings = Settings.load(tmp_path / name)
        return settings, Database(settings.database_file)

    code = platform.central.enrolment_code("T05")
    s1, d1 = terminal("a")
    answer = enrol(s1, d1, platform.url, code)
    assert answer.terminal_code == "T05" and answer.store_code == "S001"
    s2, d2 = terminal("b")
    with pytest.raises(EnrolmentError, match="already used"):
        enrol(s2, d2, platform.url, code)
    expired = platform.admin.issue_enrolment_code("S001", "T06", minutes=0)
    time.sleep(0.01)
    with pytest.raises(EnrolmentError, match="expired"):
        enrol(s2, d2, platform.url, expired)
    with pytest.raises(EnrolmentError, match="unknown"):
        enrol(s2, d2, platform.url, "AAAA-BBBB-CCCC")
    with pytest.raises(EnrolmentError, match="already enrolled"):
        enrol(s1, d1, platform.url, platform.central.enrolment_code("T07"))
    with pytest.raises(EnrolmentError, match="cannot be reached"):
        enrol(s2, d2, "http://127.0.0.1:9", platform.central.enrolment_code("T08"))
    # the same device id enrolling twice (its key file lost) is refused by the platform
    client = CentralClient(platform.url)
    with pytest.raises(Refused) as refused:
        client.enrol(
            EnrolRequest(
                code=platform.central.enrolment_code("T09"),
                device_id=load_identity(s1, d1).device_id,
                public_key=tokens.public_key_hex(tokens.new_private_key()),
            )
        )
    assert refused.value.status == 409 and refused.value.code == "already_enrolled"
    platform.admin.revoke_device(load_identity(s1, d1).device_id)
    with pytest.raises(Refused) as refused:
        client.enrol(
            EnrolRequest(
                code=platform.central.enrolment_code("T09"),
                device_id=load_identity(s1, d1).device_id,
                public_key=tokens.public_key_hex(tokens.new_private_key()),
            )
        )
    assert refused.value.code == "device_revoked"
    client.close()
    d1.close()
    d2.close()


def test_enrolment_stores_the_platform_keys_salt_and_codes(platform, tmp_path):
    from pos_app import config

    till = platform.new_till("t1", "T03")
    s = till.terminal.settings
    assert s.get(config.CENTRAL_URL) == platform.url
    assert s.get(config.TERMINAL_CODE) == "T03" and s.get(config.STORE_CODE) == "S001"
    with platform.db.read() as conn:
        from central.platform import public_keys

        assert s.get(config.PLATFORM_KEYS) == public_keys(conn)
    assert s.get(config.MEMBER_LOOKUP_SALT) == "o2o-demo-salt"
    key_file = s.home / s.get(config.SYNC_DEVICE_KEY_FILE)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    # a member found by phone on the till, with the platform's salt
    member = till.terminal.checkout.set_member_by_phone("13800138000")
    assert member.id == 100001
