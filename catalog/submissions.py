"""Submissions: a model's predictions for the evaluation splits of one benchmark version, scored
by the catalogue when they arrive and kept unchanged.

A submission names the model, describes it and links its code; it may cite a paper (DOI), name
its software, and say which splits it was trained and selected on. Each file is scored with the
version's official metrics and 95% intervals resampled by object, and kept as sent, with its
sha256, so that anyone can download and rescore it. The same files from the same token are the
same submission: sending them again returns the first. A token may submit to one benchmark only
``Limit.count`` times in ``Limit.seconds``, so that an evaluation split cannot be learnt by probing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from astrobench.catalog import citation, evaluation
from astrobench.catalog.auth import Principal
from astrobench.catalog.citation import Citable
from astrobench.catalog.errors import InvalidParameter, SubmissionNotFound, TooManySubmissions
from astrobench.catalog.extension import Benchmark
from astrobench.catalog.predictions import Truth
from astrobench.catalog.rows import naive_utc
from astrobench.catalog.schema import (
    BlindScoringRow,
    SubmissionFileRow,
    SubmissionRow,
    TokenRow,
)
from astrobench.catalog.store import Store

EVALUATION_ROLES = ("test", "robustness")
"""Roles of the splits a submission is scored on; training and validation splits are not."""
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_URL = re.compile(r"^https?://\S+$")


def evaluator() -> str:
    """What scored a submission: this package and its version."""
    try:
        return f"astrobench {installed('astrobench')}"
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "astrobench (unreleased)"


@dataclass(frozen=True)
class Limit:
    """How many submissions one token may make to one benchmark in a window of time."""

    count: int = 5
    seconds: int = 86_400


@dataclass(frozen=True)
class Details:
    """What a submitter says of the model."""

    model_name: str
    description: str
    code_url: str
    paper_doi: str | None = None
    software: str | None = None
    trained_on: tuple[str, ...] = ()

    def check(self, splits: list[str], scored: list[str]) -> None:
        """``InvalidParameter`` naming the first field that is missing or malformed."""
        if not 0 < len(self.model_name.strip()) <= 200:
            raise InvalidParameter("model_name is required (1 to 200 characters)")
        if not self.description.strip():
            raise InvalidParameter("description is required: say what the model is")
        if not _URL.match(self.code_url) or len(self.code_url) > 500:
            raise InvalidParameter(
                f"code_url {self.code_url!r} is not an http(s) URL: link the code that made "
                "the predictions"
            )
        if self.paper_doi is not None and not _DOI.match(self.paper_doi):
            raise InvalidParameter(
                f"paper_doi {self.paper_doi!r} is not a DOI; give it as 10.NNNN/suffix"
            )
        if self.software is not None and len(self.software) > 500:
            raise InvalidParameter("software is at most 500 characters")
        unknown = [s for s in self.trained_on if s not in splits]
        if unknown:
            raise InvalidParameter(
                f"trained_on names splits this version does not have: {', '.join(unknown)}; "
                f"its splits: {', '.join(splits)}"
            )
        overlap = [s for s in self.trained_on if s in scored]
        if overlap:
            raise InvalidParameter(
                f"trained_on names {', '.join(overlap)}, which this submission is scored on: "
                "a model may not be trained or selected on the splits that score it"
            )


@dataclass(frozen=True)
class SubmittedFile:
    split: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Submission:
    """A scored submission, as kept."""

    id: str
    dataset: str
    version: str
    token: str
    created: datetime
    evaluator: str
    details: Details
    report: dict[str, Any]
    files: list[SubmittedFile] = field(default_factory=list)


def bibtex(found: Submission, url: str, benchmark: Citable) -> str:
    """BibTeX for a submission at its stable ``url``, then for the benchmark version it was
    scored on (with its DOI), which the first entry names: a result is cited with its data."""
    details = found.details
    splits = ", ".join(f.split for f in found.files)
    note = (
        f"Predictions for the {found.dataset} {found.version} benchmark "
        f"(doi:{benchmark.doi}, cited as {citation.key(benchmark)}), scored on {splits} by "
        f"{found.evaluator} on {found.created:%Y-%m-%d}. Code: {details.code_url}"
    )
    if details.paper_doi:
        note += f". Paper: doi:{details.paper_doi}"
    fields = {
        "author": "{" + citation.escape(found.token) + "}",
        "title": "{"
        + citation.escape(f"{details.model_name}: {found.dataset} {found.version}")
        + "}",
        "year": str(found.created.year),
        "month": found.created.strftime("%b").lower(),
        "howpublished": "astrobench leaderboard submission",
        "url": url,
        "note": citation.escape(note),
    }
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"astrobench_{found.id}")
    return citation.entry(key, fields) + "\n" + citation.bibtex(benchmark)


def evaluation_splits(collection: dict[str, Any]) -> list[str]:
    """The splits of a version that submissions are scored on."""
    splits = Benchmark.from_collection(collection).splits or ()
    return [s.name for s in splits if s.role in EVALUATION_ROLES]


def key_of(token: str, dataset: str, version: str, texts: Mapping[str, str]) -> str:
    """What identifies a submission: who sent which files for which version."""
    parts = [token, dataset, version] + [
        f"{split}:{_sha256(texts[split])}" for split in sorted(texts)
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def submit(
    store: Store,
    principal: Principal,
    collection: dict[str, Any],
    texts: Mapping[str, str],
    details: Details,
    truths: Mapping[str, Truth],
    limit: Limit = Limit(),
    now: datetime | None = None,
) -> tuple[Submission, bool]:
    """Score and keep a submission; the submission and whether it is new (the same files from
    the same token return the first one, and do not count against the limit)."""
    principal.require_submit()
    dataset, version = collection["id"], collection["version"]
    allowed = evaluation_splits(collection)
    if not texts:
        raise InvalidParameter(
            f"send one <split>.csv predictions file per evaluated split; {dataset} {version} "
            f"scores: {', '.join(allowed)}"
        )
    wrong = [s for s in texts if s not in allowed]
    if wrong:
        raise InvalidParameter(
            f"{', '.join(wrong)}: not an evaluation split of {dataset} {version}; submissions "
            f"are scored on {', '.join(allowed)}"
        )
    splits = [s.name for s in Benchmark.from_collection(collection).splits or ()]
    details.check(splits, list(texts))
    key = key_of(principal.name, dataset, version, texts)
    if (found := _by_key(store, key)) is not None:
        return found, False
    moment = naive_utc(now or datetime.now(timezone.utc))
    check_limit(store, principal, dataset, limit, moment)  # before scoring, which takes a while
    report = evaluation.scored_files(collection, texts, truths)
    row = SubmissionRow(
        id=f"sub-{key[:16]}",
        key=key,
        dataset_id=dataset,
        version=version,
        token=principal.name,
        created=moment,
        evaluator=evaluator(),
        model_name=details.model_name.strip(),
        description=details.description.strip(),
        code_url=details.code_url,
        paper_doi=details.paper_doi,
        software=details.software,
        trained_on=list(details.trained_on),
        report=report,
    )
    files = [
        SubmissionFileRow(
            submission_id=row.id,
            split=split,
            sha256=_sha256(text),
            size=len(text.encode()),
            content=text,
        )
        for split, text in sorted(texts.items())
    ]
    with store.transaction() as session:
        _lock_token(session, principal.name)
        first = session.scalar(select(SubmissionRow.id).where(SubmissionRow.key == key))
        if first is None:
            _check_limit(session, principal.name, dataset, limit, moment)
            session.add(row)
            session.flush()
            session.add_all(files)
    return get(store, first or row.id), first is None


def check_limit(
    store: Store,
    principal: Principal,
    dataset: str,
    limit: Limit = Limit(),
    now: datetime | None = None,
) -> None:
    """``TooManySubmissions`` if the token has used its window on ``dataset`` up already: asked
    before scoring, so that a token at its limit costs the catalogue no scoring work."""
    moment = naive_utc(now or datetime.now(timezone.utc))
    with store.session() as session:
        _check_limit(session, principal.name, dataset, limit, moment)


def record_blind_scoring(
    store: Store,
    principal: Principal,
    dataset: str,
    version: str,
    limit: Limit = Limit(),
    now: datetime | None = None,
) -> None:
    """Count one scoring of blind splits outside a submission (``evaluate``) against the token's
    limit, as a submission counts: ``TooManySubmissions`` once the window holds ``limit.count``."""
    principal.require_submit()
    moment = naive_utc(now or datetime.now(timezone.utc))
    with store.transaction() as session:
        _lock_token(session, principal.name)
        _check_limit(session, principal.name, dataset, limit, moment)
        session.add(
            BlindScoringRow(
                token=principal.name, dataset_id=dataset, version=version, created=moment
            )
        )


def _lock_token(session: Session, token: str) -> None:
    """Queue a token's concurrent scorings behind its row lock (SQLite's write lock does the
    same): each sees the others, for the limit and for a repeat of the same files."""
    session.execute(select(TokenRow.name).where(TokenRow.name == token).with_for_update())


def _check_limit(session: Session, token: str, dataset: str, limit: Limit, now: datetime) -> None:
    since = now - timedelta(seconds=limit.seconds)
    made, oldest = 0, None
    for row in (SubmissionRow, BlindScoringRow):
        count, first = session.execute(
            select(func.count(), func.min(row.created)).where(
                row.token == token, row.dataset_id == dataset, row.created > since
            )
        ).one()
        made += count
        oldest = first if oldest is None or (first is not None and first < oldest) else oldest
    if made >= limit.count and oldest is not None:
        wait = max(1, int((oldest - since).total_seconds()) + 1)
        raise TooManySubmissions(
            f"token {token!r} has made {made} submissions (or scorings of blind splits) to "
            f"{dataset} in the last {_duration(limit.seconds)}, the most allowed "
            f"(ASTROBENCH_SUBMISSIONS_PER_DAY); the next is possible in {_duration(wait)}",
            retry_after=wait,
        )


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds >= 120:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _by_key(store: Store, key: str) -> Submission | None:
    with store.session() as session:
        found = session.scalar(select(SubmissionRow.id).where(SubmissionRow.key == key))
    return get(store, found) if found else None


def get(store: Store, submission_id: str) -> Submission:
    """A submission by id; ``SubmissionNotFound`` if there is none."""
    with store.session() as session:
        row = session.get(SubmissionRow, submission_id)
        if row is None:
            raise SubmissionNotFound(f"no submission has the id {submission_id!r}")
        files = session.execute(
            select(SubmissionFileRow.split, SubmissionFileRow.sha256, SubmissionFileRow.size)
            .where(SubmissionFileRow.submission_id == submission_id)
            .order_by(SubmissionFileRow.split)
        ).all()
        return _submission(row, [SubmittedFile(*f) for f in files])


def listed(store: Store, dataset: str, version: str) -> list[Submission]:
    """Every submission to one version, oldest first."""
    with store.session() as session:
        rows = session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.dataset_id == dataset, SubmissionRow.version == version)
            .order_by(SubmissionRow.created, SubmissionRow.id)
        ).all()
        files = session.execute(
            select(
                SubmissionFileRow.submission_id,
                SubmissionFileRow.split,
                SubmissionFileRow.sha256,
                SubmissionFileRow.size,
            )
            .join(SubmissionRow, SubmissionRow.id == SubmissionFileRow.submission_id)
            .where(SubmissionRow.dataset_id == dataset, SubmissionRow.version == version)
            .order_by(SubmissionFileRow.split)
        ).all()
    by_submission: dict[str, list[SubmittedFile]] = {}
    for submission_id, split, sha256, size in files:
        by_submission.setdefault(submission_id, []).append(SubmittedFile(split, sha256, size))
    return [_submission(row, by_submission.get(row.id, [])) for row in rows]


def predictions_texts(store: Store, dataset: str, version: str) -> dict[tuple[str, str], str]:
    """(submission id, split) -> the predictions file as sent, of every submission to one
    version, read at once."""
    with store.session() as session:
        rows = session.execute(
            select(
                SubmissionFileRow.submission_id, SubmissionFileRow.split, SubmissionFileRow.content
            )
            .join(SubmissionRow, SubmissionRow.id == SubmissionFileRow.submission_id)
            .where(SubmissionRow.dataset_id == dataset, SubmissionRow.version == version)
        ).all()
    return {(submission, split): text for submission, split, text in rows}


def predictions_text(store: Store, submission_id: str, split: str) -> str:
    """A submission's predictions file for ``split``, as it was sent."""
    with store.session() as session:
        found = session.get(SubmissionFileRow, (submission_id, split))
        if found is None:
            get(store, submission_id)  # raises SubmissionNotFound first if that is the problem
            raise SubmissionNotFound(f"submission {submission_id} has no predictions for {split!r}")
        return found.content


def _submission(row: SubmissionRow, files: list[SubmittedFile]) -> Submission:
    return Submission(
        id=row.id,
        dataset=row.dataset_id,
        version=row.version,
        token=row.token,
        created=row.created.replace(tzinfo=timezone.utc),
        evaluator=row.evaluator,
        details=Details(
            row.model_name,
            row.description,
            row.code_url,
            row.paper_doi,
            row.software,
            tuple(row.trained_on),
        ),
        report=dict(row.report),
        files=files,
    )
