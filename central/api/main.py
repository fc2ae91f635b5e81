from __future__ import annotations

from fastapi import APIRouter

from central.api.routes import coupons, devices, health, members, pickup, pricing, reconciliation, sync

api_router = APIRouter()
for module in (health, devices, sync, coupons, members, pickup, pricing, reconciliation):
    api_router.include_router(module.router)
