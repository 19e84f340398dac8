"""A SQLite connection with a second database attached as "other one", both given the same tables:
reflection tested in the default schema and in a named one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy


@contextmanager
def attached(directory: Path, statements: list[str]) -> Iterator[sqlalchemy.Connection]:
    """Each statement run in `main`, then in "other one" (its first `TABLE ` or `INDEX ` qualified)."""
    engine = sqlalchemy.create_engine(f"sqlite:///{directory / 'main.db'}", poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"ATTACH DATABASE '{directory / 'other.db'}' AS \"other one\"")
            for statement in statements:
                connection.exec_driver_sql(statement)
                connection.exec_driver_sql(
                    statement.replace("TABLE ", 'TABLE "other one".', 1).replace("INDEX ", 'INDEX "other one".', 1)
                )
            yield connection
    finally:
        engine.dispose()
