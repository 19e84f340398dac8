"""Captured rows held on disk beyond a memory budget, and compared there.

A capture keeps a table's rows in memory (fast for the common small case) until the capture holds
`budget()` rows; a table past it moves to one process-wide temporary SQLite database, opened with
an empty file name: SQLite unlinks that file as it creates it, so nothing is left behind, even after
kill -9, and its pages stay in a bounded cache. Per row it stores the key, encoded with the dict-key
semantics captures in memory have (1, 1.0 and True are one key), the values pickled, and each value's
repr: checks compare reprs in SQL (a JOIN in C, strict like `state.identical`), and only rows whose
reprs differ, or keys found on one side only, come back to Python, where the checks run as before.
"""

from __future__ import annotations

import decimal
import hashlib
import itertools
import os
import pickle
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from migtest.errors import ConfigError

Values = tuple[Any, ...]
SPILL_ROWS = 50_000  # rows a capture holds in memory (about 25 MB); the rest of a table past it goes to disk
SPILL_ENV = "MIGTEST_SPILL_ROWS"
CACHE_KB = 32_768  # SQLite's page cache for the store: what the disk path costs in memory
FETCH = 10_000  # rows read back at a time
LONG_REPR = 64  # a longer repr is stored as its digest: the store need not hold big values twice
PLAIN_KEYS = frozenset({int, str})  # key values whose repr is already canonical

_store_lock = threading.Lock()
_store: _Store | None = None


def budget() -> int:
    """Rows one capture keeps in memory; `MIGTEST_SPILL_ROWS` overrides it (0: every table on disk)."""
    text = os.environ.get(SPILL_ENV, "").strip()
    if text and not text.isdigit():
        raise ConfigError(f"must be a whole number of rows (0: every table on disk), not {text!r}", key=SPILL_ENV)
    return int(text) if text else SPILL_ROWS


class _Store:
    """One temporary database for the process: captures compared with each other must share it."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        for pragma in (f"cache_size = -{CACHE_KB}", "journal_mode = OFF", "synchronous = OFF"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.lock = threading.RLock()
        self.names = itertools.count()
        self.unused: list[str] = []  # tables whose capture is gone, dropped at the next write

    def create(self, columns: str) -> str:
        with self.lock:
            self._drop_unused()
            name = f"t{next(self.names)}"
            self.connection.execute(f"CREATE TABLE {name} ({columns})")
            return name

    def _drop_unused(self) -> None:
        """DROP waits for no reader of the connection: a table still read stays for the next try."""
        for name in list(self.unused):
            try:
                self.connection.execute(f"DROP TABLE IF EXISTS {name}")
                self.unused.remove(name)
            except sqlite3.OperationalError:
                return

    def write(self, sql: str, rows: Iterator[Sequence[Any]]) -> None:
        with self.lock:
            self.connection.execute("BEGIN")
            try:
                self.connection.executemany(sql, rows)
            finally:
                self.connection.execute("COMMIT")

    def one(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        with self.lock:
            return self.connection.execute(sql, parameters).fetchone()

    def select(self, sql: str, parameters: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of a query, read a chunk at a time (other threads use the store in between)."""
        with self.lock:
            cursor = self.connection.execute(sql, parameters)
        try:
            while True:
                with self.lock:
                    chunk = cursor.fetchmany(FETCH)
                if not chunk:
                    return
                yield from chunk
        finally:
            cursor.close()


def _the_store() -> _Store:
    global _store
    with _store_lock:
        if _store is None:
            _store = _Store()
        return _store


def key_text(key: tuple[Any, ...]) -> str:
    """A key as text, equal where Python's dict takes two keys for one: True, 1, 1.0 and Decimal 1."""
    return repr(tuple(map(_canonical, key)))


def _canonical(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, decimal.Decimal) and value.is_finite():
        as_float = float(value)
        if value == value.to_integral_value():
            return int(value)
        return as_float if decimal.Decimal(as_float) == value else value
    return value


def _keys_text(keys: list[tuple[Any, ...]]) -> list[str]:
    if PLAIN_KEYS.issuperset(map(type, itertools.chain.from_iterable(keys))):
        return list(map(repr, keys))
    return list(map(key_text, keys))


def _reprs(values: Sequence[Any]) -> list[str]:
    """Each value's repr, a long one as its digest (a repr never starts with '#')."""
    return [r if len(r) <= LONG_REPR else _digest(r) for r in map(repr, values)]


def _digest(text: str) -> str:
    return "#" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _Spilled:
    """One captured table's rows in the store: its values pickled, each value's repr in a column."""

    def __init__(self, width: int, key: Sequence[int] | None) -> None:
        self.store = _the_store()
        self.width, self.key = width, key
        columns = ", ".join(["k TEXT", "v BLOB", *(f"r{i} TEXT" for i in range(width))][key is None :])
        self.name = self.store.create(columns)
        self.count = 0
        self.indexed = False
        weakref.finalize(self, self.store.unused.append, self.name)

    def extend(self, batch: list[Values]) -> None:
        if not batch:
            return
        stored: list[Sequence[Any]] = [[pickle.dumps(values, pickle.HIGHEST_PROTOCOL) for values in batch]]
        stored += [_reprs(column) for column in zip(*batch)]
        if self.key is not None:
            stored.insert(0, _keys_text([tuple(values[p] for p in self.key) for values in batch]))
        rows = zip(*stored)
        marks = ", ".join("?" * (self.width + 1 + (self.key is not None)))
        self.store.write(f"INSERT INTO {self.name} VALUES ({marks})", rows)
        self.count += len(batch)

    def __len__(self) -> int:
        return self.count

    def values(self) -> Iterator[Values]:
        return (pickle.loads(blob) for (blob,) in self.store.select(f"SELECT v FROM {self.name} ORDER BY rowid"))

    def __iter__(self) -> Iterator[Any]:
        return self.values()

    def same_multiset(self, other: _Spilled, mine: list[int | None], theirs: list[int | None]) -> bool:
        """The same rows as many times each, value for value (reprs: 1 and 1.0 differ), in the given
        columns (None: a column the table lacks, NULL)."""
        if self.count != other.count:
            return False
        mine_text, theirs_text = _columns(mine), _columns(theirs)
        query = (
            f"SELECT count(*) FROM (SELECT {mine_text}, count(*) FROM {self.name} GROUP BY {mine_text} "
            f"EXCEPT SELECT {theirs_text}, count(*) FROM {other.name} GROUP BY {theirs_text})"
        )
        return self.store.one(query)[0] == 0


def _columns(positions: list[int | None], table: str = "") -> str:
    prefix = f"{table}." if table else ""
    return ", ".join(f"{prefix}r{p}" if p is not None else "'None'" for p in positions) or "''"


class SpilledBag(_Spilled):
    """A table without a key: its rows as a multiset."""

    def __init__(self, width: int) -> None:
        super().__init__(width, None)

    def __eq__(self, other: object) -> bool:
        """Equal to the rows of another capture or list in the same order, as the list it replaces
        (reads every row: for tests)."""
        return isinstance(other, (SpilledBag, list)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class SpilledRows(_Spilled, Mapping[tuple[Any, ...], Values]):
    """A keyed table: key -> values, like the dict a capture in memory holds."""

    def __init__(self, width: int, key: Sequence[int]) -> None:
        super().__init__(width, key)

    def _indexed(self) -> str:
        if not self.indexed:
            with self.store.lock:
                self.store.connection.execute(f"CREATE INDEX IF NOT EXISTS {self.name}_k ON {self.name} (k)")
            self.indexed = True
        return self.name

    def _key_of(self, values: Values) -> tuple[Any, ...]:
        assert self.key is not None
        return tuple(values[p] for p in self.key)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return map(self._key_of, self.values())

    def items(self) -> Iterator[tuple[tuple[Any, ...], Values]]:  # type: ignore[override]
        return ((self._key_of(values), values) for values in self.values())

    def values(self) -> Iterator[Values]:  # type: ignore[override]
        return super().values()

    def __getitem__(self, key: tuple[Any, ...]) -> Values:
        found = self.store.one(f"SELECT v FROM {self._indexed()} WHERE k = ?", (key_text(key),))
        if found is None:
            raise KeyError(key)
        return pickle.loads(found[0])

    def __contains__(self, key: object) -> bool:
        query = f"SELECT 1 FROM {self._indexed()} WHERE k = ?"
        return isinstance(key, tuple) and self.store.one(query, (key_text(key),)) is not None

    def gone(self, other: SpilledRows) -> Iterator[Values]:
        """This table's rows whose key `other` lacks, in the order read."""
        query = (
            f"SELECT o.v FROM {self.name} AS o WHERE NOT EXISTS "
            f"(SELECT 1 FROM {other._indexed()} AS n WHERE n.k = o.k) ORDER BY o.rowid"
        )
        return (pickle.loads(blob) for (blob,) in self.store.select(query))

    def differing(
        self, other: SpilledRows, mine: list[int | None], theirs: list[int | None], every: bool
    ) -> Iterator[tuple[Values, Values]]:
        """Pairs of rows of the same key whose values in the given columns have other reprs (all
        pairs with `every`), in the order read."""
        query = f"SELECT o.v, n.v FROM {self.name} AS o JOIN {other._indexed()} AS n ON n.k = o.k"
        if not every:
            pairs = zip(_columns(mine, "o").split(", "), _columns(theirs, "n").split(", "))
            query += " WHERE NOT (" + " AND ".join(f"{a} IS {b}" for a, b in pairs) + ")"
        query += " ORDER BY o.rowid"
        return ((pickle.loads(was), pickle.loads(now)) for was, now in self.store.select(query))
