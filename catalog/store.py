"""The catalogue store: one interface over SQLite (default) and PostgreSQL.

Versions are drafts until published. Publishing writes a version's collection, items and assets in
one transaction, so a version is either entirely visible or not at all; afterwards only its status
(deprecated, yanked) may change. Search reads the promoted columns and the stored JSON in SQL.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    Select,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from astrobench.catalog import benchmark, blind, migrate
from astrobench.catalog.errors import (
    AssetNotFound,
    DatasetNotFound,
    DraftNotFound,
    InvalidParameter,
    ItemNotFound,
    StorageUnavailable,
    TruthNotHeld,
    VersionExists,
    VersionNotFound,
)
from astrobench.catalog.geometry import bbox_condition
from astrobench.catalog.queryables import COLLECTION_QUERYABLES, ITEM_QUERYABLES
from astrobench.catalog.records import AssetRecord, VersionSummary
from astrobench.catalog.rows import ItemColumns, item_row, naive_utc, utc_now, version_columns
from astrobench.catalog.schema import (
    AssetRow,
    BlindTruthRow,
    DatasetRow,
    ItemRow,
    SkyRangeRow,
    StateRow,
    VersionRow,
)
from astrobench.catalog.search import Page, Plan, SearchQuery
from astrobench.catalog.sky import moc_ranges
from astrobench.catalog.versions import Status, Version, VersionInfo, resolve

__all__ = ["Page", "SearchQuery", "Store"]

log = logging.getLogger(__name__)
_TOO_BIG = (
    "parser stack overflow",
    "too many",
    "pattern too complex",
    "Expression tree is too large",
    "number of parameters must be between",
)
"""What SQLite and PostgreSQL say when a statement exceeds their limits."""
_VISIBLE = VersionRow.status != Status.DRAFT.value
_ITEM_VERSION = and_(
    VersionRow.dataset_id == ItemRow.dataset_id, VersionRow.version == ItemRow.version
)
_TRUTH_VERSION = and_(
    VersionRow.dataset_id == BlindTruthRow.dataset_id, VersionRow.version == BlindTruthRow.version
)


ASSETS_REMEMBERED = 10_000
"""Published files' records a store keeps in memory (a few MB at most)."""
COUNTS_REMEMBERED = 10_000
"""Searches whose number of matches a store keeps, per generation (a few MB at most)."""
_GENERATION = select(StateRow.generation).where(StateRow.id == 1)
_ADVANCE = update(StateRow).where(StateRow.id == 1).values(generation=StateRow.generation + 1)
T = TypeVar("T")


@dataclass(frozen=True)
class Published:
    """Every dataset's published versions, as of one generation of the catalogue."""

    generation: int
    histories: dict[str, list[VersionSummary]]
    """Dataset -> its versions, oldest first."""
    latest: dict[str, str]
    titles: dict[str, str | None]
    """Dataset -> its latest version's title."""


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _same_value(value: Any) -> Any:
    return value


class Store:
    """Datasets, their versions, items and assets, in one relational database."""

    def __init__(self, url: str, count_matches: bool = True, **engine_options: Any) -> None:
        """``count_matches``: give every search page the number of matches in all (counted
        once per search and generation), not only pages that show the whole result.
        ``engine_options`` go to ``sqlalchemy.create_engine`` (``pool_size``...).

        Pooled connections are not pinged before use: when the database restarts, the request
        that meets a dead connection fails (503) and the whole pool is replaced at once.
        """
        self.url = url
        self.count_matches = count_matches
        connect_args: dict[str, Any] = {}
        if url.startswith("sqlite"):
            connect_args.update(check_same_thread=False, timeout=SQLITE_BUSY_SECONDS)
            if make_url(url).database in (None, "", ":memory:"):  # a connection per thread
                engine_options.pop("max_overflow", None)
        self.engine: Engine = create_engine(
            url,
            connect_args=connect_args,
            json_serializer=_json,
            json_deserializer=orjson.loads,
            **engine_options,
        )
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        reads = self.engine
        if not url.startswith("sqlite"):  # each read is its own snapshot: no BEGIN, no ROLLBACK
            reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._session = sessionmaker(reads, expire_on_commit=False)
        self._snapshot = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = self.engine.execution_options(writes=True)
        self._writer = sessionmaker(self._writes, expire_on_commit=False)
        self._current = threading.local()
        self._assets: dict[str, AssetRecord] = {}
        self._published: Published | None = None
        self._derived: dict[str, tuple[int, Any]] = {}
        self._counts: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()
        self._counts_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def create(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        with self._translate():
            migrate.upgrade(self.engine)

    def require_current(self) -> None:
        """Refuse to run on a schema older (or newer) than this code's."""
        with self._translate():
            found, expected = migrate.current(self.engine), migrate.head()
        if found != expected:
            raise StorageUnavailable(
                f"the catalogue schema is at revision {found}, this code needs {expected}; "
                "run 'astrobench db upgrade'"
            )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _translate(self) -> Iterator[None]:
        """Driver errors as domain errors: a query too big for the database, or a value it
        cannot hold, is the request's fault (400); anything else operational is an outage
        (503), described without the database's address or messages, which are logged."""
        try:
            yield
        except OperationalError as error:
            if any(sign in str(error.orig) for sign in _TOO_BIG):
                raise InvalidParameter(
                    f"the search is too large for the database ({error.orig}); ask for less"
                ) from error
            log.warning("catalogue database unavailable: %s", error.orig)
            raise StorageUnavailable(
                "the catalogue database is unavailable; try again shortly"
            ) from error
        except DataError as error:
            raise InvalidParameter(f"a value does not fit the catalogue: {error.orig}") from error
        except PoolTimeout as error:
            log.warning("catalogue database connections exhausted: %s", error)
            raise StorageUnavailable("the catalogue database is busy; try again shortly") from error

    @contextmanager
    def session(self, snapshot: bool = False) -> Iterator[Session]:
        """A session for reading; inside another session of this thread, that one, so that a
        request never holds two pooled connections (and a busy pool cannot deadlock).

        On PostgreSQL each statement reads the latest committed state, unless ``snapshot``: then
        the session is one transaction, as a server-side cursor needs.
        """
        current: Session | None = getattr(self._current, "session", None)
        if current is not None:
            yield current
            return
        maker = self._snapshot if snapshot else self._session
        with self._translate(), maker() as session, self._using(session):
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction (on SQLite it takes the write lock at once: BEGIN IMMEDIATE);
        reads made while it is open see its changes, and a write inside it joins it."""
        current: Session | None = getattr(self._current, "session", None)
        if current is not None and current.bind is self._writes:
            yield current
            return
        with self._translate(), self._writer() as session, session.begin(), self._using(session):
            yield session
            session.execute(_ADVANCE)  # last, so the row lock is held only while committing

    @contextmanager
    def _using(self, session: Session) -> Iterator[None]:
        outer = getattr(self._current, "session", None)
        self._current.session = session
        try:
            yield
        finally:
            self._current.session = outer

    # -- publishing ----------------------------------------------------------------------------

    def publish(
        self,
        collection: dict[str, Any],
        items: Sequence[dict[str, Any]],
        assets: Sequence[AssetRecord],
        published: datetime | None = None,
        truths: Mapping[str, bytes] | None = None,
    ) -> bool:
        """Publish one version atomically: all of it becomes visible, or none of it.

        A draft of the same version is replaced. Publishing exactly what is already published
        changes nothing and returns False, so a retry, or the same publish run twice at once, is
        harmless; a different version under a published number raises ``VersionExists``.
        ``truths``: the withheld truth file of each blind split (``blind.check``); None where
        this catalogue keeps none, as a mirror does (its blind splits are scored at the source).
        """
        dataset, version = collection["id"], collection["version"]
        if truths is not None:
            blind.check(collection, truths)
        try:
            with self.transaction() as session:
                self._lock_dataset(session, dataset, create=True)
                row = session.get(VersionRow, (dataset, version))
                if row is not None and row.status != Status.DRAFT.value:
                    if self._same(session, row, collection, items, assets, truths):
                        return False
                    raise _exists(dataset, version)
                if row is not None:
                    session.delete(row)
                    session.flush()
                row = self._new_version(session, collection, Status.PUBLISHED)
                columns = ItemColumns(version, collection)
                self._insert_items(session, [columns(item) for item in items])
                session.add_all(
                    BlindTruthRow(
                        dataset_id=dataset,
                        version=version,
                        split=split,
                        sha256=hashlib.sha256(content).hexdigest(),
                        content=content,
                    )
                    for split, content in (truths or {}).items()
                )
                self._finish_publish(session, row, assets, published)
                return True
        except IntegrityError as error:
            raise VersionExists(
                f"{dataset} {version} conflicts with published records: {error.orig}"
            ) from error

    def put_draft(self, collection: dict[str, Any]) -> bool:
        """Create or replace the draft of ``collection["version"]``; True if it is new."""
        dataset, version = collection["id"], collection["version"]
        with self.transaction() as session:
            self._lock_dataset(session, dataset, create=True)
            row = session.get(VersionRow, (dataset, version))
            if row is not None and row.status != Status.DRAFT.value:
                raise _exists(dataset, version)
            if row is None:
                self._new_version(session, collection, Status.DRAFT)
                return True
            row.collection = collection
            row.updated = utc_now()
            for key, value in version_columns(collection).items():
                setattr(row, key, value)
            self._put_sky_ranges(session, collection)
            return False

    def drafts(self, dataset: str) -> list[str]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(VersionRow.version).where(
                        VersionRow.dataset_id == dataset, VersionRow.status == Status.DRAFT.value
                    )
                )
            )

    def draft(self, dataset: str, version: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A draft's collection and items."""
        with self.session() as session:
            row = self._draft_row(session, dataset, version)
            items = session.scalars(
                select(ItemRow.content)
                .where(ItemRow.dataset_id == dataset, ItemRow.version == version)
                .order_by(ItemRow.id)
            ).all()
            return dict(row.collection), [dict(i) for i in items]

    def put_draft_item(self, dataset: str, version: str, item: dict[str, Any]) -> bool:
        """Add or replace an item of a draft; True if it is new."""
        with self.transaction() as session:
            row = self._draft_row(session, dataset, version, lock=True)
            existing = session.get(ItemRow, (dataset, item["id"]))
            if existing is not None and existing.version != version:
                raise VersionExists(
                    f"item {item['id']!r} belongs to {dataset} {existing.version}, which is "
                    "published; item ids are unique within a dataset"
                )
            if existing is not None:
                session.delete(existing)
                session.flush()
            session.add(item_row(item, version, row.collection))
            row.updated = utc_now()
            return existing is None

    def delete_draft_item(self, dataset: str, version: str, item_id: str) -> None:
        with self.transaction() as session:
            row = self._draft_row(session, dataset, version, lock=True)
            found = session.get(ItemRow, (dataset, item_id))
            if found is None or found.version != version:
                raise ItemNotFound(f"draft {dataset} {version} has no item {item_id!r}")
            session.delete(found)
            row.updated = utc_now()

    def delete_draft(self, dataset: str, version: str) -> None:
        """Discard a draft and its items (published versions are never deleted)."""
        with self.transaction() as session:
            row = self._draft_row(session, dataset, version, lock=True)
            for table in (ItemRow, SkyRangeRow):
                session.execute(
                    delete(table).where(table.dataset_id == dataset, table.version == version)
                )
            session.delete(row)
            session.flush()
            remaining = session.scalar(
                select(VersionRow.version).where(VersionRow.dataset_id == dataset).limit(1)
            )
            if remaining is None:
                session.execute(delete(DatasetRow).where(DatasetRow.id == dataset))

    def publish_draft(
        self, dataset: str, version: str, assets: Sequence[AssetRecord], checked_at: datetime
    ) -> None:
        """Publish a draft whose files were verified at ``checked_at``, atomically.

        Refuses (``VersionExists``) if the draft changed after its files were checked.
        """
        with self.transaction() as session:
            row = self._draft_row(session, dataset, version, lock=True)
            if blind.blind_splits(row.collection):
                raise InvalidParameter(
                    f"draft {dataset} {version} has blind splits, whose truth a draft cannot "
                    "hold: publish it in one request, POST /collections/{id}/versions with "
                    '"truths"'
                )
            if row.updated > naive_utc(checked_at):
                raise VersionExists(
                    f"draft {dataset} {version} changed while it was being published; retry"
                )
            row.status = Status.PUBLISHED.value
            self._finish_publish(session, row, assets, None)

    def set_status(
        self, dataset: str, version: str, status: Status, reason: str, successor: str | None = None
    ) -> None:
        """Deprecate, yank or restore a version (its records and files stay resolvable)."""
        if status is Status.DRAFT:
            raise InvalidParameter("a published version cannot become a draft again")
        with self.transaction() as session:
            self._lock_dataset(session, dataset)
            row = self._version_row(session, dataset, version)
            row.status, row.reason, row.successor = status.value, reason, successor
            row.updated = utc_now()
            session.flush()
            self._refresh_latest(session, dataset)

    # -- reading -------------------------------------------------------------------------------

    def generation(self) -> int:
        """The catalogue's generation: it advances with every committed write."""
        with self.session() as session:
            return self._generation(session)

    def _generation(self, session: Session) -> int:
        return session.scalar(_GENERATION) or 0

    def cached(self, name: str, read: Callable[[], T], catalogue: Published | None = None) -> T:
        """``read()``, kept while the catalogue stays at the generation of ``catalogue``
        (default: the current one); the result must not be modified."""
        generation = (catalogue or self.published()).generation
        known = self._derived.get(name)
        if known is not None and known[0] == generation:
            return known[1]  # type: ignore[no-any-return]
        found = read()
        if not self._writing(getattr(self._current, "session", None)):
            self._derived[name] = (generation, found)
        return found

    def _writing(self, session: Session | None) -> bool:
        """Whether ``session`` is a write transaction (whose changes no cache has seen yet)."""
        return session is not None and session.bind is self._writes

    def published(self) -> Published:
        """Every dataset's published versions: read once per generation of the catalogue."""
        with self.session() as session:
            generation = self._generation(session)
            known = self._published
            writing = self._writing(session)
            if known is not None and known.generation == generation and not writing:
                return known
            rows = session.execute(
                select(
                    VersionRow.dataset_id,
                    VersionRow.version,
                    VersionRow.status,
                    VersionRow.published,
                    VersionRow.updated,
                    VersionRow.reason,
                    VersionRow.successor,
                    VersionRow.is_latest,
                    VersionRow.title,
                )
                .where(_VISIBLE)
                .order_by(
                    VersionRow.dataset_id, VersionRow.major, VersionRow.minor, VersionRow.patch
                )
            ).all()
            found = Published(generation, {}, {}, {})
            for row in rows:
                summary = VersionSummary(
                    row.version,
                    Status(row.status),
                    (row.published or row.updated).replace(tzinfo=timezone.utc),
                    row.reason,
                    row.successor,
                )
                found.histories.setdefault(row.dataset_id, []).append(summary)
                if row.is_latest:
                    found.latest[row.dataset_id] = row.version
                    found.titles[row.dataset_id] = row.title
            if not writing:
                self._published = found
            return found

    def dataset_ids(self) -> list[str]:
        """Datasets with at least one published version."""
        return list(self.published().histories)

    def history(self, dataset: str) -> list[VersionSummary]:
        """Every published version of a dataset, oldest first."""
        catalogue = self.published()
        found = catalogue.histories.get(dataset)
        if not found:
            raise DatasetNotFound(dataset, list(catalogue.histories))
        return list(found)

    def resolve(
        self, dataset: str, request: str | None, history: Sequence[VersionSummary] | None = None
    ) -> str:
        """The exact version a request means (see ``versions.resolve``); pass the dataset's
        ``history`` when it is already at hand."""
        found = self.history(dataset) if history is None else history
        infos = [VersionInfo(Version.parse(h.version), h.status) for h in found]
        return str(resolve(dataset, request, infos).version)

    def latest_versions(self) -> dict[str, str]:
        """The latest (newest not yanked) version of every dataset."""
        return dict(self.published().latest)

    def latest_titles(self) -> dict[str, str | None]:
        """The title of the latest version of every dataset."""
        return dict(self.published().titles)

    def release_notes(self, dataset: str) -> dict[str, str]:
        """Version -> its release notes, for every published version of a dataset."""
        notes = VersionRow.collection["astrobench:release_notes"].as_string()
        with self.session() as session:
            rows = session.execute(
                select(VersionRow.version, notes).where(VersionRow.dataset_id == dataset, _VISIBLE)
            ).all()
        return {version: text or "" for version, text in rows}

    def collection(self, dataset: str, version: str) -> dict[str, Any]:
        with self.session() as session:
            return dict(self._version_row(session, dataset, version).collection)

    def truth(self, dataset: str, version: str, split: str) -> bytes:
        """The withheld truth file of a blind split of a published version; ``TruthNotHeld``
        where this catalogue keeps none (a mirror's blind split)."""
        with self.session() as session:
            found = session.scalar(
                select(BlindTruthRow.content)
                .join(VersionRow, _TRUTH_VERSION)
                .where(
                    BlindTruthRow.dataset_id == dataset,
                    BlindTruthRow.version == version,
                    BlindTruthRow.split == split,
                    _VISIBLE,
                )
            )
        if found is None:
            self.collection(dataset, version)  # raises first if the version is the problem
            raise TruthNotHeld(
                f"{dataset} {version} {split} is blind and this catalogue does not hold its "
                "truth: the catalogue that published it scores it"
            )
        return found

    def items(
        self,
        dataset: str,
        version: str,
        query: SearchQuery | None = None,
        catalogue: Published | None = None,
    ) -> Page:
        """The items of one published version, a page at a time, optionally filtered.
        ``catalogue``: the published versions, when the caller has read them already."""
        query = query or SearchQuery()
        catalogue = catalogue or self.published()
        exact = self.resolve(dataset, version, catalogue.histories.get(dataset))
        plan = self._item_plan(query)
        plan.conditions += [ItemRow.dataset_id == dataset, ItemRow.version == exact]
        latest = catalogue.latest.get(dataset) == exact
        base = select(ItemRow.content, literal(latest))  # one version: no join to versions
        return self._run(plan, query, ("items", dataset, exact), base, catalogue)

    def item(self, dataset: str, item_id: str) -> dict[str, Any]:
        """An item by id, in any published version (item ids carry their version)."""
        with self.session() as session:
            content = session.scalar(
                select(ItemRow.content)
                .join(VersionRow, _ITEM_VERSION)
                .where(ItemRow.dataset_id == dataset, ItemRow.id == item_id, _VISIBLE)
            )
            if content is None:
                self.history(dataset)  # raises DatasetNotFound first if that is the problem
                raise ItemNotFound(f"dataset {dataset!r} has no item {item_id!r}")
            return dict(content)

    def search(self, query: SearchQuery, catalogue: Published | None = None) -> Page:
        """Items matching a search; without ``ids``, only the latest version of each dataset.
        ``catalogue``: the published versions, when the caller has read them already."""
        catalogue = catalogue or self.published()
        if query.collections and not any(c in catalogue.histories for c in query.collections):
            raise DatasetNotFound(query.collections[0], list(catalogue.histories))
        plan = self._item_plan(query)
        if query.ids:
            plan.conditions += [ItemRow.id.in_(query.ids), _VISIBLE]
        else:
            plan.conditions.append(VersionRow.is_latest)
        if query.collections:
            plan.conditions.append(ItemRow.dataset_id.in_(query.collections))
        base = select(ItemRow.content, VersionRow.is_latest).join(VersionRow, _ITEM_VERSION)
        return self._run(plan, query, ("search",), base, catalogue)

    def search_collections(self, query: SearchQuery, catalogue: Published | None = None) -> Page:
        """The latest version of every dataset matching a collection search."""
        if query.intersects is not None:
            raise InvalidParameter(
                "intersects is an item-search parameter; collection search takes bbox, or "
                "cone for the sky"
            )
        plan = Plan(
            VersionRow,
            COLLECTION_QUERYABLES,
            [VersionRow.dataset_id],
            self.dialect,
            [VersionRow.is_latest],
        )
        if query.ids:
            plan.conditions.append(VersionRow.dataset_id.in_(query.ids))
        plan.add_common(query)
        generation = (catalogue or self.published()).generation
        with self.session() as session:
            count = self._counter(session, ("collections", _query_key(query)), generation)
            return plan.run(session, select(VersionRow.collection), query, count)

    def version_assets(self, dataset: str, version: str) -> list[AssetRecord]:
        """The files published with one exact version."""
        with self.session() as session:
            self._version_row(session, dataset, version)
            rows = session.scalars(
                select(AssetRow).where(AssetRow.dataset_id == dataset, AssetRow.version == version)
            ).all()
            return [AssetRecord(r.path, r.sha256, r.size, r.media_type) for r in rows]

    def asset(self, path: str) -> AssetRecord:
        """A published file's record. Published files never change, so each is read from the
        database once per process: a client's range reads of one file cost no query."""
        if (known := self._assets.get(path)) is not None:
            return known
        with self.session() as session:
            row = session.get(AssetRow, path)
            if row is None:
                raise AssetNotFound(f"no published asset at {path!r}")
            record = AssetRecord(row.path, row.sha256, row.size, row.media_type)
        if len(self._assets) >= ASSETS_REMEMBERED:
            self._assets.clear()
        self._assets[path] = record
        return record

    # -- helpers -------------------------------------------------------------------------------

    def _item_plan(self, query: SearchQuery) -> Plan:
        plan = Plan(
            ItemRow,
            ITEM_QUERYABLES,
            [ItemRow.dataset_id, ItemRow.id],
            self.dialect,
        )
        plan.add_common(query)
        box = query.intersects.bounds if query.intersects is not None else query.bbox
        if box is not None:
            plan.conditions.append(bbox_condition(ItemRow, box))
        if query.intersects is not None:
            plan.keep = _intersecting(query.intersects)
        return plan

    def _run(
        self,
        plan: Plan,
        query: SearchQuery,
        scope: tuple[str, ...],
        base: Select[Any],
        catalogue: Published,
    ) -> Page:
        with self.session(snapshot=plan.keep is not None) as session:  # keep reads a cursor
            count = self._counter(session, (*scope, _query_key(query)), catalogue.generation)
            return plan.run(session, base, query, count)

    def _counter(
        self, session: Session, key: Hashable, generation: int
    ) -> Callable[[Select[Any]], int] | None:
        """How a search counts its matches: once per generation of the catalogue, as the
        matches of a search change only when the catalogue does (None: not counted)."""
        if not self.count_matches:
            return None

        def count(statement: Select[Any]) -> int:
            cache = not self._writing(session)
            with self._counts_lock:
                known = self._counts.get(key)
                if cache and known is not None and known[0] == generation:
                    self._counts.move_to_end(key)
                    return known[1]
            counting = statement.with_only_columns(func.count(), maintain_column_froms=True)
            found = session.scalar(counting.order_by(None)) or 0
            if cache:
                with self._counts_lock:
                    self._counts[key] = (generation, found)
                    self._counts.move_to_end(key)
                    while len(self._counts) > COUNTS_REMEMBERED:
                        self._counts.popitem(last=False)
            return found

        return count

    def _insert_items(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Insert item rows in bulk, straight through the driver (SQLAlchemy's per-row work
        would take most of the time): ``COPY`` with psycopg, one ``executemany`` with sqlite3
        of the values as SQLAlchemy's column types bind them."""
        if not rows:
            return
        driver = self.engine.dialect.driver
        if driver not in ("psycopg", "pysqlite"):
            session.execute(insert(ItemRow), rows)
            return
        columns = list(rows[0])  # ItemColumns gives every row the same columns
        names = ", ".join(f'"{name}"' for name in columns)
        raw: Any = session.connection().connection.driver_connection  # in this transaction
        if driver == "psycopg":
            import psycopg as module

            statement = f"COPY items ({names}) FROM STDIN"
        else:
            import sqlite3 as module  # type: ignore[no-redef]

            statement = f"INSERT INTO items ({names}) VALUES ({', '.join('?' * len(columns))})"
            dialect, table = self.engine.dialect, ItemRow.__table__
            types = [table.c[name].type.dialect_impl(dialect) for name in columns]
            binds = [t.bind_processor(dialect) or _same_value for t in types]
        try:
            if driver == "psycopg":
                with raw.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(
                            [_json(row[c]) if c == "content" else row[c] for c in columns]
                        )
            else:
                raw.executemany(
                    statement,
                    [
                        [bind(row[c]) for bind, c in zip(binds, columns, strict=True)]
                        for row in rows
                    ],
                )
        except module.Error as error:  # as SQLAlchemy raises them, had it run the statement
            raise DBAPIError.instance(statement, None, error, module.Error) from error

    def _lock_dataset(self, session: Session, dataset: str, create: bool = False) -> None:
        """Serialise the writes to one dataset: each takes its dataset's row lock before any
        version row, so writes to different versions queue instead of deadlocking over the
        rows ``_refresh_latest`` locks. ``create`` makes the row if it is missing. (SQLite's
        single write lock, taken at BEGIN IMMEDIATE, already serialises every write.)"""
        insert = sqlite_insert if self.dialect == "sqlite" else postgresql_insert
        for _ in range(2):  # twice: a concurrent delete may remove the row between the two
            if create:
                session.execute(
                    insert(DatasetRow)
                    .values(id=dataset, created=utc_now())
                    .on_conflict_do_nothing(index_elements=["id"])
                )
            locked = session.execute(
                select(DatasetRow.id).where(DatasetRow.id == dataset).with_for_update()
            ).first()
            if locked is not None or not create:
                return
        raise StorageUnavailable(f"dataset {dataset!r} is being changed concurrently; retry")

    def _same(
        self,
        session: Session,
        row: VersionRow,
        collection: dict[str, Any],
        items: Sequence[dict[str, Any]],
        assets: Sequence[AssetRecord],
        truths: Mapping[str, bytes] | None,
    ) -> bool:
        """Whether a published version holds exactly these records, files and (unless None)
        blind truths."""
        stored_items = session.scalars(
            select(ItemRow.content).where(
                ItemRow.dataset_id == row.dataset_id, ItemRow.version == row.version
            )
        ).all()
        stored_assets = session.scalars(
            select(AssetRow).where(
                AssetRow.dataset_id == row.dataset_id, AssetRow.version == row.version
            )
        ).all()
        stored_truths = dict(
            session.execute(
                select(BlindTruthRow.split, BlindTruthRow.sha256).where(
                    BlindTruthRow.dataset_id == row.dataset_id,
                    BlindTruthRow.version == row.version,
                )
            ).all()
        )
        sent = {s: hashlib.sha256(c).hexdigest() for s, c in (truths or {}).items()}
        return (
            row.collection == collection
            and (truths is None or stored_truths == sent)
            and sorted(stored_items, key=_by_id) == sorted(items, key=_by_id)
            and sorted(AssetRecord(a.path, a.sha256, a.size, a.media_type) for a in stored_assets)
            == sorted(assets)
        )

    def _new_version(
        self, session: Session, collection: dict[str, Any], status: Status
    ) -> VersionRow:
        dataset, version = collection["id"], collection["version"]
        parsed = Version.parse(version)
        row = VersionRow(
            dataset_id=dataset,
            version=version,
            major=parsed.major,
            minor=parsed.minor,
            patch=parsed.patch,
            status=status.value,
            is_latest=False,
            updated=utc_now(),
            collection=collection,
            **version_columns(collection),
        )
        session.add(row)
        session.flush()
        self._put_sky_ranges(session, collection)
        return row

    def _put_sky_ranges(self, session: Session, collection: dict[str, Any]) -> None:
        """The cells of the version's MOC, replacing any it had (a draft's)."""
        dataset, version = collection["id"], collection["version"]
        session.execute(
            delete(SkyRangeRow).where(
                SkyRangeRow.dataset_id == dataset, SkyRangeRow.version == version
            )
        )
        footprint = collection.get(benchmark.SKY_FOOTPRINT) or {}
        if footprint.get("moc"):
            session.add_all(
                SkyRangeRow(dataset_id=dataset, version=version, lo=lo, hi=hi)
                for lo, hi in moc_ranges(footprint["moc"])
            )

    def _finish_publish(
        self,
        session: Session,
        row: VersionRow,
        assets: Sequence[AssetRecord],
        published: datetime | None,
    ) -> None:
        row.published = naive_utc(published or utc_now())
        row.updated = utc_now()
        session.flush()
        if assets:
            session.execute(
                insert(AssetRow),
                [
                    dict(
                        path=a.path,
                        dataset_id=row.dataset_id,
                        version=row.version,
                        sha256=a.sha256,
                        size=a.size,
                        media_type=a.media_type,
                    )
                    for a in assets
                ],
            )
        self._refresh_latest(session, row.dataset_id)
        if self.dialect == "sqlite":
            # SQLite has no autovacuum to keep the planner's statistics current; without them
            # it scans every item for a time window. A sample of each index is enough.
            session.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_ROWS}"))
            session.execute(text("ANALYZE"))

    def _refresh_latest(self, session: Session, dataset: str) -> None:
        """Mark the newest published, not yanked version of a dataset as its latest."""
        rows = session.scalars(
            select(VersionRow).where(VersionRow.dataset_id == dataset).with_for_update()
        ).all()
        candidates = [r for r in rows if r.status not in (Status.DRAFT.value, Status.YANKED.value)]
        newest = max(candidates, key=lambda r: (r.major, r.minor, r.patch), default=None)
        for r in rows:
            r.is_latest = r is newest

    def _version_row(self, session: Session, dataset: str, version: str) -> VersionRow:
        row = session.get(VersionRow, (dataset, version))
        if row is None or row.status == Status.DRAFT.value:
            self.resolve(dataset, version)  # raises the precise not-found error
            raise VersionNotFound(dataset, version, [h.version for h in self.history(dataset)])
        return row

    def _draft_row(
        self, session: Session, dataset: str, version: str, lock: bool = False
    ) -> VersionRow:
        """A draft's row; with ``lock``, after taking its dataset's write lock."""
        if lock:
            self._lock_dataset(session, dataset)
        row = session.get(VersionRow, (dataset, version))
        if row is not None and row.status != Status.DRAFT.value:
            raise _exists(dataset, version)
        if row is None:
            raise DraftNotFound(dataset, version, self.drafts(dataset))
        return row


def _query_key(query: SearchQuery) -> str:
    """What decides a search's matches, whichever page it is on."""
    return repr(dataclasses.replace(query, token=None, limit=0, sortby=()))


def _intersecting(geometry: Any) -> Callable[[dict[str, Any]], bool]:
    """A test of whether an item's geometry intersects ``geometry`` (a null one never does)."""
    from shapely import prepared
    from shapely.geometry import shape

    target = prepared.prep(geometry)

    def keep(item: dict[str, Any]) -> bool:
        found = item.get("geometry")
        return found is not None and bool(target.intersects(shape(found)))

    return keep


def _exists(dataset: str, version: str) -> VersionExists:
    return VersionExists(
        f"{dataset} {version} is published and can never change; publish a new version instead"
    )


def _by_id(record: dict[str, Any]) -> str:
    return str(record.get("id"))


SQLITE_ANALYSIS_ROWS = 2000
"""Rows of each index that SQLite's ANALYZE samples after a publication."""
SQLITE_BUSY_SECONDS = 15.0
"""How long a SQLite writer waits for another's write lock before the store reports an outage."""


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    connection.isolation_level = None  # transactions begin in _sqlite_begin, not in the driver
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Begin every transaction explicitly; a write transaction takes the write lock at once,
    so two writers queue (up to ``SQLITE_BUSY_SECONDS``) instead of the later one failing when
    it first writes after reading a snapshot the other has since changed."""
    writes = connection.get_execution_options().get("writes", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
