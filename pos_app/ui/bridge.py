"""Re-emits the core's plain-Python events (``pos_app.events.EventBus``) as Qt signals on the GUI thread.

Core code (services, sync, devices) publishes from whatever thread it runs on; widgets connect to
these signals and are always called on the GUI thread (queued connection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from pos_app.events import EventBus

# Events the window listens to; each becomes a signal carrying the event's data as a dict.
EVENTS = (
    "outbox_appended",
    "sale_completed",
    "device_problem",
    "device_ok",
    "sync_status",
    "reference_data_changed",
    "till_opened",
    "till_closed",
    "scan",
    "camera_status",
)


class EventBridge(QObject):
    event = Signal(str, dict)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: list[Callable[[], None]] = []
        for name in EVENTS:
            self._unsubscribe.append(bus.subscribe(name, self._forward(name)))

    def _forward(self, name: str) -> Callable[..., None]:
        def forward(**data: Any) -> None:
            self.event.emit(name, data)  # queued to the GUI thread by Qt

        return forward

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
