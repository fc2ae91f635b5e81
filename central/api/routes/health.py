from __future__ import annotations

import time

from fastapi import APIRouter

from central.api.deps import OrjsonRoute
from sync.protocol.payloads import SUPPORTED_SCHEMA_VERSIONS
from sync.protocol.wire import ServerInfo

router = APIRouter(tags=["health"], route_class=OrjsonRoute)


@router.get("/health", response_model=ServerInfo, summary="Liveness, server clock and protocol versions")
def health() -> ServerInfo:
    return ServerInfo(server_time=time.time(), schema_versions=list(SUPPORTED_SCHEMA_VERSIONS))
