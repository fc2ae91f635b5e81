"""Schemathesis against the checked-in OpenAPI document, over real HTTP: whatever it sends, signed by
an enrolled device or not, the platform never answers with a server error."""

from __future__ import annotations

import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from central.main import OPENAPI_FILE
from sync.enrolment import load_identity
from sync.protocol import signing
from tests.e2e.harness import Platform

schema = schemathesis.openapi.from_path(OPENAPI_FILE)


class SigningSession(requests.Session):
    """Signs every request exactly as sent, like a terminal does (when ``identity`` is set)."""

    def __init__(self, identity=None) -> None:
        super().__init__()
        self.identity = identity

    def send(self, request, **kwargs):
        if self.identity is not None:
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            request.headers.update(
                signing.sign_request(
                    self.identity.key,
                    self.identity.device_id,
                    request.method,
                    request.path_url,
                    body,
                    time.time(),
                )
            )
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    platform = Platform(tmp_path_factory.mktemp("schemathesis"))
    till = platform.new_till("t1")
    for i in range(3):
        till.sell([20 + i])
    identity = load_identity(till.terminal.settings, till.ctx.db)
    yield platform, identity
    platform.close()


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_no_request_makes_the_platform_fail(live, case, signed):
    platform, identity = live
    session = SigningSession(identity if signed else None)
    if signed and case.path == "/v1/sync/push" and isinstance(case.body, dict):
        case.body["device_id"] = identity.device_id  # reach the ingest with fuzzed events
    try:
        case.call_and_validate(base_url=platform.url, session=session, checks=[not_a_server_error])
    finally:
        session.close()
