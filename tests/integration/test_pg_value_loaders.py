"""A capture reads PostgreSQL's NUMERIC, timestamps and dates through loaders of its own (see
pg_loaders): every value, and every error, must be exactly what the driver's values converted
by `normalize_value` were, type for type (1, 1.0, True and Decimal('1.0') apart)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_capture_engines import execute

from migtest.capture.dialects import dialect_for
from migtest.capture.state import capture_schema, read_batches
from migtest.databases import Database
from migtest.databases.postgres import PostgresServer

COLUMNS = {
    "n": "NUMERIC",
    "n2": "NUMERIC(10, 2)",
    "ts": "TIMESTAMP",
    "ts3": "TIMESTAMP(3)",
    "tz": "TIMESTAMPTZ",
    "d": "DATE",
    "tm": "TIME",
    "iv": "INTERVAL",
    "u": "UUID",
    "b": "BYTEA",
    "a": "NUMERIC[]",
    "j": "JSON",
    "f4": "REAL",
    "f8": "DOUBLE PRECISION",
    "bo": "BOOLEAN",
}
VALUES = {
    "n": [
        "1",
        "-1",
        "0",
        "-0",
        "0.00",
        "-0.0",
        "1.10",
        "1.0",
        "1e-7",
        "0.1",
        "2.675",
        "-12.50",
        "1e20",
        "9007199254740993",
        "12345678901234567.5",
        "0.30000000000000004",
        "1.0000000000000001",
        "123456789012345678901234567890.123456789",
        "1e-300",
        "5e-324",
        "NaN",
        "100.000000000000000000001",
        "1234567890.12345",
        "-1234567890.12345",
        "12345678901.12345",
        "0.000000000000001",
        "-0.1234567890123456",
    ],
    "n2": ["1.10", "1.00", "-0.01", "99999999.99", "NaN", "0"],
    "ts": [
        "2024-01-01 00:00:00",
        "2024-01-01 00:00:00.5",
        "2024-01-01 00:00:00.000001",
        "2024-01-01 00:00:00.123456",
        "2024-02-29 23:59:59.99",
        "0999-12-31 23:59:59.9",
        "0001-01-01 00:00:00",
        "9999-12-31 23:59:59.999999",
        "2024-01-01 00:00:00.500000",
    ],
    "ts3": ["2024-01-01 00:00:00.1234", "2024-01-01 00:00:00"],
    "tz": ["2024-06-01 12:00+05:30", "2024-01-01 00:00:00.5+00", "1900-01-01 00:00 Europe/Amsterdam"],
    "d": ["2024-02-29", "0001-01-01", "0999-12-31", "9999-12-31"],
    "tm": ["00:00:00", "12:34:56.5", "23:59:59.999999"],
    "iv": ["1 day 02:03:04.5", "-1 year", "0"],
    "u": ["00000000-0000-0000-0000-000000000001"],
    "b": ["\\x00ff"],
    "a": ["{1.10,2,NaN}"],
    "j": ['{"a": 1.10, "b": [1, 1.0]}'],
    "f4": ["0.1", "-0", "Infinity", "NaN"],
    "f8": ["0.1", "-0", "-Infinity", "1e308"],
    "bo": ["true", "false"],
}
# what the driver refuses to read (or normalize_value to convert) today: the same error, still
REFUSED = {
    "ts": ["infinity", "-infinity", "0044-03-15 12:00:00 BC", "0044-03-15 12:00:00.5 BC", "10000-01-01 00:00:00.5"],
    "d": ["infinity", "-infinity", "0044-03-15 BC", "10000-01-01"],
    "n": ["Infinity", "-Infinity"],
}


@pytest.fixture(scope="module")
def database(postgres_host) -> Iterator[Database]:
    """One database for the module (each test fills the table again): creating one per value took
    a third of the module's time."""
    server = PostgresServer(postgres_host.url)
    try:
        database = server.create("loaders")
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        execute(database, f"CREATE TABLE awkward (id SERIAL PRIMARY KEY, {columns})")
        yield database
    finally:
        server.close()


def fill(database: Database, column: str, values: list[str]) -> None:
    """One row per value, NULL in the other columns, and a row of NULLs."""
    rows = ", ".join(f"('{value}')" for value in values)
    execute(database, "DELETE FROM awkward", f"INSERT INTO awkward ({column}) VALUES {rows}, (NULL)")


def both_ways(database: Database) -> tuple[Any, Any]:
    """The rows as a capture reads them, and as it read them before: the driver's own values
    converted as their columns say (`Dialect.converter`, `normalize_value`); or the error each
    way raised."""
    with database.connection() as connection:
        dialect = dialect_for(connection)
        table = capture_schema(dialect, set(), [None])["awkward"]
        converters = [dialect.converter(column["type"]) for column in table.columns.values()]

        def before() -> list[tuple[Any, ...]]:
            with connection.connection.dbapi_connection.cursor() as cursor:
                cursor.execute(f"SELECT {', '.join(table.columns)} FROM awkward")
                return [tuple(convert(value) for convert, value in zip(converters, row)) for row in cursor]

        fast = outcome(lambda: [row for batch in read_batches(dialect, "awkward", table) for row in batch])
        connection.rollback()
        return fast, outcome(before)


def outcome(read: Any) -> Any:
    try:
        rows = read()
    except Exception as error:  # the error itself is what must not change
        return type(error), str(error)
    return [[(type(value), repr(value)) for value in row] for row in sorted(rows, key=lambda row: row[0])]


@pytest.mark.parametrize("column", list(VALUES))
def test_every_value_reads_as_the_driver_and_normalize_value_read_it(database, column):
    fill(database, column, VALUES[column])
    fast, slow = both_ways(database)
    assert isinstance(fast, list) and fast == slow


@pytest.mark.parametrize("column, value", [(column, value) for column, values in REFUSED.items() for value in values])
def test_a_value_refused_before_is_refused_the_same_way(database, column, value):
    fill(database, column, [value])
    fast, slow = both_ways(database)
    assert isinstance(fast, tuple) and fast == slow


def test_another_date_style_reads_as_before(database):
    fill(database, "ts", VALUES["ts"])
    execute(database, f"ALTER DATABASE {database.name} SET DateStyle = 'SQL, DMY'")
    try:
        fast, slow = both_ways(database)
    finally:
        execute(database, f"ALTER DATABASE {database.name} RESET DateStyle")
    assert isinstance(fast, list) and fast == slow
