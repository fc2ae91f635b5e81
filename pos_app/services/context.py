"""What every service of a terminal shares: settings, database, clock, devices, events, identity.

Built once by the composition root (``pos_app.app``) and handed to the services; tests build it over a
temporary folder with a fixed clock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol, TypeVar

from hardware.printer import ReceiptPrinter
from pos_app import config
from pos_app.config import Settings
from pos_app.db import catalog
from pos_app.db.database import Database
from pos_app.domain.members import PointsRule
from pos_app.domain.money import CashRounding
from pos_app.domain.scale_labels import ScaleLayout
from pos_app.events import EventBus, Inbox
from pos_app.services.scanning import ScanContext
from sync.protocol.tokens import public_keys_from_config
from sync.protocol.wire import PLATFORM_SETTINGS

log = logging.getLogger(__name__)


T = TypeVar("T")


class Clock:
    """Wall clock of the store (local time zone), injectable for tests."""

    def __init__(self, now: Callable[[], datetime] | None = None, tz: tzinfo | None = None) -> None:
        self._now = now
        self._tz = tz

    def now(self) -> datetime:
        """Aware local time."""
        if self._now is not None:
            return self._now()
        return datetime.now(UTC).astimezone(self._tz)

    def utc_iso(self) -> str:
        return self.now().astimezone(UTC).isoformat(timespec="microseconds")

    def timestamp(self) -> float:
        return self.now().timestamp()


class FixedClock(Clock):
    """A clock that stands still unless moved (tests, scripted demos)."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.current += timedelta(**delta)


class OnlineHelpers(Protocol):
    """Questions a terminal asks the central platform when it can reach it quickly.

    Each answers ``None`` when the platform is unreachable or slow, and the caller applies the offline
    policy. Implemented by the sync engine; :class:`Offline` is the always-offline stand-in.
    """

    def reserve_coupon(self, coupon_id: int, basket_id: str, amount: int) -> bool | str | None:
        """True: reserved for this basket; a str: refused with that reason; None: unreachable."""

    def release_coupon(self, coupon_id: int, basket_id: str) -> None: ...

    def member_balance(self, member_id: int) -> int | None: ...

    def pickup_status(self, order_id: int) -> dict | None: ...


class Offline:
    def reserve_coupon(self, coupon_id: int, basket_id: str, amount: int) -> bool | str | None:
        return None

    def release_coupon(self, coupon_id: int, basket_id: str) -> None:
        return None

    def member_balance(self, member_id: int) -> int | None:
        return None

    def pickup_status(self, order_id: int) -> dict | None:
        return None


def new_id() -> str:
    """Time-ordered unique id (UUIDv7) for sales, refunds, events and till sessions."""
    import uuid6  # imported on first use: its import reads the installed packages' metadata (~50 ms)

    return str(uuid6.uuid7())


@dataclass
class TerminalContext:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)
    events: EventBus = field(default_factory=EventBus)
    printer: ReceiptPrinter | None = None
    online: OnlineHelpers = field(default_factory=Offline)

    @property
    def currency(self) -> str:
        return self.settings.get(config.CURRENCY)

    @property
    def store_code(self) -> str:
        return self.settings.get(config.STORE_CODE)

    @property
    def terminal_code(self) -> str:
        return self.settings.get(config.TERMINAL_CODE)

    def __post_init__(self) -> None:
        #: the services subscribe to events here, never on ``events`` (see ``pos_app.events.Inbox``)
        self.inbox = Inbox(self.events)
        # This terminal's identity on the platform: made once, kept in the database. Read here, outside
        # any transaction, so writers can use it without opening a second one.
        device_id = self.db.get_meta("device_id")
        if device_id is None:
            device_id = str(uuid.uuid4())
            self.db.set_meta("device_id", device_id)
        self.device_id: str = device_id
        # the platform's settings for this store, read once (on the services' worker, first of all
        # the handlers: the checkout's reads them again after this)
        self._platform: dict[str, Any] | None = None
        self.inbox.subscribe("reference_data_changed", self._forget_platform_settings)

    def _forget_platform_settings(self, **_: object) -> None:
        self._platform = None

    def setting(self, var: config.ConfigVar[T]) -> T:
        """A setting's value: the platform's for this store when it decides it (synced), else this
        terminal's own."""
        if var.key in PLATFORM_SETTINGS:
            platform = self._platform
            if platform is None:
                with self.db.read() as conn:
                    platform = self._platform = catalog.platform_settings(conn)
            if var.key in platform:
                try:
                    return var.coerce(platform[var.key])
                except (TypeError, ValueError):
                    log.warning("the platform's %s is not valid on this terminal; using its own", var.key)
        return self.settings.get(var)

    def points_rule(self) -> PointsRule:
        s = self.settings
        return PointsRule(
            per_yuan=s.get(config.POINTS_PER_YUAN),
            fen_per_100_points=s.get(config.POINTS_VALUE),
            max_share_bp=s.get(config.POINTS_MAX_SHARE) * 100,
        )

    def cash_rounding(self) -> CashRounding:
        return CashRounding(self.setting(config.CASH_ROUNDING))

    def scan_context(self) -> ScanContext:
        return ScanContext(
            layout=ScaleLayout.from_config(self.setting(config.SCALE_LAYOUT)),
            public_keys=public_keys_from_config(self.settings.get(config.PLATFORM_KEYS)),
            currency=self.currency,
            clock=self.clock.timestamp,
            expired_goods=self.setting(config.EXPIRED_GOODS),
            store_id=self.settings.get(config.STORE_ID),
        )
