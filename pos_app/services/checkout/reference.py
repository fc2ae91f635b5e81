"""The reference data a checkout prices and checks with, read once and kept until the platform sends
new data: active promotions, member tiers, and what a scan is checked against (scale layout, keys).

Threading: belongs to one checkout and is used on that checkout's thread only.
"""

from __future__ import annotations

from pos_app import config
from pos_app.db import catalog
from pos_app.domain.members import Tier
from pos_app.domain.pricing import FreeUnits, Promotion, TaxRounding
from pos_app.services.context import TerminalContext
from pos_app.services.scanning import ScanContext


class ReferenceData:
    def __init__(self, ctx: TerminalContext) -> None:
        self.ctx = ctx
        self._promotions: list[Promotion] | None = None
        self._tiers: dict[str, Tier] | None = None
        self._scan_context = ctx.scan_context()

    def promotions(self) -> list[Promotion]:
        if self._promotions is None:
            with self.ctx.db.read() as conn:
                self._promotions = catalog.active_promotions(conn, self.ctx.clock.now(), self.ctx.currency)
        return self._promotions

    def tiers(self) -> dict[str, Tier]:
        if self._tiers is None:
            with self.ctx.db.read() as conn:
                self._tiers = catalog.tiers(conn)
        return self._tiers

    @property
    def scan_context(self) -> ScanContext:
        return self._scan_context

    @property
    def free_units(self) -> FreeUnits:
        """Which units a buy-N-get-M or Nth-unit offer reduces (the platform's rule for the store)."""
        return FreeUnits(self.ctx.setting(config.FREE_UNITS))

    @property
    def tax_rounding(self) -> TaxRounding:
        return TaxRounding(self.ctx.setting(config.TAX_ROUNDING))

    def forget(self) -> None:
        """New reference data arrived: read it again when next needed."""
        self._promotions = None
        self._tiers = None
        self._scan_context = self.ctx.scan_context()
