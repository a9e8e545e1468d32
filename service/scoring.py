"""Score predictions with the official metrics: ``POST /collections/{id}/versions/{v}/evaluate``.
The truth of a split is read once from its published file (see ``splits``)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from astrobench.catalog import blind, evaluation, submissions
from astrobench.catalog.auth import Principal, authenticate
from astrobench.catalog.errors import InvalidParameter, ReadOnly, TruthNotHeld
from astrobench.catalog.submissions import Limit
from astrobench.service import deps
from astrobench.service.errors import responses

router = APIRouter()

EXAMPLE = "id,label,p_Ia,p_II,p_Ibc\nsn12345-1,Ia,0.8,0.15,0.05\n"


def _bodies(content_type: str, body: bytes, split: str | None) -> dict[str, str]:
    """Split -> predictions CSV text, from a CSV body (with ``?split=``) or a JSON body."""
    media = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("the request body is not UTF-8 text") from None
    if media == "text/csv":
        if not split:
            raise InvalidParameter("a text/csv body needs the query parameter split=NAME")
        return {split: text}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidParameter(f"the request body is not valid JSON: {error}") from None
    found = parsed.get("predictions") if isinstance(parsed, dict) else None
    if (
        not isinstance(found, dict)
        or not found
        or not all(isinstance(v, str) for v in found.values())
    ):
        raise InvalidParameter(
            'a JSON body must be {"predictions": {"SPLIT": "CSV text", ...}} with at least one split'
        )
    return found


@router.post(
    "/collections/{dataset}/versions/{version}/evaluate",
    summary="Score predictions on one or more splits with the official metrics",
    description=(
        "Send one split's predictions as `text/csv` with `?split=NAME`, or several as JSON "
        '`{"predictions": {"test": "...csv...", "test-smc": "..."}}`. Classification files have '
        "the columns `id` and `label`, and optionally `p_<class>` for every training class; "
        "regression files have `id` and `prediction`. The report puts robustness splits beside "
        "the in-distribution test split, with the gap in the primary metric, and the published "
        "baselines' scores on the same splits. A blind split (`bench:splits[].blind`) is scored "
        "only for a token made with `astrobench token create NAME --submit`, and each such "
        "request counts against the token's ASTROBENCH_SUBMISSIONS_PER_DAY, as a submission "
        "does (429 beyond); only its primary metric is returned. Example body:"
        f"\n\n```\n{EXAMPLE}```"
    ),
    responses=responses(400, 401, 403, 404, 405, 413, 415, 429, 503),
)
async def evaluate(
    request: Request,
    dataset: str,
    version: str,
    split: str | None = Query(None, description="The split a text/csv body answers."),
) -> dict[str, Any]:
    body = await request.body()
    texts = _bodies(request.headers.get("content-type", ""), body, split)
    catalogue, splits = deps.store(request), deps.splits(request)
    exact = await run_in_threadpool(catalogue.resolve, dataset, version)
    collection = await run_in_threadpool(catalogue.collection, dataset, exact)
    hidden = [name for name in texts if blind.is_blind(collection, name)]
    principal = None
    if hidden:
        principal = await run_in_threadpool(_blind_scorer, request, dataset, exact, hidden)
    truths = {  # read from storage through the gate, then kept (see ``splits``)
        name: await deps.gate(request).call(splits.truth, dataset, exact, name) for name in texts
    }
    found = await run_in_threadpool(evaluation.scored_files, collection, texts, truths)
    if principal is not None:  # counted once scored: invalid predictions cost nothing
        limit = Limit(deps.settings(request).submissions_per_day)
        await run_in_threadpool(
            submissions.record_blind_scoring, catalogue, principal, dataset, exact, limit
        )
    return found


def _blind_scorer(request: Request, dataset: str, version: str, hidden: list[str]) -> Principal:
    """Who may score blind splits here: a token made with ``--submit``; each scoring counts
    against its limit. A mirror holds no blind truth and sends callers to the source."""
    named = f"{dataset} {version} {', '.join(hidden)}"
    settings = deps.settings(request)
    if settings.mirror_url:
        raise TruthNotHeld(
            f"{named}: blind, and this catalogue is a mirror, which holds no blind truth; the "
            "catalogue it mirrors scores it"
        )
    if settings.read_only:  # a scoring of a blind split is counted: a write
        raise ReadOnly(
            f"{named}: blind, and scoring it counts against a limit, which this "
            "read-only catalogue cannot record; score it at the writable one"
        )
    principal = authenticate(deps.store(request), request.headers.get("authorization"))
    principal.require_submit()
    limit = Limit(settings.submissions_per_day)
    submissions.check_limit(deps.store(request), principal, dataset, limit)
    return principal
