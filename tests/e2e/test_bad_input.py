"""Bad answers and a full disk: a clear message, nothing marked that was not confirmed, nothing lost."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

from central.embedded import ServerThread
from central.main import create_app
from pos_app import config
from sync.client import ProtocolError
from sync.engine import describe


class Garbled(BaseHTTPMiddleware):
    """Lets the platform do its work, then answers something else (a broken proxy, a wrong server)."""

    mode = "not-json"

    async def dispatch(self, request, call_next):
        response = await call_next(request)
        if request.url.path.startswith("/v1/sync/"):
            async for _chunk in response.body_iterator:
                pass
            if self.mode == "not-json":
                return Response(b"<html>gateway</html>", 200, media_type="text/html")
            return Response(b'{"unexpected": true}', 200, media_type="application/json")
        return response


@pytest.mark.parametrize("mode", ["not-json", "wrong-shape"])
def test_an_unreadable_answer_marks_nothing_and_the_next_sync_recovers(platform, mode):
    till = platform.new_till("t1")
    for i in range(5):
        till.sell([20 + i])
    Garbled.mode = mode
    app = create_app(platform=platform.central.platform)
    app.add_middleware(Garbled)
    garbled = ServerThread(app)
    port = garbled.start()
    try:
        till.terminal.settings.set(config.CENTRAL_URL, f"http://127.0.0.1:{port}")
        till.engine._client = None
        with pytest.raises(ProtocolError):
            till.sync()
        assert till.engine.status.backlog == 6  # nothing marked on an answer it could not read
        assert "could not be read" in till.engine.status.last_error
    finally:
        garbled.stop()
    till.terminal.settings.set(config.CENTRAL_URL, platform.url)
    till.engine._client = None
    assert till.sync().backlog == 0
    assert platform.sale_count() == 5


def test_a_full_disk_while_recording_the_answer_loses_nothing(platform, monkeypatch):
    till = platform.new_till("t1")
    for i in range(3):
        till.sell([20 + i])
    real = till.engine._record

    def full(*args, **kwargs):
        raise OperationalError("UPDATE outbox", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(till.engine, "_record", full)
    with pytest.raises(OperationalError) as failure:
        till.sync()
    assert "disk space" in describe(failure.value)
    monkeypatch.setattr(till.engine, "_record", real)
    assert till.sync().backlog == 0  # sent again, acknowledged as duplicates
    assert platform.sale_count() == 3
