"""Search queries and keyset pagination, shared by item search and collection search.

Results are ordered by the requested sort keys, then by the row's unique key, so every page token
names an exact position: pages never skip or repeat rows, whatever is published in between. Nulls
sort last in both directions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, false, or_
from sqlalchemy.orm import Session

from astrobench.catalog.cql2 import Translator
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.queryables import Queryable, lookup
from astrobench.catalog.rows import naive_utc
from astrobench.catalog.schema import SkyRangeRow
from astrobench.catalog.sky import Band, Cone, band_condition, cone_condition


@dataclass(frozen=True)
class SearchQuery:
    """Search parameters, already validated; used for items and for collections."""

    collections: Sequence[str] = ()
    ids: Sequence[str] = ()
    bbox: tuple[float, float, float, float] | None = None
    intersects: Any = None
    """A shapely geometry (WGS84) that an item's geometry must intersect."""
    start: datetime | None = None
    end: datetime | None = None
    q: Sequence[str] = ()
    filter: Any = None
    """A parsed CQL2 JSON expression."""
    sortby: Sequence[tuple[str, bool]] = ()
    """``(queryable, descending)`` pairs."""
    cone: Cone | None = None
    band: Band | None = None
    limit: int = 10
    token: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of records, and the token of the next page if there is one."""

    items: list[dict[str, Any]]
    next_token: str | None
    matched: int | None
    """How many records match in all; None when counting would mean reading every candidate."""
    extra: list[tuple[Any, ...]] = field(default_factory=list)
    """Per record, the further columns the search selected (an item's ``is_latest``)."""


@dataclass
class Plan:
    """How to run one search: the table, its queryables and the conditions gathered so far."""

    table: Any
    queryables: Mapping[str, Queryable]
    unique: Sequence[Any]
    """Columns that identify a row, the last sort keys."""
    dialect: str
    conditions: list[Any] = field(default_factory=list)
    keep: Callable[[dict[str, Any]], bool] | None = None
    """A test that records passing ``conditions`` must also pass, made outside SQL."""

    def add_common(self, query: SearchQuery) -> None:
        """Conditions every search shares: time, free text, sky, wavelength and CQL2."""
        table = self.table
        if query.end is not None:
            self.conditions.append(table.start <= naive_utc(query.end))
        if query.start is not None:
            self.conditions.append(table.end >= naive_utc(query.start))
        if query.q:
            self.conditions.append(
                or_(*(table.text.contains(term.lower(), autoescape=True) for term in query.q))
            )
        if query.cone is not None:
            self.conditions.append(cone_condition(table, query.cone, SkyRangeRow))
        if query.band is not None:
            self.conditions.append(band_condition(table, query.band))
        if query.filter is not None:
            translator = Translator(self.queryables, table, self.dialect)
            try:
                self.conditions.append(translator.condition(query.filter))
            except (KeyError, IndexError, TypeError, ValueError) as error:  # a malformed node
                raise InvalidParameter(f"filter is not valid CQL2 JSON: {error!r}") from None

    def run(
        self,
        session: Session,
        base: Select[Any],
        query: SearchQuery,
        count: Callable[[Select[Any]], int] | None = None,
    ) -> Page:
        """One page of ``base`` under the plan's conditions, with the number of matches: a first
        page that holds them all gives it without counting; other pages take it from ``count``
        (which counts the matches of a statement), or give None without one."""
        keys = self._keys(query.sortby)
        signature = hashlib.sha256(repr(list(query.sortby)).encode()).hexdigest()[:8]
        matching = statement = base.where(*self.conditions)
        if query.token:
            values = _check_types(keys, decode_token(query.token, signature))
            statement = statement.where(_after(keys, values))
        ordered = statement.add_columns(*(expr for expr, _ in keys)).order_by(
            *(expr.desc() if desc else expr.asc() for expr, desc in keys)
        )
        if self.keep is None:
            rows = list(session.execute(ordered.limit(query.limit + 1)).all())
        else:
            rows = self._kept(session.execute(ordered.execution_options(yield_per=200)), query)
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        matched = None
        if self.keep is None and not query.token and not more:
            matched = len(rows)
        elif self.keep is None and count is not None:
            matched = count(matching)
        width = len(base.selected_columns)  # the record, and what else the caller selected
        token = encode_token(list(rows[-1][width:]), signature) if more else None
        found = [dict(row[0]) for row in rows]
        return Page(found, token, matched, [tuple(row[1:width]) for row in rows])

    def _kept(self, result: Any, query: SearchQuery) -> list[Any]:
        """The first ``limit + 1`` rows of ``result`` that ``keep`` accepts."""
        assert self.keep is not None
        rows = []
        for row in result:
            if self.keep(row[0]):
                rows.append(row)
                if len(rows) > query.limit:
                    break
        result.close()
        return rows

    def _keys(self, sortby: Sequence[tuple[str, bool]]) -> list[tuple[Any, bool]]:
        keys: list[tuple[Any, bool]] = []
        for name, descending in sortby:
            found = lookup(self.queryables, name, "sort field")
            if not found.sortable:
                raise InvalidParameter(f"sort field {name!r} is an array and cannot be sorted")
            expr = found.expression()
            keys += [(case((expr.is_(None), 1), else_=0), False), (expr, descending)]
        return keys + [(column, False) for column in self.unique]


def _after(keys: list[tuple[Any, bool]], values: list[Any]) -> Any:
    """Rows strictly after ``values`` in the order of ``keys`` (lexicographic, nulls last)."""
    if len(values) != len(keys):
        raise InvalidParameter("token does not belong to this query; start again without it")
    clauses: list[Any] = []
    equal: list[Any] = []
    for (expr, descending), value in zip(keys, values, strict=True):
        if value is None:
            beyond, same = false(), expr.is_(None)
        else:
            beyond, same = (expr < value) if descending else (expr > value), expr == value
        clauses.append(and_(*equal, beyond))
        equal.append(same)
    return or_(*clauses)


def encode_token(values: list[Any], signature: str) -> str:
    packed = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"s": signature, "k": packed}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, signature: str) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw["k"], list):
            raise TypeError(raw["k"])
        issued_for, values = raw["s"], [_value(v) for v in raw["k"]]
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        raise InvalidParameter(
            f"token {token!r} is not a page token issued by this server; "
            "follow the 'next' link of the previous page"
        ) from None
    if issued_for != signature:
        raise InvalidParameter("token was issued for a different sortby; start again without it")
    return values


def _value(packed: Any) -> Any:
    if isinstance(packed, dict):
        return datetime.fromisoformat(packed["t"])
    if packed is None or isinstance(packed, str | int | float | bool):
        return packed
    raise ValueError(packed)


def _check_types(keys: list[tuple[Any, bool]], values: list[Any]) -> list[Any]:
    """Token values that fit their sort keys' SQL types (a forged token gets a 400)."""
    for (expr, _), value in zip(keys, values, strict=False):
        try:
            expected = expr.type.python_type
        except NotImplementedError:
            continue
        fits = value is None or (
            isinstance(value, int | float) and not isinstance(value, bool)
            if expected in (int, float)
            else isinstance(value, expected)
        )
        if not fits:
            raise InvalidParameter("token does not belong to this query; start again without it")
    return values
