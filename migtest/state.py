"""What a database holds at one moment: its normalized schema and every row, keyed by primary key.

Checks compare these captures; they never touch a database themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy

from migtest.config import RowCondition, SqlAssertion
from migtest.dialects import Dialect, Name, dialect_for, normalize_value
from migtest.sqltext import as_written

Row = dict[str, Any]


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
    """Rows keyed by primary key; a table without one keeps its rows as a multiset."""

    primary_key: tuple[str, ...]
    rows: dict[tuple[Any, ...], Row] = field(default_factory=dict)
    unkeyed: list[Row] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.unkeyed)


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
        """One digest of schema, rows and revision: equal digests mean nothing changed."""
        payload = {
            "revision": self.revision,
            "schema": {name: table.to_dict() for name, table in sorted(self.schema.items())},
            "enums": self.enums,
            "sequences": self.sequences,
            "data": {
                name: [sorted(map(_row_key, table.rows.values())), sorted(map(_row_key, table.unkeyed))]
                for name, table in sorted(self.data.items())
            },
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _row_key(row: Row) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def capture_schema(dialect: Dialect, ignore: Collection[str], schemas: list[str | None]) -> dict[str, TableSchema]:
    """Every table of the schemas (as `Dialect.schemas` gives them), keyed `schema.table` outside the default."""
    captured = {}
    for schema in schemas:
        tables = [Name(schema, name) for name in sorted(dialect.inspector.get_table_names(schema=schema))]
        tables = [t for t in tables if not t.ignored_by(ignore) and not t.name.startswith("sqlite_")]
        if tables:
            reflected = Reflected.of(dialect, schema, [table.name for table in tables])
            captured |= {table.key: _table_schema(dialect, table, reflected) for table in tables}
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
        inspector = dialect.inspector
        return cls(
            inspector.get_multi_columns(schema=schema, filter_names=names),
            inspector.get_multi_pk_constraint(schema=schema, filter_names=names),
            inspector.get_multi_foreign_keys(schema=schema, filter_names=names),
            inspector.get_multi_unique_constraints(schema=schema, filter_names=names),
            inspector.get_multi_indexes(schema=schema, filter_names=names),
            dialect.reflect_checks(schema, names),
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


def capture_data(dialect: Dialect, schema: dict[str, TableSchema]) -> dict[str, TableData]:
    """Every row, each value read the way its column's type says (see `Dialect.converter`)."""
    data: dict[str, TableData] = {}
    for key, table in schema.items():
        captured = TableData(table.primary_key)
        for row in _read_rows(dialect, key, table):
            if table.primary_key:
                captured.rows[tuple(row[c] for c in table.primary_key)] = row
            else:
                captured.unkeyed.append(row)
        data[key] = captured
    return data


def _read_rows(dialect: Dialect, key: str, table: TableSchema, where: str | None = None) -> Iterator[Row]:
    preparer = dialect.connection.dialect.identifier_preparer
    columns = list(table.columns)
    types = [table.columns[c]["type"] for c in columns]
    converters = [dialect.converter(type_text) for type_text in types]
    selected = ", ".join(dialect.selected(preparer.quote(c), type_text) for c, type_text in zip(columns, types))
    select = f"SELECT {selected} FROM {_source(dialect, table, key)}"
    if where is not None:
        select += f" WHERE {where}"
    for values in dialect.connection.exec_driver_sql(as_written(dialect.connection, select)):
        yield {column: convert(value) for column, convert, value in zip(columns, converters, values)}


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
            selections[condition.label] = Selection(list(_read_rows(dialect, condition.table, table, condition.where)))
        except sqlalchemy.exc.DBAPIError as exc:
            dialect.connection.rollback()
            selections[condition.label] = Selection(error=str(exc.orig).strip())
    return selections


def _source(dialect: Dialect, table: TableSchema, key: str) -> str:
    preparer = dialect.connection.dialect.identifier_preparer
    where = table.location or Name(None, key)
    quoted = preparer.quote(where.name)
    return quoted if where.schema is None else f"{preparer.quote_schema(where.schema)}.{quoted}"


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
    skip_rows: Collection[str] = (),
) -> State:
    """The database's state; `schemas` are the PostgreSQL schemas to read, None the default one;
    `conditions` the declarations whose matching rows the checks need (see `select_declared`);
    `skip_rows` tables whose rows are not read (the caller has them: `State.data` lacks them).
    Tables in `ignore` are left out; those also in `bookkeeping` are named in `State.bookkeeping`."""
    dialect = dialect_for(connection)
    names = dialect.schemas(schemas)
    schema = capture_schema(dialect, ignore, names)
    read = {key: table for key, table in schema.items() if key not in skip_rows}
    data = capture_data(dialect, read) if with_data else {}
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
