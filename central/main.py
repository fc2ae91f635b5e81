"""The central platform's web application: ``create_app()`` for uvicorn (``pos-central serve``),
the embedded demo platform and the tests."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from central import __version__
from central.api.deps import ApiError, Platform
from central.api.main import api_router
from central.core.config import Settings
from central.core.db import Database
from central.core.security import Authenticator
from central.ingest import Ingest, reprocess_deferred
from central.platform import initialise
from sync.protocol.signing import HEADER_SERVER_TIME

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.json"
API_PREFIX = "/v1"


def build_platform(settings: Settings | None = None, db: Database | None = None) -> Platform:
    """Open (and migrate) the database and make the platform's services."""
    settings = settings or Settings.from_env()
    db = db or Database(settings.database_url)
    initialise(db, settings)
    reprocess_deferred(db, settings)
    return Platform(settings, db, Ingest(db, settings), Authenticator(db, settings))


DESCRIPTION = (
    "The sync API of the store terminals: enrolment, push, pull, online helpers and reconciliation. "
    "Every route except /v1/health and /v1/devices/enrol needs a request signed by an enrolled device "
    "(see sync.protocol.signing)."
)


def _application() -> FastAPI:
    app = FastAPI(title="O2O central platform", version=__version__, description=DESCRIPTION)
    app.include_router(api_router, prefix=API_PREFIX)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        body = {"error": exc.code, "detail": exc.detail, "server_time": time.time(), **exc.extra}
        return JSONResponse(body, status_code=exc.status)

    @app.middleware("http")
    async def _server_time(request: Request, call_next):
        # every answer carries our clock, so a terminal can measure its offset from any of them
        response = await call_next(request)
        response.headers[HEADER_SERVER_TIME] = f"{time.time():.3f}"
        return response

    return app


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    app = _application()
    app.state.platform = platform or build_platform(settings)
    return app


def openapi_document() -> dict:
    """The OpenAPI document of this version (checked in as ``central/openapi.json``)."""
    return _application().openapi()


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory central.main:app_from_env`` (each worker process builds its own)."""
    return create_app(Settings.from_env())
