"""The database as step tests and the pytest plugin see it: a few calls that read and write rows
by table name, whatever the engine, against the schema as it is at that point of the history.
Values come back as the driver gives them (int, str, datetime, Decimal...)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy


class DatabaseHelper:
    """Bound to one database; `migrate_to` is given by whoever can migrate it (the pytest plugin)."""

    def __init__(self, engine: sqlalchemy.Engine, migrate_to: Callable[[str], None] | None = None) -> None:
        self.engine = engine
        self._migrate_to = migrate_to

    def migrate_to(self, target: str) -> None:
        """Upgrade or downgrade the database to `target` (a revision, head or base)."""
        if self._migrate_to is None:
            raise RuntimeError("this database is migrated by migtest itself, not by the test")
        self._migrate_to(target)

    def _table(self, name: str) -> sqlalchemy.Table:
        """Reflected afresh: a migration may have changed the table since the last call."""
        schema, _, table = name.rpartition(".")
        try:
            return sqlalchemy.Table(table, sqlalchemy.MetaData(), autoload_with=self.engine, schema=schema or None)
        except sqlalchemy.exc.NoSuchTableError:
            raise LookupError(f"no table '{name}' in the database at this point of the history") from None

    def insert(self, table: str, rows: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> int:
        """Insert one row (a mapping) or many; returns how many."""
        batch = [dict(rows)] if isinstance(rows, Mapping) else [dict(row) for row in rows]
        if not batch:
            return 0
        reflected = self._table(table)
        unknown = sorted({key for row in batch for key in row} - set(reflected.columns.keys()))
        if unknown:  # SQLAlchemy would leave them out of a multi-row insert without a word
            raise LookupError(f"table '{table}' has no column '{unknown[0]}' at this point of the history")
        with self.engine.begin() as connection:  # rows naming the same columns go in one statement
            for _columns, group in itertools.groupby(batch, key=lambda row: sorted(row)):
                connection.execute(reflected.insert(), list(group))
        return len(batch)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row, ordered by the primary key (or every column when there is none)."""
        reflected = self._table(table)
        order = list(reflected.primary_key.columns) or list(reflected.columns)
        with self.engine.connect() as connection:
            result = connection.execute(sqlalchemy.select(reflected).order_by(*order))
            return [dict(row) for row in result.mappings()]

    def one(self, table: str, **where: Any) -> dict[str, Any]:
        """The one row whose columns have these values; LookupError unless exactly one matches."""
        reflected = self._table(table)
        unknown = sorted(set(where) - set(reflected.columns.keys()))
        if unknown:
            raise LookupError(f"table '{table}' has no column '{unknown[0]}' at this point of the history")
        query = sqlalchemy.select(reflected).where(*(reflected.c[k] == v for k, v in where.items()))
        with self.engine.connect() as connection:
            found = [dict(row) for row in connection.execute(query).mappings()]
        if len(found) != 1:
            raise LookupError(f"{len(found)} rows of '{table}' have {where}, expected exactly one")
        return found[0]

    def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one statement (`:name` parameters) in its own transaction; the rows it returned."""
        with self.engine.begin() as connection:
            result = connection.execute(sqlalchemy.text(sql), dict(parameters or {}))
            return [dict(row) for row in result.mappings()] if result.returns_rows else []
