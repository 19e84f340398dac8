"""SQLite's indexes, reflected in one query per schema instead of two statements per index.

SQLAlchemy's SQLite dialect lists a table's indexes (`PRAGMA index_list`) and then asks each
index for its columns (`PRAGMA index_info`), each pragma a statement of its own through its
result machinery: a table of 30 indexes costs 1.3 ms of the 1.7 ms its reflection takes, and the
step walk reflects the table each migration changes. The same pragmas as table-valued functions
answer for every index of the tables at once. What migtest reads of an index is given as
SQLAlchemy gives it: its name, its columns and its `unique` flag, the automatic indexes
(`sqlite_autoindex_*`) and expression-based indexes left out (with SQLAlchemy's warning); a
schema-less table whose indexes are not in `main` has those of `temp`, as SQLAlchemy looks there
next. A partial index's predicate (SQLAlchemy's `sqlite_where`) is not read: captures compare none.
"""

from __future__ import annotations

import warnings
from typing import Any

import sqlalchemy

# Each listed table's indexes with their columns in order, in each schema asked (`main` and
# `temp` where none is named); an expression's column has no name.
INDEXES = (
    "SELECT s.name, m.name, i.name, i.[unique], c.name FROM {master} AS m, ({schemas}) AS s, "
    "pragma_index_list(m.name, s.name) AS i LEFT JOIN pragma_index_info(i.name, s.name) AS c "
    "WHERE m.type = 'table' AND m.name IN ({names}) ORDER BY s.position, m.name, i.name, c.seqno"
)
TOGETHER = 500  # table names per query: SQLite's older builds take at most 999 parameters
AUTOMATIC = "sqlite_autoindex"


def reflect(
    connection: sqlalchemy.Connection, schema: str | None, names: list[str]
) -> dict[tuple[str | None, str], list[dict[str, Any]]]:
    """What `inspector.get_multi_indexes(schema=schema, filter_names=names)` gives of each index:
    its `name`, `column_names` and `unique`, sorted by name."""
    found: dict[tuple[str | None, str], list[dict[str, Any]]] = {(schema, name): [] for name in names}
    for start in range(0, len(names), TOGETHER):
        listed = _listed(connection, schema, names[start : start + TOGETHER])
        for table, indexes in listed.items():
            found[(schema, table)] = _reflected(indexes)
    return found


def _listed(connection: sqlalchemy.Connection, schema: str | None, names: list[str]) -> dict[str, dict[str, Any]]:
    """Each table's index rows by index name (`unique`, then its columns), from the first schema
    that lists any for it: SQLAlchemy asks `temp` only where `main` has none."""
    if schema is None:
        master, searched = "sqlite_master", ("main", "temp")
    else:
        master = f"{connection.dialect.identifier_preparer.quote_identifier(schema)}.sqlite_master"
        searched = (schema,)
    schemas = " UNION ALL ".join("SELECT ? AS name, ? AS position" for _ in searched)
    query = INDEXES.format(master=master, schemas=schemas, names=", ".join("?" * len(names)))
    parameters = (*(value for position, name in enumerate(searched) for value in (name, position)), *names)
    listed: dict[str, dict[str, Any]] = {}
    first: dict[str, str] = {}
    for found_in, table, index, unique, column in connection.exec_driver_sql(query, parameters):
        if first.setdefault(table, found_in) != found_in:
            continue  # listed in `main` already
        listed.setdefault(table, {}).setdefault(index, [unique]).append(column)
    return listed


def _reflected(indexes: dict[str, list[Any]]) -> list[dict[str, Any]]:
    reflected = []
    for index, (unique, *columns) in indexes.items():
        if index.startswith(AUTOMATIC):
            continue
        if None in columns:
            message = f"Skipped unsupported reflection of expression-based index {index}"
            warnings.warn(message, sqlalchemy.exc.SAWarning, stacklevel=4)  # where the capture asked
            continue
        reflected.append({"name": index, "column_names": columns, "unique": unique})
    return sorted(reflected, key=lambda index: index["name"])
