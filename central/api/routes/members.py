from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from central import online
from central.api.deps import ApiError, DeviceDep, OrjsonRoute, PlatformDep
from sync.protocol.wire import ErrorBody, ErrorCode, MemberBalance

router = APIRouter(prefix="/members", tags=["members"], route_class=OrjsonRoute)


@router.get(
    "/{member_id}/balance",
    response_model=MemberBalance,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
    summary="A member's points balance now",
)
def balance(
    member_id: Annotated[int, Path(ge=0, le=2**63 - 1)], device: DeviceDep, platform: PlatformDep
) -> MemberBalance:
    answer = online.member_balance(platform.db, member_id)
    if answer is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such member")
    return answer
