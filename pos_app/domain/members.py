"""Members, tiers and the points rules.

Terminals hold the minimum: the platform's member id, a masked phone, the tier and the last known
points balance (the phone lookup key is defined in ``sync.protocol.members``). Points are integers;
100 points are worth ``fen_per_100_points`` fen.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.money import Money, exponent
from pos_app.domain.text import Text


@dataclass(frozen=True, slots=True)
class Tier:
    code: str
    name: Text
    earn_multiplier_bp: int = 10_000  # 15,000 = 1.5x points
    member_prices: bool = True


DEFAULT_TIERS: dict[str, Tier] = {
    "regular": Tier("regular", Text("普通会员", "Member"), 10_000),
    "silver": Tier("silver", Text("银卡会员", "Silver"), 12_000),
    "gold": Tier("gold", Text("金卡会员", "Gold"), 15_000),
}


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    phone_masked: str
    tier: str
    points_balance: int
    name_masked: str = ""
    marketing_consent: bool = False


@dataclass(frozen=True, slots=True)
class PointsRule:
    """Points earned per whole yuan of eligible spend, times the tier multiplier (rounded down).

    The part of a sale paid with points earns nothing; goods marked not eligible earn nothing.
    """

    per_yuan: int = 1
    fen_per_100_points: int = 100  # value of 100 points
    max_share_bp: int = 5_000  # at most 50 % of a sale paid with points

    def earned(self, eligible_spend: Money, tier: Tier) -> int:
        if eligible_spend.minor <= 0:
            return 0
        # points = whole-currency amount x per_yuan x tier multiplier, rounded down.
        per_major = 10 ** exponent(eligible_spend.currency)
        return eligible_spend.minor * self.per_yuan * tier.earn_multiplier_bp // (per_major * 10_000)

    def value_of(self, points: int, currency: str = "CNY") -> Money:
        """Money value of ``points`` (rounded down to whole fen)."""
        return Money(points * self.fen_per_100_points // 100, currency)

    def points_for(self, value: Money) -> int:
        """Fewest points worth at least ``value``."""
        if self.fen_per_100_points <= 0:
            raise ValueError("points have no value")
        return -(-value.minor * 100 // self.fen_per_100_points)

    def max_payable(self, sale_total: Money) -> Money:
        if sale_total.minor <= 0:
            return Money.zero(sale_total.currency)
        return Money(sale_total.minor * self.max_share_bp // 10_000, sale_total.currency)
