"""Plain-Python events from the core (services, sync, devices) to whoever listens.

Callbacks run on the publisher's thread; the Qt layer re-emits them on the GUI thread
(``pos_app.ui.bridge``), and the services receive theirs on their own worker through the terminal's
:class:`Inbox` (STYLE.md rule 18). A failing listener is logged and never breaks the publisher.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., None]
#: Runs a function later on a worker thread, after what is already queued there (``TaskRunner.post``).
Post = Callable[[Callable[[], None]], None]


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def subscribe(self, name: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(**data)`` for every ``publish(name, **data)``; returns the unsubscribe function."""
        with self._lock:
            self._listeners[name].append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners[name]:
                    self._listeners[name].remove(listener)

        return unsubscribe

    def publish(self, name: str, **data: Any) -> None:
        with self._lock:
            listeners = list(self._listeners.get(name, ()))
        for listener in listeners:
            try:
                listener(**data)
            except Exception:
                log.exception("listener for %s failed", name)


def _at_once(fn: Callable[[], None]) -> None:
    fn()


class Inbox:
    """How an event from another thread reaches the services: on the services' own worker.

    The services of a terminal are called from one thread at a time (the window's database worker), so
    they never subscribe to the bus directly: an event published by the sync engine's thread would run
    their handler while the worker is in the middle of a sale. They subscribe here instead, and the
    window attaches its worker (:meth:`attach`): each event is then queued behind the work already
    waiting there. Until a worker is attached (the CLI, and tests that sync by hand on the thread that
    sells) an event is handled at once, on the publisher's thread. Thread-safe.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._post: Post = _at_once

    def subscribe(self, name: str, handler: Listener) -> Callable[[], None]:
        """Deliver every ``name`` event to ``handler(**data)`` on the services' worker."""

        def deliver(**data: Any) -> None:
            self._post(lambda: handler(**data))

        return self._bus.subscribe(name, deliver)

    def attach(self, post: Post) -> None:
        """From now on, deliver through ``post`` (the worker that runs every service call)."""
        self._post = post

    def detach(self) -> None:
        """The worker stops: deliver on the publisher's thread again."""
        self._post = _at_once
