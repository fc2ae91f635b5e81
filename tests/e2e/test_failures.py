"""Nothing lost, nothing counted twice: lost answers, concurrent and reordered batches, a server
killed in the middle of a batch, a poison event, wrong device clocks, a platform restored from backup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from central.models import Device, Event, Sale, SyncException
from pos_app.db import ledger, schema
from sync.client import CentralClient, SequenceGap, Unreachable
from sync.enrolment import load_identity
from sync.protocol.events import make_envelope
from sync.protocol.wire import EventStatus
from tests.e2e.faultproxy import FaultProxy
from tests.e2e.harness import Platform, shifted_clock


def _client(till) -> CentralClient:
    identity = load_identity(till.terminal.settings, till.ctx.db)
    return CentralClient(identity.central_url, identity.device_id, identity.key)


def _pending(till, limit=1000):
    with till.ctx.db.read() as conn:
        return ledger.pending_events(conn, limit)


def test_a_response_lost_after_the_commit_is_not_counted_twice(platform):
    proxy = FaultProxy(platform.central.port)
    try:
        till = platform.new_till("t1", url=proxy.url)
        for i in range(30):
            till.sell([20 + i])
        proxy.drop_responses(1)
        with pytest.raises(Unreachable):
            till.sync()
        assert proxy.dropped == 1
        assert platform.sale_count() == 30  # the platform committed ...
        assert till.engine.status.backlog == 31  # ... but the terminal never heard it
        status = till.sync()  # sent again: acknowledged as duplicates
        assert status.backlog == 0
        assert platform.sale_count() == 30
        with platform.db.read() as conn:
            assert conn.execute(select(Event.__table__.c.seq)).scalars().all() == list(range(1, 32))
    finally:
        proxy.close()


def test_the_same_batch_on_two_connections_at_once(any_platform):
    till = any_platform.new_till("t1")
    for i in range(40):
        till.sell([20 + i])
    batch = _pending(till)
    answers, errors = [], []
    barrier = threading.Barrier(2)

    def push():
        client = _client(till)
        try:
            barrier.wait()
            answers.append(client.push(batch))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statuses = sorted({r.status for a in answers for r in a.results})
    assert statuses in (["applied", "duplicate"], ["applied"])  # one applied them, the other saw duplicates
    applied = sum(1 for a in answers for r in a.results if r.status is EventStatus.APPLIED)
    assert applied == 41
    assert any_platform.sale_count() == 40
    assert till.sync().backlog == 0
    assert any_platform.sale_count() == 40
    any_platform.assert_stock_invariant()


def test_reordered_batches_are_refused_with_the_expected_seq_then_applied_in_order(any_platform):
    till = any_platform.new_till("t1")
    for i in range(30):
        till.sell([20 + i])
    events = _pending(till)
    first, second = events[:15], events[15:]
    client = _client(till)
    try:
        with pytest.raises(SequenceGap) as gap:
            client.push(second)
        assert gap.value.expected_seq == 1
        assert any_platform.sale_count() == 0
        assert client.push(first).last_seq == 15
        again = client.push(second + first[:3])  # late duplicates mixed in
        assert again.last_seq == 31
        assert {r.status for r in again.results if r.seq <= 3} == {EventStatus.DUPLICATE}
    finally:
        client.close()
    assert any_platform.sale_count() == 30
    assert till.sync().backlog == 0


def test_a_platform_restored_from_an_older_backup_gets_the_missing_events_again(platform):
    till = platform.new_till("t1")
    for i in range(10):
        till.sell([20 + i])
    till.sync()
    # the platform forgets the last 4 events (restored from a backup taken before them)
    ev, d = Event.__table__, Device.__table__
    with platform.db.write() as conn:
        kept = conn.execute(select(ev.c.hash).where(ev.c.seq == 7)).scalar_one()
        conn.execute(ev.delete().where(ev.c.seq > 7))
        conn.execute(update(d).values(last_seq=7, last_hash=kept))
        conn.execute(Sale.__table__.delete().where(Sale.__table__.c.seq > 7))
    assert platform.sale_count() == 6
    till.sell([33])
    status = till.sync()  # gap answer: expected 8 -> the engine sends 8.. again from its outbox
    assert status.backlog == 0
    assert platform.sale_count() == 11


def test_one_poison_event_among_a_thousand_is_quarantined_and_the_rest_applied(platform):
    till = platform.new_till("t1", open_till=True)
    for i in range(400):
        till.sell([20 + i % 200])
    # a terminal bug writes a sale whose payload cannot be read (chained and hashed like any event)
    with till.ctx.db.write() as conn:
        seq, prev = ledger.outbox_head(conn)
        poison = make_envelope(
            event_id="01890000-0000-7000-8000-00000000dead",
            device_id=till.ctx.device_id,
            seq=seq + 1,
            type="SaleCompleted",
            occurred_at=till.ctx.clock.utc_iso(),
            till_session_id=None,
            payload={"sale_id": "poison", "total": "twelve yuan"},
            prev_hash=prev,
        )
        ledger.insert_outbox(conn, poison)
    for i in range(599):
        till.sell([20 + i % 200])
    status = till.sync()
    assert status.backlog == 0 and status.quarantined == 1
    assert platform.sale_count() == 999
    with till.ctx.db.read() as conn:
        row = conn.execute(select(schema.outbox).where(schema.outbox.c.status == "quarantined")).one()
    assert row.seq == poison["seq"] and "SaleCompleted" in row.error
    with platform.db.read() as conn:
        kept = conn.execute(select(Event.__table__).where(Event.__table__.c.status == "quarantined")).one()
        exceptions = conn.execute(
            select(SyncException.__table__.c.kind).where(
                SyncException.__table__.c.kind == "quarantined_event"
            )
        ).all()
    assert json.loads(kept.envelope)["payload"]["total"] == "twelve yuan"  # kept as received, visible
    assert len(exceptions) == 1
    assert till.sync().quarantined == 1  # never sent again
    platform.assert_stock_invariant()


@pytest.mark.parametrize(
    "skew", [timedelta(days=3), timedelta(hours=-2)], ids=["plus-3-days", "minus-2-hours"]
)
def test_a_wrong_device_clock_is_measured_flagged_and_does_not_stop_sync(platform, skew):
    seconds = skew.total_seconds()
    clock = shifted_clock(seconds=seconds)
    till = platform.new_till("t1", clock=clock, now=lambda: time.time() + seconds)
    for i in range(5):
        till.sell([20 + i])
    status = till.sync()
    assert status.backlog == 0 and status.online
    assert status.clock_offset == pytest.approx(-seconds, abs=5)
    assert platform.sale_count() == 5
    with platform.db.read() as conn:
        device = conn.execute(select(Device.__table__.c.clock_offset)).scalar_one()
        kinds = conn.execute(select(SyncException.__table__.c.kind)).scalars().all()
        days = conn.execute(select(Sale.__table__.c.business_day)).scalars().all()
    assert device == pytest.approx(seconds, abs=5)
    assert "clock_skew" in kinds
    assert set(days) == {clock.now().date().isoformat()}  # the business day comes from the till session


def test_the_server_killed_in_the_middle_of_a_batch(tmp_path):
    """A real server process, killed (SIGKILL) while it applies a batch, then started again."""
    setup = Platform(tmp_path)  # seeds the SQLite file; its own server only enrols the terminal
    db_url = setup.central.settings.database_url
    proxy = None
    server = None
    try:
        till = setup.new_till("t1")
        setup.central.stop()  # from now on only the subprocess serves this database
        for i in range(1500):
            till.sell([20 + i % 250])
        port = _free_port()

        def serve():
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "central",
                    "--database",
                    db_url,
                    "serve",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

        server = serve()
        _wait_for(port)
        proxy = FaultProxy(port)
        from pos_app import config

        till.terminal.settings.set(config.CENTRAL_URL, proxy.url)
        till.engine._client = None  # reconnect through the proxy
        killed = threading.Event()

        def kill_mid_batch():
            if not killed.is_set():
                killed.set()
                time.sleep(0.05)  # the batch is being applied now
                server.send_signal(signal.SIGKILL)

        proxy.on_request = lambda: threading.Thread(target=kill_mid_batch, daemon=True).start()
        with pytest.raises(Unreachable):
            till.sync()
        server.wait(10)
        proxy.on_request = None
        half = _counts(db_url)
        assert half["sales"] < 1500  # it really died before the end ...
        assert half["events"] == half["last_seq"]  # ... and every batch was all or nothing
        server = serve()
        _wait_for(port)
        status = till.sync()
        assert status.backlog == 0
    finally:
        if proxy is not None:
            proxy.close()
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(10)
        for t in setup.tills:
            t.close()
    assert _counts(db_url) == {"sales": 1500, "events": 1501, "last_seq": 1501}  # with the till opening


def _counts(db_url: str) -> dict[str, int]:
    from central.core.db import Database
    from central.models import Sale

    db = Database(db_url, migrate=False)
    try:
        with db.read() as conn:
            return {
                "sales": len(conn.execute(select(Sale.__table__.c.id)).all()),
                "events": len(conn.execute(select(Event.__table__.c.seq)).all()),
                "last_seq": conn.execute(select(Device.__table__.c.last_seq)).scalar_one(),
            }
    finally:
        db.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    client = CentralClient(f"http://127.0.0.1:{port}", timeout=1)
    try:
        while True:
            try:
                client.health()
                return
            except Unreachable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        client.close()


def test_an_event_altered_after_it_was_written_is_quarantined_and_the_chain_goes_on(platform):
    till = platform.new_till("t1")
    sales = [till.sell([20 + i]) for i in range(3)]
    with till.ctx.db.write() as conn:
        row = conn.execute(select(schema.outbox).where(schema.outbox.c.type == "SaleCompleted")).first()
        envelope = json.loads(row.envelope)
        envelope["payload"]["total"] -= 100  # someone edits the local file
        conn.execute(
            update(schema.outbox).where(schema.outbox.c.seq == row.seq).values(envelope=json.dumps(envelope))
        )
    status = till.sync()
    assert status.backlog == 0 and status.quarantined == 1
    with till.ctx.db.read() as conn:
        error = conn.execute(select(schema.outbox.c.error).where(schema.outbox.c.seq == row.seq)).scalar_one()
    assert "altered" in error
    assert platform.sale_ids() == {s.sale_id for s in sales[1:]}  # the others, still chained, applied


def test_a_broken_chain_is_quarantined(platform):
    till = platform.new_till("t1")
    till.sell([20])
    with till.ctx.db.write() as conn:
        seq, _prev = ledger.outbox_head(conn)
        ledger.insert_outbox(
            conn,
            make_envelope(
                event_id="01890000-0000-7000-8000-00000000c4a1",
                device_id=till.ctx.device_id,
                seq=seq + 1,
                type="StockAdjusted",
                occurred_at=till.ctx.clock.utc_iso(),
                till_session_id=None,
                payload={"stock": [{"product_id": 20, "delta": 1000}], "reason": "count"},
                prev_hash="f" * 64,  # not the previous event's hash: history was cut or rewritten
            ),
        )
    status = till.sync()
    assert status.quarantined == 1
    with till.ctx.db.read() as conn:
        error = conn.execute(select(schema.outbox.c.error).where(schema.outbox.c.seq == seq + 1)).scalar_one()
    assert "broken chain" in error


@pytest.mark.postgres
def test_a_push_chosen_as_a_deadlock_victim_is_run_again_and_applied_once(pg_platform):
    """A real deadlock on PostgreSQL: another transaction holds the member's row and then asks for the
    device's row, which the push holds while it waits for the member's. PostgreSQL aborts the push's
    transaction; the push runs again once the other transaction is gone, and the sale is there once."""
    till = pg_platform.new_till("t1")
    till.sell([20], member_code=pg_platform.member_code(100_001))
    result: dict = {}
    with pg_platform.db.engine.connect() as other:
        other.exec_driver_sql("SET deadlock_timeout = '60s'")  # the push's backend detects the cycle
        other.exec_driver_sql("SELECT id FROM member WHERE id = 100001 FOR UPDATE")
        pusher = threading.Thread(target=lambda: result.update(status=till.sync()))
        pusher.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_a_lock(pg_platform, other):
            assert time.monotonic() < deadline, "the push never waited for the member's row"
            time.sleep(0.02)
        # now the push holds the device's row: asking for it closes the cycle
        other.exec_driver_sql("SELECT id FROM device FOR UPDATE")
        other.rollback()
        pusher.join(30)
    assert result["status"].backlog == 0 and result["status"].last_error is None
    assert pg_platform.sale_ids() == {s.sale_id for s in till.sales}
    with pg_platform.db.read() as conn:
        assert conn.execute(select(Event.__table__.c.seq)).scalars().all() == [1, 2]


def _waiting_for_a_lock(platform, other) -> bool:
    """Another backend of the platform's database waits for a row lock."""
    with platform.db.engine.connect() as probe:
        own = other.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        return bool(
            probe.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database() AND pid <> %s",
                (own,),
            ).scalar()
        )
