"""The application factory: ``uvicorn --factory astrobench.service.app:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from astrobench.catalog import replica
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service import (
    assets,
    errors,
    exports,
    health,
    mirrors,
    oai,
    scoring,
    stac,
    transactions,
    versions,
)
from astrobench.service.limits import BodyLimits
from astrobench.service.settings import Settings
from astrobench.service.splits import Splits


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service on the configured store and storage (settings are read here, not at
    import time)."""
    settings = settings or Settings()
    settings.prepare()
    store = Store(settings.database_url)
    if settings.auto_migrate:
        store.create()
    else:
        store.require_current()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title=settings.title,
        description=settings.description,
        openapi_url="/api",
        docs_url="/api.html",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.storage = AssetStorage(settings.storage_url)
    if settings.mirror_url:
        replica.load(store, app.state.storage)
    app.state.splits = Splits(store, app.state.storage)
    app.add_middleware(BodyLimits, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=["ETag", "Content-Range", "Content-Length"],
    )
    errors.install(app)
    for module in (stac, versions, exports, scoring, transactions, mirrors, oai, assets, health):
        app.include_router(module.router)
    return app
