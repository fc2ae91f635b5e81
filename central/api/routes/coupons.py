from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from central import online
from central.api.deps import DeviceDep, OrjsonRoute, PlatformDep
from sync.protocol.wire import CouponAnswer, CouponReleaseRequest, CouponReserveRequest, ErrorBody

router = APIRouter(prefix="/coupons", tags=["coupons"], route_class=OrjsonRoute)
CouponId = Annotated[int, Path(ge=0, le=2**63 - 1)]
_AUTH_ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


@router.post(
    "/{coupon_id}/reserve",
    response_model=CouponAnswer,
    responses=_AUTH_ERRORS,
    summary="Hold a single-use coupon for a basket while the customer pays",
)
def reserve(coupon_id: CouponId, body: CouponReserveRequest, device: DeviceDep, platform: PlatformDep):
    return online.reserve_coupon(platform.db, platform.settings, device.id, coupon_id, body.basket_id)


@router.post(
    "/{coupon_id}/release",
    response_model=CouponAnswer,
    responses=_AUTH_ERRORS,
    summary="Let go of a coupon held for a basket",
)
def release(coupon_id: CouponId, body: CouponReleaseRequest, device: DeviceDep, platform: PlatformDep):
    return online.release_coupon(platform.db, coupon_id, body.basket_id)
