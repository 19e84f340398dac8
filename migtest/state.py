"""What a database holds at one moment: its normalized schema and every row, keyed by primary key.

Checks compare these captures; they never touch a database themselves.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy

from migtest.config import SqlAssertion

Row = dict[str, Any]


@dataclass
class TableSchema:
    columns: dict[str, dict[str, Any]]
    primary_key: tuple[str, ...]
    foreign_keys: list[dict[str, Any]]
    unique: list[dict[str, Any]]
    indexes: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "primary_key": list(self.primary_key),
            "foreign_keys": self.foreign_keys,
            "unique": self.unique,
            "indexes": self.indexes,
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
class State:
    revision: str | None
    schema: dict[str, TableSchema]
    data: dict[str, TableData]
    queries: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """One digest of schema, rows and revision: equal digests mean nothing changed."""
        payload = {
            "revision": self.revision,
            "schema": {name: table.to_dict() for name, table in sorted(self.schema.items())},
            "data": {
                name: [sorted(map(_row_key, table.rows.values())), sorted(map(_row_key, table.unkeyed))]
                for name, table in sorted(self.data.items())
            },
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _row_key(row: Row) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def normalize_value(value: Any) -> Any:
    """Plain JSON-able values, so captures compare and serialize the same on every engine."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "base64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _normalize_type(column_type: Any) -> str:
    try:
        text = str(column_type)
    except Exception:  # some dialect types cannot compile without a dialect
        text = repr(column_type)
    return re.sub(r"\s+", " ", text).strip().upper()


def _normalize_default(default: Any) -> str | None:
    if default is None:
        return None
    text = str(default).strip()
    while len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        text = text[1:-1].strip()
    return text


def capture_schema(connection: sqlalchemy.Connection, ignore: set[str]) -> dict[str, TableSchema]:
    inspector = sqlalchemy.inspect(connection)
    schema: dict[str, TableSchema] = {}
    for table in sorted(inspector.get_table_names()):
        if table in ignore or table.startswith("sqlite_"):
            continue
        columns = {
            column["name"]: {
                "type": _normalize_type(column["type"]),
                "nullable": bool(column["nullable"]),
                "default": _normalize_default(column.get("default")),
            }
            for column in inspector.get_columns(table)
        }
        primary_key = tuple(inspector.get_pk_constraint(table).get("constrained_columns") or ())
        foreign_keys = sorted(
            (
                {
                    "columns": list(fk["constrained_columns"]),
                    "references": f"{fk['referred_table']}({', '.join(fk['referred_columns'])})",
                    "on_delete": (fk.get("options") or {}).get("ondelete"),
                }
                for fk in inspector.get_foreign_keys(table)
            ),
            key=_row_key,
        )
        unique = sorted(
            (
                {"name": u.get("name"), "columns": list(u["column_names"])}
                for u in inspector.get_unique_constraints(table)
            ),
            key=_row_key,
        )
        indexes = sorted(
            (
                {"name": i.get("name"), "columns": list(i["column_names"]), "unique": bool(i.get("unique"))}
                for i in inspector.get_indexes(table)
            ),
            key=_row_key,
        )
        schema[table] = TableSchema(columns, primary_key, foreign_keys, unique, indexes)
    return schema


def capture_data(connection: sqlalchemy.Connection, schema: dict[str, TableSchema]) -> dict[str, TableData]:
    preparer = connection.dialect.identifier_preparer
    data: dict[str, TableData] = {}
    for name, table in schema.items():
        columns = list(table.columns)
        select = "SELECT {} FROM {}".format(", ".join(preparer.quote(c) for c in columns), preparer.quote(name))
        captured = TableData(table.primary_key)
        for values in connection.exec_driver_sql(select):
            row = {column: normalize_value(value) for column, value in zip(columns, values)}
            if table.primary_key:
                captured.rows[tuple(row[c] for c in table.primary_key)] = row
            else:
                captured.unkeyed.append(row)
        data[name] = captured
    return data


def run_queries(connection: sqlalchemy.Connection, assertions: list[SqlAssertion]) -> dict[str, Any]:
    """The rows each assertion's query returns, or the error it raised."""
    results: dict[str, Any] = {}
    for assertion in assertions:
        try:
            rows = connection.exec_driver_sql(assertion.query).fetchall()
            results[assertion.name] = [[normalize_value(v) for v in row] for row in rows]
        except sqlalchemy.exc.DBAPIError as exc:
            connection.rollback()
            results[assertion.name] = {"error": str(exc.orig)}
    return results


def capture(
    connection: sqlalchemy.Connection,
    revision: str | None,
    ignore: set[str],
    *,
    with_data: bool = True,
    assertions: list[SqlAssertion] | None = None,
) -> State:
    schema = capture_schema(connection, ignore)
    data = capture_data(connection, schema) if with_data else {}
    queries = run_queries(connection, assertions or [])
    return State(revision, schema, data, queries)
