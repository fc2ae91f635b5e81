from __future__ import annotations

from fastapi import APIRouter

from central import pricing
from central.api.deps import ApiError, DeviceDep, OrjsonRoute, PlatformDep
from sync.protocol.wire import ErrorBody, ErrorCode, Quote, QuoteRequest

router = APIRouter(prefix="/pricing", tags=["pricing"], route_class=OrjsonRoute)


@router.post(
    "/quote",
    response_model=Quote,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
    summary="Price a basket as the store's tills do: its promotions, tax classes and store settings",
)
def quote(body: QuoteRequest, device: DeviceDep, platform: PlatformDep) -> Quote:
    try:
        return pricing.quote(platform.db, device.id, body)
    except pricing.QuoteError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, str(exc)) from exc
