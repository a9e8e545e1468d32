"""CQL2 filters (text and JSON) to SQL conditions over the queryables.

The ``cql2`` library parses and validates; this module walks the resulting CQL2 JSON and builds
SQLAlchemy expressions, so every filter runs in the database. Supported: basic CQL2, the advanced
comparison operators (LIKE, BETWEEN, IN), case-insensitive comparison (CASEI), temporal predicates on
timestamps, array operators, and two functions: ``sky_cone(ra, dec, radius)`` and
``wavelength_overlaps(min_nm, max_nm)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, not_, or_, select, true

from astrobench.catalog import times
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.queryables import (
    ANY,
    ARRAY,
    BOOLEAN,
    INTEGER,
    NUMBER,
    STRING,
    TIMESTAMP,
    Queryable,
    json_type,
    lookup,
    read_as,
)
from astrobench.catalog.schema import SkyRangeRow
from astrobench.catalog.sky import Band, Cone, band_condition, cone_condition

TEXT, JSON = "cql2-text", "cql2-json"
LANGUAGES = (TEXT, JSON)
FUNCTIONS: dict[str, dict[str, Any]] = {
    "sky_cone": {
        "description": "True where the sky footprint (ICRS box) touches the cone; "
        "arguments: ra, dec, radius in degrees.",
        "arguments": [{"title": n, "type": "number"} for n in ("ra", "dec", "radius")],
        "returns": ["boolean"],
    },
    "wavelength_overlaps": {
        "description": "True where the wavelength coverage overlaps [min, max] nanometres.",
        "arguments": [{"title": n, "type": "number"} for n in ("min", "max")],
        "returns": ["boolean"],
    },
}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_PREDICATES = {
    "like",
    "between",
    "in",
    "isnull",
    "t_intersects",
    "t_before",
    "t_after",
    "t_during",
    "a_overlaps",
    "a_contains",
    "a_containedby",
    "a_equals",
    *FUNCTIONS,
}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARITY: dict[str, tuple[int, int | None]] = {
    "and": (1, None),
    "or": (1, None),
    "not": (1, 1),
    "like": (2, 2),
    "between": (3, 3),
    "in": (2, 2),
    "isnull": (1, 1),
    "sky_cone": (3, 3),
    "wavelength_overlaps": (2, 2),
    **{op: (2, 2) for op in _COMPARISONS},
    **{op: (2, 2) for op in _PREDICATES if op.startswith(("t_", "a_"))},
}
"""How many arguments each operator takes: anything else is a 400, before it is read."""


@dataclass(frozen=True)
class Limits:
    """How big a filter may be, checked before any parser sees it: its text or JSON in bytes,
    the nesting of its expressions, and its nodes (operators, properties, literals)."""

    bytes: int = 16 * 1024
    depth: int = 32
    nodes: int = 1000


DEFAULT_LIMITS = Limits()


_QUOTED = re.compile(r"'(?:[^']|'')*'")
_LOGICAL = re.compile(r"\b(and|or|not)\b", re.IGNORECASE)


def parse(
    value: str | dict[str, Any] | bool, lang: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Any:
    """A filter as checked CQL2 JSON; a string is CQL2 text unless ``lang`` says cql2-json.

    The text parser recurses on nesting (and overflows its stack on a few thousand levels), so
    size, nesting and node count are bounded first; ``InvalidParameter`` names the limit.
    """
    if lang is not None and lang not in LANGUAGES:
        raise InvalidParameter(f"filter-lang {lang!r} is not supported; use one of {LANGUAGES}")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        _check_size(len(value.encode()), limits)
        value = _parse_json(value) if lang == JSON else _parse_text(value, limits)
        _check_shape(value, limits)
    else:
        _check_shape(value, limits)  # before serialising it, which recurses
        _check_size(len(json.dumps(value).encode()), limits)
    return _normalise(value)


def _check_size(size: int, limits: Limits) -> None:
    if size > limits.bytes:
        raise InvalidParameter(
            f"filter is {size} bytes; the limit is {limits.bytes} (ASTROBENCH_MAX_FILTER_BYTES)"
        )


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InvalidParameter(f"filter is not valid JSON: {error}") from None


def _parse_text(text: str, limits: Limits) -> Any:
    """CQL2 text as CQL2 JSON, once its nesting and operator count are known to be in bounds."""
    import cql2  # the parser is only needed when a filter is given

    bare = _QUOTED.sub("''", text)
    depth = level = 0
    for char in bare:
        level += (char == "(") - (char == ")")
        depth = max(depth, level)
    logical = _LOGICAL.findall(bare)
    nots = sum(1 for word in logical if word.lower() == "not")
    if depth + nots > limits.depth:
        raise InvalidParameter(
            f"filter nests {depth + nots} levels deep; the limit is {limits.depth} "
            "(ASTROBENCH_MAX_FILTER_DEPTH)"
        )
    if len(logical) > limits.nodes:
        raise InvalidParameter(
            f"filter has {len(logical)} AND, OR and NOT; the limit is {limits.nodes} nodes "
            "(ASTROBENCH_MAX_FILTER_NODES)"
        )
    try:
        return cql2.Expr(text).to_json()
    except Exception as error:  # cql2's parse errors are plain Exceptions with a caret diagram
        raise InvalidParameter(f"filter is not valid CQL2 text:\n{error}") from None


def _check_shape(root: Any, limits: Limits) -> None:
    """Nesting (of expression objects) and node count (objects and literals) of a CQL2 JSON
    value, walked without recursion."""
    stack, nodes = [(root, 0)], 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, list):
            stack.extend((child, depth) for child in node)
            continue
        nodes += 1
        if nodes > limits.nodes:
            raise InvalidParameter(
                f"filter has more than {limits.nodes} nodes (ASTROBENCH_MAX_FILTER_NODES)"
            )
        if isinstance(node, dict):
            if depth + 1 > limits.depth:
                raise InvalidParameter(
                    f"filter nests more than {limits.depth} levels deep "
                    "(ASTROBENCH_MAX_FILTER_DEPTH)"
                )
            stack.extend((child, depth + 1) for child in node.values())


class Translator:
    """Builds the SQL condition of a CQL2 JSON expression for one table's queryables."""

    def __init__(self, queryables: Mapping[str, Queryable], table: Any, dialect: str) -> None:
        self.queryables = queryables
        self.table = table
        self.dialect = dialect

    def condition(self, node: Any) -> Any:
        if isinstance(node, bool):
            return true() if node else false()
        if not isinstance(node, dict) or "op" not in node:
            raise InvalidParameter(f"filter: {str(node)[:80]} is not a predicate")
        op, args = str(node["op"]).lower(), node.get("args", [])
        if not isinstance(args, list):
            raise InvalidParameter(f"filter: the arguments of {op} are not a list")
        least, most = _ARITY.get(op, (0, None))
        if len(args) < least or (most is not None and len(args) > most):
            takes = f"{least} or more" if most is None else str(least)
            raise InvalidParameter(f"filter: {op} takes {takes} arguments, not {len(args)}")
        if op in ("and", "or"):
            parts = [self.condition(a) for a in args]
            return and_(*parts) if op == "and" else or_(*parts)
        if op == "not":
            return not_(self.condition(args[0]))
        if op in _COMPARISONS:
            return self._compare(op, args)
        handler = getattr(self, "_" + op) if op in _PREDICATES else None
        if handler is None:
            raise InvalidParameter(
                f"filter: operator {node['op']!r} is not supported; supported: and, or, not, "
                "=, <>, <, <=, >, >=, like, between, in, isNull, casei, t_intersects, t_before, "
                "t_after, t_during, a_contains, a_containedby, a_overlaps, a_equals, "
                + ", ".join(FUNCTIONS)
            )
        return handler(args)

    # -- operands ------------------------------------------------------------------------------

    def _queryable(self, node: Any) -> Queryable:
        if not (isinstance(node, dict) and "property" in node):
            raise InvalidParameter(f"filter: expected a property, got {node!r}")
        return lookup(self.queryables, str(node["property"]), table=self.table)

    def _scalar(self, node: Any, literal: Any = None) -> tuple[Any, Queryable | None]:
        """An operand's SQL expression, and its queryable when it is a property (an unadvertised
        property is read as the type of ``literal``, what it is compared with)."""
        if isinstance(node, dict) and "property" in node:
            found = self._queryable(node)
            if found.type == ARRAY:
                raise InvalidParameter(
                    f"filter: {found.name} is an array; use a_contains, a_overlaps, "
                    "a_containedby or a_equals"
                )
            if found.type == ANY:
                return self._additional(found, _kind_of(literal)), found
            return found.expression(), found
        if _unfold(node) is not node:  # casei(...)
            inner, queryable = self._scalar(_unfold(node), _unfold(literal))
            return func.lower(inner), queryable
        return node, None

    def _additional(self, found: Queryable, kind: str) -> Any:
        """An unadvertised property, read as the type of what it is compared with."""
        if kind == TIMESTAMP:
            raise InvalidParameter(
                f"filter: {found.name} is not a queryable, so it has no time type; compare "
                "timestamps with datetime, start_datetime or end_datetime (see /queryables)"
            )
        return read_as(found, kind, self.dialect)

    def _literal(self, value: Any, queryable: Queryable) -> Any:
        value = _unfold(value)
        kind = _kind_of(value) if queryable.type == ANY else queryable.type
        if kind == TIMESTAMP:
            return _instant(value, queryable.name)
        if kind in (NUMBER, INTEGER):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidParameter(f"filter: {queryable.name} is a number, not {value!r}")
            return int(value) if kind == INTEGER and float(value).is_integer() else value
        if kind == STRING and not isinstance(value, str):
            raise InvalidParameter(f"filter: {queryable.name} is a string, not {value!r}")
        if kind == BOOLEAN and not isinstance(value, bool):
            raise InvalidParameter(f"filter: {queryable.name} is a boolean, not {value!r}")
        return value

    def _fold(self, node: Any, value: Any) -> Any:
        return func.lower(value) if _unfold(node) is not node else value

    # -- predicates ----------------------------------------------------------------------------

    def _compare(self, op: str, args: list[Any]) -> Any:
        left, left_q = self._scalar(args[0], args[1])
        right, right_q = self._scalar(args[1], args[0])
        if left_q is None and right_q is None:
            raise InvalidParameter(f"filter: {op} compares two literals; compare a property")
        if left_q is None:
            op, args, (left, left_q), (right, right_q) = (
                _FLIPPED[op],
                args[::-1],
                (right, right_q),
                (left, left_q),
            )
        assert left_q is not None
        if right_q is None:
            right = self._fold(args[0], self._literal(args[1], left_q))
        return _COMPARISONS[op](left, right)

    def _like(self, args: list[Any]) -> Any:
        value, found = self._scalar(args[0], "")
        if found is None or found.type not in (STRING, ANY):
            raise InvalidParameter("filter: like needs a string property on the left")
        pattern = self._fold(args[0], self._literal(args[1], found))
        return value.like(pattern)

    def _between(self, args: list[Any]) -> Any:
        value, found = self._scalar(args[0], args[1])
        if found is None:
            raise InvalidParameter("filter: between needs a property on the left")
        return value.between(self._literal(args[1], found), self._literal(args[2], found))

    def _in(self, args: list[Any]) -> Any:
        if not isinstance(args[1], list) or not args[1]:
            raise InvalidParameter("filter: in needs a property and a non-empty list of values")
        if len({_kind_of(v) for v in args[1]}) > 1:
            raise InvalidParameter(f"filter: the values of in mix types: {args[1]!r}")
        value, found = self._scalar(args[0], args[1][0])
        if found is None:
            raise InvalidParameter("filter: in needs a property and a list of values")
        return value.in_([self._fold(args[0], self._literal(v, found)) for v in args[1]])

    def _isnull(self, args: list[Any]) -> Any:
        value, found = self._scalar(args[0], "")
        if found is not None and found.type == ANY:  # absent, or JSON null
            kind = json_type(found, self.dialect)
            return or_(kind.is_(None), kind == "null")
        return value.is_(None)

    def _temporal(self, args: list[Any]) -> tuple[Any, Any, datetime | None, datetime | None]:
        found = self._queryable(args[0])
        if found.type != TIMESTAMP:
            raise InvalidParameter(f"filter: {found.name} is not a timestamp")
        literal = args[1]
        if isinstance(literal, dict) and "interval" in literal:
            if not isinstance(literal["interval"], list) or len(literal["interval"]) != 2:
                raise InvalidParameter("filter: an interval has a start and an end")
            first, second = literal["interval"]
            low = None if first == ".." else _instant(first, found.name)
            high = None if second == ".." else _instant(second, found.name)
        else:
            low = high = _instant(literal, found.name)
        return self.table.start, self.table.end, low, high

    def _t_intersects(self, args: list[Any]) -> Any:
        start, end, low, high = self._temporal(args)
        return and_(
            true() if high is None else start <= high, true() if low is None else end >= low
        )

    def _t_before(self, args: list[Any]) -> Any:
        _, end, low, _ = self._temporal(args)
        return false() if low is None else end < low

    def _t_after(self, args: list[Any]) -> Any:
        start, _, _, high = self._temporal(args)
        return false() if high is None else start > high

    def _t_during(self, args: list[Any]) -> Any:
        start, end, low, high = self._temporal(args)
        return and_(true() if low is None else start > low, true() if high is None else end < high)

    def _array(self, args: list[Any]) -> tuple[Any, list[Any]]:
        found = self._queryable(args[0])
        if found.type != ARRAY or not isinstance(args[1], list):
            raise InvalidParameter(
                f"filter: array operators need an array property and a list; {found.name} is "
                f"a {found.type}"
            )
        if self.dialect == "postgresql":
            elements = func.jsonb_array_elements_text(found.record[found.path]).table_valued(
                "value"
            )
        else:
            path = "$." + ".".join(f'"{p}"' for p in found.path)
            elements = func.json_each(found.record, path).table_valued("value")
        return elements, [str(v) for v in args[1]]

    def _a_overlaps(self, args: list[Any]) -> Any:
        elements, values = self._array(args)
        return exists(select(1).select_from(elements).where(elements.c.value.in_(values)))

    def _a_contains(self, args: list[Any]) -> Any:
        elements, values = self._array(args)
        return and_(
            *(exists(select(1).select_from(elements).where(elements.c.value == v)) for v in values)
        )

    def _a_containedby(self, args: list[Any]) -> Any:
        elements, values = self._array(args)
        return not_(exists(select(1).select_from(elements).where(elements.c.value.not_in(values))))

    def _a_equals(self, args: list[Any]) -> Any:
        return and_(self._a_contains(args), self._a_containedby(args))

    def _sky_cone(self, args: list[Any]) -> Any:
        return cone_condition(self.table, Cone.of(args), SkyRangeRow)

    def _wavelength_overlaps(self, args: list[Any]) -> Any:
        return band_condition(self.table, Band.of(args))


def _normalise(node: Any) -> Any:
    """Forms that STAC clients send, made strict CQL2 1.0: ``and``/``or`` of one argument is
    that argument (STAC Browser sends one), ``between`` of ``[low, high]`` (the CQL2 drafts)
    takes ``low, high``."""
    if not isinstance(node, dict):
        return node
    args = node.get("args")
    if not isinstance(args, list):
        return node
    op = str(node.get("op", "")).lower()
    if op in ("and", "or") and len(args) == 1:
        return _normalise(args[0])
    if op == "between" and len(args) == 2 and isinstance(args[1], list) and len(args[1]) == 2:
        args = [args[0], *args[1]]
    return {**node, "args": [_normalise(a) for a in args]}


def _unfold(node: Any) -> Any:
    """The argument of ``casei(...)``, or the node itself."""
    if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
        args = node.get("args")
        if not isinstance(args, list) or len(args) != 1:
            raise InvalidParameter("filter: casei takes one argument")
        return args[0]
    return node


def _kind_of(literal: Any) -> str:
    """The queryable type a literal compares as."""
    literal = _unfold(literal)
    if isinstance(literal, bool):
        return BOOLEAN
    if isinstance(literal, int | float):
        return NUMBER
    if isinstance(literal, dict) and ("timestamp" in literal or "date" in literal):
        return TIMESTAMP
    return STRING


def _instant(value: Any, name: str) -> datetime:
    """A CQL2 ``TIMESTAMP(...)`` or ``DATE(...)`` (or a bare RFC 3339 string), as naive UTC."""
    try:
        if isinstance(value, dict) and "date" in value:
            moment = times.date(str(value["date"]))
        elif isinstance(value, dict):
            moment = times.instant(str(value.get("timestamp")))
        else:
            text = str(value)
            moment = times.instant(text) if "T" in text.upper() else times.date(text)
    except ValueError:
        raise InvalidParameter(
            f"filter: {name} needs an RFC 3339 timestamp (with a time zone) or date, not {value!r}"
        ) from None
    return moment.replace(tzinfo=None)
