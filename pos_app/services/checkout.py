"""The checkout of one terminal: basket, scans, member, coupons, payment and completing the sale.

Threading: one ``CheckoutService`` belongs to one till and is called from one thread at a time (the
UI's database worker); it is not safe to call concurrently.

Completing a sale is ONE SQLite transaction that writes the sale, its lines and tenders, the stock
moves, the points entries, the coupon redemptions, the journal entry, the outbox event and the receipt
job. Only after the commit is the receipt printed and the drawer opened. While tenders are being taken
the basket and its payments are kept in ``active_basket``, so a crash between a card approval and the
completion loses nothing: the basket comes back with the payment on the next start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pos_app import config
from pos_app.db import catalog, ledger, schema
from pos_app.domain.barcodes import ProductCode, ProductKey, ScanEvent, ScanSource, Symbology
from pos_app.domain.basket import Basket, BasketLine, PriceOverride
from pos_app.domain.catalog import MILLI, Product, Unit
from pos_app.domain.errors import CouponError, DomainError, PaymentError
from pos_app.domain.members import Member, Tier
from pos_app.domain.money import Money, div_round
from pos_app.domain.permissions import Approval, Permission, StaffMember
from pos_app.domain.pricing import Coupon, DiscountSource, Offer, Pricing, Promotion, with_adjustment
from pos_app.domain.receipt import (
    ReceiptDocument,
    ReceiptItem,
    ReceiptKind,
    ReceiptMember,
    ReceiptTax,
    ReceiptTender,
    StoreHeader,
)
from pos_app.domain.tenders import Payment, Tender, TenderKind
from pos_app.domain.text import Text
from pos_app.i18n import _, current_language
from pos_app.services.context import TerminalContext, new_id
from pos_app.services.receipts import PrintResult, ReceiptService, add_job
from pos_app.services.recording import next_receipt_no, record
from pos_app.services.scanning import (
    CouponScan,
    InvalidScan,
    MemberScan,
    PaymentScan,
    PickupScan,
    ScanResult,
    classify_scan,
)
from pos_app.services.till import TillService
from sync.protocol.events import EventType
from sync.protocol.members import phone_lookup_key

CASH_ROUNDING_NAME = Text("现金抹零", "Cash rounding")


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


@dataclass(frozen=True)
class CompletedSale:
    sale_id: str
    receipt_no: str
    total: Money
    change: Money
    points_earned: int
    document: ReceiptDocument
    job_id: int
    print_result: PrintResult | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def mask_reference(reference: str) -> str:
    """Keep the last 4 characters of a card or payment reference on the receipt."""
    if len(reference) <= 4:
        return reference
    return "*" * min(len(reference) - 4, 8) + reference[-4:]


class CheckoutService:
    def __init__(self, ctx: TerminalContext, till: TillService) -> None:
        self.ctx = ctx
        self.till = till
        self.receipts = ReceiptService(ctx)
        self.cashier: StaffMember | None = None
        self.basket = Basket(ctx.currency)
        self.payment: Payment | None = None
        self._pricing: Pricing | None = None
        self._promotions: list[Promotion] | None = None
        self._tiers: dict[str, Tier] | None = None
        self._scan_context = ctx.scan_context()
        self._coupon_notes: dict[int, tuple[str, bool]] = {}  # coupon -> (note, reserved online)
        # A card or mobile charge sent and not yet answered (pos_app.services.payments). Kept in
        # active_basket with the tenders, so the charge is never lost and never made twice.
        self.pending_charge: dict | None = None
        ctx.events.subscribe("reference_data_changed", self._forget_reference_data)

    # --- state ------------------------------------------------------------------------------------
    def _forget_reference_data(self, **_: object) -> None:
        self._promotions = None
        self._tiers = None
        self._scan_context = self.ctx.scan_context()
        self._pricing = None

    def set_cashier(self, staff: StaffMember | None) -> None:
        self.cashier = staff

    def _require_cashier(self) -> StaffMember:
        if self.cashier is None:
            raise DomainError(_("Sign in first"), code="signed_out")
        self.cashier.require(Permission.SELL)
        return self.cashier

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

    def pricing(self) -> Pricing:
        if self._pricing is None:
            self._pricing = self.basket.price(self.promotions())
        return self._pricing

    def _changed(self) -> None:
        self._pricing = None
        if self.payment is not None and not self.payment.tenders:
            self.payment = None

    def _require_no_pending_charge(self) -> None:
        if self.pending_charge is not None:
            raise PaymentError(
                _("A card or mobile payment is waiting for its answer. Check that payment first.")
            )

    def _require_no_tenders(self) -> None:
        self._require_no_pending_charge()
        if self.payment is not None and self.payment.tenders:
            raise PaymentError(_("Payment has started. Take back the payments before changing the basket."))

    def new_basket(self) -> None:
        self._require_no_tenders()
        self._release_reservations()
        self.basket = Basket(self.ctx.currency)
        self.payment = None
        self._pricing = None
        self._coupon_notes.clear()

    # --- scanning ---------------------------------------------------------------------------------
    def scan(
        self, text: str, symbology: Symbology | None = None, source: ScanSource = ScanSource.MANUAL
    ) -> ScanOutcome:
        """Classify a scan and act on it. Never raises for bad input: the outcome says what went wrong."""
        return self.handle_scan(ScanEvent(text, symbology or Symbology.UNKNOWN, source))

    def handle_scan(self, event: ScanEvent) -> ScanOutcome:
        result = classify_scan(event.text, event.symbology, self._scan_context)
        try:
            if isinstance(result, InvalidScan):
                return ScanOutcome("invalid", False, result.message, result)
            if isinstance(result, ProductCode):
                return self._scan_product(result)
            if isinstance(result, MemberScan):
                member = self.set_member(result.token.member_id)
                return ScanOutcome(
                    "member", True, _("Member {phone}").format(phone=member.phone_masked or member.id), result
                )
            if isinstance(result, CouponScan):
                outcome = self.apply_coupon(result)
                return ScanOutcome(
                    "coupon", outcome.applied, self.coupon_message(outcome.coupon.coupon_id), result
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
                _("Weigh {name}").format(name=product.name.get(self._lang())),
                code,
                product=product,
                needs_weight=True,
            )
        line = self.add_product(product, code=code)
        return ScanOutcome(
            "product", True, product.name.get(self._lang()), code, line_id=line.line_id, product=product
        )

    def _lang(self) -> str:
        return current_language()

    # --- basket -----------------------------------------------------------------------------------
    def add_product(
        self, product: Product, quantity: int | None = None, *, code: ProductCode | None = None
    ) -> BasketLine:
        """Add ``product``; ``quantity`` in thousandths (grams for weighed goods). A scale label's weight
        or price (``code``) takes precedence."""
        self._require_cashier()
        self._require_no_tenders()
        fixed_amount = None
        if code is not None and code.price is not None:
            # price-embedded label: the label's amount is what the customer pays for this pack
            fixed_amount = code.price
            if code.weight_grams is not None and product.unit is Unit.KG:
                quantity = code.weight_grams
            elif product.unit is Unit.KG and product.price.minor > 0:
                # the label carries only the price: show the weight it stands for
                quantity = max(div_round(code.price.minor * MILLI, product.price.minor), 1)
            else:
                quantity = MILLI
        elif code is not None and code.weight_grams is not None:
            if product.unit is not Unit.KG:
                raise DomainError(
                    _("This label has a weight but the product is sold by the piece"), code="unit"
                )
            quantity = code.weight_grams
        if quantity is None:
            quantity = MILLI if product.unit is Unit.EACH else 0
        if product.unit is Unit.KG and quantity <= 0:
            raise DomainError(_("Enter the weight"), code="weight")
        line = self.basket.add(
            product,
            quantity,
            fixed_amount=fixed_amount,
            scanned_code=code.value if code else "",
            merge=fixed_amount is None,
        )
        self._changed()
        return line

    def add_product_id(self, product_id: int, quantity: int | None = None) -> BasketLine:
        with self.ctx.db.read() as conn:
            product = catalog.product_by_id(conn, product_id, self.ctx.currency)
        if product is None:
            raise DomainError(_("This product is not in the catalogue."), code="no_product")
        return self.add_product(product, quantity)

    def set_quantity(self, line_id: int, quantity: int) -> BasketLine:
        self._require_no_tenders()
        line = self.basket.set_quantity(line_id, quantity)
        self._changed()
        return line

    def void_line(self, line_id: int) -> BasketLine:
        cashier = self._require_cashier()
        self._require_no_tenders()
        line = self.basket.void_line(line_id)
        self._changed()
        with self.ctx.db.write() as conn:
            ledger.append_journal(
                conn,
                kind="line_void",
                created_at=self.ctx.clock.utc_iso(),
                staff_id=cashier.id,
                till_session_id=None,
                ref=self.basket.id,
                amount=-line.pricing_line().gross.minor,
                payload={"sku": line.product.sku, "quantity": line.quantity, "line_id": line_id},
            )
        return line

    def override_price(
        self, line_id: int, new_price: Money, approval: Approval, reason: str = ""
    ) -> BasketLine:
        self._require_cashier()
        self._require_no_tenders()
        line = self.basket.override_price(line_id, new_price, approval, reason)
        self._changed()
        return line

    # --- member -----------------------------------------------------------------------------------
    def set_member(self, member_id: int) -> Member:
        self._require_cashier()
        self._require_no_tenders()
        with self.ctx.db.read() as conn:
            member = catalog.member_by_id(conn, member_id)
            acked = ledger.acked_seq(conn)
            pending = catalog.points_pending(conn, member_id, acked) if member else 0
        if member is None:
            # The code is genuine (signed by the platform) but the member is not on this till yet:
            # they earn points now; spending waits until their balance is known.
            member = Member(member_id, "", "regular", 0)
        else:
            member = Member(
                member.id,
                member.phone_masked,
                member.tier,
                member.points_balance + pending,
                member.name_masked,
                member.marketing_consent,
            )
        online_balance = self.ctx.online.member_balance(member_id)
        if online_balance is not None:
            member = Member(
                member.id,
                member.phone_masked,
                member.tier,
                online_balance,
                member.name_masked,
                member.marketing_consent,
            )
        tier = self.tiers().get(member.tier)
        self.basket.set_member(member, tier)
        self._changed()
        return member

    def set_member_by_phone(self, phone: str) -> Member:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) < 8:
            raise DomainError(_("Enter the member's full phone number"), code="phone")
        key = phone_lookup_key(digits, self.ctx.settings.get(config.MEMBER_LOOKUP_SALT))
        with self.ctx.db.read() as conn:
            member = catalog.member_by_phone_hash(conn, key)
        if member is None:
            raise DomainError(_("No member with this phone number on this till"), code="no_member")
        return self.set_member(member.id)

    def clear_member(self) -> None:
        self._require_no_tenders()
        self.basket.set_member(None, None)
        self._changed()

    # --- coupons ----------------------------------------------------------------------------------
    def apply_coupon(self, scan: CouponScan):
        """Check a scanned coupon against this till's data and the platform (when reachable) and put it on
        the basket; raises ``CouponError`` with the reason it is refused."""
        self._require_cashier()
        self._require_no_tenders()
        token = scan.token
        now = self.ctx.clock.now()
        with self.ctx.db.read() as conn:
            campaign = catalog.campaign_by_id(conn, token.campaign_id, self.ctx.currency)
            revoked = catalog.coupon_revoked(conn, token.coupon_id)
            used_by = catalog.coupon_redeemed_here(conn, token.coupon_id)
        if campaign is None:
            raise CouponError(
                _("This coupon's campaign is not on this till yet. Sync the till and try again.")
            )
        if campaign.revoked or revoked:
            raise CouponError(_("This coupon has been withdrawn."))
        if not campaign.active_at(now):
            if campaign.starts_at and now.isoformat() < campaign.starts_at:
                raise CouponError(_("This coupon is not valid yet."))
            raise CouponError(_("This coupon's campaign has ended."))
        if used_by is not None:
            raise CouponError(_("This coupon was already used on this till."))
        offer = campaign.offer
        coupon = campaign.coupon(token.coupon_id)
        self.basket.add_coupon(coupon)
        self._changed()
        outcome = self._coupon_outcome(token.coupon_id)
        answer = self.ctx.online.reserve_coupon(token.coupon_id, self.basket.id, outcome.amount.minor)
        if isinstance(answer, str):
            self.basket.remove_coupon(token.coupon_id)
            self._changed()
            raise CouponError(answer)
        if answer is None:
            note = ""
            if not campaign.offline_allowed:
                self.basket.remove_coupon(token.coupon_id)
                self._changed()
                raise CouponError(_("This coupon can only be used while the till is online."))
            if campaign.offline_max_value is not None:
                cap = (
                    campaign.offline_max_value
                    if offer.cap is None
                    else offer.cap.min(campaign.offline_max_value)
                )
                limited = Offer(**{**_offer_fields(offer), "cap": cap})
                self.basket.coupons = [
                    Coupon(c.coupon_id, c.campaign_id, c.name, limited)
                    if c.coupon_id == token.coupon_id
                    else c
                    for c in self.basket.coupons
                ]
                self._changed()
                note = _("Offline: at most {amount} off").format(amount=campaign.offline_max_value.plain())
            self._coupon_notes[token.coupon_id] = (note, False)
        else:
            self._coupon_notes[token.coupon_id] = ("", True)
        return self._coupon_outcome(token.coupon_id)

    def _coupon_outcome(self, coupon_id: int):
        for outcome in self.pricing().coupons:
            if outcome.coupon.coupon_id == coupon_id:
                return outcome
        raise CouponError(_("That coupon is not on the basket"))

    def coupon_message(self, coupon_id: int) -> str:
        outcome = self._coupon_outcome(coupon_id)
        name = outcome.coupon.name.get(self._lang())
        if outcome.applied:
            text = _("{name}: {amount} off").format(name=name, amount=outcome.amount.plain())
        else:
            text = _("{name}: {reason}").format(name=name, reason=outcome.reason)
        note = self._coupon_notes.get(coupon_id, ("", False))[0]
        return f"{text} ({note})" if note else text

    def remove_coupon(self, coupon_id: int) -> None:
        self._require_no_tenders()
        self.basket.remove_coupon(coupon_id)
        self.ctx.online.release_coupon(coupon_id, self.basket.id)
        self._coupon_notes.pop(coupon_id, None)
        self._changed()

    def _release_reservations(self) -> None:
        for coupon in self.basket.coupons:
            self.ctx.online.release_coupon(coupon.coupon_id, self.basket.id)

    # --- payment ----------------------------------------------------------------------------------
    def start_payment(self) -> Payment:
        self._require_cashier()
        self._require_no_pending_charge()
        if self.basket.is_empty:
            raise PaymentError(_("The basket is empty"))
        if self.payment is None:
            self.payment = Payment(self.pricing().total, self.ctx.cash_rounding())
        return self.payment

    def cash_confirm_above(self) -> Money:
        """Change above which the cashier confirms the cash received (a store setting)."""
        return Money(self.ctx.settings.get(config.PAYMENT_CASH_CONFIRM_ABOVE) * 100, self.ctx.currency)

    def pay_cash(self, tendered: Money, *, confirmed: bool = False) -> Tender:
        """Cash handed over; when it gives more change than the store's threshold the cashier must
        have confirmed the amount (``confirmed``), else ``PaymentError`` code ``confirm_cash``."""
        payment = self.start_payment()
        if not confirmed and payment.change_for(tendered) > self.cash_confirm_above():
            raise PaymentError(
                _("Confirm the amount received: {tendered} gives {change} change").format(
                    tendered=tendered.plain(), change=payment.change_for(tendered).plain()
                ),
                code="confirm_cash",
            )
        tender = payment.add_cash(tendered)
        self._save_active()
        return tender

    def pay_card(self, amount: Money, reference: str, provider: str = "") -> Tender:
        tender = self.start_payment().add_card(amount, reference, provider)
        self._save_active()
        return tender

    def pay_mobile(self, amount: Money, provider: str, reference: str) -> Tender:
        tender = self.start_payment().add_mobile(amount, provider, reference)
        self._save_active()
        return tender

    def _points_room(self) -> tuple[int, bool]:
        """(points the member may still spend on this payment, whether the offline bound is what limits)."""
        member = self.basket.member
        if member is None:
            return 0, False
        limit = self.ctx.settings.get(config.POINTS_OFFLINE_LIMIT)
        with self.ctx.db.read() as conn:
            spent_offline = catalog.points_spent_offline(conn, member.id, ledger.acked_seq(conn))
        tendered = sum(t.points for t in self.payment.tenders) if self.payment else 0
        by_balance = member.points_balance - tendered
        by_bound = limit - spent_offline - tendered
        return max(0, min(by_balance, by_bound)), by_bound < by_balance

    def points_available(self) -> int:
        """Points the member may spend here now: their balance and this terminal's offline bound, less
        the points already tendered on this payment."""
        return self._points_room()[0]

    def pay_points(self, points: int) -> Tender:
        if self.basket.member is None:
            raise PaymentError(_("Identify the member first"))
        available, bound = self._points_room()
        if points > available and bound:
            raise PaymentError(
                _("Offline, this member can spend at most {points} more points on this till").format(
                    points=available
                )
            )
        tender = self.start_payment().add_points(points, self.ctx.points_rule(), available)
        self._save_active()
        return tender

    def remove_last_tender(self) -> Tender:
        self._require_no_pending_charge()
        if self.payment is None:
            raise PaymentError(_("There is no payment to take back"))
        tender = self.payment.remove_last()
        self._save_active()
        return tender

    def cancel_basket(self, reason: str = "") -> None:
        """Abandon the basket before payment (journalled, so a cancelled basket is visible in the audit)."""
        cashier = self._require_cashier()
        self._require_no_tenders()
        if not self.basket.lines:
            return
        with self.ctx.db.write() as conn:
            ledger.append_journal(
                conn,
                kind="basket_cancelled",
                created_at=self.ctx.clock.utc_iso(),
                staff_id=cashier.id,
                till_session_id=None,
                ref=self.basket.id,
                amount=-self.pricing().total.minor,
                payload={"lines": len(self.basket.active_lines), "reason": reason},
            )
        self.new_basket()

    # --- persistence of the basket in progress ----------------------------------------------------
    def _basket_state(self) -> dict:
        b = self.basket
        return {
            "id": b.id,
            "lines": [
                {
                    "line_id": ln.line_id,
                    "product_id": ln.product.id,
                    "quantity": ln.quantity,
                    "fixed_amount": None if ln.fixed_amount is None else ln.fixed_amount.minor,
                    "override": None
                    if ln.override is None
                    else [
                        ln.override.original.minor,
                        ln.override.new.minor,
                        ln.override.approved_by,
                        ln.override.reason,
                    ],
                    "voided": ln.voided,
                    "scanned_code": ln.scanned_code,
                }
                for ln in b.lines
            ],
            "member": None
            if b.member is None
            else [b.member.id, b.member.phone_masked, b.member.tier, b.member.points_balance],
            "coupons": [
                [c.coupon_id, c.campaign_id, c.name.zh, c.name.en, c.offer.to_dict()] for c in b.coupons
            ],
            "next_line_id": b._next_line_id,
        }

    def _restore_basket(self, state: dict) -> Basket:
        cur = self.ctx.currency
        with self.ctx.db.read() as conn:
            products = catalog.products_by_ids(conn, [ln["product_id"] for ln in state["lines"]], cur)
        basket = Basket(cur, id=state["id"])
        for ln in state["lines"]:
            product = products.get(ln["product_id"])
            if product is None:
                continue
            override = ln.get("override")
            line = BasketLine(
                ln["line_id"],
                product,
                ln["quantity"],
                Money(override[1], cur) if override else product.price,
                None if ln["fixed_amount"] is None else Money(ln["fixed_amount"], cur),
                None
                if not override
                else PriceOverride(
                    Money(override[0], cur), Money(override[1], cur), override[2], override[3]
                ),
                ln["voided"],
                ln.get("scanned_code", ""),
            )
            basket.lines.append(line)
        basket._next_line_id = state.get("next_line_id", len(basket.lines) + 1)
        if state.get("member"):
            mid, phone, tier_code, balance = state["member"]
            basket.set_member(Member(mid, phone, tier_code, balance), self.tiers().get(tier_code))
        basket.coupons = [
            Coupon(cid, camp, Text(zh, en), Offer.from_dict(offer, cur))
            for cid, camp, zh, en, offer in state["coupons"]
        ]
        return basket

    def keep_pending_charge(self, charge: dict | None) -> None:
        """Record (``None``: forget) the charge now being asked of a terminal, durably, before asking."""
        self.pending_charge = charge
        self._save_active()

    def _save_active(self) -> None:
        """Keep the basket durably while money is involved (tenders, or a charge waiting for its
        answer); once neither is left, forget it, so a basket nobody paid for never comes back."""
        if not (self.payment is not None and self.payment.tenders) and self.pending_charge is None:
            self._forget_active()
            return
        data = json.dumps(
            {
                "basket": self._basket_state(),
                "payment": self.payment.to_dict() if self.payment else None,
                "pending_charge": self.pending_charge,
            }
        )
        at = self.ctx.clock.utc_iso()
        with self.ctx.db.write() as conn:
            stmt = sqlite_insert(schema.active_basket).values(
                terminal_code=self.ctx.terminal_code, data=data, updated_at=at
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[schema.active_basket.c.terminal_code],
                    set_={"data": data, "updated_at": at},
                )
            )

    def _forget_active(self) -> None:
        with self.ctx.db.write() as conn:
            conn.execute(
                delete(schema.active_basket).where(
                    schema.active_basket.c.terminal_code == self.ctx.terminal_code
                )
            )

    def restore_active(self) -> bool:
        """Bring back a basket whose payment was in progress when the program stopped."""
        with self.ctx.db.read() as conn:
            raw = conn.execute(
                select(schema.active_basket.c.data).where(
                    schema.active_basket.c.terminal_code == self.ctx.terminal_code
                )
            ).scalar()
        if raw is None:
            return False
        state = json.loads(raw)
        self.basket = self._restore_basket(state["basket"])
        self.payment = (
            None if state["payment"] is None else Payment.from_dict(state["payment"], self.ctx.currency)
        )
        self.pending_charge = state.get("pending_charge")
        self._pricing = None
        return True

    # --- hold / recall ----------------------------------------------------------------------------
    def hold(self, label: str = "") -> str:
        """Park the basket (the customer fetches something) and start a new one."""
        cashier = self._require_cashier()
        self._require_no_tenders()
        if self.basket.is_empty:
            raise DomainError(_("The basket is empty"), code="empty")
        held_id = self.basket.id
        with self.ctx.db.write() as conn:
            conn.execute(
                schema.held_basket.insert().values(
                    id=held_id,
                    staff_id=cashier.id,
                    label=label,
                    line_count=len(self.basket.active_lines),
                    total=self.pricing().total.minor,
                    data=json.dumps(self._basket_state()),
                    created_at=self.ctx.clock.utc_iso(),
                )
            )
        self._release_reservations()
        self.basket = Basket(self.ctx.currency)
        self.payment = None
        self._changed()
        return held_id

    def held_baskets(self) -> list[dict]:
        with self.ctx.db.read() as conn:
            rows = conn.execute(select(schema.held_basket).order_by(schema.held_basket.c.created_at))
            return [
                {
                    "id": r.id,
                    "label": r.label,
                    "line_count": r.line_count,
                    "total": Money(r.total, self.ctx.currency),
                    "created_at": r.created_at,
                    "staff_id": r.staff_id,
                }
                for r in rows
            ]

    def recall(self, held_id: str) -> None:
        self._require_cashier()
        if not self.basket.is_empty or self.payment is not None:
            raise DomainError(_("Finish or hold the current basket first"), code="basket_busy")
        with self.ctx.db.write() as conn:
            raw = conn.execute(
                select(schema.held_basket.c.data).where(schema.held_basket.c.id == held_id)
            ).scalar()
            if raw is None:
                raise DomainError(_("That basket was already recalled"), code="no_held")
            conn.execute(delete(schema.held_basket).where(schema.held_basket.c.id == held_id))
        self.basket = self._restore_basket(json.loads(raw))
        # prices, promotions and the member's balance are today's: re-read them
        if self.basket.member is not None:
            self.set_member(self.basket.member.id)
        self._changed()

    # --- completing the sale ----------------------------------------------------------------------
    def complete(self, *, print_receipt: bool = True, print_later: bool = False) -> CompletedSale:
        """Write the paid sale in one transaction, then open the drawer and print the receipt (or, with
        ``print_later``, leave the receipt job for the caller to print on the printer's thread)."""
        cashier = self._require_cashier()
        self._require_no_pending_charge()
        payment = self.payment
        if payment is None or not payment.is_settled:
            due = payment.due if payment else self.pricing().total
            raise PaymentError(_("{amount} is still to be paid").format(amount=due.plain()))
        pricing = self.pricing()
        if pricing.total != payment.total:
            raise PaymentError(_("The basket changed after payment started. Take back the payments."))
        adjustment = payment.rounding_adjustment or Money.zero(self.ctx.currency)
        final = with_adjustment(pricing, adjustment, CASH_ROUNDING_NAME)
        member = self.basket.member
        tier = self.basket.tier
        rule = self.ctx.points_rule()
        points_value = Money(
            sum(t.amount.minor for t in payment.tenders if t.kind is TenderKind.POINTS), self.ctx.currency
        )
        points_redeemed = sum(t.points for t in payment.tenders if t.kind is TenderKind.POINTS)
        points_earned = 0
        if member is not None and tier is not None:
            eligible = Money(
                sum(ln.net.minor for ln in final.lines if ln.product.points_eligible), self.ctx.currency
            )
            points_earned = rule.earned((eligible - points_value).max(Money.zero(self.ctx.currency)), tier)
        coupons = [c for c in pricing.coupons if c.applied]
        at = self.ctx.clock.utc_iso()
        now = self.ctx.clock.now()
        sale_id = new_id()
        cash_taken = any(t.kind is TenderKind.CASH for t in payment.tenders)

        with self.ctx.db.write() as conn:
            session = self.till.require_open(conn)
            receipt_no = next_receipt_no(
                conn, self.ctx.store_code, self.ctx.terminal_code, session.business_day
            )
            lines_payload = self._write_sale(
                conn,
                sale_id,
                receipt_no,
                session.id,
                session.business_day,
                cashier,
                final,
                payment,
                adjustment,
                points_earned,
                points_redeemed,
                at,
            )
            payload = {
                "sale_id": sale_id,
                "receipt_no": receipt_no,
                "store_code": self.ctx.store_code,
                "terminal_code": self.ctx.terminal_code,
                "business_day": session.business_day,
                "staff_id": cashier.id,
                "member_id": member.id if member else None,
                "currency": self.ctx.currency,
                "subtotal": final.subtotal.minor,
                "discount_total": (final.subtotal - final.total).minor,
                "rounding": adjustment.minor,
                "total": final.total.minor,
                "change": payment.change.minor,
                "lines": lines_payload,
                "tenders": [t.to_dict() for t in payment.tenders],
                "coupons": [
                    {
                        "coupon_id": c.coupon.coupon_id,
                        "campaign_id": c.coupon.campaign_id,
                        "amount": c.amount.minor,
                    }
                    for c in coupons
                ],
                "points": {"earned": points_earned, "redeemed": points_redeemed},
                "stock": [{"product_id": ln.product.id, "delta": -ln.quantity} for ln in final.lines],
            }
            recorded = record(
                conn,
                event_type=EventType.SALE_COMPLETED,
                payload=payload,
                till_session_id=session.id,
                staff_id=cashier.id,
                ref=sale_id,
                amount=final.total.minor,
                at=at,
                device_id=self.ctx.device_id,
            )
            seq = recorded.outbox_seq
            conn.execute(
                schema.stock_move.insert(),
                [
                    {
                        "product_id": ln.product.id,
                        "delta": -ln.quantity,
                        "reason": "sale",
                        "ref": sale_id,
                        "outbox_seq": seq,
                        "created_at": at,
                    }
                    for ln in final.lines
                ],
            )
            if member is not None:
                entries = []
                if points_earned:
                    entries.append({"delta": points_earned, "kind": "earn"})
                if points_redeemed:
                    entries.append({"delta": -points_redeemed, "kind": "redeem"})
                if entries:
                    conn.execute(
                        schema.points_entry.insert(),
                        [
                            {**e, "member_id": member.id, "ref": sale_id, "outbox_seq": seq, "created_at": at}
                            for e in entries
                        ],
                    )
            if coupons:
                conn.execute(
                    schema.coupon_redemption.insert(),
                    [
                        {
                            "coupon_id": c.coupon.coupon_id,
                            "campaign_id": c.coupon.campaign_id,
                            "sale_id": sale_id,
                            "amount": c.amount.minor,
                            "offline": not self._coupon_notes.get(c.coupon.coupon_id, ("", False))[1],
                            "outbox_seq": seq,
                            "created_at": at,
                        }
                        for c in coupons
                    ],
                )
            balance = None
            if member is not None:
                balance = member.points_balance - points_redeemed + points_earned
            document = self._receipt_document(
                receipt_no,
                sale_id,
                now,
                cashier,
                final,
                payment,
                adjustment,
                member,
                tier,
                points_earned,
                points_redeemed,
                balance,
            )
            job_id = add_job(conn, sale_id, document, at, skipped=not print_receipt)
            if cash_taken:
                ledger.append_journal(
                    conn,
                    kind="drawer_open",
                    created_at=at,
                    staff_id=cashier.id,
                    till_session_id=session.id,
                    ref=sale_id,
                )
            conn.execute(
                delete(schema.active_basket).where(
                    schema.active_basket.c.terminal_code == self.ctx.terminal_code
                )
            )

        self.ctx.events.publish("outbox_appended")
        self.ctx.events.publish("sale_completed", sale_id=sale_id, receipt_no=receipt_no, total=final.total)
        change = payment.change
        self.basket = Basket(self.ctx.currency)
        self.payment = None
        self._pricing = None
        self._coupon_notes.clear()
        print_result, warnings = self.receipts.after_commit(
            job_id, cash=cash_taken, print_receipt=print_receipt, print_later=print_later
        )
        return CompletedSale(
            sale_id,
            receipt_no,
            final.total,
            change,
            points_earned,
            document,
            job_id,
            print_result,
            tuple(warnings),
        )

    def _write_sale(
        self,
        conn: Connection,
        sale_id: str,
        receipt_no: str,
        session_id: str,
        business_day: str,
        cashier: StaffMember,
        final: Pricing,
        payment: Payment,
        adjustment: Money,
        points_earned: int,
        points_redeemed: int,
        at: str,
    ) -> list[dict]:
        member = self.basket.member
        conn.execute(
            _INSERT_SALE,
            {
                "id": sale_id,
                "receipt_no": receipt_no,
                "till_session_id": session_id,
                "business_day": business_day,
                "staff_id": cashier.id,
                "member_id": member.id if member else None,
                "currency": self.ctx.currency,
                "subtotal": final.subtotal.minor,
                "discount_total": (final.subtotal - final.total).minor,
                "rounding": adjustment.minor,
                "total": final.total.minor,
                "change": payment.change.minor,
                "points_earned": points_earned,
                "points_redeemed": points_redeemed,
                "created_at": at,
            },
        )
        basket_lines = {ln.line_id: ln for ln in self.basket.active_lines}
        rows, payload = [], []
        for line_no, ln in enumerate(final.lines, start=1):
            bl = basket_lines[ln.line_id]
            discounts = [
                {
                    "source": d.source.value,
                    "ref": d.ref,
                    "zh": d.name.zh,
                    "en": d.name.en,
                    "amount": d.amount.minor,
                }
                for d in ln.discounts
            ]
            row = {
                "sale_id": sale_id,
                "line_no": line_no,
                "product_id": ln.product.id,
                "sku": ln.product.sku,
                "name_zh": ln.product.name.zh,
                "name_en": ln.product.name.en,
                "unit": ln.product.unit.value,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price.minor,
                "original_price": bl.override.original.minor if bl.override else None,
                "override_by": bl.override.approved_by if bl.override else None,
                "gross": ln.gross.minor,
                "discount": ln.discount_total.minor,
                "net": ln.net.minor,
                "tax_rate_bp": ln.product.tax_rate_bp,
                "discounts": json.dumps(discounts, ensure_ascii=False),
            }
            rows.append(row)
            payload.append(
                {
                    **{
                        k: v
                        for k, v in row.items()
                        if k not in ("sale_id", "discounts", "name_zh", "name_en")
                    },
                    "discounts": discounts,
                }
            )
        conn.execute(schema.sale_line.insert(), rows)
        conn.execute(
            schema.tender.insert(),
            [
                {
                    "sale_id": sale_id,
                    "seq": i,
                    "kind": t.kind.value,
                    "amount": t.amount.minor,
                    "tendered": t.tendered.minor if t.tendered is not None else None,
                    "change": t.change.minor if t.change is not None else None,
                    "provider": t.provider,
                    "reference": t.reference,
                    "points": t.points,
                }
                for i, t in enumerate(payment.tenders)
            ],
        )
        return payload

    def store_header(self) -> StoreHeader:
        s = self.ctx.settings
        return StoreHeader(s.get(config.STORE_NAME), s.get(config.STORE_ADDRESS), s.get(config.STORE_TAX_ID))

    def _receipt_document(
        self,
        receipt_no: str,
        sale_id: str,
        now: datetime,
        cashier: StaffMember,
        final: Pricing,
        payment: Payment,
        adjustment: Money,
        member: Member | None,
        tier: Tier | None,
        points_earned: int,
        points_redeemed: int,
        balance: int | None,
    ) -> ReceiptDocument:
        basket_lines = {ln.line_id: ln for ln in self.basket.active_lines}
        items = []
        for ln in final.lines:
            bl = basket_lines[ln.line_id]
            items.append(
                ReceiptItem(
                    name=ln.product.name,
                    sku=ln.product.sku,
                    quantity=ln.quantity,
                    unit=ln.product.unit,
                    unit_price=ln.unit_price,
                    gross=ln.gross,
                    net=ln.net,
                    discounts=tuple(
                        (d.name, d.amount) for d in ln.discounts if d.source.is_item_level and d.amount.minor
                    ),
                    original_price=bl.override.original if bl.override else None,
                )
            )
        line_level = sum(d.amount.minor for ln in final.lines for d in ln.discounts if d.source.is_item_level)
        basket_level = tuple(
            (d.name, d.amount)
            for d in final.discounts
            if d.source in (DiscountSource.BASKET_PROMOTION, DiscountSource.COUPON) and d.amount.minor
        )
        # show the line-level savings under each line; basket-level coupons in the totals block
        subtotal_after_items = final.subtotal - Money(line_level, self.ctx.currency)
        receipt_member = None
        if member is not None:
            receipt_member = ReceiptMember(
                member.phone_masked or str(member.id),
                tier.name if tier else Text("会员", "Member"),
                points_earned,
                points_redeemed,
                balance,
            )
        url = self.ctx.settings.get(config.E_RECEIPT_URL).rstrip("/") + "/" + receipt_no
        return ReceiptDocument(
            kind=ReceiptKind.SALE,
            store=self.store_header(),
            receipt_no=receipt_no,
            issued_at=now,
            cashier=cashier.name,
            terminal=self.ctx.terminal_code,
            items=tuple(items),
            subtotal=subtotal_after_items,
            total=final.total - adjustment,
            taxes=tuple(ReceiptTax(t.rate_bp, t.net, t.tax) for t in final.taxes),
            discounts=basket_level,
            rounding=adjustment if adjustment.minor else None,
            tenders=tuple(
                ReceiptTender(
                    t.kind, t.amount, t.provider, t.tendered, t.change, mask_reference(t.reference), t.points
                )
                for t in payment.tenders
            ),
            change=payment.change,
            member=receipt_member,
            qr_data=url,
            qr_caption=Text("扫码查看电子小票 / 退货凭证", "Scan for your e-receipt and returns"),
            currency=self.ctx.currency,
        )


_INSERT_SALE = schema.sale.insert()
_SCAN_KINDS = {
    ProductCode: "product",
    MemberScan: "member",
    CouponScan: "coupon",
    PickupScan: "pickup",
    PaymentScan: "payment",
}


def _offer_fields(offer: Offer) -> dict:
    return {name: getattr(offer, name) for name in offer.__slots__}
