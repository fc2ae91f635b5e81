"""The lines of an e-fapiao (电子发票) request built from a sale.

A fapiao states, per line, the amount before tax (金额), the rate and the tax (税额); its tax is rounded
line by line. From tax-inclusive prices, as the invoicing software does in 含税 mode: the tax of a
line is the tax its net contains, rounded to the fen, and the amount before tax is the net less that.
A receipt rounds the tax once per rate unless the store prints it per line (``TaxRounding.PER_LINE``),
and only then do receipt and fapiao agree to the fen; a fapiao's totals per rate are given here so the
two can be compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pos_app.domain.catalog import Unit, tax_contained
from pos_app.domain.money import Money
from pos_app.domain.pricing import PricedLine
from pos_app.domain.text import Text


@dataclass(frozen=True, slots=True)
class FapiaoLine:
    name: Text
    quantity: int  # thousandths
    unit: Unit
    amount: Money  # 金额: before tax
    rate_bp: int
    tax: Money  # 税额

    @property
    def total(self) -> Money:  # 价税合计
        return self.amount + self.tax


def fapiao_lines(lines: Sequence[PricedLine]) -> tuple[FapiaoLine, ...]:
    """One fapiao line per sold line that cost something (a unit given free has nothing to invoice)."""
    result = []
    for line in lines:
        if line.net.minor <= 0:
            continue
        rate = line.product.tax_rate_bp
        tax = tax_contained(line.net, rate)
        result.append(
            FapiaoLine(line.product.name, line.quantity, line.product.unit, line.net - tax, rate, tax)
        )
    return tuple(result)


def tax_per_rate(lines: Sequence[FapiaoLine]) -> dict[int, Money]:
    """The fapiao's tax added up per rate, to set beside the receipt's."""
    totals: dict[int, Money] = {}
    for line in lines:
        totals[line.rate_bp] = totals.get(line.rate_bp, Money.zero(line.tax.currency)) + line.tax
    return totals
