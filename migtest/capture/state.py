"""What a database holds at one moment: its normalized schema and every row, keyed by primary key.

Checks compare these captures; they never touch a database themselves.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

import sqlalchemy

from migtest.capture import collector, row_tokens, sqlite_copy
from migtest.capture.dialects import Convert, Dialect, Name, Then, dialect_for, normal_form, normalize_value
from migtest.capture.row_store import BLOCK, SpilledBag, SpilledRows, budget
from migtest.capture.sqlite_copy import FUNCTIONS, Source
from migtest.capture.token_reader import Tokens
from migtest.config import RowCondition, SqlAssertion
from migtest.sql.text import as_written

Row = dict[str, Any]
Values = tuple[Any, ...]
BATCH = BLOCK  # rows fetched at a time: the driver never holds a whole table (and a block on disk)
NONE = type(None)
PLAIN = frozenset({int, float, str, bool, NONE})  # values `normalize_value` leaves as they are


@dataclass
class TableSchema:
    columns: dict[str, dict[str, Any]]
    primary_key: tuple[str, ...]
    foreign_keys: list[dict[str, Any]]
    unique: list[dict[str, Any]]
    indexes: list[dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)  # CHECK constraints: {name, expression}
    location: Name | None = field(default=None, compare=False)  # where its rows are read; None: by its key

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "primary_key": list(self.primary_key),
            "foreign_keys": self.foreign_keys,
            "unique": self.unique,
            "indexes": self.indexes,
            "options": self.options,
            "checks": self.checks,
        }


@dataclass
class TableData:
    """Rows keyed by primary key, each a tuple of its values in `columns` order (a dict per row
    would cost its column names again for every row); a table without a key keeps its rows as a
    multiset. Past a capture's memory budget they are held on disk (`spill`, see row_store), where
    `rows` is a mapping and `unkeyed` an iterable like the dict and list they replace."""

    primary_key: tuple[str, ...]
    columns: tuple[str, ...] = ()
    rows: Mapping[tuple[Any, ...], Values] = field(default_factory=dict)
    unkeyed: Collection[Values] = field(default_factory=list)
    token: str | None = field(default=None, compare=False)  # of the rows on disk as read (see row_tokens)
    # the capture whose rows these are (each key one of its keys), columns added after its own and
    # each of its values the very object it held (a table carried over, see sqlite_records); weak:
    # captures do not chain in memory
    extends: weakref.ref[TableData] | None = field(default=None, compare=False, repr=False)

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.unkeyed)

    @property
    def spilled(self) -> bool:
        return isinstance(self.rows, SpilledRows) or isinstance(self.unkeyed, SpilledBag)

    def spill(self, like: TableData | None = None, digested: bool = True) -> None:
        """Move the rows held in memory to disk; rows added later go there too, and are not written
        where `like` (an earlier capture on disk, of the same columns) holds them (see `settle`);
        not `digested`: nor compared with it, where the table's token does (see row_tokens)."""
        if self.spilled:
            return
        if self.primary_key:
            following = like.rows if like is not None and isinstance(like.rows, SpilledRows) else None
            key = [self.columns.index(c) for c in self.primary_key]
            rows = SpilledRows(len(self.columns), key, following, digested)
            rows.extend(list(self.rows.values()))
            self.rows = rows
        else:
            bag = SpilledBag(len(self.columns), like.unkeyed if like is not None and like.spilled else None, digested)
            bag.extend(list(self.unkeyed))
            self.unkeyed = bag

    def copy(self, source: Source) -> bool:
        """The table's rows copied to disk in C (see sqlite_copy); False where they could not be
        (none were: read them through Python)."""
        self.spill(digested=False)
        held = self.rows if self.primary_key else self.unkeyed
        return held.copy(source.database, source.select, FUNCTIONS, source.pickled_keys)  # type: ignore[attr-defined]

    def settle(self) -> None:
        """Every row read: rows on disk all identical to those of `like` are its own (see row_store)."""
        if isinstance(self.rows, SpilledRows):
            self.rows = self.rows.settled()  # type: ignore[assignment]
        elif isinstance(self.unkeyed, SpilledBag):
            self.unkeyed = self.unkeyed.settled()  # type: ignore[assignment]

    def add(self, row: Row) -> None:
        """One row given by column (a column it lacks is NULL)."""
        self.extend([tuple(row.get(column) for column in self.columns)])

    def extend(self, batch: list[Values], like: TableData | None = None) -> None:
        """Rows read; those `like` (an earlier capture of the table) holds identically are its own."""
        if self.spilled:
            (self.rows if self.primary_key else self.unkeyed).extend(batch)  # type: ignore[attr-defined]
            return
        if not self.primary_key:
            self.unkeyed.extend(batch)  # type: ignore[attr-defined]
            return
        positions = [self.columns.index(column) for column in self.primary_key]
        by = itemgetter(*positions)
        keys = list(zip(map(by, batch)) if len(positions) == 1 else map(by, batch))
        shared = batch if like is None or like.spilled else like.shared(keys, batch)
        self.rows.update(zip(keys, shared))  # type: ignore[attr-defined]

    def shared(self, keys: list[tuple[Any, ...]], batch: list[Values]) -> list[Values]:
        """`batch` with each row identical to this table's row of the same key replaced by that row:
        a capture taken after another keeps one copy of what did not change (most rows, most
        tables), and checks comparing the two find it unchanged by identity."""
        previous = list(map(self.rows.get, keys))
        if identical(previous, batch):
            return previous
        return [was if was is not None and identical(was, now) else now for was, now in zip(previous, batch)]

    def extend_read(self, batch: list[Values], converters: list[Convert], like: TableData | None = None) -> None:
        """`extend` with rows as the driver read them, converted (see `_converted`): on disk, column by
        column straight into blocks, without looking at each row's types first."""
        if self.spilled:
            held = self.rows if self.primary_key else self.unkeyed
            held.extend_columns(_converted_columns(batch, converters), len(batch))  # type: ignore[union-attr]
        else:
            self.extend(_converted(batch, converters), like)

    def row(self, values: Values) -> Row:
        """A row's values by column, for the checks that look at a few rows by name."""
        return dict(zip(self.columns, values))

    def values(self) -> Iterator[Values]:
        """Every row's values, keyed rows first, read as they go where the rows are on disk."""
        return chain(self.rows.values(), self.unkeyed)

    def iter_rows(self) -> Iterator[Row]:
        return map(self.row, self.values())

    def keyed(self) -> dict[tuple[Any, ...], Row]:
        """Every keyed row by column, by key: for reading a capture by hand (tests, debugging)."""
        return {key: self.row(values) for key, values in self.rows.items()}

    def all_rows(self) -> list[Row]:
        return list(self.iter_rows())

    def gone(self, new: TableData) -> Iterator[Values]:
        """The keyed rows whose key `new` lacks, in the order read."""
        if self.rows is new.rows or (
            new.extends is not None and new.extends() is self and len(new.rows) == len(self.rows)
        ):
            return iter(())  # the same rows, or carried from these: each key one of ours, and as many
        if on_disk(self, new):
            return self.rows.gone(new.rows)  # type: ignore[attr-defined]
        return (values for key, values in self.rows.items() if key not in new.rows)

    def same_keys(self, new: TableData) -> bool:
        """The same keys (none, for two tables without a key)."""
        if len(self.rows) != len(new.rows):
            return False
        return not self.rows or next(self.gone(new), None) is None


def on_disk(*tables: TableData) -> bool:
    """Whether the tables are compared in the store: where one is on disk, the others move there
    too (they are within the memory budget, so that is quick), and SQL pairs their rows."""
    if not any(table.spilled for table in tables):
        return False
    for table in tables:
        table.spill()
    return True


def identical(old: Any, new: Any) -> bool:
    """The same values of the same types: Python's `==` takes 1, 1.0 and True for one value (and
    Decimal 1.0 for 1.00), which a check that nothing changed must tell apart; their reprs differ."""
    return old is new or repr(old) == repr(new)


View = Callable[[Values], Any] | None  # None: the row's values themselves


def positions(table: TableData, columns: Iterable[str]) -> list[int | None]:
    """Where each of `columns` is in the table's rows (None: a column it lacks)."""
    return [table.columns.index(column) if column in table.columns else None for column in columns]


def view(table: TableData, columns: Iterable[str]) -> View:
    """What a row holds in `columns` (NULL in one it lacks), as a tuple to compare."""
    places = positions(table, columns)
    if places == list(range(len(table.columns))):
        return None
    if None not in places and len(places) > 1:
        return itemgetter(*places)
    return lambda values: tuple(None if p is None else values[p] for p in places)


def differing(
    old: TableData,
    new: TableData,
    old_columns: Sequence[str],
    new_columns: Sequence[str],
    same: Callable[[Any, Any], bool],
    every: bool = False,
) -> Iterator[tuple[tuple[Any, ...], Values, Values]]:
    """The rows of `old` whose key `new` has too and whose values in `old_columns` and `new_columns`
    are not `same`, in `old`'s order: one pass comparing whole rows (or their views), so columns are
    looked at only where rows differ. `same` holds for identical values unless `every` says
    otherwise; on disk, SQL then leaves out the pairs whose reprs are all the same."""
    if old.rows is new.rows and list(old_columns) == list(new_columns) and not every:
        return  # one capture's rows shared by another: every value is itself
    places = positions(old, old_columns) if new.extends is not None and new.extends() is old else [None]
    if not every and None not in places and places == positions(new, new_columns):
        return  # rows carried over from `old`, each column compared in its own place: every value is itself
    old_view, new_view = view(old, old_columns), view(new, new_columns)
    if on_disk(old, new):
        mine, theirs = positions(old, old_columns), positions(new, new_columns)
        key_of = old.rows._key_of  # type: ignore[attr-defined]
        pairs = old.rows.differing(new.rows, mine, theirs, every)  # type: ignore[attr-defined]
        found = ((key_of(values), values, other) for values, other in pairs)
    else:
        other_of = new.rows.get
        found = ((key, values, other_of(key)) for key, values in old.rows.items())
    for key, values, other in found:
        if other is None:
            continue
        was = values if old_view is None else old_view(values)
        if not same(was, other if new_view is None else new_view(other)):
            yield key, values, other


@dataclass
class Selection:
    """The rows a declared condition matched when captured (before migrating), or why none could be read."""

    rows: list[Row] = field(default_factory=list)
    error: str | None = None


@dataclass
class State:
    revision: str | None
    schema: dict[str, TableSchema]
    data: dict[str, TableData]
    queries: dict[str, Any] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)  # PostgreSQL enum types: their values in order
    sequences: dict[str, dict[str, Any]] = field(default_factory=dict)
    selections: dict[str, Selection] = field(default_factory=dict)  # by the label of the declaring key
    bookkeeping: list[str] = field(default_factory=list)  # migration tools' history tables present, left out

    def fingerprint(self) -> str:
        """One digest of schema, rows and revision: equal digests mean nothing changed (values
        written with their types, so 1, 1.0 and True differ; rows in any order)."""
        digest = hashlib.blake2b(digest_size=32)
        schema = {name: table.to_dict() for name, table in sorted(self.schema.items())}
        digest.update(json.dumps([self.revision, schema, self.enums, self.sequences], sort_keys=True).encode())
        for name, table in sorted(self.data.items()):
            columns = sorted(table.columns)  # in any order, as a table altered has them
            in_order = view(table, columns) or tuple
            digest.update(repr((name, columns)).encode())
            for rows in (table.rows.values(), table.unkeyed):
                digest.update("\n".join(sorted(map(repr, map(in_order, rows)))).encode())
        return digest.hexdigest()


def _row_key(row: Row) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def capture_schema(
    dialect: Dialect, ignore: Collection[str], schemas: list[str | None], known: Mapping[str, TableSchema] = {}
) -> dict[str, TableSchema]:
    """Every table of the schemas (as `Dialect.schemas` gives them), keyed `schema.table` outside the
    default; those `known` holds (by a caller that knows them unchanged) are taken from it, not reflected."""
    captured = {}
    for schema in schemas:
        tables = [Name(schema, name) for name in sorted(dialect.inspector.get_table_names(schema=schema))]
        tables = [t for t in tables if not t.ignored_by(ignore) and not t.name.startswith("sqlite_")]
        unknown = [table for table in tables if table.key not in known]
        if unknown:
            reflected = Reflected.of(dialect, schema, [table.name for table in unknown])
            known = {**known, **{table.key: _table_schema(dialect, table, reflected) for table in unknown}}
        captured |= {table.key: known[table.key] for table in tables}
    return captured


@dataclass
class Reflected:
    """One schema's tables reflected kind by kind, each kind in one go: a server answers one query
    per kind instead of one per table and kind."""

    columns: dict[tuple[str | None, str], list[dict[str, Any]]]
    primary_keys: dict[tuple[str | None, str], dict[str, Any]]
    foreign_keys: dict[tuple[str | None, str], list[dict[str, Any]]]
    unique: dict[tuple[str | None, str], list[dict[str, Any]]]
    indexes: dict[tuple[str | None, str], list[dict[str, Any]]]
    checks: dict[tuple[str | None, str], list[dict[str, Any]]]

    @classmethod
    def of(cls, dialect: Dialect, schema: str | None, names: list[str]) -> Reflected:
        columns = dialect.inspector.get_multi_columns(schema=schema, filter_names=names)
        primary_keys, foreign_keys, checks = dialect.reflect_constraints(schema, names, columns)
        return cls(
            columns,
            primary_keys,
            foreign_keys,
            dialect.reflect_unique(schema, names),
            dialect.reflect_indexes(schema, names),
            checks,
        )


def _table_schema(dialect: Dialect, table: Name, reflected: Reflected) -> TableSchema:
    key = (table.schema, table.name)
    columns = {column["name"]: dialect.column(column, table) for column in reflected.columns[key]}
    primary_key = tuple(reflected.primary_keys[key].get("constrained_columns") or ())
    foreign_keys = _sorted(
        {
            "columns": list(fk["constrained_columns"]),
            "references": _reference(dialect, fk),
            "on_delete": (fk.get("options") or {}).get("ondelete"),
        }
        for fk in reflected.foreign_keys[key]
    )
    unique = _sorted({"name": u.get("name"), "columns": list(u["column_names"])} for u in reflected.unique[key])
    indexes = _sorted(
        dialect.indexes(
            [
                {"name": i.get("name"), "columns": _index_columns(i), "unique": bool(i.get("unique"))}
                for i in reflected.indexes[key]
            ],
            foreign_keys,
        )
    )
    checks = dialect.check_constraints(reflected.checks.get(key, []), table)
    options = dialect.table_options(table)
    return TableSchema(columns, primary_key, foreign_keys, unique, indexes, options, checks, location=table)


def _reference(dialect: Dialect, fk: dict[str, Any]) -> str:
    table = dialect.name(fk["referred_schema"], fk["referred_table"])
    return f"{table.key}({', '.join(fk['referred_columns'])})"


def _index_columns(index: dict[str, Any]) -> list[str]:
    """Columns, or for an expression index (`lower(email)`) its expressions in their place."""
    return list(index.get("expressions") or index["column_names"])


def _sorted(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=_row_key)


def capture_data(
    dialect: Dialect, schema: dict[str, TableSchema], like: dict[str, TableData] | None = None
) -> dict[str, TableData]:
    """Every row, each value read the way its column's type says (see `Dialect.converter`); rows
    identical to those of `like` (an earlier capture) share them. Tables past the capture's budget
    of rows in memory, and those `like` holds on disk, are held on disk (see row_store), with a
    token of their rows: a table whose token is still that of `like`'s is not read again, its
    rows are `like`'s (see row_tokens). A SQLite table bound for disk goes there straight away,
    copied in C where it can be (see sqlite_copy)."""
    data: dict[str, TableData] = {}
    held, allowed = 0, budget()
    tokened = row_tokens.snapshot(dialect.connection)
    like = like or {}
    earlier = {key: like[key] for key, table in schema.items() if key in like and _same_shape(like[key], table)}
    tokened_before = {key: _where(key, schema[key]) for key, table in earlier.items() if table.token and tokened}
    with collector.paused(), Tokens(dialect.connection, tokened) as tokens:
        tokens.start(tokened_before)  # hashed on the server while rows are read (see token_reader)
        for key, table in schema.items():
            if key in tokened_before and tokens.get(key, tokened_before[key]) == earlier[key].token:
                data[key] = earlier[key]
                continue
            captured = TableData(table.primary_key, tuple(table.columns))
            on_disk = key in like and like[key].spilled
            if tokened and _copied(dialect, key, table, captured, None if on_disk else allowed - held):
                converters, batches = [], iter(())
            else:
                converters, batches = _read(dialect, key, table)
            if on_disk:
                captured.spill(earlier.get(key), digested=not tokened)  # compared with it on disk all the same
            for batch in batches:
                captured.extend_read(batch, converters, earlier.get(key))
                if not captured.spilled and held + captured.count > allowed:
                    captured.spill(digested=not tokened)
                if captured.spilled:
                    tokens.start({key: _where(key, table)})
            captured.settle()
            if captured.spilled and tokened:
                captured.token = tokens.get(key, _where(key, table))
            held += 0 if captured.spilled else captured.count
            data[key] = captured
    return data


def _copied(dialect: Dialect, key: str, table: TableSchema, captured: TableData, room: int | None) -> bool:
    """Whether the table's rows went to disk in C: a SQLite table with more rows than there is
    `room` for in memory (None: bound for disk in any case) whose values SQL stores as Python would."""
    if dialect.connection.dialect.name != "sqlite":
        return False
    converters = {column: dialect.converter(info["type"]) for column, info in table.columns.items()}
    found = sqlite_copy.source(dialect.connection, _where(key, table), converters, table.primary_key, room)
    return found is not None and captured.copy(found)


def _same_shape(data: TableData, table: TableSchema) -> bool:
    """Rows captured with the columns and key the table has now."""
    return (data.columns, data.primary_key) == (tuple(table.columns), table.primary_key)


def _where(key: str, table: TableSchema) -> Name:
    return table.location or Name(None, key)


def read_batches(dialect: Dialect, key: str, table: TableSchema, where: str | None = None) -> Iterator[list[Values]]:
    """The rows in batches of tuples, each column converted only where its values need it."""
    converters, batches = _read(dialect, key, table, where)
    return (_converted(batch, converters) for batch in batches)


def _read(
    dialect: Dialect, key: str, table: TableSchema, where: str | None = None
) -> tuple[list[Convert], Iterator[list[Values]]]:
    """How each column is converted, and the rows in batches as the driver reads them, streamed
    from the server where the driver can (a server-side cursor on PostgreSQL). PostgreSQL reads
    a keyed table in key order: its heap order moves with every UPDATE, and two captures read in
    the same order compare block by block (see row_blocks) where their rows line up."""
    types = [column["type"] for column in table.columns.values()]
    converters = [dialect.converter(type_text) for type_text in types]
    return converters, _fetched(dialect, table, key, types, where)


def _fetched(
    dialect: Dialect, table: TableSchema, key: str, types: list[str], where: str | None
) -> Iterator[list[Values]]:
    selected = ", ".join(dialect.selected(_quoted(dialect, c), t) for c, t in zip(table.columns, types))
    select = f"SELECT {selected} FROM {_source(dialect, table, key)}"
    if where is not None:
        select += f" WHERE {where}"
    if table.primary_key and dialect.connection.dialect.name == "postgresql":
        select += f" ORDER BY {', '.join(_quoted(dialect, column) for column in table.primary_key)}"
    cursor = dialect.rows_cursor()
    try:
        cursor.execute(select)  # no parameters: drivers read the text as written, `%` included
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()


def _converted(batch: Sequence[Sequence[Any]], converters: list[Convert]) -> list[Values]:
    """The batch as tuples, converted column by column: a column of plain values (ints, strings…)
    read by `normalize_value`, which would return each as it is, is left alone."""
    if not converters:  # a table without columns (PostgreSQL allows one) still has rows
        return [()] * len(batch)
    if _all_plain(batch, converters):
        return batch  # type: ignore[return-value]
    return list(zip(*_converted_columns(batch, converters)))


def _converted_columns(batch: Sequence[Sequence[Any]], converters: list[Convert]) -> list[Values]:
    """The batch's columns, each converted (as `_converted` converts them)."""
    return [_converted_column(convert, values) for convert, values in zip(converters, zip(*batch))]


def _converted_column(convert: Convert, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A column of plain values (ints, strings…) read by `normalize_value`, which would return each
    as it is, is left alone."""
    kinds = set(map(type, values))
    if convert is normalize_value and PLAIN.issuperset(kinds):
        return values
    return _column(convert, kinds, values)


def _all_plain(batch: Sequence[Sequence[Any]], converters: list[Convert]) -> bool:
    """Whether the batch is tuples of plain values only, each read by `normalize_value`: then it is
    its own conversion, without taking it apart into columns and back (SQLite's usual batch)."""
    return (
        isinstance(batch, list)
        and all(convert is normalize_value for convert in converters)
        and set(map(type, batch)) == {tuple}
        and PLAIN.issuperset(map(type, chain.from_iterable(batch)))
    )


def _column(convert: Convert, kinds: set[type], values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A column's values converted, each type's way looked up once per column, not per value: a
    column holds values of one type (and NULLs), which is what most of a capture's time went to."""
    if isinstance(convert, Then) and PLAIN.issuperset(kinds):
        return tuple(map(convert.convert, values))  # `normalize_value` leaves plain values as they are
    if convert is normalize_value and len(kinds - {NONE}) == 1:
        form = normal_form(*(kinds - {NONE}))
        if form is None:
            return values
        return tuple(map(form, values)) if NONE not in kinds else tuple(v if v is None else form(v) for v in values)
    return tuple(map(convert, values))


def select_declared(
    dialect: Dialect, schema: dict[str, TableSchema], conditions: Iterable[RowCondition]
) -> dict[str, Selection]:
    """The rows each declared condition matches now, read like every captured row so that checks can
    find them among the captured ones; a condition the database rejects keeps its error."""
    selections = {}
    for condition in conditions:
        table = schema.get(condition.table)
        if table is None:
            selections[condition.label] = Selection(error=f"table '{condition.table}' is not there")
            continue
        try:
            batches = read_batches(dialect, condition.table, table, condition.where)
            selections[condition.label] = Selection([dict(zip(table.columns, v)) for b in batches for v in b])
        except dialect.connection.dialect.loaded_dbapi.Error as exc:
            dialect.connection.rollback()
            selections[condition.label] = Selection(error=str(exc).strip())
    return selections


def _source(dialect: Dialect, table: TableSchema, key: str) -> str:
    where = _where(key, table)
    quoted = _quoted(dialect, where.name)
    return quoted if where.schema is None else f"{_quoted(dialect, where.schema)}.{quoted}"


def _quoted(dialect: Dialect, name: str) -> str:
    """A name quoted for a statement the driver reads as written (no parameters): SQLAlchemy doubles
    a `%` in it for drivers that read `%` as a placeholder, which such a statement has none of."""
    quoted = dialect.connection.dialect.identifier_preparer.quote(name)
    return quoted.replace("%%", "%") if dialect.connection.dialect.paramstyle in ("format", "pyformat") else quoted


def run_queries(connection: sqlalchemy.Connection, assertions: list[SqlAssertion]) -> dict[str, Any]:
    """The rows each assertion's query returns, or the error it raised."""
    results: dict[str, Any] = {}
    for assertion in assertions:
        try:
            rows = connection.exec_driver_sql(as_written(connection, assertion.query)).fetchall()
            results[assertion.name] = [[normalize_value(v) for v in row] for row in rows]
        except sqlalchemy.exc.DBAPIError as exc:
            connection.rollback()
            results[assertion.name] = {"error": str(exc.orig)}
    return results


def capture(
    connection: sqlalchemy.Connection,
    revision: str | None,
    ignore: Collection[str],
    *,
    bookkeeping: Collection[str] = (),
    schemas: Iterable[str | None] = (None,),
    with_data: bool = True,
    assertions: list[SqlAssertion] | None = None,
    conditions: Iterable[RowCondition] = (),
    like: State | None = None,
    skip_rows: Collection[str] = (),
    known_schema: Mapping[str, TableSchema] = {},
) -> State:
    """The database's state; `schemas` are the PostgreSQL schemas to read, None the default one;
    `conditions` the declarations whose matching rows the checks need (see `select_declared`);
    `like` an earlier capture of the database, whose rows this one shares where they are unchanged;
    `skip_rows` tables whose rows are not read (the caller has them: `State.data` lacks them);
    `known_schema` tables the caller knows unchanged, not reflected again.
    Tables in `ignore` are left out; those also in `bookkeeping` are named in `State.bookkeeping`."""
    dialect = dialect_for(connection)
    names = dialect.schemas(schemas)
    schema = capture_schema(dialect, ignore, names, known_schema)
    read = {key: table for key, table in schema.items() if key not in skip_rows}
    data = capture_data(dialect, read, like.data if like else None) if with_data else {}
    queries = run_queries(connection, assertions or [])
    selections = select_declared(dialect, schema, conditions)
    enums, sequences = dialect.enums(names), dialect.sequences(names, ignore)
    state = State(revision, schema, data, queries, enums, sequences, selections)
    state.bookkeeping = _present(dialect, bookkeeping, names)
    return state


def _present(dialect: Dialect, tables: Collection[str], schemas: list[str | None]) -> list[str]:
    """Which of `tables` the schemas hold (the inspector has their table names cached already)."""
    found = [Name(schema, name) for schema in schemas for name in dialect.inspector.get_table_names(schema=schema)]
    return sorted(table.key for table in found if table.ignored_by(tables))
