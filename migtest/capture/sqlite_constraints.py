"""SQLite's primary keys, foreign keys and CHECK constraints as SQLAlchemy reflects them, without
its statements for the tables that have none.

SQLAlchemy's SQLite dialect reflects a table's primary key from its columns' reflection (each
column's `primary_key` position), which it runs again, plus a name matched in the CREATE text that
a capture does not read; its foreign keys by a pragma on `main`, then on `temp`, and the CREATE
text matched against a pattern; its checks by a pattern on that text. For the table the step walk
changes (31 columns, 30 indexes, no foreign key, no check) that was 1.2 ms of the 1.9 ms its
reflection took. Here the key is taken from the columns the capture reflected already, and one
query per schema finds the tables that have a foreign key (in the schema, or in `temp` where
SQLAlchemy looks next) and the CREATE texts that hold the word CHECK, in any case (SQLAlchemy's
pattern needs it); only those tables are asked, every other one has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy

TableKey = tuple[str | None, str]  # as dialects' (which imports this module)

# Each table of the schema: whether it has a foreign key, there or in `temp` (SQLAlchemy's second
# place for a schema-less table; asking it too for a named schema only asks more).
LISTED = (
    "SELECT m.name, m.sql, EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name, ?)) "
    "OR EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name, 'temp')) FROM {master} AS m WHERE m.type = 'table'"
)
# The CREATE texts SQLAlchemy may read besides (it reads the schema's, then the temporary ones).
TEMPORARY = "SELECT name, sql FROM sqlite_temp_master WHERE type IN ('table', 'view')"
CHECK = re.compile("check", re.IGNORECASE)  # as SQLAlchemy's pattern reads the word


def reflect(
    connection: sqlalchemy.Connection,
    inspector: sqlalchemy.Inspector,
    schema: str | None,
    names: list[str],
    columns: dict[TableKey, list[dict[str, Any]]],
) -> tuple[dict[TableKey, dict[str, Any]], dict[TableKey, list[dict[str, Any]]], dict[TableKey, list[dict[str, Any]]]]:
    """What SQLAlchemy's `get_multi_pk_constraint` (its `constrained_columns`, all a capture
    reads), `get_multi_foreign_keys` and `get_multi_check_constraints` give for `names`, whose
    `columns` (`get_multi_columns`) the caller reflected."""
    without_keys, without_checks = _without(connection, schema)
    primary_keys = {(schema, name): {"constrained_columns": _primary_key(columns[(schema, name)])} for name in names}
    foreign_keys = _asked(names, without_keys, schema, inspector.get_multi_foreign_keys)
    checks = _asked(names, without_checks, schema, inspector.get_multi_check_constraints)
    return primary_keys, foreign_keys, checks


def _asked(
    names: list[str], without: set[str], schema: str | None, reflect: Callable[..., dict[TableKey, list[Any]]]
) -> dict[TableKey, list[Any]]:
    """None for the tables `without` any, SQLAlchemy's `reflect` for the others."""
    found: dict[TableKey, list[Any]] = {(schema, name): [] for name in names if name in without}
    asked = [name for name in names if name not in without]
    return found | reflect(schema=schema, filter_names=asked) if asked else found


def _primary_key(columns: list[dict[str, Any]]) -> list[str]:
    """The key's columns in their order in it, as SQLAlchemy's SQLite dialect takes them."""
    keyed = sorted((column for column in columns if column.get("primary_key", 0) > 0), key=lambda c: c["primary_key"])
    return [column["name"] for column in keyed]


def _without(connection: sqlalchemy.Connection, schema: str | None) -> tuple[set[str], set[str]]:
    """The schema's tables without a foreign key, and those without the word CHECK in their CREATE
    text nor in that of a temporary table or view of the same name."""
    if schema is None:
        master, searched = "sqlite_master", "main"
    else:
        master, searched = f"{connection.dialect.identifier_preparer.quote_identifier(schema)}.sqlite_master", schema
    without_keys, without_checks = set(), set()
    for name, create, has_key in connection.exec_driver_sql(LISTED.format(master=master), (searched,)):
        if not has_key:
            without_keys.add(name)
        if create is not None and not CHECK.search(create):
            without_checks.add(name)
    temporary = connection.exec_driver_sql(TEMPORARY)
    without_checks -= {name for name, create in temporary if create and CHECK.search(create)}
    return without_keys, without_checks
