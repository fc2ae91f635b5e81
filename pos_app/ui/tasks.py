"""All background work of the window goes through one task runner.

- ``db``: ONE worker thread runs every service call that touches the terminal's database (and the
  services' in-memory basket), strictly in submission order, so the services never see two callers.
- ``net``: a small pool for calls that may wait on the network or a device (payment terminal,
  printer retries), so a slow device never holds up a scan.

Results come back on the GUI thread through a queued signal; work running off the GUI thread never
touches widgets. Use it through :class:`Op`::

    Op(runner, checkout.scan, text).success(self.show_outcome).failure(self.show_error).run()
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)
_STOP = object()


class TaskRunner(QObject):
    """Owns the database worker thread and the network pool. Create and use on the GUI thread."""

    _finished = Signal(object, object, object)  # (callback, value, error)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._loop, name="pos-db-worker", daemon=True)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pos-net")
        self._finished.connect(self._deliver)
        self._closed = False
        self._worker.start()

    # runs on the db worker thread
    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if callable(item):
                self._deliver_event(item)
            else:
                self._execute(*item)

    @staticmethod
    def _deliver_event(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception:  # the services' handler failed: nobody waits for an answer, so log it
            log.exception("delivering an event on the database worker failed")

    def _execute(
        self, fn: Callable[[], Any], on_success: Callable | None, on_failure: Callable | None
    ) -> None:
        try:
            value = fn()
        except Exception as exc:  # delivered to the GUI, which tells the person
            if not getattr(exc, "message", None):
                log.error("background task failed:\n%s", traceback.format_exc())
            self._finished.emit(on_failure, None, exc)
        else:
            self._finished.emit(on_success, value, None)

    @Slot(object, object, object)
    def _deliver(self, callback: Callable | None, value: Any, error: BaseException | None) -> None:
        """Runs on the GUI thread."""
        with self._lock:
            self._pending -= 1
            idle = self._pending == 0
        if idle:
            self.busy_changed.emit(False)
        if callback is None:
            if error is not None:
                log.error("unhandled background error: %s", error)
            return
        callback(error if error is not None else value)

    def _started(self) -> None:
        with self._lock:
            self._pending += 1
            first = self._pending == 1
        if first:
            self.busy_changed.emit(True)

    def submit_db(
        self, fn: Callable[[], Any], on_success: Callable | None, on_failure: Callable | None
    ) -> None:
        if self._closed:
            return
        self._started()
        self._queue.put((fn, on_success, on_failure))

    def submit_net(
        self, fn: Callable[[], Any], on_success: Callable | None, on_failure: Callable | None
    ) -> None:
        if self._closed:
            return
        self._started()
        self._pool.submit(self._execute, fn, on_success, on_failure)

    def post(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` on the database worker after the work already queued, with no answer to the GUI:
        how an event from another thread reaches the services (``pos_app.events.Inbox``). Thread-safe;
        dropped once the runner is shut down."""
        if self._closed:
            return
        self._queue.put(fn)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish queued work, then stop the threads."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._worker.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=False)


class Op:
    """One background operation: ``Op(runner, fn, *args).success(cb).failure(cb).run()``."""

    def __init__(self, runner: TaskRunner, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._runner = runner
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None

    def success(self, callback: Callable[[Any], None]) -> Op:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op:
        self._failure = callback
        return self

    def _call(self) -> Any:
        return self._fn(*self._args, **self._kwargs)

    def run(self) -> None:
        """On the database worker (anything touching the services' state or the database)."""
        self._runner.submit_db(self._call, self._success, self._failure)

    def run_net(self) -> None:
        """On the network/device pool (may block on I/O; must not touch the services' basket)."""
        self._runner.submit_net(self._call, self._success, self._failure)
