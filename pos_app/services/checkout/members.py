"""The member on the sale: by their app's member code or their phone number, with today's balance.

Threading: used on the checkout's thread only.
"""

from __future__ import annotations

from dataclasses import replace

from pos_app import config
from pos_app.db import catalog, ledger
from pos_app.domain.errors import DomainError
from pos_app.domain.members import Member
from pos_app.i18n import _
from pos_app.services.checkout.policy import Seller
from pos_app.services.checkout.sale import SaleInProgress
from pos_app.services.context import TerminalContext
from sync.protocol.members import phone_lookup_key


class Members:
    def __init__(self, ctx: TerminalContext, sale: SaleInProgress, seller: Seller) -> None:
        self.ctx = ctx
        self.sale = sale
        self.seller = seller

    def set_member(self, member_id: int) -> Member:
        self.seller.require_cashier()
        self.sale.require_no_tenders()
        member = self._member(member_id)
        online_balance = self.ctx.online.member_balance(member_id)
        if online_balance is not None:
            member = replace(member, points_balance=online_balance)
        tier = self.sale.reference.tiers().get(member.tier)
        self.sale.basket.set_member(member, tier)
        self.sale.changed()
        return member

    def _member(self, member_id: int) -> Member:
        """The member as this till knows them, with the points earned and spent here not synced yet."""
        with self.ctx.db.read() as conn:
            member = catalog.member_by_id(conn, member_id)
            acked = ledger.acked_seq(conn)
            pending = catalog.points_pending(conn, member_id, acked) if member else 0
        if member is None:
            # The code is genuine (signed by the platform) but the member is not on this till yet:
            # they earn points now; spending waits until their balance is known.
            return Member(member_id, "", "regular", 0)
        return Member(
            member.id,
            member.phone_masked,
            member.tier,
            member.points_balance + pending,
            member.name_masked,
            member.marketing_consent,
        )

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
        self.sale.require_no_tenders()
        self.sale.basket.set_member(None, None)
        self.sale.changed()
