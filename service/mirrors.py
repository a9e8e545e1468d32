"""Mirror registration: archives that copy the catalogue announce where they serve its files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from astrobench.catalog import mirrors
from astrobench.service import deps
from astrobench.service.errors import READ_ERRORS, WRITE_ERRORS
from astrobench.service.transactions import Writer

router = APIRouter(tags=["mirrors"])


class MirrorBody(BaseModel):
    """Where a mirror serves files (each at ``<url>/<storage key>``) and what it holds."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Base URL of the mirror's files, e.g. https://archive.org/ab")
    title: str = ""
    versions: dict[str, list[str]] = Field(description="Dataset id -> versions the mirror holds")


@router.get("/mirrors", summary="Registered mirrors", responses=READ_ERRORS)
def list_mirrors(request: Request) -> dict[str, Any]:
    return {"mirrors": [m.as_json() for m in mirrors.listed(deps.store(request))]}


@router.put(
    "/mirrors/{name}", summary="Register or update a mirror (admin)", responses=WRITE_ERRORS
)
def put_mirror(request: Request, name: str, body: MirrorBody, writer: Writer) -> dict[str, Any]:
    writer.require_admin()
    found = mirrors.register(deps.store(request), name, body.url, body.title, body.versions)
    return found.as_json()


@router.delete(
    "/mirrors/{name}",
    summary="Stop advertising a mirror (admin)",
    status_code=204,
    responses=WRITE_ERRORS,
)
def delete_mirror(request: Request, name: str, writer: Writer) -> Response:
    writer.require_admin()
    mirrors.remove(deps.store(request), name)
    return Response(status_code=204)
