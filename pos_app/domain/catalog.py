"""Products as the till sees them: tax-inclusive prices, units, tax classes, member prices."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_app.domain.money import Money
from pos_app.domain.text import Text
from pos_app.i18n import N_

#: Quantities are integer thousandths: 1 each = 1,000; 1 kg = 1,000 g.
MILLI = 1000
#: The SKU of the catalogue's "other item" (goods without a barcode, sold at an open price).
OPEN_PRICE_SKU = "MISC"


class Unit(StrEnum):
    EACH = "each"
    KG = "kg"

    @property
    def is_weighed(self) -> bool:
        return self is Unit.KG


@dataclass(frozen=True, slots=True)
class TaxClass:
    """A VAT class. Shelf prices include the tax; receipts show the tax contained per rate."""

    code: str
    rate_bp: int  # basis points: 1300 = 13 %
    label: str  # marked for translation with N_()


# Chinese VAT: general taxpayers 13 % goods, 9 % basic foods/agricultural products, 6 % services, 0
# exempt; small-scale taxpayers (小规模纳税人, many franchise stores) 3 %, reduced to 1 % (财政部 税务总局
# 公告2023年第19号, to 2027). The platform's tax classes (synced) name the rates a store uses; these are
# the built-in ones a terminal knows before its first sync.
TAX_CLASSES: dict[str, TaxClass] = {
    "standard": TaxClass("standard", 1300, N_("Standard rate")),
    "reduced": TaxClass("reduced", 900, N_("Reduced rate (food)")),
    "service": TaxClass("service", 600, N_("Services")),
    "exempt": TaxClass("exempt", 0, N_("Exempt")),
    "small_scale": TaxClass("small_scale", 300, N_("Small-scale taxpayer (3 %)")),
    "small_scale_reduced": TaxClass("small_scale_reduced", 100, N_("Small-scale taxpayer, reduced (1 %)")),
}


def tax_class(code: str) -> TaxClass:
    try:
        return TAX_CLASSES[code]
    except KeyError:
        raise ValueError(f"unknown tax class {code!r}") from None


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    sku: str
    name: Text
    price: Money  # per unit, or per kg for weighed goods; tax inclusive
    unit: Unit = Unit.EACH
    tax_class: str = "standard"
    category_id: int | None = None
    member_price: Money | None = None
    plu: str | None = None  # item code on scale labels
    points_eligible: bool = True
    active: bool = True
    tax_rate: int | None = None  # the platform's rate of ``tax_class``, when the terminal has it

    @property
    def tax_rate_bp(self) -> int:
        return self.tax_rate if self.tax_rate is not None else tax_class(self.tax_class).rate_bp

    def price_for(self, quantity_milli: int, unit_price: Money | None = None) -> Money:
        """Amount for ``quantity_milli`` thousandths of a unit at ``unit_price`` (default: shelf price)."""
        return (unit_price or self.price).scale(quantity_milli, MILLI)


def tax_contained(gross: Money, rate_bp: int) -> Money:
    """VAT contained in a tax-inclusive amount: gross x rate / (1 + rate), rounded half up."""
    if rate_bp == 0:
        return Money.zero(gross.currency)
    return gross.scale(rate_bp, 10_000 + rate_bp)


def format_quantity(quantity_milli: int, unit: Unit) -> str:
    """``3`` for three items, ``0.455`` (kg) for 455 g."""
    if unit is Unit.EACH and quantity_milli % MILLI == 0:
        return str(quantity_milli // MILLI)
    whole, frac = divmod(abs(quantity_milli), MILLI)
    sign = "-" if quantity_milli < 0 else ""
    return f"{sign}{whole}.{frac:03d}"
