"""Values of generated rows, one column at a time: its edge cases first, then ordinary values.

Pure and deterministic: a `ColumnSpec` says what a column may hold (its type's range, narrowed by
the check constraints that could be read); `Plain` gives row i's value, edge cases mixed with
ordinary values drawn from a pool small enough to repeat; `Distinct` gives every row its own
value, for primary keys and unique columns, whatever the engine's collation folds together.
"""

from __future__ import annotations

import datetime
import decimal
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

UNBOUNDED_LENGTH = 1000  # the "maximum length" written to a text column that declares none
FULL_UNICODE = "ünïcödé 中文 😀"  # with a character outside the BMP: four bytes in UTF-8
BMP_UNICODE = "ünïcödé 中文"  # for MySQL's three-byte utf8
LATIN_UNICODE = "ünïcödé"  # for latin1 columns
EDGE_SHARE = 0.15  # of the rows after the first few, how many take an edge case again
UTC = datetime.UTC
EPOCH = datetime.datetime(1970, 1, 1)
FAR_FUTURE = datetime.datetime(9999, 12, 30, 23, 59, 59)  # a day short of the end: read in any time zone
ORIGIN = datetime.datetime(2000, 1, 1)
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
SCRAMBLE = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: multiplying by it permutes integers mod 2**128
ORDERED = ("integer", "decimal", "float", "date", "datetime", "time")


@dataclass(frozen=True)
class ColumnSpec:
    """What one column may hold. `low`/`high` bound ordered kinds, inclusive; `length` is the
    maximum in characters (bytes for binary), None when the type has none; `choices` an enum's or
    an `IN (...)` check's values; `start` the first value of a distinct integer column."""

    name: str
    kind: str
    nullable: bool = True
    length: int | None = None
    min_length: int = 0
    low: Any = None
    high: Any = None
    scale: int = 0
    choices: tuple[Any, ...] = ()
    excluded: tuple[Any, ...] = ()
    unicode: str = FULL_UNICODE
    timezone: bool = False
    item: ColumnSpec | None = None
    start: int = 1


@dataclass(frozen=True)
class Restriction:
    """What a table's check constraints say about one column (see `constraints.read_checks`)."""

    low: decimal.Decimal | None = None
    low_open: bool = False
    high: decimal.Decimal | None = None
    high_open: bool = False
    choices: tuple[Any, ...] | None = None
    min_length: int = 0
    max_length: int | None = None
    excluded: tuple[Any, ...] = ()
    not_null: bool = False
    json: bool = False


def restrict(spec: ColumnSpec, rule: Restriction) -> ColumnSpec:
    """The column as its check constraints narrow it: open bounds move one step inwards."""
    kind = "json" if rule.json else spec.kind
    changes: dict[str, Any] = {"kind": kind, "nullable": spec.nullable and not rule.not_null}
    if kind in ("integer", "decimal", "float"):
        step = _step(spec)
        if rule.low is not None:
            low = _number(spec, rule.low + (step if rule.low_open else 0))
            changes["low"] = low if spec.low is None else max(spec.low, low)
        if rule.high is not None:
            high = _number(spec, rule.high - (step if rule.high_open else 0))
            changes["high"] = high if spec.high is None else min(spec.high, high)
        changes["excluded"] = (*spec.excluded, *(_number(spec, value) for value in rule.excluded))
    elif kind == "string":
        changes["excluded"] = (*spec.excluded, *(str(value) for value in rule.excluded))
    if rule.choices is not None and kind != "boolean":
        choices = tuple(_typed(spec, value) for value in rule.choices)
        changes["choices"] = tuple(c for c in spec.choices if c in choices) if spec.choices else choices
    changes["min_length"] = max(spec.min_length, rule.min_length)
    if rule.max_length is not None:
        changes["length"] = rule.max_length if spec.length is None else min(spec.length, rule.max_length)
    return replace(spec, **changes)


def _step(spec: ColumnSpec) -> decimal.Decimal:
    if spec.kind == "integer":
        return decimal.Decimal(1)
    if spec.kind == "decimal":
        return decimal.Decimal(1).scaleb(-spec.scale)
    return decimal.Decimal("0.000001")


def _number(spec: ColumnSpec, value: decimal.Decimal) -> Any:
    if spec.kind == "integer":
        return int(value.to_integral_value(decimal.ROUND_CEILING))
    if spec.kind == "float":
        return float(value)
    return value


def _typed(spec: ColumnSpec, value: Any) -> Any:
    """A literal of a check constraint as the column's kind holds it."""
    if isinstance(value, decimal.Decimal) and spec.kind in ("integer", "decimal", "float"):
        return _number(spec, value)
    return value if isinstance(value, str) or spec.kind != "string" else str(value)


# -- edge cases ------------------------------------------------------------------------------------


def edges(spec: ColumnSpec) -> list[Any]:
    """Every edge case the column can hold, NULL first where allowed, each once."""
    candidates = list(spec.choices) if spec.choices else _EDGES[spec.kind](spec)
    seen: set[str] = set()
    result = [None] if spec.nullable else []
    for value in candidates:
        key = f"{type(value).__name__}:{value!r}"
        if key not in seen and allowed(spec, value):
            seen.add(key)
            result.append(value)
    return result


def allowed(spec: ColumnSpec, value: Any) -> bool:
    """Whether the value is in the column's range, length, choices and not excluded."""
    if spec.choices and value not in spec.choices:
        return False
    if value in spec.excluded:
        return False
    if spec.kind in ORDERED:
        return (spec.low is None or value >= spec.low) and (spec.high is None or value <= spec.high)
    if spec.kind in ("string", "binary"):
        return spec.min_length <= len(value) <= (spec.length if spec.length is not None else len(value))
    return True


def fit(spec: ColumnSpec, text: Any) -> Any:
    """Cut to the column's length, or padded up to its minimum."""
    filler = b"x" if isinstance(text, bytes) else "x"
    if spec.length is not None:
        text = text[: spec.length]
    return text + filler * (spec.min_length - len(text)) if len(text) < spec.min_length else text


def _longest(spec: ColumnSpec) -> int:
    return spec.length if spec.length is not None else UNBOUNDED_LENGTH


def _integer_edges(spec: ColumnSpec) -> list[Any]:
    return [spec.low, spec.high, 0, 1, -1]


def _decimal_edges(spec: ColumnSpec) -> list[Any]:
    step = _step(spec)
    return [spec.low, spec.high, decimal.Decimal(0), step, -step, decimal.Decimal(1)]


def _float_edges(spec: ColumnSpec) -> list[Any]:
    bounds = [value for value in (spec.low, spec.high) if value is not None]
    return [*bounds, 0.0, 1.5, -1.5, 0.1, 1e30, -1e30]


def _string_edges(spec: ColumnSpec) -> list[Any]:
    texts = ["", "x" * _longest(spec), spec.unicode, "  spaces around  ", "quotes ' \" \\ % _", "two\nlines\tand tab"]
    return [texts[0], *(fit(spec, text) for text in texts[1:])]


def _binary_edges(spec: ColumnSpec) -> list[Any]:
    return [b"", fit(spec, bytes(range(256))), b"\xff" * _longest(spec)]


def _date_edges(spec: ColumnSpec) -> list[Any]:
    low, high = spec.low or EPOCH.date(), spec.high or datetime.date(9999, 12, 31)
    return [low, high, datetime.date(2000, 2, 29)]


def _datetime_edges(spec: ColumnSpec) -> list[Any]:
    values = [spec.low or EPOCH, spec.high or FAR_FUTURE, datetime.datetime(2000, 2, 29, 12, 34, 56, 789012)]
    return [_zoned(spec, value) for value in values]


def _zoned(spec: ColumnSpec, value: datetime.datetime) -> datetime.datetime:
    return value.replace(tzinfo=UTC) if spec.timezone and value.tzinfo is None else value


def _json_edges(spec: ColumnSpec) -> list[Any]:
    nested = {"text": FULL_UNICODE, "list": [1, 2.5, None, True], "nested": {"empty": ""}}
    return [{}, [], nested, "text", 0]


def _array_edges(spec: ColumnSpec) -> list[Any]:
    assert spec.item is not None
    return [[], [value for value in edges(spec.item) if value is not None], [None]]


_EDGES: dict[str, Callable[[ColumnSpec], list[Any]]] = {
    "integer": _integer_edges,
    "decimal": _decimal_edges,
    "float": _float_edges,
    "boolean": lambda spec: [False, True],
    "string": _string_edges,
    "binary": _binary_edges,
    "date": _date_edges,
    "datetime": _datetime_edges,
    "time": lambda spec: [datetime.time(0), datetime.time(23, 59, 59), datetime.time(12, 34, 56, 789000)],
    "interval": lambda spec: [datetime.timedelta(0), datetime.timedelta(days=1, seconds=1), datetime.timedelta(36500)],
    "json": _json_edges,
    "uuid": lambda spec: [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)],
    "inet": lambda spec: ["0.0.0.0", "255.255.255.255", "::1"],
    "cidr": lambda spec: ["0.0.0.0/0", "10.0.0.0/8", "::/0"],
    "macaddr": lambda spec: ["00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"],
    "array": _array_edges,
}


# -- ordinary values -------------------------------------------------------------------------------


def ordinary(spec: ColumnSpec, k: int) -> Any:
    """The k-th ordinary value: the same k gives the same value, so drawing k from a small pool
    repeats values. Out of the column's range or choices, its first edge case instead."""
    if spec.choices:
        return spec.choices[k % len(spec.choices)]
    value = _ORDINARY[spec.kind](spec, k)
    if allowed(spec, value):
        return value
    return next((edge for edge in edges(spec) if edge is not None), value)


def _integer(spec: ColumnSpec, k: int) -> int:
    low = spec.low if spec.low is not None else 0
    base = 0 if low <= 0 and (spec.high is None or spec.high >= 0) else low
    size = 10**6 if spec.high is None else min(spec.high - base + 1, 10**6)
    return base + (k * 7919) % max(size, 1)


def _decimal(spec: ColumnSpec, k: int) -> decimal.Decimal:
    whole = decimal.Decimal((k * 7919) % 10**6)
    value = whole + decimal.Decimal(k % 10**spec.scale).scaleb(-spec.scale) if spec.scale else whole
    if spec.low is not None and spec.high is not None and not spec.low <= value <= spec.high:
        value = spec.low + (value - spec.low) % (spec.high - spec.low)
    return value


def _float(spec: ColumnSpec, k: int) -> float:
    value = (k * 7919) % 100_000 / 8  # an exact binary fraction: a REAL column reads it back unchanged
    if spec.low is not None and spec.high is not None and not spec.low <= value <= spec.high:
        value = spec.low + (value - spec.low) % (spec.high - spec.low)
    return value


def _word(k: int) -> str:
    return f"{WORDS[k % len(WORDS)]} {k}"


def _address(k: int) -> tuple[int, int, int]:
    return (k >> 16) & 255, (k >> 8) & 255, k & 255


_ORDINARY: dict[str, Callable[[ColumnSpec, int], Any]] = {
    "integer": _integer,
    "decimal": _decimal,
    "float": _float,
    "boolean": lambda spec, k: k % 2 == 1,
    "string": lambda spec, k: fit(spec, _word(k)),
    "binary": lambda spec, k: fit(spec, k.to_bytes(4, "big")),
    "date": lambda spec, k: ORIGIN.date() + datetime.timedelta(days=(k * 37) % 10_000),
    "datetime": lambda spec, k: _zoned(spec, ORIGIN + datetime.timedelta(seconds=(k * 3677) % 10**9)),
    "time": lambda spec, k: datetime.time((k // 3600) % 24, (k // 60) % 60, (k * 7) % 60),
    "interval": lambda spec, k: datetime.timedelta(minutes=k),
    "json": lambda spec, k: {"id": k, "name": _word(k)},
    "uuid": lambda spec, k: uuid.UUID(int=(k * SCRAMBLE + 1) % 2**128),
    "inet": lambda spec, k: "10.{}.{}.{}".format(*_address(k)),
    "cidr": lambda spec, k: "10.{}.{}.0/24".format(*_address(k)[1:]),
    "macaddr": lambda spec, k: "08:00:2b:{:02x}:{:02x}:{:02x}".format(*_address(k)),
    "array": lambda spec, k: [ordinary(spec.item, k), ordinary(spec.item, k + 1)] if spec.item else [],
}


# -- distinct values -------------------------------------------------------------------------------


def domain_size(spec: ColumnSpec) -> int | None:
    """How many distinct values the column can take, when few enough to run out (None: plenty)."""
    if spec.choices:
        return len(spec.choices)
    if spec.kind == "boolean":
        return 2
    if spec.kind == "integer" and spec.high is not None:
        return max(spec.high - spec.start + 1, 0)
    if spec.kind == "time":
        return 24 * 3600
    return None


def distinct(spec: ColumnSpec, i: int, width: int) -> Any:
    """Row i's own value: no two rows' values are equal, even to a collation that ignores case,
    accents or trailing spaces (strings end in i written in base 36, `width` digits). The first
    rows are still edge cases: the empty string, the longest one, Unicode."""
    if spec.choices:
        return spec.choices[i % len(spec.choices)]
    return _DISTINCT[spec.kind](spec, i, width)


def _distinct_string(spec: ColumnSpec, i: int, width: int) -> str:
    if i == 0 and spec.min_length == 0:
        return ""
    tag = _base36(i).rjust(width, "0")
    room = max(_longest(spec) - len(tag), 0)
    prefix = {1: "x" * room, 2: f"{spec.unicode} "}.get(i, f"{WORDS[i % len(WORDS)]}-")
    return fit(spec, prefix[:room] + tag)


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not number:
            return digits


def _distinct_binary(spec: ColumnSpec, i: int, width: int) -> bytes:
    size = max(spec.min_length, (i.bit_length() + 7) // 8, 1)
    return b"" if i == 0 and spec.min_length == 0 else i.to_bytes(size, "big")


_DISTINCT: dict[str, Callable[[ColumnSpec, int, int], Any]] = {
    "integer": lambda spec, i, width: spec.start + i,
    "decimal": lambda spec, i, width: decimal.Decimal(spec.start + i),
    "float": lambda spec, i, width: float(spec.start + i),
    "boolean": lambda spec, i, width: i % 2 == 1,
    "string": _distinct_string,
    "binary": _distinct_binary,
    "date": lambda spec, i, width: ORIGIN.date() + datetime.timedelta(days=i),
    "datetime": lambda spec, i, width: _zoned(spec, ORIGIN + datetime.timedelta(seconds=i)),
    "time": lambda spec, i, width: datetime.time(i // 3600 % 24, i // 60 % 60, i % 60),
    "interval": lambda spec, i, width: datetime.timedelta(seconds=i),
    "json": lambda spec, i, width: {"id": i},
    "uuid": lambda spec, i, width: uuid.UUID(int=(i * SCRAMBLE) % 2**128),
    "inet": lambda spec, i, width: "10.{}.{}.{}".format(*_address(i)),
    "cidr": lambda spec, i, width: "10.{}.{}.0/24".format(*_address(i)[1:]),
    "macaddr": lambda spec, i, width: "08:00:2b:{:02x}:{:02x}:{:02x}".format(*_address(i)),
    "array": lambda spec, i, width: [distinct(spec.item, i, width)] if spec.item else [i],
}


class Plain:
    """A column without a uniqueness to keep: its edge cases in the first rows (in an order of its
    own), then ordinary values drawn from a pool half as large as the rows, so values repeat, with
    an edge case again now and then. One random number per value: this runs for every cell."""

    def __init__(self, spec: ColumnSpec, rows: int, rng: random.Random) -> None:
        self.spec = spec
        self.random = rng.random
        self.edges = edges(spec)
        rng.shuffle(self.edges)
        self.edge_share = EDGE_SHARE if self.edges else 0.0
        self.pool = max(1, (rows - len(self.edges)) // 2)
        self.made: dict[int, Any] = {}

    def __call__(self, i: int) -> Any:
        if i < len(self.edges):
            return self.edges[i]
        draw = self.random()
        if draw < self.edge_share:
            return self.edges[int(draw / self.edge_share * len(self.edges))]
        k = int((draw - self.edge_share) / (1 - self.edge_share) * self.pool)
        if k not in self.made:
            self.made[k] = ordinary(self.spec, k)
        return self.made[k]


class Distinct:
    """A column whose every row differs: a primary key or a unique column. `offset` skips the values
    of rows generated before (numbers count on from `spec.start` instead)."""

    def __init__(self, spec: ColumnSpec, rows: int, offset: int = 0) -> None:
        self.spec = spec
        self.offset = offset
        self.width = len(_base36(max(rows + offset - 1, 0)))

    def __call__(self, i: int) -> Any:
        return distinct(self.spec, i + self.offset, self.width)


def coerce(spec: ColumnSpec, value: Any) -> Any:
    """A fixed value from the configuration (YAML gives strings, numbers, dates) as the column takes it;
    ValueError when it cannot be one."""
    if value is None or not isinstance(value, str):
        if spec.kind == "decimal" and isinstance(value, (int, float)):
            return decimal.Decimal(str(value))
        return value
    parse = {
        "integer": int,
        "decimal": decimal.Decimal,
        "float": float,
        "date": datetime.date.fromisoformat,
        "datetime": datetime.datetime.fromisoformat,
        "time": datetime.time.fromisoformat,
        "uuid": uuid.UUID,
    }.get(spec.kind)
    if parse is None:
        return value
    try:
        return parse(value)
    except (ValueError, decimal.InvalidOperation) as exc:
        raise ValueError(f"'{value}' is not a valid {spec.kind}") from exc
