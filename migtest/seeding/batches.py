"""Batched inserts that survive rejected rows, and what an engine needs around explicit keys.

A batch goes in as one executemany and one transaction. When the database rejects it (a row
breaks a check constraint too complex to read, say), it is retried row by row, each in a
savepoint: the rows the database refuses are skipped and counted by reason, any other error
stops seeding with the database's message.
"""

from __future__ import annotations

import collections
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy

from migtest.errors import StepFailed

MYSQL_REJECTIONS = {1264, 1292, 1366, 1406, 3819, 4025}  # out of range, bad value, too long, check failed
Parameters = Callable[[dict[str, Any]], dict[str, Any]]


def insert_statement(
    connection: sqlalchemy.Connection, table: sqlalchemy.Table, columns: list[str], overriding: bool
) -> tuple[sqlalchemy.Executable, Parameters]:
    """The INSERT, and how a row (by column name) becomes its parameters. PostgreSQL refuses values
    for a GENERATED ALWAYS identity unless told OVERRIDING SYSTEM VALUE, which SQLAlchemy cannot say."""
    if not overriding:
        return table.insert(), lambda row: row
    preparer = connection.dialect.identifier_preparer
    text = sqlalchemy.text(
        f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) "
        f"OVERRIDING SYSTEM VALUE VALUES ({', '.join(f':p{n}' for n in range(len(columns)))})"
    ).bindparams(*(sqlalchemy.bindparam(f"p{n}", type_=table.columns[c].type) for n, c in enumerate(columns)))
    return text, lambda row: {f"p{n}": row[c] for n, c in enumerate(columns)}


def insert_batch(
    connection: sqlalchemy.Connection, statement: sqlalchemy.Executable, rows: list[dict[str, Any]], table: str
) -> tuple[int, collections.Counter[str]]:
    """Insert and commit the rows: how many went in, and how many the database rejected, by reason."""
    rejected: collections.Counter[str] = collections.Counter()
    try:
        with _quiet_pipeline():
            connection.execute(statement, rows)
        connection.commit()
        return len(rows), rejected
    except sqlalchemy.exc.DBAPIError as exc:
        connection.rollback()
        _check_rejection(exc, table)
    except sqlalchemy.exc.StatementError as exc:
        raise _failure(exc, table) from exc
    inserted = 0
    for row in rows:
        try:
            with connection.begin_nested():
                connection.execute(statement, row)
            inserted += 1
        except sqlalchemy.exc.DBAPIError as exc:
            _check_rejection(exc, table)
            rejected[_reason(exc)] += 1
    connection.commit()
    return inserted, rejected


def move_sequences(connection: sqlalchemy.Connection, table: sqlalchemy.Table, columns: list[str]) -> None:
    """PostgreSQL: a serial or identity column given explicit values counts on after the largest, so
    the migrations' own inserts still get free numbers (MySQL and SQLite do this themselves)."""
    if connection.dialect.name != "postgresql":
        return
    name = connection.dialect.identifier_preparer.format_table(table)
    for column in (table.columns[name] for name in columns):
        if not isinstance(column.type, sqlalchemy.Integer):
            continue
        largest = sqlalchemy.select(sqlalchemy.func.max(column)).scalar_subquery()
        sequence = sqlalchemy.func.pg_get_serial_sequence(name, column.name)
        query = sqlalchemy.select(sqlalchemy.func.setval(sequence, largest))
        connection.execute(query.where(sequence.is_not(None), largest.is_not(None)))
    connection.commit()


def _check_rejection(exc: sqlalchemy.exc.DBAPIError, table: str) -> None:
    """A row the database refused (a constraint, a value out of range) lets seeding go on; not so
    any other error."""
    if isinstance(exc, (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.DataError)) or _code(exc) in MYSQL_REJECTIONS:
        return
    raise _failure(exc, table) from exc


def _failure(exc: sqlalchemy.exc.StatementError, table: str) -> StepFailed:
    reason = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    return StepFailed(f"seed.generate: inserting into {table} failed: {reason}", str(exc))


def _code(exc: sqlalchemy.exc.DBAPIError) -> Any:
    return exc.orig.args[0] if exc.orig is not None and exc.orig.args else None


def _reason(exc: sqlalchemy.exc.DBAPIError) -> str:
    """What refused a row, in the words every engine's message shares."""
    text = str(exc.orig).lower()
    if "foreign key" in text:
        return "foreign keys"
    if "check" in text or _code(exc) in (3819, 4025):
        return "check constraints"
    if "unique" in text or "duplicate" in text:
        return "unique constraints"
    if "null" in text:
        return "NOT NULL constraints"
    return "the database (values out of range or too long)"


class _PipelineNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("error ignored terminating")


@contextlib.contextmanager
def _quiet_pipeline() -> Iterator[None]:
    """psycopg warns when a batch it sent in pipeline mode fails; the batch is then retried row by
    row and what the database rejected is counted, so the warning only confuses the output."""
    logger = logging.getLogger("psycopg")
    noise = _PipelineNoise()
    logger.addFilter(noise)
    try:
        yield
    finally:
        logger.removeFilter(noise)
