"""Captured rows held on disk beyond a memory budget, and compared there.

A capture keeps a table's rows in memory (fast for the common small case) until the capture holds
`budget()` rows; a table past it moves to one process-wide temporary SQLite database, opened with
an empty file name: SQLite unlinks that file as it creates it, so nothing is left behind, even after
kill -9, and its pages stay in a bounded cache.

Rows read through a driver are held there as they were read, a block of `BLOCK` rows at a time,
each block one blob of its columns' marshalled bytes (see row_blocks): a third of what writing a
SQL row per row costs. Two captures of a table are compared block by block first: where they hold
the same keys in the same places, a block whose compared columns hold the same bytes in both has
no difference, and only the other blocks are decoded and compared value by value (`same_stored`).
That is only a filter: keys that do not line up (rows added, gone, read in another order), or a
capture copied from a SQLite file, send the comparison to SQL, as it always was:

The SQL form (`sql_table`, written from the blocks the first time a comparison needs it) holds a
row a column for each of its columns: ints, strings and most floats as SQLite values, anything
else pickled (bools, Decimals, and the floats an INTEGER could equal: SQLite compares an INTEGER
and a REAL by value, so 1 and 1.0 stored as such would be one value; a float with a fraction, or
past 64-bit ints, or infinite, never equals one; NaN, which SQLite stores as NULL, is pickled too).
So `IS` on stored values holds only for the same value of the same type, as `state.identical`
does, without a `typeof` per value (which costs four times the comparison), and a pickle equals
only the same value of the same type. Checks pair the rows of two captures by key in SQL (a JOIN
in C; where a key column of either holds a pickle, on each key's dict form: a pickled key that a
dict takes for an int, such as 1.0 or True, is that int, see `_key_form`) and compare their values
there; only rows that differ, or keys found on one side only, come back to Python, where the
checks run as before. A captured SQLite database's rows go straight into that form, in C (`copy`:
one `INSERT ... SELECT` from the database file attached read-only, see sqlite_copy).

A capture on disk may keep a digest of each block as read (of its blob). A later capture of the
same table (`following` it) compares its blocks with those digests and writes nothing while they
are the same: a table the migration left alone is stored once, as in memory, and the checks find
the two captures one object (see `settled`). Equal digests mean identical rows (1, 1.0 and True
marshal apart).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import pickle
import sqlite3
import struct
import threading
import urllib.parse
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from migtest.capture import row_blocks
from migtest.errors import ConfigError

Values = tuple[Any, ...]
SPILL_ROWS = 50_000  # rows a capture holds in memory (about 25 MB); the rest of a table past it goes to disk
SPILL_ENV = "MIGTEST_SPILL_ROWS"
PAGE = 65_536  # bytes per page of the store, SQLite's largest
CACHE_KB = 32_768  # SQLite's page cache for the store: what the disk path costs in memory
FETCH = 10_000  # rows read back at a time
BLOCK = 10_000  # rows per digest: the batch a capture reads at a time, so that blocks line up
NATIVE = frozenset({int, str, type(None)})  # values SQLite holds as they are (floats: most, see `_held`)
INT64 = 2**63 - 1
KEY_FORM = "migtest_key"  # the store's SQL function of a pickled key's dict form
PROTOCOL = pickle.HIGHEST_PROTOCOL
FLOAT = struct.Struct(">d")  # a float's 8 bytes in its pickle (one `_held` refuses), between these:
FLOAT_HEAD, FLOAT_TAIL = pickle.dumps(0.0, PROTOCOL)[:-9], b"."
BOOLS = {value: pickle.dumps(value, PROTOCOL) for value in (False, True)}
NUMBERS, BOOLEANS = NATIVE | {float}, frozenset({bool, type(None)})  # columns stored without a call per value

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
        self.connection = sqlite3.connect("", check_same_thread=False, isolation_level=None, uri=True)
        pragmas = [f"page_size = {PAGE}", f"cache_size = -{CACHE_KB}", "journal_mode = MEMORY", "synchronous = OFF"]
        for pragma in pragmas:  # a batch rolls back; large pages: rows written a third quicker
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.create_function(KEY_FORM, 1, _key_form, deterministic=True)  # keys' index holds it
        self.lock = threading.RLock()
        self.names = itertools.count()
        self.unused: list[str] = []  # tables whose capture is gone, dropped at the next write
        self.functions: set[str] = set()  # SQL functions of copies, registered

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

    def execute(self, sql: str) -> None:
        with self.lock:
            self.connection.execute(sql)

    def write(self, sql: str, rows: Iterator[Sequence[Any]]) -> None:
        with self.lock, self._transaction():
            self.connection.executemany(sql, rows)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")  # none of the batch: it may be written again
            raise
        self.connection.execute("COMMIT")

    def copy(self, database: str, insert: str, functions: Mapping[str, Callable[[Any], Any]]) -> int:
        """Run `insert`, which reads the database file `database` as `source` (attached read-only for
        it, `functions` its SQL functions): how many rows it added, all or none."""
        uri = f"file:{urllib.parse.quote(database)}?mode=ro"
        with self.lock:
            for name, function in functions.items():
                if name not in self.functions:  # once: SQLite refuses to replace one a query uses
                    self.connection.create_function(name, 1, function)
                    self.functions.add(name)
            self.connection.execute("ATTACH DATABASE ? AS source", (uri,))
            try:
                with self._transaction():
                    return self.connection.execute(insert).rowcount
            finally:
                self.connection.execute("DETACH DATABASE source")

    def one(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        with self.lock:
            return self.connection.execute(sql, parameters).fetchone()

    def select(self, selected: str, source: str, where: str = "1", order: str = "rowid") -> Iterator[Any]:
        """The rows of `SELECT selected FROM source WHERE where` in the order of `order` (a rowid of
        `source`), read a chunk at a time (other threads use the store in between), each chunk a
        query run to its end: a query left open keeps SQLite's read transaction on every database
        attached, and a copy's (see `copy`) must end with it."""
        query = (
            f"SELECT {order}, {selected} FROM {source} WHERE ({where}) AND {order} > ? ORDER BY {order} LIMIT {FETCH}"
        )
        last = -INT64 - 1
        while True:
            with self.lock:
                chunk = self.connection.execute(query, (last,)).fetchall()
            if not chunk:
                return
            last = chunk[-1][0]
            yield from (row[1:] for row in chunk)


def _the_store() -> _Store:
    global _store
    with _store_lock:
        if _store is None:
            _store = _Store()
        return _store


def _encoded(batch: list[Values]) -> list[Values]:
    """The batch as the store holds it: ints, strings and floats as themselves, everything else
    pickled (a BLOB: no captured value is bytes, see `normalize_value`). A batch of ints and strings
    only is passed as it is."""
    columns = list(zip(*batch))
    changed = False
    for position, values in enumerate(columns):
        kinds = set(map(type, values))
        if not NATIVE.issuperset(kinds):
            columns[position] = _stored_column(kinds, values)
            changed = True
    return list(zip(*columns)) if changed else batch


def _stored_column(kinds: set[type], values: tuple[Any, ...]) -> tuple[Any, ...]:
    """`stored` of each value, for a column of numbers or of booleans (with NULLs) without a call
    per value: numeric columns are most of what is stored (an int past 64 bits: see `_write`)."""
    if kinds <= NUMBERS:
        return tuple(value if type(value) is not float or _held(value) else _pickled(value) for value in values)
    if kinds <= BOOLEANS:
        return tuple(map(BOOLS.get, values, values))  # None for None
    return tuple(map(stored, values))


def stored(value: Any) -> Any:
    """A value as the store holds it (see `_encoded`); a bool, or a float SQLite cannot hold as it
    is, is the bytes `pickle.dumps` gives, put together without a pickler."""
    kind = type(value)
    if kind is str or value is None or (kind is int and -INT64 - 1 <= value <= INT64):
        return value
    if kind is float:
        return value if _held(value) else _pickled(value)
    if kind is bool:
        return BOOLS[value]
    return pickle.dumps(value, PROTOCOL)


def _held(value: float) -> bool:
    """Whether the store holds the float as a REAL: where no INTEGER equals it (1.0 = 1 in SQLite,
    and -0.0 = 0 = 0.0), and not NaN (which SQLite stores as NULL)."""
    return value == value and not (value.is_integer() and -INT64 - 1 <= value <= INT64)


def _pickled(value: float) -> bytes:
    return FLOAT_HEAD + FLOAT.pack(value) + FLOAT_TAIL


def _decoded(row: Sequence[Any]) -> Values:
    return tuple(pickle.loads(value) if type(value) is bytes else value for value in row)


class _Spilled:
    """One captured table's rows in the store: read through a driver, as blocks of marshalled
    columns (see row_blocks), written into a SQL table, a column for each of its columns, only
    when a comparison needs SQL (`sql_table`); copied from a SQLite file, straight into that table."""

    def __init__(self, width: int, following: _Spilled | None = None, digested: bool = True) -> None:
        """`digested`: keep the digests a later capture follows by (not where tokens stand for them,
        see row_tokens: digesting every block costs a sixth of a capture)."""
        self.store = _the_store()
        self.width = width
        names = ", ".join(f"c{i}" for i in range(width))
        self.columns = names or "NULL"
        self.name = self.store.create(names or "c0")
        self.blobs = self.store.create("data BLOB")  # block n at rowid n + 1
        self.count = 0
        self.sizes: list[int] | None = []  # rows per block; None: the rows are in the SQL table only (`copy`)
        self.paired: list[bool] = []  # per block: keys that pair by position (see row_blocks)
        self.tabled = 0  # blocks written into the SQL table so far
        self.tabling = threading.Lock()
        self.indexes: set[bool] = set()  # of the key, by whether in dict forms (see `_keyed`)
        self.key_columns: list[int] = []
        self.pickled_keys = False  # whether a key column holds a pickle: then rows pair by dict forms
        self.digests: list[bytes] | None = [] if digested else None  # one per block added
        followable = following is not None and following.width == width and following.digests is not None
        self.following = following if followable and digested else None
        weakref.finalize(self, self.store.unused.extend, (self.name, self.blobs))

    def extend(self, batch: list[Values]) -> None:
        """Add rows; those the capture followed holds identically in the same place are not written."""
        for start in range(0, len(batch), BLOCK):
            block = batch[start : start + BLOCK]
            self._add(row_blocks.encoded(block, self.width, self.key_columns), len(block))

    def extend_columns(self, columns: Sequence[Values], size: int) -> None:
        """`extend` with `size` rows given as their columns (as a capture converts them)."""
        for start in range(0, size, BLOCK):
            part = [values[start : start + BLOCK] for values in columns] if size > BLOCK else columns
            self._add(row_blocks.encoded_columns(part, self.key_columns), min(BLOCK, size - start))

    def _add(self, encoded: tuple[bytes, bool], size: int) -> None:
        blob, paired = encoded
        digest = None if self.digests is None else hashlib.sha256(blob).digest()
        if digest is None or not self._follows(digest):
            self.store.write(f"INSERT INTO {self.blobs} (rowid, data) VALUES (?, ?)", [(self._place() + 1, blob)])
        if digest is not None:
            self.digests.append(digest)  # type: ignore[union-attr]
        self.sizes.append(size)  # type: ignore[union-attr]
        self.paired.append(paired)
        self.count += size

    def _place(self) -> int:
        return len(self.sizes or ())

    def _follows(self, digest: bytes) -> bool:
        followed = self.following
        if followed is None or followed.digests is None or self.digests is None:
            return False
        place = len(self.digests)
        if place < len(followed.digests) and followed.digests[place] == digest:
            return True
        self._copy_followed()
        return False

    def _copy_followed(self) -> None:
        """Take the blocks so far from the followed capture, whose first ones they are: they differ from here on."""
        followed, self.following = self.following, None
        if followed is not None and self.count:
            first = f"SELECT rowid, data FROM {followed.blobs} WHERE rowid <= {self._place()}"
            self.store.execute(f"INSERT INTO {self.blobs} (rowid, data) {first}")

    def settled(self) -> _Spilled:
        """The rows once the capture has read them all: the followed capture's own, where they are
        all the same (stored once, and compared by identity), else these."""
        followed = self.following
        if followed is not None and self.digests == followed.digests:
            return followed
        self._copy_followed()
        return self

    def _blocks(self) -> Iterator[tuple[int, tuple[bytes, ...]]]:
        """Each block's size and columns' bytes, in the order read."""
        query = f"SELECT data FROM {self.blobs} WHERE rowid = ?"
        for place, size in enumerate(self.sizes or ()):
            yield size, row_blocks.columns(self.store.one(query, (place + 1,))[0])

    def sql_table(self) -> str:
        """The SQL table, holding every row (written from the blocks the first time it is asked for)."""
        with self.tabling:
            sizes = self.sizes or ()
            if self.tabled < len(sizes):
                for size, parts in itertools.islice(self._blocks(), self.tabled, None):
                    block = row_blocks.rows(parts, size)
                    self._write(block, _encoded(block) if self.width else [(None,)] * size)
                self.tabled = len(sizes)
        return self.name

    def _lined_up(self, other: _Spilled) -> Iterator[tuple[int, tuple[bytes, ...], tuple[bytes, ...]]] | None:
        """The blocks of both side by side (size, mine, theirs), where both are held as blocks of
        the same sizes; None where they are not. The caller compares their keys."""
        if self.sizes is None or other.sizes is None or self.sizes != other.sizes:
            return None
        return ((size, mine, theirs) for (size, mine), (_, theirs) in zip(self._blocks(), other._blocks()))

    def _write(self, batch: list[Values], encoded: list[Values]) -> None:
        insert = f"INSERT INTO {self.name} VALUES ({', '.join('?' * max(self.width, 1))})"
        try:
            self.store.write(insert, encoded)
        except OverflowError:  # an int past 64 bits
            encoded = [tuple(map(stored, values)) for values in batch]
            self.store.write(insert, encoded)
        held = (set(map(type, map(itemgetter(p), encoded))) for p in self.key_columns)
        self.pickled_keys = self.pickled_keys or any(bytes in kinds for kinds in held)

    def copy(
        self, database: str, select: str, functions: Mapping[str, Callable[[Any], Any]], pickled_keys: bool
    ) -> bool:
        """Add the rows `select` reads, stored as `extend` stores them, from the database file
        `database` (as `source`; see sqlite_copy) in C; False where SQLite could not (nothing added).
        `pickled_keys`: whether a key column may hold a pickle (a REAL 1.0, a BOOLEAN)."""
        try:
            self.count += self.store.copy(database, f"INSERT INTO {self.name} ({self.columns}) {select}", functions)
        except sqlite3.Error:
            return False
        self.digests = self.following = self.sizes = None  # not digested: the table's token stands for its rows
        self.pickled_keys = pickled_keys
        return True

    def __len__(self) -> int:
        return self.count

    def values(self) -> Iterator[Values]:
        if self.sizes is not None:
            return itertools.chain.from_iterable(row_blocks.rows(parts, size) for size, parts in self._blocks())
        read = self.store.select(self.columns, self.name)
        return map(_decoded, read) if self.width else (() for _ in read)

    def __iter__(self) -> Iterator[Any]:
        return self.values()

    def same_multiset(self, other: _Spilled, mine: list[int | None], theirs: list[int | None]) -> bool:
        """The same rows as many times each, value for value (1 and 1.0 differ), in the given
        columns (None: a column the table lacks, NULL): at once where every block holds the same
        bytes in them, else in SQL."""
        if self.count != other.count:
            return False
        if self is other and mine == theirs:
            return True
        blocks = self._lined_up(other)
        if blocks is not None and all(
            row_blocks.projection(a, mine) == row_blocks.projection(b, theirs) for _, a, b in blocks
        ):
            return True
        mine_text, theirs_text = _listed(mine), _listed(theirs)
        query = (
            f"SELECT count(*) FROM (SELECT {mine_text}, count(*) FROM {self.sql_table()} GROUP BY {mine_text} "
            f"EXCEPT SELECT {theirs_text}, count(*) FROM {other.sql_table()} GROUP BY {theirs_text})"
        )
        return self.store.one(query)[0] == 0


def _column(position: int | None, table: str = "") -> str:
    return "NULL" if position is None else f"{table}c{position}"


def _listed(positions: list[int | None]) -> str:
    return ", ".join(map(_column, positions)) or "NULL"


def _same(mine: int | None, theirs: int | None) -> str:
    """The SQL saying two stored values are the same value of the same type (see `_encoded`)."""
    return f"{_column(mine, 'o.')} IS {_column(theirs, 'n.')}"


class SpilledBag(_Spilled):
    """A table without a key: its rows as a multiset."""

    def __eq__(self, other: object) -> bool:
        """Equal to the rows of another capture or list in the same order, as the list it replaces
        (reads every row: for tests)."""
        return isinstance(other, (SpilledBag, list)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class SpilledRows(_Spilled, Mapping[tuple[Any, ...], Values]):
    """A keyed table: key -> values, like the dict a capture in memory holds. Rows pair by their key
    columns in SQL: ints and strings as in a dict; a pickled key (a float, a bool) pairs only with
    the same value of the same type, where a dict takes 1.0 and True for 1: no table is keyed so."""

    def __init__(
        self, width: int, key: Sequence[int], following: SpilledRows | None = None, digested: bool = True
    ) -> None:
        same_key = following is not None and following.key_columns == list(key)
        super().__init__(width, following if same_key else None, digested)
        self.key_columns = list(key)

    def _indexed(self, forms: bool) -> str:
        """The SQL table, with an index of its key as `_keyed` reads it."""
        self.sql_table()
        if forms not in self.indexes:
            key = ", ".join(_keyed(p, "", forms) for p in self.key_columns)
            self.store.execute(f"CREATE INDEX IF NOT EXISTS {self.name}_{'f' if forms else 'k'} ON {self.name} ({key})")
            self.indexes.add(forms)
        return self.name

    def _key_of(self, values: Values) -> tuple[Any, ...]:
        return tuple(values[p] for p in self.key_columns)

    def _join(self, other: SpilledRows) -> tuple[str, str]:
        """`other AS n`, indexed, and the SQL pairing its rows with this table's rows `o` by key: in
        dict forms where a key of either holds a pickle (else as stored, which is quicker)."""
        self.sql_table(), other.sql_table()  # which keys hold a pickle is known once written
        forms = self.pickled_keys or other.pickled_keys
        pairs = zip(self.key_columns, other.key_columns)
        keys = " AND ".join(f"{_keyed(b, 'n.', forms)} = {_keyed(a, 'o.', forms)}" for a, b in pairs)
        return f"{other._indexed(forms)} AS n", keys

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return map(self._key_of, self.values())

    def items(self) -> Iterator[tuple[tuple[Any, ...], Values]]:  # type: ignore[override]
        return ((self._key_of(values), values) for values in self.values())

    def values(self) -> Iterator[Values]:  # type: ignore[override]
        return super().values()

    def _find(self, key: object) -> Any:
        if not isinstance(key, tuple) or len(key) != len(self.key_columns):
            return None
        self.sql_table()
        forms = self.pickled_keys
        where = " AND ".join(f"{_keyed(p, '', forms)} = ?" for p in self.key_columns)
        looked_up = tuple(map(_looked_up, key))
        return self.store.one(f"SELECT {self.columns} FROM {self._indexed(forms)} WHERE {where}", looked_up)

    def __getitem__(self, key: tuple[Any, ...]) -> Values:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return _decoded(found)

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None

    def _keys_lined_up(self, other: SpilledRows) -> Iterator[tuple[int, tuple[bytes, ...], tuple[bytes, ...]]] | None:
        """The blocks of both side by side (see `_lined_up`) where, read one after the other, they
        hold the same keys in the same places, keys that pair in SQL exactly when the same (ints and
        strings: no NULL, no float); None where they do not (rows added or gone, another order)."""
        blocks = self._lined_up(other)
        if blocks is None or not (all(self.paired) and all(other.paired)):
            return None
        keys = list(zip(self.key_columns, other.key_columns))
        if any(mine[a] != theirs[b] for _, mine, theirs in blocks for a, b in keys):
            return None
        return self._lined_up(other)

    def gone(self, other: SpilledRows) -> Iterator[Values]:
        """This table's rows whose key `other` lacks, in the order read."""
        if self._keys_lined_up(other) is not None:
            return iter(())
        lacking = "NOT EXISTS (SELECT 1 FROM {} WHERE {})".format(*self._join(other))
        return map(_decoded, self.store.select(_prefixed(self.columns, "o"), f"{self.name} AS o", lacking, "o.rowid"))

    def differing(
        self, other: SpilledRows, mine: list[int | None], theirs: list[int | None], every: bool
    ) -> Iterator[tuple[Values, Values]]:
        """Pairs of rows of the same key whose values in the given columns are not all the same
        value of the same type (all pairs with `every`), in the order read: block by block where
        the keys line up (blocks whose columns compared hold the same bytes skipped at once), else in SQL."""
        blocks = None if every else self._keys_lined_up(other)
        if blocks is not None:
            return _differing_blocks(blocks, mine, theirs)
        selected = f"{_prefixed(self.columns, 'o')}, {_prefixed(other.columns, 'n')}"
        pairs = "{} AS o JOIN {} ON {}".format(self.name, *self._join(other))
        where = "1" if every else "NOT (" + " AND ".join(map(_same, mine, theirs) or ["1"]) + ")"
        split = max(self.width, 1)
        read = self.store.select(selected, pairs, where, "o.rowid")
        return ((_decoded(row[:split]), _decoded(row[split:])) for row in read)


def _differing_blocks(
    blocks: Iterator[tuple[int, tuple[bytes, ...], tuple[bytes, ...]]], mine: list[int | None], theirs: list[int | None]
) -> Iterator[tuple[Values, Values]]:
    """The pairs of rows in the same place whose compared values are not `same_stored`: only in
    blocks whose compared columns' bytes differ."""
    for size, old, new in blocks:
        if row_blocks.projection(old, mine) == row_blocks.projection(new, theirs):
            continue
        for was, now in zip(row_blocks.rows(old, size), row_blocks.rows(new, size)):
            olds = (None if p is None else was[p] for p in mine)
            news = (None if p is None else now[p] for p in theirs)
            if not all(map(same_stored, olds, news)):
                yield was, now


def same_stored(old: Any, new: Any) -> bool:
    """Whether the store's SQL holds two values for the same (`IS` on their stored forms, see `_same`)."""
    return old is new or (type(old) is type(new) and stored(old) == stored(new))


def _looked_up(value: Any) -> Any:
    """A key value to look up: True and 1.0 find the key 1, as in a dict."""
    held = stored(value)
    return _key_form(held) if type(held) is bytes else held


def _keyed(position: int, table: str, forms: bool) -> str:
    """A key column in SQL as rows pair by it (and its index holds it): with `forms`, a pickled key in
    its dict form (a BLOB sorts after every other value: `>= x''` finds the pickles, quicker than `typeof`)."""
    column = _column(position, table)
    return f"CASE WHEN {column} >= x'' THEN {KEY_FORM}({column}) ELSE {column} END" if forms else column


def _key_form(pickled: bytes) -> Any:
    """A pickled key as the key a dict takes it for, as stored: 1.0, True and Decimal('1') are the
    int 1, the int 2**70 the float 2.0**70 (a REAL); any other, the pickle (its value, its type)."""
    value = pickle.loads(pickled)
    try:
        whole = int(value)
        if whole == value and -INT64 - 1 <= whole <= INT64:
            return whole
        if whole == value and float(whole) == whole:
            return float(whole)  # a REAL: past 64-bit ints, `stored` keeps it so
    except (TypeError, ValueError, OverflowError):  # not a number, NaN, infinite, or past a float's range
        pass
    return pickled


def _prefixed(columns: str, table: str) -> str:
    return ", ".join(f"{table}.{column}" if column != "NULL" else column for column in columns.split(", "))
