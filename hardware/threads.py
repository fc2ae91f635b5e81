"""Each device owns one thread; every call that talks to the device runs there, one at a time.

A printer, a pole display or a card terminal is a serial conversation: two threads writing to the same
port interleave their bytes. So each device has a :class:`DeviceThread` and its public methods are
marked :func:`runs_in_device_thread`: called from any thread, they run on the device's thread and
the caller waits for the result (or, with ``wait=False``, does not). Called from the device's own
thread (a retry, a nested call), they run directly.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class DeviceThread:
    """The one worker thread of a device, started on first use and stopped by :meth:`close`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._ident: int | None = None
        self._closed = False

    def _start(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"device thread {self.name!r} is closed")
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
                self._executor.submit(self._remember_ident).result()
            return self._executor

    def _remember_ident(self) -> None:
        self._ident = threading.get_ident()

    @property
    def is_current(self) -> bool:
        return self._ident is not None and threading.get_ident() == self._ident

    def submit(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
        """Queue ``fn`` on the device thread; returns its future."""
        if self.is_current:
            future: Future[R] = Future()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller through the future
                future.set_exception(exc)
            return future
        return self._start().submit(fn, *args, **kwargs)

    def run(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run ``fn`` on the device thread and wait for its result (exceptions are re-raised here)."""
        if self.is_current:
            return fn(*args, **kwargs)
        return self._start().submit(fn, *args, **kwargs).result()

    def close(self, wait: bool = True) -> None:
        """Finish the queued calls and stop the thread. Later calls raise ``RuntimeError``."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait and not self.is_current, cancel_futures=not wait)


def runs_in_device_thread(method: Callable[P, R] | None = None, *, wait: bool = True) -> Any:
    """Mark a device method that runs on the device's thread (``self.device_thread``).

    ``wait=False`` queues the call and returns ``None`` at once (a display update must not hold up
    the screen); its errors go to the device's ``_call_failed(name, exc)``.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            thread: DeviceThread = self.device_thread
            if wait:
                return thread.run(fn, self, *args, **kwargs)
            future = thread.submit(fn, self, *args, **kwargs)
            future.add_done_callback(functools.partial(_report, self, fn.__name__))
            return None

        wrapper.runs_in_device_thread = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate(method) if method is not None else decorate


def _report(device: Any, name: str, future: Future) -> None:
    exc = future.exception()
    if exc is None:
        return
    failed = getattr(device, "_call_failed", None)
    if failed is not None:
        failed(name, exc)
    else:
        log.error("%s.%s failed: %s", type(device).__name__, name, exc)


def importable(module: str) -> bool:
    """Whether an optional driver library is installed (each driver's ``is_usable``)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
