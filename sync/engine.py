"""The terminal's sync engine: pushes the outbox, pulls reference data, publishes its status.

Threading: the engine runs on its own thread (:meth:`SyncEngine.start`) with its own database engine
(its own connections), so a sale never waits for the network: the till only appends to the outbox in
its own transaction and publishes ``outbox_appended``, which wakes the engine. ``start``/``stop`` are
thread-safe; :meth:`run_once` does one push-and-pull cycle on the caller's thread (tests, the
``pos-app sync --once`` command). Status goes out as ``sync_status`` events (:class:`SyncStatus`) on the
terminal's :class:`~pos_app.events.EventBus`, on the engine's thread.

Pushing: pending events in ascending seq, 50-500 a request. The platform's answer marks each event
``acked`` (applied, a duplicate, or deferred: the platform keeps it) or ``quarantined`` (kept here with
the platform's reason, never resent). A gap answer (409) sends the events from the expected seq again,
even ones marked acknowledged here (the platform may have been restored from a backup).

Pulling: per family, pages from the family's cursor; each page is applied with its cursor in one
transaction, while the next page is already being fetched. A reset answer starts the family again
from a snapshot.

Failures: no answer, a 5xx, an unreadable answer, a refusal, a full disk -- the cycle is retried
forever with exponential backoff and full jitter (tenacity), capped at ``sync.max_backoff_seconds``;
nothing is marked until the platform's answer has been read, so nothing is lost or counted twice.

Heartbeat: a second thread of the engine (``sync-heartbeat``, with its own client) asks the
platform's ``/health`` every ``sync.heartbeat_seconds`` with a short time-out. A lost platform is
reported offline within about one heartbeat -- not at the next sync, up to ``sync.interval_seconds``
later, nor when a cycle stuck on a dead connection times out; a platform that answers again ends the
back-off and starts a cycle at once, so the backlog goes out without waiting. Neither thread is ever
the GUI's: the window only hears ``sync_status``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_random_exponential

from pos_app import config
from pos_app.config import Settings
from pos_app.db import catalog, ledger, schema
from pos_app.db.database import Database, DatabaseError
from pos_app.events import EventBus
from pos_app.i18n import _
from sync.apply import FAMILY_ORDER, apply_page, get_cursor
from sync.client import CentralClient, Page, ProtocolError, Refused, SequenceGap, SyncError, Unreachable
from sync.enrolment import Identity, load_identity
from sync.protocol.wire import MAX_PULL_PAGE, EventStatus, Family

log = logging.getLogger(__name__)

STATUS_EVENT = "sync_status"
MIN_BACKOFF_SECONDS = 0.5
PROBE_TIMEOUT_SECONDS = 2.0  # a heartbeat that takes longer than this counts as "cannot be reached"


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows. ``clock_offset``: seconds the platform's clock is ahead of ours."""

    enrolled: bool
    online: bool
    backlog: int
    quarantined: int
    last_success: str | None = None
    last_error: str | None = None
    clock_offset: float | None = None
    pushed: int = 0
    pulled: int = 0


class _Stopping(Exception):
    pass


def _utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SyncEngine:
    """One terminal's sync. ``db_path`` is the terminal's database file (the engine opens its own
    connections to it); ``now`` is the wall clock used to time-stamp signatures (corrected by the
    measured offset)."""

    def __init__(
        self,
        settings: Settings,
        db_path: Path,
        events: EventBus | None = None,
        *,
        now: Callable[[], float] = time.time,
        client: CentralClient | None = None,
        interval: float | None = None,
        max_backoff: float | None = None,
        heartbeat: float | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database(db_path, migrate=False)
        event.listen(self.db.engine, "connect", _relaxed_durability)
        self.events = events or EventBus()
        self.now = now
        self.push_batch = settings.get(config.SYNC_PUSH_BATCH)
        self.pull_page = settings.get(config.SYNC_PULL_PAGE)
        self.interval = float(interval if interval is not None else settings.get(config.SYNC_INTERVAL))
        self.max_backoff = float(
            max_backoff if max_backoff is not None else settings.get(config.SYNC_MAX_BACKOFF)
        )
        self.heartbeat = float(heartbeat if heartbeat is not None else settings.get(config.SYNC_HEARTBEAT))
        self._client = client
        self._identity: Identity | None = None
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._back_online = threading.Event()  # the heartbeat reached the platform during a back-off
        self._status_lock = threading.Lock()
        self._heart: threading.Thread | None = None
        self._unsubscribe = self.events.subscribe("outbox_appended", self._on_outbox_appended)
        self._status = SyncStatus(enrolled=False, online=False, backlog=0, quarantined=0)
        self._pulled_since_checkpoint = 0
        self._refresh_counts()

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine's thread (idempotent). Thread-safe."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sync-engine", daemon=False)
            self._thread.start()
            self._heart = threading.Thread(target=self._beat, name="sync-heartbeat", daemon=False)
            self._heart.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and wait for it (a request in flight may take up to its time-out)."""
        with self._lock:
            threads = [t for t in (self._thread, self._heart) if t is not None]
            self._stop.set()
            self._wake.set()
            self._back_online.set()
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the %s thread did not stop within %s s", thread.name, timeout)
        with self._lock:
            self._thread = self._heart = None

    def close(self) -> None:
        self.stop()
        self._unsubscribe()
        if self._client is not None:
            self._client.close()
        self.db.close()

    def wake(self) -> None:
        """Sync now rather than at the next interval (called on ``outbox_appended``)."""
        self._wake.set()

    def _on_outbox_appended(self, **_: object) -> None:
        self.wake()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def status(self) -> SyncStatus:
        return self._status

    # --- the thread -------------------------------------------------------------------------------
    def _run(self) -> None:
        retrying = Retrying(
            retry=retry_if_exception_type((SyncError, SQLAlchemyError, DatabaseError, OSError)),
            wait=wait_random_exponential(multiplier=MIN_BACKOFF_SECONDS, max=self.max_backoff),
            sleep=self._sleep,
            before_sleep=self._failed,
            reraise=True,
        )
        while not self._stop.is_set():
            try:
                retrying(self.run_once)
            except _Stopping:
                break
            except Exception:  # never let the thread die silently: report and go on
                log.exception("sync cycle failed")
                self._publish(replace(self._status, online=False, last_error=_("Sync failed unexpectedly")))
                if self._stop.wait(self.max_backoff):
                    break
                continue
            self._wake.wait(self.interval)
            self._wake.clear()

    def _sleep(self, seconds: float) -> None:
        """Tenacity's back-off; ends early when the heartbeat finds the platform back."""
        self._back_online.clear()
        self._back_online.wait(seconds)
        if self._stop.is_set():
            raise _Stopping

    # --- the heartbeat ----------------------------------------------------------------------------
    def _beat(self) -> None:
        """The heartbeat's own thread, with its own client: a sync cycle stuck on a dead connection
        (up to the client's time-out) never delays the news that the platform is gone."""
        client: CentralClient | None = None
        try:
            while not self._stop.wait(self.heartbeat):
                if client is None:
                    client = self.make_client(timeout=min(PROBE_TIMEOUT_SECONDS, self.heartbeat))
                    if client is None:
                        continue  # not enrolled yet
                self.probe(client)
        finally:
            if client is not None:
                client.close()

    def probe(self, client: CentralClient) -> bool:
        """One heartbeat. Not reached: "offline" is published at once (with the waiting backlog).
        Reached while the status says offline: the back-off ends and a cycle starts now."""
        try:
            client.health(timeout=min(PROBE_TIMEOUT_SECONDS, self.heartbeat))
        except SyncError as exc:
            with self._status_lock:
                lost = self._status.online or self._status.last_error is None
            if lost:
                log.info("heartbeat: the platform cannot be reached: %s", exc)
                self._refresh_counts()
                self._publish(replace(self._status, online=False, last_error=describe(exc)))
            return False
        if not self._status.online:
            self._back_online.set()
            self._wake.set()
        return True

    def _failed(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if self._stop.is_set():
            raise _Stopping
        message = describe(exc) if exc is not None else _("Sync failed unexpectedly")
        log.info("sync attempt %s failed: %s", state.attempt_number, exc)
        self._refresh_counts()
        self._publish(replace(self._status, online=False, last_error=message))

    # --- one cycle --------------------------------------------------------------------------------
    def run_once(self) -> SyncStatus:
        """Push everything pending, then pull every family. Raises what went wrong (the status says it
        too); the thread's loop retries."""
        with self._run_lock:
            try:
                client = self._connect()
                pushed = self.push_all(client)
                pulled = self.pull_all(client)
            except SyncError as exc:
                self._refresh_counts()
                self._publish(replace(self._status, online=False, last_error=describe(exc)))
                raise
            self._refresh_counts()
            status = replace(
                self._status,
                online=True,
                last_success=_utc(),
                last_error=None,
                clock_offset=client.offset,
                pushed=pushed,
                pulled=pulled,
            )
            self._publish(status)
            if self._pulled_since_checkpoint:
                self._pulled_since_checkpoint = 0
                self.checkpoint()
            return status

    def make_client(self, timeout: float = 15.0) -> CentralClient | None:
        """A new client signed with this terminal's key (for another thread, e.g. the online helpers);
        None while the terminal is not enrolled."""
        identity = load_identity(self.settings, self.db)
        if identity is None:
            return None
        client = CentralClient(
            identity.central_url, identity.device_id, identity.key, timeout=timeout, clock=self.now
        )
        client.offset = self._status.clock_offset
        return client

    def _connect(self) -> CentralClient:
        if self._client is None or self._identity is None:
            identity = load_identity(self.settings, self.db)
            if identity is None:
                self._status = replace(self._status, enrolled=False)
                raise Refused(0, "not_enrolled", "this terminal is not enrolled")
            self._identity = identity
            if self._client is None:
                self._client = CentralClient(
                    identity.central_url, identity.device_id, identity.key, clock=self.now
                )
            self._status = replace(self._status, enrolled=True)
        return self._client

    # --- push -------------------------------------------------------------------------------------
    def push_all(self, client: CentralClient) -> int:
        """Push until nothing is pending; returns how many events the platform took this time.

        Batches go one at a time, in seq order, on a helper thread; while the platform works on one,
        this thread reads the next from the outbox and records the answer to the previous one, so
        the terminal's own work hides behind the platform's.
        """
        total = 0
        resend_from: int | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-push") as pool:
            batch = self._read_batch(None, None)
            request = pool.submit(client.push, batch, self.now()) if batch else None
            while request is not None:
                upcoming = self._read_batch(resend_from, batch[-1]["seq"])
                try:
                    answer = request.result()
                except SequenceGap as gap:
                    first = batch[0]["seq"]
                    if gap.expected_seq >= first or gap.expected_seq < 1:
                        raise ProtocolError(
                            f"a gap answer expecting {gap.expected_seq} for a batch from {first}"
                        ) from gap
                    log.warning("the platform expects seq %s; sending again from there", gap.expected_seq)
                    resend_from = gap.expected_seq
                    batch = self._read_batch(resend_from, None)
                    request = pool.submit(client.push, batch, self.now()) if batch else None
                    continue
                complete = len(answer.results) >= len(batch)
                if resend_from is not None or not complete:
                    # a resend, or the platform stopped early: record first, then decide what is next
                    done = self._record(batch, answer.results)
                    if resend_from is not None:
                        first_pending = self._first_pending()
                        if first_pending is not None and first_pending <= batch[-1]["seq"] + 1:
                            resend_from = None  # the rest is pending anyway
                    upcoming = self._read_batch(resend_from, batch[-1]["seq"] if complete else None)
                    request = None
                else:
                    # the next batch goes out at once; this one is recorded while it travels
                    request = None
                    if upcoming and not self._stopping():
                        request = pool.submit(client.push, upcoming, self.now())
                    done = self._record(batch, answer.results)
                if not done:
                    raise ProtocolError("the platform's answer acknowledged none of the events sent")
                total += done
                self._refresh_counts()
                self._publish(replace(self._status, online=True, clock_offset=client.offset))
                batch = upcoming
                if request is None and batch and not self._stopping():
                    request = pool.submit(client.push, batch, self.now())
        return total

    def _read_batch(self, resend_from: int | None, after: int | None) -> list[dict[str, Any]]:
        """The next events to send: pending ones (after seq ``after``), or when the platform asked
        for older ones again, every event from ``resend_from`` (or after ``after``) on."""
        o = schema.outbox
        query = select(o.c.envelope).order_by(o.c.seq).limit(self.push_batch)
        if resend_from is not None:
            query = query.where(o.c.seq >= (resend_from if after is None else after + 1))
        else:
            query = query.where(o.c.status == "pending")
            if after is not None:
                query = query.where(o.c.seq > after)
        with self.db.read() as conn:
            return [orjson.loads(text) for text in conn.execute(query).scalars()]

    def _first_pending(self) -> int | None:
        with self.db.read() as conn:
            return conn.execute(
                select(func.min(schema.outbox.c.seq)).where(schema.outbox.c.status == "pending")
            ).scalar()

    def _stopping(self) -> bool:
        """Only the engine's own thread stops half-way; a cycle run by a caller runs to its end."""
        return self._stop.is_set() and threading.current_thread() is self._thread

    def _record(self, batch: list[dict[str, Any]], results) -> int:
        sent = {e["seq"] for e in batch}
        acked: list[int] = []
        quarantined: dict[str, list[int]] = {}
        notes: dict[str, list[int]] = {}
        for r in results:
            if r.seq not in sent:
                continue
            if r.status is EventStatus.QUARANTINED:
                quarantined.setdefault(r.error or "quarantined by the platform", []).append(r.seq)
            elif r.status is EventStatus.DEFERRED:
                notes.setdefault(r.error or "deferred by the platform", []).append(r.seq)
            else:
                acked.append(r.seq)
        at = _utc()
        with self.db.write() as conn:
            if acked:
                ledger.mark_processed(conn, acked, "acked", at)
            for note, seqs in notes.items():
                ledger.mark_processed(conn, seqs, "acked", at, f"deferred: {note}")
            for error, seqs in quarantined.items():
                ledger.mark_processed(conn, seqs, "quarantined", at, error[:500])
        return len(acked) + sum(map(len, notes.values())) + sum(map(len, quarantined.values()))

    # --- pull -------------------------------------------------------------------------------------
    def pull_all(self, client: CentralClient, families: tuple[Family, ...] = FAMILY_ORDER) -> int:
        """Pull every family; the write-ahead log is checkpointed afterwards by :meth:`run_once`
        (housekeeping that need not delay the new data)."""
        changed = 0
        try:
            for family in families:
                changed += self.pull_family(client, family)
        finally:
            self._pulled_since_checkpoint += changed
        if changed:
            self.events.publish("reference_data_changed")
        return changed

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file without blocking anyone (PASSIVE)."""
        try:
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except SQLAlchemyError as exc:
            log.warning("checkpoint failed: %s", exc)

    def pull_family(self, client: CentralClient, family: Family) -> int:
        """Pull one family to its end: a helper thread fetches, reads and prepares the next page
        (search terms) while this one writes the current page -- SQLite and the network release the
        interpreter, so the two overlap. (Measured: a few percent faster than preparing on the writing
        thread, whose executemany otherwise waits for the helper at each hand-over.)"""
        with self.db.read() as conn:
            cursor = get_cursor(conn, family)
        changed = 0
        resets = 0
        # products are heavy to write (search index): their pages stay small enough that a sale never
        # waits long for the write lock; the other families' rows are light, so their pages are big
        limit = self.pull_page if family is Family.PRODUCTS else max(self.pull_page, MAX_PULL_PAGE)

        def fetch(after: str) -> Page:
            return _prepare(family, client.read_page(family, client.pull_raw(family, after, limit)))

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-fetch") as fetcher:
            fetching = fetcher.submit(fetch, cursor)
            while True:
                page = fetching.result()
                if page.reset:
                    resets += 1
                    if resets > 2 or changed:
                        raise ProtocolError(f"{family.value}: the platform reset the cursor again")
                    log.warning("%s: cursor reset by the platform; pulling a snapshot", family.value)
                    fetching = fetcher.submit(fetch, "")
                    continue
                if page.has_more:
                    fetching = fetcher.submit(fetch, page.cursor)
                with self.db.write() as conn:
                    changed += apply_page(conn, page, _utc())
                if not page.has_more or self._stopping():
                    return changed

    # --- status -----------------------------------------------------------------------------------
    def _refresh_counts(self) -> None:
        try:
            with self.db.read() as conn:
                backlog = ledger.backlog(conn)
                quarantined = conn.execute(
                    select(func.count())
                    .select_from(schema.outbox)
                    .where(schema.outbox.c.status == "quarantined")
                ).scalar_one()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("cannot count the outbox: %s", exc)
            return
        self._status = replace(self._status, backlog=backlog, quarantined=quarantined)

    def _publish(self, status: SyncStatus) -> None:
        with self._status_lock:  # the engine's thread and the heartbeat's both publish
            self._status = status
            self.events.publish(STATUS_EVENT, status=status)


def _relaxed_durability(dbapi_connection, _record) -> None:
    """The engine's own connections: every write they make can be made again (a page is pulled again
    with its cursor, an answer is asked again and duplicates are acknowledged), so they need not wait
    for the disk at each commit (WAL with ``synchronous=NORMAL`` stays consistent after a power cut),
    and they leave checkpoints to :meth:`SyncEngine.checkpoint`, not one per page of a catalogue."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA wal_autocheckpoint = 0")
    cursor.close()


def _prepare(family: Family, page: Page) -> Page:
    """Make a page ready to write: the products' search terms (before the write transaction)."""
    if family is Family.PRODUCTS:
        for change in page.changes:
            data = change["data"]
            if data is not None and "name_zh" in data and "name_en" in data:
                data["search_terms"] = catalog.search_terms(str(data["name_zh"]), str(data["name_en"]))
    return page


def describe(exc: BaseException) -> str:
    """A message for the status bar (translated) about why a sync failed."""
    if isinstance(exc, Unreachable):
        return _("The platform cannot be reached; sales are kept and sent later.")
    if isinstance(exc, ProtocolError):
        return _("The platform's answer could not be read; nothing was marked as sent.")
    if isinstance(exc, Refused):
        messages = {
            "not_enrolled": _("This terminal is not enrolled with the platform."),
            "device_revoked": _("The platform revoked this terminal; ask the manager to enrol it again."),
            "unknown_device": _("The platform does not know this terminal; enrol it again."),
            "bad_signature": _("The platform refused this terminal's signature."),
            "stale_request": _("This terminal's clock is too far off; check the date and time."),
        }
        return messages.get(exc.code, _("The platform refused the request ({code}).").format(code=exc.code))
    if isinstance(exc, OSError | DatabaseError | SQLAlchemyError):
        return _("The terminal's database could not be written ({error}); check the free disk space.").format(
            error=exc.__class__.__name__
        )
    return _("Sync failed unexpectedly")


def format_status(status: SyncStatus) -> str:
    """One line for a console or a status bar (translated)."""
    if not status.enrolled:
        state = _("not enrolled")
    elif status.online:
        state = _("online")
    else:
        state = _("offline")
    line = _("Sync {state}: {backlog} to send, {quarantined} quarantined").format(
        state=state, backlog=status.backlog, quarantined=status.quarantined
    )
    if status.last_success:
        line += "; " + _("last success {time}").format(time=status.last_success)
    if status.clock_offset is not None and abs(status.clock_offset) >= 1:
        line += "; " + _("clock off by {seconds} s").format(seconds=round(-status.clock_offset))
    if status.last_error:
        line += " -- " + status.last_error
    return line
