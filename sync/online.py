"""The online helpers of the till (``pos_app.services.context.OnlineHelpers``) over the platform's API.

Each question has a short time-out (``sync.online_timeout_ms``, 300 ms by default) and answers ``None``
when the platform does not answer in time, so the till applies its offline policy and the sale goes
on. After a failure the helpers stay quiet for a while (``QUIET_SECONDS``) instead of making every
scan wait for a time-out again. Thread-safe (one request at a time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pos_app.i18n import _
from sync.client import CentralClient, Refused, SyncError

log = logging.getLogger(__name__)
QUIET_SECONDS = 15.0


def coupon_refusal(reason: str) -> str:
    """The cashier's message for the platform's reason to refuse a coupon."""
    messages = {
        "unknown_coupon": _("The platform does not know this coupon."),
        "revoked": _("This coupon has been withdrawn."),
        "expired": _("This coupon has expired."),
        "not_started": _("This coupon is not valid yet."),
        "campaign_ended": _("This coupon's campaign has ended."),
        "already_used": _("This coupon was already used."),
        "reserved_elsewhere": _("This coupon is being used at another till right now."),
    }
    return messages.get(reason, _("The platform refused this coupon ({reason}).").format(reason=reason))


class PlatformHelpers:
    """``client_factory`` makes the client (signed with the terminal's key) when first needed; it
    returns None while the terminal is not enrolled."""

    def __init__(
        self,
        client_factory: Callable[[], CentralClient | None],
        timeout_ms: int = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = client_factory
        self._client: CentralClient | None = None
        self.timeout = timeout_ms / 1000
        self._clock = clock
        self._quiet_until = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _ask(self, question: Callable[[CentralClient], object]) -> object | None:
        with self._lock:
            if self._clock() < self._quiet_until:
                return None
            if self._client is None:
                self._client = self._factory()
                if self._client is None:
                    return None
            try:
                return question(self._client)
            except Refused as exc:
                if exc.status == 404:  # the platform answered: it does not know it
                    return None
                log.info("online helper refused: %s", exc)
                self._quiet_until = self._clock() + QUIET_SECONDS
                return None
            except SyncError as exc:
                log.info("online helper fell back to offline: %s", exc)
                self._quiet_until = self._clock() + QUIET_SECONDS
                return None

    def reserve_coupon(self, coupon_id: int, basket_id: str, amount: int) -> bool | str | None:
        answer = self._ask(lambda c: c.reserve_coupon(coupon_id, basket_id, amount, timeout=self.timeout))
        if answer is None:
            return None
        return True if answer.ok else coupon_refusal(answer.reason)

    def release_coupon(self, coupon_id: int, basket_id: str) -> None:
        self._ask(lambda c: c.release_coupon(coupon_id, basket_id, timeout=self.timeout))

    def member_balance(self, member_id: int) -> int | None:
        answer = self._ask(lambda c: c.member_balance(member_id, timeout=self.timeout))
        return None if answer is None else answer.balance

    def pickup_status(self, order_id: int) -> dict | None:
        answer = self._ask(lambda c: c.pickup_status(order_id, timeout=self.timeout))
        return None if answer is None else {"status": answer.status, "paid": answer.paid}
