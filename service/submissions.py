"""Submissions: ``POST /collections/{id}/versions/{v}/submissions`` scores a model's predictions
for the version's evaluation splits and keeps them; each submission has its own URL, and its
predictions files can be downloaded as they were sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from astrobench.catalog import submissions
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.records import collection_path, iso
from astrobench.catalog.submissions import Details, Limit, Submission
from astrobench.service import deps, exports
from astrobench.service.errors import READ_ERRORS, responses
from astrobench.service.stac import FastJSONResponse
from astrobench.service.transactions import Writer

router = APIRouter()

MAX_FILES = 32
"""Most predictions files one submission may hold."""
_FIELDS = ("model_name", "description", "code_url", "paper_doi", "software", "trained_on")


def submission_path(submission_id: str) -> str:
    return f"/submissions/{submission_id}"


def bibtex_path(submission_id: str) -> str:
    return f"{submission_path(submission_id)}/export/bibtex"


def as_json(request: Request, found: Submission) -> dict[str, Any]:
    """A submission as the API serves it: its details, scores and files, with links."""
    path = submission_path(found.id)
    version = collection_path(found.dataset, found.version)
    details = found.details
    return {
        "id": found.id,
        "dataset": found.dataset,
        "version": found.version,
        "submitted_by": found.token,
        "created": iso(found.created),
        "evaluator": found.evaluator,
        "model_name": details.model_name,
        "description": details.description,
        "code_url": details.code_url,
        "paper_doi": details.paper_doi,
        "software": details.software,
        "trained_on": list(details.trained_on),
        "scored_on": [f.split for f in found.files],
        "benchmark_doi": deps.doi_scheme(request).version(found.dataset, found.version),
        "intervals": found.report.get("intervals"),
        "directions": found.report.get("directions"),
        "splits": found.report.get("splits"),
        "files": [
            {
                "split": f.split,
                "sha256": f.sha256,
                "size": f.size,
                "href": deps.base_url(request) + f"{path}/predictions/{f.split}.csv",
            }
            for f in found.files
        ],
        "links": [
            deps.link(request, "self", path, title=f"Submission {found.id}"),
            deps.link(request, "cite-as", path, title="Its stable URL"),
            deps.link(
                request,
                "describedby",
                bibtex_path(found.id),
                "application/x-bibtex",
                title="BibTeX",
            ),
            deps.link(request, "collection", version, title=f"{found.dataset} {found.version}"),
            *(
                deps.link(
                    request,
                    "predictions",
                    f"{path}/predictions/{f.split}.csv",
                    "text/csv",
                    title=f"Predictions on {f.split}",
                )
                for f in found.files
            ),
        ],
    }


async def _form(request: Request) -> tuple[dict[str, str], Details]:
    """The predictions files (split -> CSV text) and the details of a multipart form."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidParameter(
            "send a submission as multipart/form-data: one <split>.csv file per evaluated split, "
            "and the fields model_name, description, code_url (paper_doi, software and "
            "trained_on optional)"
        )
    form = await request.form(max_files=MAX_FILES, max_fields=len(_FIELDS) + 1)
    texts: dict[str, str] = {}
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            filename = value.filename or ""
            if not filename.endswith(".csv") or len(filename) <= 4:
                raise InvalidParameter(
                    f"file {filename!r} is not named <split>.csv: name each predictions file "
                    "after the split it answers, e.g. test.csv"
                )
            split = filename.removesuffix(".csv").rsplit("/", 1)[-1]
            if split in texts:
                raise InvalidParameter(f"two files answer the split {split!r}; send one")
            try:
                texts[split] = (await value.read()).decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidParameter(f"{filename} is not UTF-8 text") from None
        elif name in _FIELDS:
            fields[name] = value.strip()
        else:
            raise InvalidParameter(f"unknown field {name!r}; the fields are: {', '.join(_FIELDS)}")
    trained_on = tuple(s.strip() for s in fields.get("trained_on", "").split(",") if s.strip())
    details = Details(
        model_name=fields.get("model_name", ""),
        description=fields.get("description", ""),
        code_url=fields.get("code_url", ""),
        paper_doi=fields.get("paper_doi") or None,
        software=fields.get("software") or None,
        trained_on=trained_on,
    )
    return texts, details


@router.post(
    "/collections/{dataset}/versions/{version}/submissions",
    summary="Submit a model's predictions for a version's evaluation splits, to be scored and kept",
    description=(
        "Multipart form data: one `<split>.csv` file per evaluated split (the format of "
        "`/evaluate`), and the fields `model_name`, `description`, `code_url`, and optionally "
        "`paper_doi`, `software` and `trained_on` (comma-separated splits used for training "
        "and model selection). Needs a token made with `astrobench token create NAME "
        "--submit`. 201 with the scores and 95% intervals; the same files from the same token "
        "return the first submission (200). Each token may submit to a benchmark "
        "ASTROBENCH_SUBMISSIONS_PER_DAY times a day (429 with Retry-After beyond)."
    ),
    status_code=201,
    responses=responses(400, 401, 403, 404, 405, 413, 429, 503),
)
async def submit(request: Request, dataset: str, version: str, writer: Writer) -> Response:
    writer.require_submit()
    texts, details = await _form(request)
    catalogue, splits = deps.store(request), deps.splits(request)
    exact = await run_in_threadpool(catalogue.resolve, dataset, version)
    collection = await run_in_threadpool(catalogue.collection, dataset, exact)
    allowed = submissions.evaluation_splits(collection)
    truths = {  # read through the storage gate, then kept (see ``splits``)
        name: await deps.gate(request).call(splits.truth, dataset, exact, name)
        for name in texts
        if name in allowed  # others are refused, with the list, by ``submit``
    }
    limit = Limit(deps.settings(request).submissions_per_day)
    found, created = await run_in_threadpool(
        submissions.submit, catalogue, writer, collection, texts, details, truths, limit
    )
    path = submission_path(found.id)
    return FastJSONResponse(
        as_json(request, found),
        status_code=201 if created else 200,
        headers={"Location": deps.base_url(request) + path},
    )


@router.get(
    "/collections/{dataset}/versions/{version}/submissions",
    summary="Every submission to one version, oldest first",
    responses=READ_ERRORS,
)
def listed(request: Request, dataset: str, version: str) -> Response:
    exact = deps.store(request).resolve(dataset, version)
    found = submissions.listed(deps.store(request), dataset, exact)
    return FastJSONResponse(
        {
            "dataset": dataset,
            "version": exact,
            "submissions": [as_json(request, s) for s in found],
        }
    )


@router.get(
    "/submissions/{submission_id}", summary="One submission, as scored", responses=READ_ERRORS
)
def one(request: Request, submission_id: str) -> Response:
    return FastJSONResponse(as_json(request, submissions.get(deps.store(request), submission_id)))


@router.get(
    "/submissions/{submission_id}/export/bibtex",
    summary="BibTeX for a submission, then for the benchmark version it was scored on (its DOI)",
    response_class=Response,
    responses={200: {"content": {"application/x-bibtex": {}}}, **READ_ERRORS},
)
def bibtex(request: Request, submission_id: str) -> Response:
    found = submissions.get(deps.store(request), submission_id)
    benchmark = exports.resolved(request, found.dataset, found.version).citable
    url = deps.base_url(request) + submission_path(found.id)
    return Response(
        submissions.bibtex(found, url, benchmark), media_type="application/x-bibtex; charset=utf-8"
    )


@router.get(
    "/submissions/{submission_id}/predictions/{split}.csv",
    summary="A submission's predictions file, as it was sent",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **READ_ERRORS},
)
def predictions_file(request: Request, submission_id: str, split: str) -> Response:
    text = submissions.predictions_text(deps.store(request), submission_id, split)
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{submission_id}-{split}.csv"'},
    )
