"""Old and new side by side: an older terminal against a newer platform, and events of a newer schema
than the platform knows (deferred, applied after the platform's upgrade)."""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

from central import ingest
from central.embedded import ServerThread
from central.main import create_app
from central.models import Event, SyncException
from pos_app import config
from pos_app.db import ledger, schema
from sync.protocol.events import make_envelope


def _add_unknown_fields(value):
    if isinstance(value, dict):
        return {**{k: _add_unknown_fields(v) for k, v in value.items()}, "added_in_v2": {"x": [1, 2]}}
    if isinstance(value, list):
        return [_add_unknown_fields(v) for v in value]
    return value


class NewerServer(BaseHTTPMiddleware):
    """Answers like a later platform version: more fields everywhere, a newer schema advertised."""

    async def dispatch(self, request, call_next):
        response = await call_next(request)
        if response.headers.get("content-type", "").startswith("application/json"):
            body = b"".join([chunk async for chunk in response.body_iterator])
            data = _add_unknown_fields(json.loads(body))
            if isinstance(data, dict) and "schema_versions" in data:
                data["schema_versions"] = [1, 2]
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            return Response(json.dumps(data), response.status_code, headers, media_type="application/json")
        return response


def test_an_older_terminal_against_a_newer_platform(platform):
    till = platform.new_till("t1")
    app = create_app(platform=platform.central.platform)
    app.add_middleware(NewerServer)
    newer = ServerThread(app)
    port = newer.start()
    try:
        till.terminal.settings.set(config.CENTRAL_URL, f"http://127.0.0.1:{port}")
        till.engine._client = None
        platform.admin.set_price(33, 999)
        order_id, code = platform.admin.create_pickup_order("S001", [(34, 1000)], paid=True)
        platform.admin.pickup_ready(order_id)
        for i in range(7):
            till.sell([20 + i], member_code=platform.member_code() if i == 0 else None)
        status = till.sync()
        assert status.online and status.backlog == 0 and status.pulled >= 2
        assert platform.sale_count() == 7
        assert till.terminal.pickup.find(code=code).checked_online  # the online helpers read it too
        # an older client's request: no client_time, nothing but what version 1 required
        with till.ctx.db.read() as conn:
            assert ledger.pending_events(conn, 10) == []
        client = till.engine._connect()
        answer = client._send(
            "POST", "/sync/push", body={"device_id": till.ctx.device_id, "events": _replay(till)}
        )
        assert {r["status"] for r in json.loads(answer[1])["results"]} == {"duplicate"}
    finally:
        newer.stop()


def _replay(till):
    with till.ctx.db.read() as conn:
        rows = conn.execute(select(schema.outbox.c.envelope).order_by(schema.outbox.c.seq).limit(3)).scalars()
        return [json.loads(r) for r in rows]


def test_a_newer_schema_is_deferred_then_applied_after_an_upgrade(platform, monkeypatch):
    till = platform.new_till("t1")
    till.sell([20])
    # a newer terminal writes a schema-2 sale (same shape, more fields) into its outbox
    with till.ctx.db.read() as conn:
        template = json.loads(
            conn.execute(
                select(schema.outbox.c.envelope).where(schema.outbox.c.type == "SaleCompleted")
            ).scalar_one()
        )
    with till.ctx.db.write() as conn:
        seq, prev = ledger.outbox_head(conn)
        payload = dict(template["payload"], sale_id="01890000-0000-7000-8000-0000000000v2", receipt_no="V2-1")
        payload["loyalty_v2"] = {"stamps": 1}
        event = make_envelope(
            event_id="01890000-0000-7000-8000-0000000000e2",
            device_id=till.ctx.device_id,
            seq=seq + 1,
            type="SaleCompleted",
            occurred_at=till.ctx.clock.utc_iso(),
            till_session_id=template["till_session_id"],
            payload=payload,
            prev_hash=prev,
            schema_version=2,
        )
        ledger.insert_outbox(conn, event)
    till.sell([21])  # later events are not held up
    status = till.sync()
    assert status.backlog == 0 and status.quarantined == 0
    assert platform.sale_count() == 2
    with till.ctx.db.read() as conn:
        note = conn.execute(select(schema.outbox.c.error).where(schema.outbox.c.seq == seq + 1)).scalar_one()
    assert note.startswith("deferred")
    e = Event.__table__
    with platform.db.read() as conn:
        assert conn.execute(select(e.c.status).where(e.c.seq == seq + 1)).scalar_one() == "deferred"
        kinds = conn.execute(select(SyncException.__table__.c.kind)).scalars().all()
    assert "deferred_event" in kinds
    # the platform is upgraded to know schema 2 and applies what it kept
    monkeypatch.setattr(ingest, "MAX_SUPPORTED_SCHEMA", 2)
    assert ingest.reprocess_deferred(platform.db, platform.central.settings) == 1
    assert platform.sale_count() == 3
    with platform.db.read() as conn:
        assert conn.execute(select(e.c.status).where(e.c.seq == seq + 1)).scalar_one() == "applied"
    platform.assert_stock_invariant()
