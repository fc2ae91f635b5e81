"""A scan at the checkout: classified once (:func:`pos_app.services.scanning.classify_scan`), then
handed to the piece it is for -- a product to the basket, a member code to the member, a coupon to
the coupons. Bad input never raises: the outcome says what went wrong, and nothing changed.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from pos_app.db import catalog
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

    def scan(
        self, text: str, symbology: Symbology | None = None, source: ScanSource = ScanSource.MANUAL
    ) -> ScanOutcome:
        """Classify a scan and act on it. Never raises for bad input: the outcome says what went wrong."""
        return self.handle_scan(ScanEvent(text, symbology or Symbology.UNKNOWN, source))

    def handle_scan(self, event: ScanEvent) -> ScanOutcome:
        result = classify_scan(event.text, event.symbology, self.reference.scan_context)
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
            if isinstance(result, PaymentScan):
                return ScanOutcome("payment", True, _("Customer payment code read"), result)
        except DomainError as exc:
            return ScanOutcome(_SCAN_KINDS.get(type(result), "invalid"), False, exc.message, result)
        return ScanOutcome("invalid", False, _("This is not a code this store uses."), result)

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
        return ScanOutcome(
            "product", True, product.name.get(current_language()), code, line_id=line.line_id, product=product
        )


_SCAN_KINDS = {
    ProductCode: "product",
    MemberScan: "member",
    CouponScan: "coupon",
    PickupScan: "pickup",
    PaymentScan: "payment",
}
