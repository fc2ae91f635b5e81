"""Small builders for domain tests."""

from pos_app.domain.catalog import Product, Unit
from pos_app.domain.money import Money
from pos_app.domain.text import Text


def product(pid, price, *, unit=Unit.EACH, category=1, member_price=None, tax="standard", points=True):
    return Product(
        id=pid,
        sku=f"A{pid:07d}",
        name=Text(f"商品{pid}", f"Product {pid}"),
        price=Money(price),
        unit=unit,
        tax_class=tax,
        category_id=category,
        member_price=None if member_price is None else Money(member_price),
        points_eligible=points,
    )
