"""The till's checkout: one object over the checkout pieces, so the till's controller, the payment
service and the tests call one thing. It holds no logic of its own; each method hands the call to the
piece that owns it. A kiosk composes the same pieces under its own policy (``policy=SELF_SERVICE``).

Threading: one ``CheckoutService`` belongs to one terminal and is called from one thread at a time (the
UI's database worker); it is not safe to call concurrently.
"""

from __future__ import annotations

from pos_app.domain.barcodes import ProductCode, ScanEvent, ScanSource, Symbology
from pos_app.domain.basket import Basket, BasketLine
from pos_app.domain.catalog import Product
from pos_app.domain.members import Member, Tier
from pos_app.domain.money import Money
from pos_app.domain.permissions import Approval, StaffMember
from pos_app.domain.pricing import CouponOutcome, Pricing, Promotion
from pos_app.domain.receipt import StoreHeader
from pos_app.domain.tenders import Payment, Tender
from pos_app.services.checkout.active import ActiveBasket
from pos_app.services.checkout.basket import BasketEditor
from pos_app.services.checkout.completion import CompletedSale, Completion
from pos_app.services.checkout.coupons import Coupons
from pos_app.services.checkout.hold import HoldRecall
from pos_app.services.checkout.members import Members
from pos_app.services.checkout.points import Points
from pos_app.services.checkout.policy import ATTENDED, CheckoutPolicy, Seller
from pos_app.services.checkout.receipt import store_header
from pos_app.services.checkout.reference import ReferenceData
from pos_app.services.checkout.sale import SaleInProgress
from pos_app.services.checkout.scan import Scanning, ScanOutcome
from pos_app.services.checkout.tenders import Tenders
from pos_app.services.context import TerminalContext
from pos_app.services.receipts import ReceiptService
from pos_app.services.scanning import CouponScan
from pos_app.services.till import TillService


class CheckoutService:
    def __init__(self, ctx: TerminalContext, till: TillService, policy: CheckoutPolicy = ATTENDED) -> None:
        self.ctx = ctx
        self.till = till
        self.receipts = ReceiptService(ctx)
        self.reference = ReferenceData(ctx)
        self.seller = Seller(policy)
        self.sale = SaleInProgress(ctx, self.reference)
        self.active = ActiveBasket(ctx, self.sale)
        self.editor = BasketEditor(ctx, self.sale, self.seller)
        self.members = Members(ctx, self.sale, self.seller)
        self.coupons = Coupons(ctx, self.sale, self.seller)
        self.scanning = Scanning(ctx, self.reference, self.editor, self.members, self.coupons)
        self.tenders = Tenders(self.sale, self.seller, self.active)
        self.points = Points(ctx, self.sale, self.tenders)
        self.holds = HoldRecall(ctx, self.sale, self.seller, self.members)
        self.completion = Completion(ctx, till, self.sale, self.seller, self.receipts)
        ctx.inbox.subscribe("reference_data_changed", self.reference_data_changed)

    def reference_data_changed(self, **_: object) -> None:
        """The platform sent new prices, promotions, tiers or keys (runs on the checkout's worker)."""
        self.reference.forget()
        self.sale.reference_changed()

    # --- who sells, and the state of the sale -----------------------------------------------------
    @property
    def policy(self) -> CheckoutPolicy:
        return self.seller.policy

    @policy.setter
    def policy(self, policy: CheckoutPolicy) -> None:
        self.seller.policy = policy

    @property
    def cashier(self) -> StaffMember | None:
        return self.seller.cashier

    def set_cashier(self, staff: StaffMember | None) -> None:
        self.seller.cashier = staff

    @property
    def basket(self) -> Basket:
        return self.sale.basket

    @property
    def payment(self) -> Payment | None:
        return self.sale.payment

    @property
    def pending_charge(self) -> dict | None:
        return self.sale.pending_charge

    @pending_charge.setter
    def pending_charge(self, charge: dict | None) -> None:
        self.sale.pending_charge = charge

    def promotions(self) -> list[Promotion]:
        return self.reference.promotions()

    def tiers(self) -> dict[str, Tier]:
        return self.reference.tiers()

    def pricing(self) -> Pricing:
        return self.sale.pricing()

    def store_header(self) -> StoreHeader:
        return store_header(self.ctx.settings)

    # --- scanning and the basket ------------------------------------------------------------------
    def scan(
        self, text: str, symbology: Symbology | None = None, source: ScanSource = ScanSource.MANUAL
    ) -> ScanOutcome:
        return self.scanning.scan(text, symbology, source)

    def handle_scan(self, event: ScanEvent) -> ScanOutcome:
        return self.scanning.handle_scan(event)

    def find_product(self, code: ProductCode) -> Product | None:
        return self.scanning.find_product(code)

    def add_product(
        self, product: Product, quantity: int | None = None, *, code: ProductCode | None = None
    ) -> BasketLine:
        return self.editor.add_product(product, quantity, code=code)

    def add_product_id(self, product_id: int, quantity: int | None = None) -> BasketLine:
        return self.editor.add_product_id(product_id, quantity)

    def set_quantity(self, line_id: int, quantity: int) -> BasketLine:
        return self.editor.set_quantity(line_id, quantity)

    def void_line(self, line_id: int) -> BasketLine:
        return self.editor.void_line(line_id)

    def override_price(
        self, line_id: int, new_price: Money, approval: Approval, reason: str = ""
    ) -> BasketLine:
        return self.editor.override_price(line_id, new_price, approval, reason)

    def new_basket(self) -> None:
        self.editor.new_basket()

    def cancel_basket(self, reason: str = "") -> None:
        self.editor.cancel_basket(reason)

    # --- member and coupons -----------------------------------------------------------------------
    def set_member(self, member_id: int) -> Member:
        return self.members.set_member(member_id)

    def set_member_by_phone(self, phone: str) -> Member:
        return self.members.set_member_by_phone(phone)

    def clear_member(self) -> None:
        self.members.clear_member()

    def apply_coupon(self, scan: CouponScan) -> CouponOutcome:
        return self.coupons.apply_coupon(scan)

    def coupon_message(self, coupon_id: int) -> str:
        return self.coupons.coupon_message(coupon_id)

    def remove_coupon(self, coupon_id: int) -> None:
        self.coupons.remove_coupon(coupon_id)

    # --- payment and points -----------------------------------------------------------------------
    def start_payment(self) -> Payment:
        return self.tenders.start_payment()

    def pay_cash(self, tendered: Money) -> Tender:
        return self.tenders.pay_cash(tendered)

    def pay_card(self, amount: Money, reference: str, provider: str = "") -> Tender:
        return self.tenders.pay_card(amount, reference, provider)

    def pay_mobile(self, amount: Money, provider: str, reference: str) -> Tender:
        return self.tenders.pay_mobile(amount, provider, reference)

    def remove_last_tender(self) -> Tender:
        return self.tenders.remove_last_tender()

    def keep_pending_charge(self, charge: dict | None) -> None:
        self.tenders.keep_pending_charge(charge)

    def points_available(self) -> int:
        return self.points.points_available()

    def pay_points(self, points: int) -> Tender:
        return self.points.pay_points(points)

    # --- the basket kept on disk: in progress, and held -------------------------------------------
    def restore_active(self) -> bool:
        return self.active.restore()

    def hold(self, label: str = "") -> str:
        return self.holds.hold(label)

    def held_baskets(self) -> list[dict]:
        return self.holds.held_baskets()

    def recall(self, held_id: str) -> None:
        self.holds.recall(held_id)

    # --- completing the sale ----------------------------------------------------------------------
    def complete(self, *, print_receipt: bool = True, print_later: bool = False) -> CompletedSale:
        return self.completion.complete(print_receipt=print_receipt, print_later=print_later)
