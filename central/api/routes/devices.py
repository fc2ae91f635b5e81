from __future__ import annotations

from fastapi import APIRouter

from central.admin import Admin, EnrolmentRefused
from central.api.deps import ApiError, OrjsonRoute, PlatformDep
from sync.protocol.wire import EnrolRequest, EnrolResponse, ErrorBody, ErrorCode

router = APIRouter(prefix="/devices", tags=["devices"], route_class=OrjsonRoute)


@router.post(
    "/enrol",
    response_model=EnrolResponse,
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}},
    summary="Enrol a terminal with a single-use code and the public key it made",
)
def enrol(body: EnrolRequest, platform: PlatformDep) -> EnrolResponse:
    try:
        return Admin(platform.db, platform.settings).enrol(
            body.code, body.device_id, body.public_key, body.app_version
        )
    except EnrolmentRefused as exc:
        status = 409 if exc.reason == ErrorCode.ALREADY_ENROLLED else 403
        raise ApiError(status, exc.reason, str(exc)) from exc
