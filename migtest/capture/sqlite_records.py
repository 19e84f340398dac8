"""A SQLite table's rows after a step, carried over from the capture before it where the rows'
records prove their values unchanged, so that the driver reads only the key and the columns the
migration added (a migration that adds a column and fills it rewrites every row, so the digests
alone would have the whole table read again).

A record (see sqlite_digests) is a header, its size and one serial type per stored column (the
value's type and length), then the values, in the table's column order. ALTER TABLE ADD COLUMN
appends a column: records written since carry it after the others, older ones lack it and read
as its default. So where the table's first columns have the types of those captured before, in
the same places (renamed or not: a value is where its column is), with the same key, and a row's
record now starts with exactly the serial types and value bytes it held then for every one of
them, each of those values is the same value of the same type, read the same way. A record that
held fewer values than those columns proves nothing: some read as their default, which is not in
it (and a virtual generated column is in no record). Where any row is not proven so (a value
changed, a row added, a record overflowing its page), or the rows are held on disk, the table is
read whole instead. The rows carried keep the order they were captured in, and are made into rows
one column wider only when something reads them (see Carried): a walk's checks read their count.
"""

from __future__ import annotations

import weakref
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import replace
from itertools import chain
from operator import add, itemgetter
from typing import Any

from migtest.capture.dialects import Dialect
from migtest.capture.row_store import budget
from migtest.capture.sqlite_digests import Cells
from migtest.capture.state import TableData, TableSchema, Values, read_batches

CONTINUED = bytes(range(0x80, 0x100))  # a varint's bytes but its last


def carried(
    dialect: Dialect, key: str, table: TableSchema, old_table: TableSchema, old: TableData, was: Cells, now: Cells
) -> TableData | None:
    """The table's rows now, from `old` (its rows captured with `old_table`, whose records were
    `was`) where `now`'s records prove them unchanged; None where they cannot: read it whole."""
    shared = tuple(old_table.columns)
    if old.spilled or not old.primary_key or old.columns != shared or len(old.rows) != len(was):
        return None
    if not _extends(table, old_table) or not _unchanged(was, now, len(shared)):
        return None
    if len(now) > budget():
        return None  # the table goes to disk: read whole, as a capture keeps it there
    added = tuple(table.columns)[len(shared) :]
    columns = {column: table.columns[column] for column in (*table.primary_key, *added)}
    read = list(chain.from_iterable(read_batches(dialect, key, replace(table, columns=columns))))
    rows = _joined(old.rows, read, len(table.primary_key)) if len(read) == len(now) else None
    return None if rows is None else TableData(table.primary_key, tuple(table.columns), rows, extends=weakref.ref(old))


def _joined(
    old: Mapping[tuple[Any, ...], Values], read: list[Values], width: int
) -> Mapping[tuple[Any, ...], Values] | None:
    """Each row of `old` with the values `read` after its key (the first `width` of them) joined
    to it, in the order the rows were captured in (a check's evidence lists them in that order);
    None where `read` has a key `old` lacks. The driver reads them in that order where nothing
    moved them: the rows are then joined when read, in C (Carried), not looked up one by one."""
    keys = list(zip(*(map(itemgetter(column), read) for column in range(width))))
    if keys == list(old):
        added = [list(map(itemgetter(column), read)) for column in range(width, len(read[0]) if read else width)]
        return old.joined(added) if isinstance(old, Carried) else Carried(old, tuple(added))
    by_key = dict(zip(keys, map(itemgetter(slice(width, None)), read)))
    if len(by_key) != len(read) or not by_key.keys() <= old.keys():
        return None
    return {key: row + by_key[key] for key, row in old.items() if key in by_key}


def _extends(table: TableSchema, old_table: TableSchema) -> bool:
    """Whether the table's first columns have the types of `old_table`'s, in the same places (a
    column's values are read by its type), and the table the same key."""
    types = [column["type"] for column in table.columns.values()][: len(old_table.columns)]
    return table.primary_key == old_table.primary_key and types == [c["type"] for c in old_table.columns.values()]


def _unchanged(was: Cells, now: Cells, width: int) -> bool:
    """Whether every row now had a record in `was` of exactly `width` values, and its record now
    starts with that record's serial types and value bytes. This runs once per row: the values
    of each distinct header are counted once, after the rows."""
    headers: set[bytes] = set()
    for old, record in zip(map(was.get, now), now.values()):
        if old is None or record is None or old[0] >= 0x80 or record[0] >= 0x80:
            return False  # a row added, a record overflowing its page, a header of 128 bytes or more
        size, start = old[0], record[0]
        types = old[1:size]
        if record[1:size] != types or record[start : start + len(old) - size] != old[size:]:
            return False
        headers.add(types)
    return all(len(types.translate(None, CONTINUED)) == width for types in headers)  # one last byte per serial type


class Carried(Mapping[tuple[Any, ...], Values]):
    """The rows of a table carried over: those of the capture it was first carried from (`base`,
    in their order), each with its values of the columns added since appended (`added`: a list of
    values per column, in the same order). A carry costs a list per added column, not a tuple one
    column wider per row and step, and holds no more than those tuples would; the rows are made on
    the first read of a value, once."""

    def __init__(self, base: Mapping[tuple[Any, ...], Values], added: tuple[list[Any], ...]) -> None:
        self._base, self._added = base, added
        self._rows: dict[tuple[Any, ...], Values] | None = None

    def joined(self, added: list[list[Any]]) -> Carried:
        """These rows with the columns `added` appended, in their order."""
        return Carried(self._base, (*self._added, *added))

    @property
    def _made(self) -> dict[tuple[Any, ...], Values]:
        if self._rows is None:
            values = self._base.values()
            self._rows = dict(zip(self._base, map(add, values, zip(*self._added)) if self._added else values))
        return self._rows

    def __len__(self) -> int:
        return len(self._base)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._base)

    def __contains__(self, key: object) -> bool:
        return key in self._base

    def __getitem__(self, key: tuple[Any, ...]) -> Values:
        return self._made[key]

    def keys(self) -> KeysView[tuple[Any, ...]]:
        return self._base.keys()

    def values(self) -> ValuesView[Values]:
        return self._made.values()

    def items(self) -> ItemsView[tuple[Any, ...], Values]:
        return self._made.items()

    def get(self, key: tuple[Any, ...], default: Values | None = None) -> Values | None:
        return self._made.get(key, default)
