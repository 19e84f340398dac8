"""SQLite's UNIQUE constraints, reflected without reading every index of a table a second time.

SQLAlchemy's SQLite dialect tells a UNIQUE constraint from a unique index by matching the table's
CREATE text against its automatic indexes (`sqlite_autoindex_*`), which it finds by reflecting
every index of the table again: its call differs in arguments from the reflection of the indexes,
so its cache does not share the two. It returns none for a table without an automatic index; only
the tables with one are asked, the others found by one query per schema.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy

# Tables with an index SQLAlchemy counts as automatic (its test: the name starts so). Without a
# schema the pragma searches as SQLAlchemy's unqualified PRAGMA does.
AUTOINDEXED = (
    "SELECT DISTINCT m.name FROM {master} AS m, pragma_index_list(m.name{schema}) AS i "
    "WHERE m.type = 'table' AND substr(i.name, 1, 16) = 'sqlite_autoindex'"
)


def reflect(
    connection: sqlalchemy.Connection, inspector: sqlalchemy.Inspector, schema: str | None, names: list[str]
) -> dict[tuple[str | None, str], list[dict[str, Any]]]:
    """What `inspector.get_multi_unique_constraints(schema=schema, filter_names=names)` gives."""
    having = autoindexed(connection, schema)
    return {(schema, name): inspector.get_unique_constraints(name, schema) if name in having else [] for name in names}


def autoindexed(connection: sqlalchemy.Connection, schema: str | None) -> set[str]:
    """The schema's tables that have an automatic index."""
    if schema is None:
        query, parameters = AUTOINDEXED.format(master="sqlite_master", schema=""), ()
    else:
        quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
        query, parameters = AUTOINDEXED.format(master=f"{quoted}.sqlite_master", schema=", ?"), (schema,)
    return set(connection.exec_driver_sql(query, parameters).scalars())
