"""Health check for load balancers and orchestrators: the database and the asset storage answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from astrobench.catalog import migrate
from astrobench.service import deps
from astrobench.service.errors import responses

router = APIRouter()


@router.get(
    "/healthz",
    summary="Readiness: the database is at this code's schema and asset storage is reachable",
    responses=responses(503),
)
def healthz(request: Request) -> dict[str, Any]:
    deps.store(request).require_current()
    deps.storage(request).ping()
    return {"status": "ok", "schema": migrate.head()}
