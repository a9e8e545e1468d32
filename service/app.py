"""The application factory: ``uvicorn --factory astrobench.service.app:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from astrobench.catalog import replica
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service import (
    assets,
    deps,
    errors,
    exports,
    health,
    leaderboard,
    mirrors,
    negotiate,
    oai,
    openapi,
    scoring,
    stac,
    submissions,
    transactions,
    versions,
)
from astrobench.service.gate import StorageGate
from astrobench.service.limits import BodyLimits, UrlChecks
from astrobench.service.settings import Settings
from astrobench.service.splits import Splits


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service on the configured store and storage (settings are read here, not at
    import time)."""
    settings = settings or Settings()
    settings.prepare()
    store = Store(
        settings.database_url,
        count_matches=settings.count_matches,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
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
        openapi_url=None,  # served by api_docs(): negotiated media type, local Swagger UI
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.storage = AssetStorage(settings.storage_url, timeout=settings.storage_timeout)
    app.state.gate = StorageGate(settings.storage_concurrency, settings.storage_timeout)
    if settings.mirror_url:
        replica.load(store, app.state.storage)
    app.state.splits = Splits(store, app.state.storage)
    app.add_middleware(
        BodyLimits,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(UrlChecks)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=["ETag", "Content-Range", "Content-Length"],
    )
    errors.install(app)
    routers = (stac, versions, exports, scoring, submissions, leaderboard, transactions)
    for module in (*routers, mirrors, oai, assets, health):
        for route in module.router.routes:  # HEAD answers as GET does, without the body
            methods = route.methods if isinstance(route, APIRoute) else None
            if methods is not None and "GET" in methods:
                methods.add("HEAD")
        app.include_router(module.router)
    api_docs(app)
    return app


DOCS_ASSETS = "/api-docs"
"""Where the Swagger UI files are served from: the service itself, so /api.html works offline."""


def api_docs(app: FastAPI) -> None:
    """``/api``, the OpenAPI definition (as ``application/vnd.oai.openapi+json;version=3.0``,
    the OGC API media type, unless the client asks for plain JSON), and ``/api.html``, Swagger UI
    from files shipped in the ``fastapi-offline`` package rather than a CDN."""
    app.openapi = openapi.install(app.openapi)  # type: ignore[method-assign]
    app.mount(
        DOCS_ASSETS,
        StaticFiles(directory=str(files("fastapi_offline") / "static")),
        name="api-docs",
    )

    async def definition(request: Request) -> Response:
        media = negotiate.choose(request.headers.get("accept"), [stac.OPENAPI, negotiate.JSON])
        return JSONResponse(app.openapi(), media_type=media, headers={"Vary": "Accept"})

    async def page(request: Request) -> HTMLResponse:
        base = deps.base_url(request)
        return get_swagger_ui_html(
            openapi_url=f"{base}/api",
            title=f"{app.title}: API",
            swagger_js_url=f"{base}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{base}{DOCS_ASSETS}/favicon.png",
        )

    app.add_route("/api", definition, methods=["GET"], include_in_schema=False)
    app.add_route("/api.html", page, methods=["GET"], include_in_schema=False)
