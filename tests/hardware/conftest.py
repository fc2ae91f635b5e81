from __future__ import annotations

import threading
import time

import pytest


class RecordingEvents:
    """An event sink that keeps what devices publish (thread-safe)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []
        self._cond = threading.Condition()

    def publish(self, name: str, **data) -> None:
        with self._cond:
            self.events.append((name, data))
            self._cond.notify_all()

    def names(self) -> list[str]:
        with self._cond:
            return [name for name, _ in self.events]

    def wait_for(self, name: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [data for n, data in self.events if n == name]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count} x {name!r} within {timeout} s; got {self.events}")
                self._cond.wait(left)


@pytest.fixture
def events():
    return RecordingEvents()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
