"""How devices talk to people and to the rest of the program, without knowing about Qt.

Two channels:

- **Events** (plain Python, :class:`EventSink`, implemented by ``pos_app.events.EventBus``): a device
  publishes ``device_problem(device, reason, message)`` when it fails and ``device_ok(device)`` when it
  works again. Published on the device's thread; the Qt bridge re-emits them on the GUI thread.
- **The person** (:class:`DeviceHandler`): "Out of paper -- load paper and retry?" A device asks through
  the handler and waits for the answer on its own thread, and shows progress ("Present the card on the
  terminal") through it. The Qt layer implements the handler with a dialog on the GUI thread. Without a
  person to ask (tests, the console demo) :class:`NullHandler` answers "no" at once, and the caller's own
  error path (a failed, reprintable receipt job) applies.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class EventSink(Protocol):
    def publish(self, name: str, **data: Any) -> None: ...


class NullEvents:
    """Drops every event (a device built without an event bus)."""

    def publish(self, name: str, **data: Any) -> None:
        return None


class DeviceHandler(ABC):
    """What a device may ask of or tell the person at the terminal.

    Threading: called on the device's thread. :meth:`ask_retry` blocks that thread until the person
    answers; the others return at once. Implementations must not touch widgets from the calling thread
    (the Qt one hands the question to the GUI thread and waits).
    """

    @abstractmethod
    def ask_retry(self, device: str, reason: str, message: str) -> bool:
        """A problem the person can fix (paper, cover, cable, a terminal that did not answer).

        ``device``: printer, drawer, display, payment, camera, scanner; ``reason``: offline, paper_out,
        cover_open, error, no_answer; ``message``: translated text for the person.
        Returns True to try again, False to give up (the caller's failure path applies).
        """

    @abstractmethod
    def show_status(self, device: str, message: str) -> None:
        """Progress the person should see now ("Present the card on the terminal")."""

    def clear_status(self, device: str) -> None:  # noqa: B027 - nothing to clear by default
        """The progress message of ``device`` no longer applies."""


class NullHandler(DeviceHandler):
    """No one to ask: never retries, shows nothing."""

    def ask_retry(self, device: str, reason: str, message: str) -> bool:
        return False

    def show_status(self, device: str, message: str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Question:
    device: str
    reason: str
    message: str


class ScriptedHandler(DeviceHandler):
    """The fake handler: answers questions from a script (then ``default``) and records everything.

    Thread-safe; tests read :attr:`questions` and :attr:`statuses` after the device returns.
    """

    def __init__(self, answers: Iterable[bool] = (), *, default: bool = False) -> None:
        self._answers = deque(answers)
        self.default = default
        self.questions: list[Question] = []
        self.statuses: list[tuple[str, str]] = []
        self.cleared: list[str] = []
        self._lock = threading.Lock()

    def ask_retry(self, device: str, reason: str, message: str) -> bool:
        with self._lock:
            self.questions.append(Question(device, reason, message))
            return self._answers.popleft() if self._answers else self.default

    def show_status(self, device: str, message: str) -> None:
        with self._lock:
            self.statuses.append((device, message))

    def clear_status(self, device: str) -> None:
        with self._lock:
            self.cleared.append(device)


class HandlerSlot(DeviceHandler):
    """The handler the devices are built with, before the window that implements the real one exists:
    it passes every call to :attr:`target` (a :class:`NullHandler` until the UI sets its own)."""

    def __init__(self, target: DeviceHandler | None = None) -> None:
        self.target: DeviceHandler = target or NullHandler()

    def set(self, target: DeviceHandler | None) -> None:
        self.target = target or NullHandler()

    def ask_retry(self, device: str, reason: str, message: str) -> bool:
        return self.target.ask_retry(device, reason, message)

    def show_status(self, device: str, message: str) -> None:
        self.target.show_status(device, message)

    def clear_status(self, device: str) -> None:
        self.target.clear_status(device)
