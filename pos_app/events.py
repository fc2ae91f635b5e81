"""Plain-Python events from the core (services, sync, devices) to whoever listens.

Callbacks run on the publisher's thread; the Qt layer re-emits them on the GUI thread
(``pos_app.ui.bridge``). A failing listener is logged and never breaks the publisher.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., None]


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
