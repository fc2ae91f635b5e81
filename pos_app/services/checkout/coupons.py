"""Coupons on the sale: checked against this till's data and, when reachable, reserved on the
platform; offline, the campaign's policy decides (allowed at all, and up to what value).

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from dataclasses import replace

from pos_app.db import catalog
from pos_app.domain.errors import CouponError
from pos_app.domain.pricing import CouponOutcome
from pos_app.i18n import _, current_language
from pos_app.services.checkout.policy import Seller
from pos_app.services.checkout.sale import CouponNote, SaleInProgress
from pos_app.services.context import TerminalContext
from pos_app.services.scanning import CouponScan


class Coupons:
    def __init__(self, ctx: TerminalContext, sale: SaleInProgress, seller: Seller) -> None:
        self.ctx = ctx
        self.sale = sale
        self.seller = seller

    def apply_coupon(self, scan: CouponScan) -> CouponOutcome:
        """Check a scanned coupon against this till's data and the platform (when reachable) and put it on
        the basket; raises ``CouponError`` with the reason it is refused."""
        self.seller.require_cashier()
        self.sale.require_no_tenders()
        token = scan.token
        campaign = self._valid_campaign(token.campaign_id, token.coupon_id)
        self.sale.basket.add_coupon(campaign.coupon(token.coupon_id))
        self.sale.changed()
        outcome = self.outcome(token.coupon_id)
        answer = self.ctx.online.reserve_coupon(token.coupon_id, self.sale.basket.id, outcome.amount.minor)
        if isinstance(answer, str):
            self._take_off(token.coupon_id)
            raise CouponError(answer)
        if answer is None:
            self.sale.coupon_notes[token.coupon_id] = CouponNote(self._offline(campaign, token.coupon_id))
        else:
            self.sale.coupon_notes[token.coupon_id] = CouponNote("", reserved_online=True)
        return self.outcome(token.coupon_id)

    def _valid_campaign(self, campaign_id: int, coupon_id: int):
        now = self.ctx.clock.now()
        with self.ctx.db.read() as conn:
            campaign = catalog.campaign_by_id(conn, campaign_id, self.ctx.currency)
            revoked = catalog.coupon_revoked(conn, coupon_id)
            used_by = catalog.coupon_redeemed_here(conn, coupon_id)
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
        return campaign

    def _offline(self, campaign, coupon_id: int) -> str:
        """The platform cannot be reached: apply the campaign's offline policy; returns the note."""
        if not campaign.offline_allowed:
            self._take_off(coupon_id)
            raise CouponError(_("This coupon can only be used while the till is online."))
        if campaign.offline_max_value is None:
            return ""
        offer = campaign.offer
        cap = campaign.offline_max_value if offer.cap is None else offer.cap.min(campaign.offline_max_value)
        basket = self.sale.basket
        basket.coupons = [
            replace(c, offer=replace(offer, cap=cap)) if c.coupon_id == coupon_id else c
            for c in basket.coupons
        ]
        self.sale.changed()
        return _("Offline: at most {amount} off").format(amount=campaign.offline_max_value.plain())

    def _take_off(self, coupon_id: int) -> None:
        self.sale.basket.remove_coupon(coupon_id)
        self.sale.changed()

    def outcome(self, coupon_id: int) -> CouponOutcome:
        for outcome in self.sale.pricing().coupons:
            if outcome.coupon.coupon_id == coupon_id:
                return outcome
        raise CouponError(_("That coupon is not on the basket"))

    def coupon_message(self, coupon_id: int) -> str:
        outcome = self.outcome(coupon_id)
        name = outcome.coupon.name.get(current_language())
        if outcome.applied:
            text = _("{name}: {amount} off").format(name=name, amount=outcome.amount.plain())
        else:
            text = _("{name}: {reason}").format(name=name, reason=outcome.reason)
        note = self.sale.coupon_notes.get(coupon_id, CouponNote()).note
        return f"{text} ({note})" if note else text

    def remove_coupon(self, coupon_id: int) -> None:
        self.sale.require_no_tenders()
        self.sale.basket.remove_coupon(coupon_id)
        self.ctx.online.release_coupon(coupon_id, self.sale.basket.id)
        self.sale.coupon_notes.pop(coupon_id, None)
        self.sale.changed()
