from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from central import reconcile
from central.api.deps import DeviceDep, OrjsonRoute, PlatformDep
from central.models import Store
from sync.protocol.wire import DayReconciliation, ErrorBody, ExceptionItem

router = APIRouter(tags=["reconciliation"], route_class=OrjsonRoute)
Day = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
_AUTH_ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


def _store_code(platform, store_id: int) -> str:
    with platform.db.read() as conn:
        return conn.execute(
            select(Store.__table__.c.code).where(Store.__table__.c.id == store_id)
        ).scalar_one()


@router.get(
    "/reconciliation",
    response_model=DayReconciliation,
    responses=_AUTH_ERRORS,
    summary="The central side of the Z reports of this device's store for a business day",
)
def day(business_day: Day, device: DeviceDep, platform: PlatformDep) -> DayReconciliation:
    return reconcile.day_reconciliation(platform.db, _store_code(platform, device.store_id), business_day)


@router.get(
    "/exceptions",
    response_model=list[ExceptionItem],
    responses=_AUTH_ERRORS,
    summary="What the manager of this device's store must look at (of a day, or all)",
)
def exceptions(
    device: DeviceDep, platform: PlatformDep, business_day: Day | None = None
) -> list[ExceptionItem]:
    return reconcile.exceptions(platform.db, _store_code(platform, device.store_id), business_day)
