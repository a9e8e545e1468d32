"""Health check for load balancers and orchestrators: the database and the asset storage answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from astrobench.catalog import migrate
from astrobench.service import deps
from astrobench.service.errors import responses

router = APIRouter()


@router.get(
    "/healthz",
    summary="Readiness: the database is at this code's schema and asset storage is reachable",
    responses=responses(503),
)
async def healthz(request: Request) -> dict[str, Any]:
    await run_in_threadpool(deps.store(request).require_current)
    await deps.gate(request).call(deps.storage(request).ping)
    return {"status": "ok", "schema": migrate.head()}
