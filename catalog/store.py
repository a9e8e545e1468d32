"""The catalogue store: one SQLAlchemy 2 schema for SQLite (default) and PostgreSQL.

A published version is written in one transaction (its collection, items and assets together) and is
never updated afterwards except for its lifecycle status.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    and_,
    create_engine,
    event,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from astrobench.catalog.errors import (
    AssetNotFound,
    DatasetNotFound,
    InvalidParameter,
    ItemNotFound,
    StorageUnavailable,
    VersionExists,
)
from astrobench.catalog.records import AssetRecord, VersionSummary
from astrobench.catalog.versions import Status, Version, VersionInfo, resolve

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class DatasetRow(Base):
    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime())


class VersionRow(Base):
    __tablename__ = "versions"
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=Status.PUBLISHED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    successor: Mapped[str | None] = mapped_column(String(40))
    published: Mapped[datetime] = mapped_column(DateTime())
    collection: Mapped[dict[str, Any]] = mapped_column(JsonType)


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"], ["versions.dataset_id", "versions.version"]
        ),
    )
    dataset_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), index=True)
    start: Mapped[datetime | None] = mapped_column(DateTime())
    end: Mapped[datetime | None] = mapped_column(DateTime())
    west: Mapped[float | None] = mapped_column(Float)
    south: Mapped[float | None] = mapped_column(Float)
    east: Mapped[float | None] = mapped_column(Float)
    north: Mapped[float | None] = mapped_column(Float)
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)


class AssetRow(Base):
    __tablename__ = "assets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"], ["versions.dataset_id", "versions.version"]
        ),
    )
    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))


@dataclass(frozen=True)
class SearchQuery:
    """Item search parameters, already validated."""

    collections: Sequence[str] = ()
    ids: Sequence[str] = ()
    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 10
    token: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of items, and the token of the next page if there is one."""

    items: list[dict[str, Any]]
    next_token: str | None
    matched: int


def _utc(moment: datetime | None) -> datetime | None:
    """Naive UTC, the one form every timestamp column holds on both dialects."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _parse_time(value: str | None) -> datetime | None:
    return _utc(datetime.fromisoformat(value.replace("Z", "+00:00"))) if value else None


def encode_token(dataset: str, item: str) -> str:
    raw = json.dumps([dataset, item]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        dataset, item = json.loads(raw)
        return str(dataset), str(item)
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidParameter(
            f"token {token!r} is not a page token issued by this server; "
            "follow the 'next' link of the previous page"
        ) from error


class Store:
    """Datasets, their versions, items and assets, in one relational database."""

    def __init__(self, url: str) -> None:
        self.url = url
        connect_args: dict[str, Any] = {}
        if url.startswith("sqlite"):
            connect_args["check_same_thread"] = False
        self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def create(self) -> None:
        """Create the tables that do not exist yet."""
        with self._translate():
            Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as error:
            raise StorageUnavailable(
                f"the catalogue database is unavailable: {error.orig}"
            ) from error

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._translate(), self._session() as session:
            yield session

    # -- writing -------------------------------------------------------------------------------

    def publish(
        self,
        collection: dict[str, Any],
        items: Sequence[dict[str, Any]],
        assets: Sequence[AssetRecord],
        published: datetime | None = None,
    ) -> None:
        """Publish one version atomically: all of it becomes visible, or none of it.

        Raises ``VersionExists`` if the version is already published.
        """
        dataset, version = collection["id"], collection["version"]
        parsed = Version.parse(version)
        when = published or datetime.now(timezone.utc)
        try:
            with self.session() as session, session.begin():
                if session.get(VersionRow, (dataset, version)) is not None:
                    raise VersionExists(
                        f"{dataset} {version} is already published and cannot be changed; "
                        "publish a new version instead"
                    )
                if session.get(DatasetRow, dataset) is None:
                    session.add(DatasetRow(id=dataset, created=_utc(when)))
                    session.flush()
                session.add(
                    VersionRow(
                        dataset_id=dataset,
                        version=version,
                        major=parsed.major,
                        minor=parsed.minor,
                        patch=parsed.patch,
                        status=Status.PUBLISHED.value,
                        published=_utc(when),
                        collection=collection,
                    )
                )
                session.flush()
                session.add_all(_item_row(dataset, version, item) for item in items)
                session.add_all(
                    AssetRow(
                        path=a.path,
                        dataset_id=dataset,
                        version=version,
                        sha256=a.sha256,
                        size=a.size,
                        media_type=a.media_type,
                    )
                    for a in assets
                )
        except IntegrityError as error:
            raise VersionExists(
                f"{dataset} {version} conflicts with published records: {error.orig}"
            ) from error

    def set_status(
        self, dataset: str, version: str, status: Status, reason: str, successor: str | None = None
    ) -> None:
        """Deprecate or yank a version (its records and files stay resolvable)."""
        with self.session() as session, session.begin():
            row = self._version_row(session, dataset, version)
            row.status, row.reason, row.successor = status.value, reason, successor

    # -- reading -------------------------------------------------------------------------------

    def dataset_ids(self) -> list[str]:
        with self.session() as session:
            return list(session.scalars(select(DatasetRow.id).order_by(DatasetRow.id)))

    def history(self, dataset: str) -> list[VersionSummary]:
        """Every version of a dataset, oldest first."""
        with self.session() as session:
            rows = session.scalars(
                select(VersionRow)
                .where(VersionRow.dataset_id == dataset)
                .order_by(VersionRow.major, VersionRow.minor, VersionRow.patch)
            ).all()
            if not rows:
                raise DatasetNotFound(dataset, self.dataset_ids())
            return [
                VersionSummary(
                    r.version,
                    Status(r.status),
                    r.published.replace(tzinfo=timezone.utc),
                    r.reason,
                    r.successor,
                )
                for r in rows
            ]

    def resolve(self, dataset: str, request: str | None) -> str:
        """The exact version a request means (see ``versions.resolve``)."""
        infos = [VersionInfo(Version.parse(h.version), h.status) for h in self.history(dataset)]
        return str(resolve(dataset, request, infos).version)

    def latest_versions(self) -> dict[str, str]:
        """The latest (newest not yanked) version of every dataset."""
        with self.session() as session:
            rows = session.execute(
                select(
                    VersionRow.dataset_id, VersionRow.major, VersionRow.minor, VersionRow.patch
                ).where(VersionRow.status != Status.YANKED.value)
            ).all()
        latest: dict[str, Version] = {}
        for dataset, major, minor, patch in rows:
            found = Version(major, minor, patch)
            if dataset not in latest or found > latest[dataset]:
                latest[dataset] = found
        return {d: str(v) for d, v in sorted(latest.items())}

    def collection(self, dataset: str, version: str) -> dict[str, Any]:
        with self.session() as session:
            return dict(self._version_row(session, dataset, version).collection)

    def items(self, dataset: str, version: str, limit: int, token: str | None = None) -> Page:
        """The items of one version, a page at a time."""
        self.resolve(dataset, version)
        query = SearchQuery(limit=limit, token=token)
        return self._page(query, [ItemRow.dataset_id == dataset, ItemRow.version == version])

    def item(self, dataset: str, item_id: str) -> dict[str, Any]:
        """An item by id, in any version of the dataset (item ids carry their version)."""
        with self.session() as session:
            row = session.get(ItemRow, (dataset, item_id))
            if row is None:
                self.history(dataset)  # raises DatasetNotFound first if that is the problem
                raise ItemNotFound(f"dataset {dataset!r} has no item {item_id!r}")
            return dict(row.content)

    def search(self, query: SearchQuery) -> Page:
        """Items matching a search; without ``ids``, only the latest version of each dataset."""
        latest = self.latest_versions()
        conditions: list[Any] = []
        if query.collections:
            unknown = [c for c in query.collections if c not in latest]
            if unknown and not any(c in latest for c in query.collections):
                raise DatasetNotFound(unknown[0], list(latest))
        if query.ids:
            conditions.append(ItemRow.id.in_(query.ids))
            if query.collections:
                conditions.append(ItemRow.dataset_id.in_(query.collections))
        else:
            scope = [
                (d, v) for d, v in latest.items() if not query.collections or d in query.collections
            ]
            if not scope:
                return Page([], None, 0)
            conditions.append(tuple_(ItemRow.dataset_id, ItemRow.version).in_(scope))
        if query.bbox is not None:
            west, south, east, north = query.bbox
            conditions += [
                ItemRow.west <= east,
                ItemRow.east >= west,
                ItemRow.south <= north,
                ItemRow.north >= south,
            ]
        if query.end is not None:
            conditions.append(ItemRow.start <= _utc(query.end))
        if query.start is not None:
            conditions.append(ItemRow.end >= _utc(query.start))
        return self._page(query, conditions)

    def version_assets(self, dataset: str, version: str) -> list[AssetRecord]:
        """The files published with one exact version."""
        with self.session() as session:
            self._version_row(session, dataset, version)
            rows = session.scalars(
                select(AssetRow).where(AssetRow.dataset_id == dataset, AssetRow.version == version)
            ).all()
            return [AssetRecord(r.path, r.sha256, r.size, r.media_type) for r in rows]

    def asset(self, path: str) -> AssetRecord:
        with self.session() as session:
            row = session.get(AssetRow, path)
            if row is None:
                raise AssetNotFound(f"no published asset at {path!r}")
            return AssetRecord(row.path, row.sha256, row.size, row.media_type)

    # -- helpers -------------------------------------------------------------------------------

    def _version_row(self, session: Session, dataset: str, version: str) -> VersionRow:
        row = session.get(VersionRow, (dataset, version))
        if row is None:
            self.resolve(dataset, version)  # raises the precise not-found error
            raise AssertionError("unreachable: resolve() found a version get() did not")
        return row

    def _page(self, query: SearchQuery, conditions: list[Any]) -> Page:
        from sqlalchemy import func

        with self.session() as session:
            matched = session.scalar(select(func.count()).select_from(ItemRow).where(*conditions))
            paged = list(conditions)
            if query.token:
                dataset, item = decode_token(query.token)
                paged.append(
                    or_(
                        ItemRow.dataset_id > dataset,
                        and_(ItemRow.dataset_id == dataset, ItemRow.id > item),
                    )
                )
            rows = session.scalars(
                select(ItemRow)
                .where(*paged)
                .order_by(ItemRow.dataset_id, ItemRow.id)
                .limit(query.limit + 1)
            ).all()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        token = encode_token(rows[-1].dataset_id, rows[-1].id) if more else None
        return Page([dict(r.content) for r in rows], token, matched or 0)


def _item_row(dataset: str, version: str, item: dict[str, Any]) -> ItemRow:
    props = item["properties"]
    bbox = item.get("bbox") or [None] * 4
    if len(bbox) == 6:
        bbox = [bbox[0], bbox[1], bbox[3], bbox[4]]
    start = props.get("start_datetime") or props.get("datetime")
    end = props.get("end_datetime") or props.get("datetime")
    return ItemRow(
        dataset_id=dataset,
        id=item["id"],
        version=version,
        start=_parse_time(start),
        end=_parse_time(end),
        west=bbox[0],
        south=bbox[1],
        east=bbox[2],
        north=bbox[3],
        content=item,
    )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
