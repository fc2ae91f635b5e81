"""A scan at the checkout: classified once (:func:`pos_app.services.scanning.classify_scan`), then
handed to the piece it is for -- a product to the basket, a member code to the member, a coupon to
the coupons. Bad input never raises: the outcome says what went wrong, and nothing changed.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, select

from pos_app.db import catalog, schema
from pos_app.domain.barcodes import ProductCode, ProductKey, ScanEvent, ScanSource, Symbology
from pos_app.domain.catalog import Product, Unit
from pos_app.domain.errors import DomainError
from pos_app.i18n import _, current_language
from pos_app.services.checkout.basket import BasketEditor
from pos_app.services.checkout.coupons import Coupons
from pos_app.services.checkout.members import Members
from pos_app.services.checkout.reference import ReferenceData
from pos_app.services.context import TerminalContext
from pos_app.services.scanning import (
    CouponScan,
    InvalidScan,
    MemberScan,
    NumberScan,
    PaymentScan,
    PickupScan,
    ScanResult,
    classify_scan,
)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What a scan did, for the screen: ``kind`` is product, member, coupon, pickup, payment or invalid."""

    kind: str
    ok: bool
    message: str
    result: ScanResult | None = None
    line_id: int | None = None
    product: Product | None = None
    needs_weight: bool = False
    warning: bool = False  # done, but the cashier must look (a product past its expiry date)
    #: six typed digits that are both a pickup code and a product number: the cashier chooses
    #: ("choose" kind; the pickup code is ``result.digits``, the product ``product``)
    choose: bool = False


class Scanning:
    def __init__(
        self,
        ctx: TerminalContext,
        reference: ReferenceData,
        basket: BasketEditor,
        members: Members,
        coupons: Coupons,
    ) -> None:
        self.ctx = ctx
        self.reference = reference
        self.basket = basket
        self.members = members
        self.coupons = coupons
        self.sale = basket.sale

    def scan(
        self, text: str, symbology: Symbology | None = None, source: ScanSource = ScanSource.MANUAL
    ) -> ScanOutcome:
        """Classify a scan and act on it. Never raises for bad input: the outcome says what went wrong."""
        return self.handle_scan(ScanEvent(text, symbology or Symbology.UNKNOWN, source))

    def handle_scan(self, event: ScanEvent) -> ScanOutcome:
        context = self.reference.scan_context
        if self.sale.payment is not None:  # a customer's payment code is taken only now
            context = replace(context, taking_payment=True)
        result = classify_scan(event.text, event.symbology, context)
        try:
            if isinstance(result, InvalidScan):
                return ScanOutcome("invalid", False, result.message, result)
            if isinstance(result, ProductCode):
                return self._scan_product(result)
            if isinstance(result, MemberScan):
                member = self.members.set_member(result.token.member_id)
                return ScanOutcome(
                    "member", True, _("Member {phone}").format(phone=member.phone_masked or member.id), result
                )
            if isinstance(result, CouponScan):
                outcome = self.coupons.apply_coupon(result)
                return ScanOutcome(
                    "coupon", outcome.applied, self.coupons.coupon_message(outcome.coupon.coupon_id), result
                )
            if isinstance(result, PickupScan):
                return ScanOutcome("pickup", True, _("Pickup code {code}").format(code=result.code), result)
            if isinstance(result, NumberScan):
                return self._number(result)
            if isinstance(result, PaymentScan):
                return ScanOutcome("payment", True, _("Customer payment code read"), result)
        except DomainError as exc:
            return ScanOutcome(_SCAN_KINDS.get(type(result), "invalid"), False, exc.message, result)
        return ScanOutcome("invalid", False, _("This is not a code this store uses."), result)

    def _number(self, scan: NumberScan) -> ScanOutcome:
        """Six typed digits: a pickup order with that code, a product with that number, or both --
        then the cashier chooses (issue 14 point 6)."""
        plu = ProductCode(ProductKey.PLU, scan.digits.lstrip("0") or "0")
        with self.ctx.db.read() as conn:
            product = self._find_product(conn, plu)
            order = conn.execute(
                select(schema.pickup_order.c.id).where(
                    schema.pickup_order.c.code == scan.digits, schema.pickup_order.c.status != "cancelled"
                )
            ).first()
        if order is not None and product is not None:
            name = product.name.get(current_language())
            message = _("{digits} is a pickup code and the number of {name}. Which is it?").format(
                digits=scan.digits, name=name
            )
            return ScanOutcome("choose", True, message, scan, product=product, choose=True)
        if order is not None:
            pickup = PickupScan(scan.digits)
            return ScanOutcome("pickup", True, _("Pickup code {code}").format(code=scan.digits), pickup)
        if product is not None:
            return self._scan_product(plu)
        return ScanOutcome(
            "invalid",
            False,
            _("No pickup order and no product has the number {digits}.").format(digits=scan.digits),
            scan,
        )

    def find_product(self, code: ProductCode) -> Product | None:
        with self.ctx.db.read() as conn:
            return self._find_product(conn, code)

    def _find_product(self, conn: Connection, code: ProductCode) -> Product | None:
        cur = self.ctx.currency
        if code.key is ProductKey.GTIN:
            product = catalog.product_by_gtin(conn, code.value, cur)
            for alternate in code.alternates:
                if product is not None:
                    break
                product = catalog.product_by_gtin(conn, alternate, cur)
            return product
        if code.key is ProductKey.SKU:
            return catalog.product_by_sku(conn, code.value, cur)
        return catalog.product_by_plu(conn, code.value, cur)

    def _scan_product(self, code: ProductCode) -> ScanOutcome:
        product = self.find_product(code)
        if product is None:
            return ScanOutcome(
                "product",
                False,
                _("This product is not in the catalogue. Check the item or key it in."),
                code,
            )
        if not product.active:
            return ScanOutcome(
                "product", False, _("This product is not for sale any more."), code, product=product
            )
        if product.unit is Unit.KG and code.price is None and code.weight_grams is None:
            # a weighed item scanned without a scale label: the cashier enters the weight
            return ScanOutcome(
                "product",
                True,
                _("Weigh {name}").format(name=product.name.get(current_language())),
                code,
                product=product,
                needs_weight=True,
            )
        line = self.basket.add_product(product, code=code)
        name = product.name.get(current_language())
        if code.expired and code.expiry is not None:
            # the store's setting says warn (a refusing store never gets here: the classifier refused)
            message = _("{name}: past its expiry date ({date}). Check the item before selling it.").format(
                name=name, date=code.expiry.isoformat()
            )
            return ScanOutcome("product", True, message, code, line.line_id, product, warning=True)
        return ScanOutcome("product", True, name, code, line_id=line.line_id, product=product)


_SCAN_KINDS = {
    ProductCode: "product",
    MemberScan: "member",
    CouponScan: "coupon",
    PickupScan: "pickup",
    NumberScan: "choose",
    PaymentScan: "payment",
}
