"""Blocks of captured rows as the store first holds them: each column of a block one marshal.

Writing rows into a SQLite table costs about 1 µs a row (`executemany`); marshalling a block's
columns costs a third of that, and two captures read in the same order then compare block by
block as bytes, without decoding: a block whose key columns and compared columns hold the same
bytes in both holds the same values of the same types in every row (marshal writes 1, 1.0 and
True apart, a float by its bits; a pickle, for a column marshal cannot hold, rebuilds only what
it was made of; marshal would write a bytearray as bytes, but captured values hold no binary
value, `normalize_value` makes it base64 text). Bytes that differ say nothing: marshal writes NaNs
by their payload, -0.0 apart from 0.0, a pickle its memo. Such blocks are decoded and compared
value by value as the store's SQL compares them (`same_stored`), and captures whose keys do not
line up (rows added or deleted) are written into SQL tables as before (see row_store).
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

Values = tuple[Any, ...]
VERSION = 2  # no references between objects: a column's bytes depend on its values alone
PROTOCOL = pickle.HIGHEST_PROTOCOL
PICKLED = pickle.dumps(None, PROTOCOL)[:1]  # a pickle's first byte, which no marshal starts with
PAIRED = frozenset({int, str})  # key values that pair by position when their bytes are equal (no NULL, no float)


def encoded(block: Sequence[Values], width: int, keys: Sequence[int]) -> tuple[bytes, bool]:
    """The block as one blob (a marshal of its columns' bytes), and whether its key columns hold
    ints and strings only: keys that pair in SQL exactly when they are the same (see `lined_up`)."""
    return encoded_columns([tuple(map(itemgetter(position), block)) for position in range(width)], keys)


def encoded_columns(columns: Sequence[Values], keys: Sequence[int]) -> tuple[bytes, bool]:
    """`encoded` of a block given as its columns."""
    paired = all(PAIRED.issuperset(map(type, columns[position])) for position in keys)
    return marshal.dumps(tuple(map(_column, columns)), VERSION), paired


def _column(values: Values) -> bytes:
    try:
        return marshal.dumps(values, VERSION)
    except ValueError:  # a value marshal cannot hold: a Decimal, an int subclass
        return pickle.dumps(values, PROTOCOL)


def columns(blob: bytes) -> tuple[bytes, ...]:
    """A block's columns, each still as its bytes."""
    return marshal.loads(blob)  # type: ignore[no-any-return]


def column(data: bytes) -> Values:
    """A column's values, as they were marshalled or pickled."""
    return pickle.loads(data) if data[:1] == PICKLED else marshal.loads(data)  # type: ignore[no-any-return]


def rows(parts: tuple[bytes, ...], size: int) -> list[Values]:
    """A block's rows (`size` of them: a table without columns has rows too)."""
    if not parts:
        return [()] * size
    return list(zip(*map(column, parts)))


def projection(parts: tuple[bytes, ...], positions: Sequence[int | None]) -> list[bytes | None]:
    """The bytes of the given columns (None: a column the table lacks)."""
    return [None if position is None else parts[position] for position in positions]
