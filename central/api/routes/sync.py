from __future__ import annotations

import time
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from central import pull as pulling
from central.api.deps import ApiError, DeviceDep, OrjsonRoute, PlatformDep
from central.ingest import InvalidPush, SequenceGap
from sync.protocol.wire import (
    MAX_PULL_PAGE,
    ErrorBody,
    ErrorCode,
    Family,
    PullPage,
    PushRequest,
    PushResponse,
)

router = APIRouter(prefix="/sync", tags=["sync"], route_class=OrjsonRoute)
_AUTH_ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


@router.post(
    "/push",
    response_model=PushResponse,
    responses={**_AUTH_ERRORS, 409: {"model": ErrorBody, "description": "A gap: resend from expected_seq"}},
    summary="Push a batch of this device's events, ascending by seq",
)
def push(body: PushRequest, device: DeviceDep, platform: PlatformDep) -> Response:
    if body.device_id != device.id:
        raise ApiError(403, ErrorCode.WRONG_DEVICE, "a device pushes only its own events")
    try:
        outcome = platform.ingest.push(device.id, body.events, body.client_time)
    except SequenceGap as gap:
        raise ApiError(
            409, ErrorCode.SEQUENCE_GAP, f"expected seq {gap.expected_seq}", expected_seq=gap.expected_seq
        ) from gap
    except InvalidPush as exc:
        raise ApiError(422, ErrorCode.INVALID_REQUEST, str(exc)) from exc
    answer = PushResponse(last_seq=outcome.last_seq, results=outcome.results, server_time=time.time())
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get(
    "/pull",
    response_model=PullPage,
    responses=_AUTH_ERRORS,
    summary="Changed reference data of one family after a cursor (empty: a full snapshot)",
)
def pull(
    device: DeviceDep,
    platform: PlatformDep,
    family: Family,
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = 2000,
) -> Response:
    page = pulling.pull(platform.db, device.id, family, cursor, limit)
    # built by our code from our rows: serialised straight to JSON (the models document its shape)
    return Response(orjson.dumps(page), media_type="application/json")
