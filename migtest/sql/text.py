"""SQL written by users (migration files, seeds, declared conditions), run exactly as written."""

from __future__ import annotations

import sqlalchemy


def as_written(connection: sqlalchemy.Connection, statement: str) -> str:
    """The statement to give `exec_driver_sql` so that it runs as written: SQLAlchemy always hands
    the driver a parameter set, and drivers with a format paramstyle (psycopg, PyMySQL) then read
    every `%` as a placeholder, so `LIKE '%x%'` fails on PostgreSQL and MySQL but not on SQLite."""
    return statement.replace("%", "%%") if connection.dialect.paramstyle in ("format", "pyformat") else statement
