from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from central import online
from central.api.deps import ApiError, DeviceDep, OrjsonRoute, PlatformDep
from sync.protocol.wire import ErrorBody, ErrorCode, PickupStatus

router = APIRouter(prefix="/pickup-orders", tags=["pickup"], route_class=OrjsonRoute)


@router.get(
    "/{order_id}",
    response_model=PickupStatus,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
    summary="The state of an online order to collect in this device's store",
)
def status(
    order_id: Annotated[int, Path(ge=0, le=2**63 - 1)], device: DeviceDep, platform: PlatformDep
) -> PickupStatus:
    answer = online.pickup_status(platform.db, device.store_id, order_id)
    if answer is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such order for this store")
    return answer
