"""Online helpers for terminals that can reach the platform: coupon reservation, member balance and
pickup order status. A terminal that cannot reach us decides by its offline policy instead."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import select, update

from central.core.config import Settings
from central.core.db import Database
from central.models import Coupon, CouponCampaign, Member, PickupOrder
from sync.protocol.wire import CouponAnswer, MemberBalance, PickupStatus

_COUPON = Coupon.__table__
_CAMPAIGN = CouponCampaign.__table__


class Reason:
    """Why a coupon cannot be reserved; terminals translate these codes for the cashier."""

    UNKNOWN = "unknown_coupon"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_STARTED = "not_started"
    ENDED = "campaign_ended"
    ALREADY_USED = "already_used"
    RESERVED_ELSEWHERE = "reserved_elsewhere"


def reserve_coupon(
    db: Database, settings: Settings, device_id: str, coupon_id: int, basket_id: str
) -> CouponAnswer:
    now = time.time()
    stamp = datetime.now(UTC).isoformat()
    with db.write() as conn:
        row = conn.execute(
            select(
                _COUPON,
                _CAMPAIGN.c.revoked.label("campaign_revoked"),
                _CAMPAIGN.c.starts_at,
                _CAMPAIGN.c.ends_at,
            )
            .join(_CAMPAIGN, _CAMPAIGN.c.id == _COUPON.c.campaign_id)
            .where(_COUPON.c.id == coupon_id)
            .with_for_update(of=_COUPON)
        ).first()

        def refuse(reason: str, status: str = "") -> CouponAnswer:
            return CouponAnswer(coupon_id=coupon_id, ok=False, reason=reason, status=status)

        if row is None:
            return refuse(Reason.UNKNOWN)
        if row.status == "revoked" or row.campaign_revoked:
            return refuse(Reason.REVOKED, row.status)
        if row.expires_at < now:
            return refuse(Reason.EXPIRED, row.status)
        if row.starts_at and stamp < row.starts_at:
            return refuse(Reason.NOT_STARTED, row.status)
        if row.ends_at and stamp >= row.ends_at:
            return refuse(Reason.ENDED, row.status)
        if row.status == "redeemed":
            return refuse(Reason.ALREADY_USED, row.status)
        held = row.status == "reserved" and (row.reserved_until or 0) > now
        if held and row.reserved_basket != basket_id:
            return refuse(Reason.RESERVED_ELSEWHERE, row.status)
        conn.execute(
            update(_COUPON)
            .where(_COUPON.c.id == coupon_id)
            .values(
                status="reserved",
                reserved_basket=basket_id,
                reserved_device=device_id,
                reserved_until=now + settings.coupon_reservation_seconds,
            )
        )
        return CouponAnswer(coupon_id=coupon_id, ok=True, status="reserved")


def release_coupon(db: Database, coupon_id: int, basket_id: str) -> CouponAnswer:
    with db.write() as conn:
        result = conn.execute(
            update(_COUPON)
            .where(
                _COUPON.c.id == coupon_id,
                _COUPON.c.status == "reserved",
                _COUPON.c.reserved_basket == basket_id,
            )
            .values(status="issued", reserved_basket=None, reserved_device=None, reserved_until=None)
        )
        return CouponAnswer(
            coupon_id=coupon_id, ok=result.rowcount == 1, status="issued" if result.rowcount else ""
        )


def member_balance(db: Database, member_id: int) -> MemberBalance | None:
    with db.read() as conn:
        row = conn.execute(
            select(Member.__table__.c.points_balance).where(
                Member.__table__.c.id == member_id, Member.__table__.c.erased.is_(False)
            )
        ).first()
    return None if row is None else MemberBalance(member_id=member_id, balance=row.points_balance)


def pickup_status(db: Database, store_id: int, order_id: int) -> PickupStatus | None:
    t = PickupOrder.__table__
    with db.read() as conn:
        row = conn.execute(
            select(t.c.status, t.c.paid, t.c.version).where(t.c.id == order_id, t.c.store_id == store_id)
        ).first()
    if row is None:
        return None
    return PickupStatus(order_id=order_id, status=row.status, paid=row.paid, version=row.version)
