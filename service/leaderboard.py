"""``GET /collections/{id}/versions/{v}/leaderboard``: the published baselines and the
submissions, ranked on each evaluation split, in groups of statistically tied entries (built by
``boards``), as JSON or as a page."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from astrobench.service import boards, deps, negotiate, pages
from astrobench.service.errors import READ_ERRORS
from astrobench.service.stac import FastJSONResponse

router = APIRouter()


@router.get(
    "/collections/{dataset}/versions/{version}/leaderboard",
    summary="Baselines and submissions ranked on each evaluation split, with ties",
    description=(
        "Each evaluation split ranks the published baselines and the submissions by its primary "
        "metric, with 95% intervals. Entries whose paired bootstrap difference from their "
        "group's best covers zero share its group: the split cannot order them. Each "
        "submission links its BibTeX; `benchmark_doi` is the DOI of the version ranked. A "
        "static mirror serves the board as it was at its last sync (`synced`)."
    ),
    responses=READ_ERRORS,
)
def board(request: Request, dataset: str, version: str) -> Response:
    exact = deps.store(request).resolve(dataset, version)
    found = boards.board(request, dataset, exact)
    if negotiate.choose(request.headers.get("accept"), [negotiate.JSON, negotiate.HTML]) == (
        negotiate.HTML
    ):
        return pages.render(request, "leaderboard.html", board=found)
    return FastJSONResponse(found, headers={"Vary": "Accept"})
