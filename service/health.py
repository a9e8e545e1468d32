"""Health checks for load balancers, orchestrators and monitoring.

``/livez``: the process answers (a liveness probe: restarting would help). ``/readyz``: the database
answers at this code's schema (a readiness probe: this worker can serve the catalogue; asset
storage is left out, since a storage outage leaves every route but file reads working).
``/healthz``: the database and the asset storage both answer (for monitoring).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from astrobench.catalog import migrate
from astrobench.service import deps
from astrobench.service.errors import responses

router = APIRouter()


@router.get("/livez", summary="Liveness: the process answers; checks nothing else")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database is at this code's schema (asset storage is not checked)",
    responses=responses(503),
)
async def readyz(request: Request) -> dict[str, Any]:
    await run_in_threadpool(deps.store(request).require_current)
    return {"status": "ok", "schema": migrate.head()}


@router.get(
    "/healthz",
    summary="Health: the database is at this code's schema and asset storage is reachable",
    responses=responses(503),
)
async def healthz(request: Request) -> dict[str, Any]:
    ready = await readyz(request)
    await deps.gate(request).call(deps.storage(request).ping)
    return ready
