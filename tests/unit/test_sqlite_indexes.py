"""migtest's reflection of SQLite's indexes gives what SQLAlchemy's does of each index: its name,
columns and `unique` flag."""

from pathlib import Path

import pytest
import sqlalchemy
from sqlite_attached import attached

from migtest.capture import sqlite_indexes

TABLES = [
    "CREATE TABLE plain (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE keyed (k TEXT PRIMARY KEY, a INTEGER, b INTEGER, c TEXT UNIQUE)",
    "CREATE INDEX ix_keyed_ba ON keyed (b, a)",
    "CREATE UNIQUE INDEX ux_keyed_a ON keyed (a DESC)",
    "CREATE INDEX ix_keyed_partial ON keyed (c) WHERE a > 0",
    "CREATE INDEX ix_keyed_lower ON keyed (lower(c))",
    "CREATE INDEX ix_keyed_mixed ON keyed (a, lower(c))",
    'CREATE TABLE "odd table" ("my col" TEXT, "other" TEXT)',
    'CREATE INDEX "odd ix" ON "odd table" ("other", "my col")',
    "CREATE TABLE no_rowid (k TEXT PRIMARY KEY, u TEXT) WITHOUT ROWID",
    "CREATE INDEX ix_no_rowid_u ON no_rowid (u)",
    "CREATE TABLE shadowed (id INTEGER PRIMARY KEY, v TEXT)",
]


@pytest.fixture
def connection(tmp_path: Path):
    with attached(tmp_path, TABLES) as connection:
        # a temporary table of a main table's name: SQLAlchemy reads its indexes where main has none
        connection.exec_driver_sql("CREATE TEMP TABLE shadowed (id INTEGER PRIMARY KEY, v TEXT)")
        connection.exec_driver_sql("CREATE INDEX temp.ix_shadowed_v ON shadowed (v)")
        connection.exec_driver_sql("CREATE TEMP TABLE plain (id INTEGER PRIMARY KEY, w TEXT)")
        connection.exec_driver_sql("CREATE INDEX temp.ix_plain_w ON plain (w)")
        connection.exec_driver_sql("CREATE INDEX main.ix_plain_name ON plain (name)")
        yield connection


def read(reflected: dict) -> dict:
    """What a capture reads of each index."""
    return {
        table: [(index["name"], list(index["column_names"]), bool(index["unique"])) for index in indexes]
        for table, indexes in reflected.items()
    }


@pytest.mark.parametrize("schema", [None, "other one"])
def test_the_indexes_are_those_sqlalchemy_reflects(connection, schema, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_indexes, "TOGETHER", 2)  # several queries, as for a schema of many tables
    names = sqlalchemy.inspect(connection).get_table_names(schema=schema)
    with pytest.warns(sqlalchemy.exc.SAWarning, match="expression-based index ix_keyed_") as theirs_warned:
        theirs = sqlalchemy.inspect(connection).get_multi_indexes(schema=schema, filter_names=names)
    with pytest.warns(sqlalchemy.exc.SAWarning, match="expression-based index ix_keyed_") as ours_warned:
        ours = sqlite_indexes.reflect(connection, schema, names)
    assert read(ours) == read(theirs)
    assert sorted(map(str, (w.message for w in ours_warned))) == sorted(map(str, (w.message for w in theirs_warned)))
    assert ours[(schema, "keyed")] and ours[(schema, "no_rowid")]
    if schema is None:
        assert [index["name"] for index in ours[(None, "plain")]] == ["ix_plain_name"]  # main's, not temp's
        assert [index["name"] for index in ours[(None, "shadowed")]] == ["ix_shadowed_v"]  # none in main: temp's
