"""Money as an integer count of minor units (fen for CNY) with its currency.

Arithmetic never touches floats. Anything that divides (percentages, unit price x weight, tax, points
value) rounds half up -- 四舍五入, what Chinese receipts and customers expect -- through :func:`div_round`.
Splitting an amount over parts (a basket discount over lines, a refund over tenders) uses
:meth:`Money.allocate`, so the parts always add back to the whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

DEFAULT_CURRENCY = "CNY"


class CurrencyMismatchError(ValueError):
    pass


@lru_cache(maxsize=64)
def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (CNY 2, JPY 0), from CLDR via Babel."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency)


def div_round(numerator: int, denominator: int) -> int:
    """Integer division rounding half away from zero (四舍五入), exact for any int size."""
    if denominator == 0:
        raise ZeroDivisionError("div_round by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # exact type: floats, Decimals and bools are all refused
            raise TypeError(f"Money needs an int of minor units, got {type(self.minor).__name__}")

    # --- construction -----------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str = DEFAULT_CURRENCY) -> Money:
        """``Money.of("12.50")`` -> 1250 fen. Rejects more decimals than the currency has."""
        value = Decimal(str(amount))
        scaled = value.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: str = DEFAULT_CURRENCY) -> Money:
        """Round a decimal amount (e.g. from a GS1 price AI) half up to minor units."""
        scaled = amount.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(scaled), currency)

    # --- arithmetic -------------------------------------------------------------------------------
    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an int; use scale() for ratios")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def scale(self, numerator: int, denominator: int) -> Money:
        """``self * numerator / denominator`` rounded half up, e.g. unit price x grams / 1000."""
        return Money(div_round(self.minor * numerator, denominator), self.currency)

    def percent(self, basis_points: int) -> Money:
        """``basis_points`` / 10,000 of this amount, rounded half up (1,000 bp = 10 %)."""
        return self.scale(basis_points, 10_000)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        return self if self >= other else other

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split this amount in proportion to ``weights`` (largest remainder; parts sum exactly).

        Ties in the remainder go to the earlier part, so the split is deterministic. All-zero weights
        split as evenly as possible.
        """
        if not weights:
            raise ValueError("allocate needs at least one weight")
        if any(w < 0 for w in weights):
            raise ValueError("allocation weights must not be negative")
        total_weight = sum(weights)
        if total_weight == 0:
            weights = [1] * len(weights)
            total_weight = len(weights)
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        shares = [amount * w // total_weight for w in weights]
        remainders = [(amount * w % total_weight, -i) for i, w in enumerate(weights)]
        leftover = amount - sum(shares)
        for _rem, neg_index in sorted(remainders, reverse=True)[:leftover]:
            shares[-neg_index] += 1
        return [Money(sign * s, self.currency) for s in shares]

    # --- presentation -----------------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def format(self, locale: str = "zh_CN", symbol: bool = True) -> str:
        """Localised text, e.g. ``¥12.50`` (zh_CN) or ``CN¥12.50`` (en)."""
        from babel.numbers import format_currency, format_decimal

        if symbol:
            return format_currency(self.to_decimal(), self.currency, locale=locale)
        digits = exponent(self.currency)
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(self.to_decimal(), format=pattern, locale=locale)

    def plain(self) -> str:
        """Fixed-point text without symbol or grouping, e.g. ``-12.50`` (receipts, CSV, logs)."""
        digits = exponent(self.currency)
        return f"{self.to_decimal():.{digits}f}"

    def __str__(self) -> str:
        return f"{self.currency} {self.plain()}"


def total(amounts: Iterable[Money], currency: str = DEFAULT_CURRENCY) -> Money:
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


class CashRounding:
    """How a cash payment's due amount is rounded. ``none``; ``nearest_10`` (to 0.10, half up) or
    ``down_10`` (drop the fen: 抹零, in the customer's favour); ``nearest_100`` (to the yuan, half up)
    or ``down_100`` (drop the jiao and fen: 抹角). Only the cash part is rounded."""

    MODES = ("none", "nearest_10", "down_10", "nearest_100", "down_100")

    def __init__(self, mode: str = "none") -> None:
        if mode not in self.MODES:
            raise ValueError(f"unknown cash rounding {mode!r}")
        self.mode = mode

    def round(self, due: Money) -> Money:
        if self.mode == "none" or due.minor <= 0:
            return due
        digits = exponent(due.currency)
        step = 10 ** max(digits - (1 if self.mode.endswith("_10") else 0), 0)
        if self.mode.startswith("nearest"):
            rounded = div_round(due.minor, step) * step
        else:
            rounded = due.minor // step * step
        # 0.40 is never rounded to nothing: a customer who owes something pays it
        return Money(rounded, due.currency) if rounded > 0 else due
