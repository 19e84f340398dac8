"""migtest's reflection of SQLite's UNIQUE constraints gives exactly what SQLAlchemy's does."""

from pathlib import Path

import pytest
import sqlalchemy
from sqlite_attached import attached

from migtest.capture import sqlite_unique

TABLES = [
    "CREATE TABLE named (id INTEGER PRIMARY KEY, x TEXT, y TEXT, CONSTRAINT uq_named_xy UNIQUE (x, y))",
    "CREATE TABLE unnamed (id INTEGER PRIMARY KEY, email TEXT UNIQUE, code TEXT, UNIQUE (code))",
    "CREATE TABLE text_key (k TEXT PRIMARY KEY, n INTEGER UNIQUE)",
    "CREATE TABLE no_rowid (k TEXT PRIMARY KEY, u TEXT, CONSTRAINT uq_no_rowid UNIQUE (u)) WITHOUT ROWID",
    'CREATE TABLE "odd table" ("my col" TEXT, "other" TEXT, CONSTRAINT "odd uq" UNIQUE ("my col"))',
    "CREATE TABLE [bracketed] ([a b] INTEGER UNIQUE, c INTEGER)",
    "CREATE TABLE indexed (id INTEGER PRIMARY KEY, v TEXT, w INTEGER)",
    "CREATE UNIQUE INDEX ix_indexed_v ON indexed (v) WHERE w > 0",
    "CREATE INDEX ix_indexed_lower ON indexed (lower(v))",
    "CREATE UNIQUE INDEX ix_indexed_w ON indexed (w)",
    "CREATE TABLE plain (id INTEGER PRIMARY KEY, name TEXT)",
]


AUTOINDEXED = {"named", "unnamed", "text_key", "no_rowid", "odd table", "bracketed"}


@pytest.fixture
def connection(tmp_path: Path):
    with attached(tmp_path, TABLES) as connection:
        yield connection


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("schema", [None, "other one"])
def test_the_constraints_are_those_sqlalchemy_reflects(connection, schema) -> None:
    names = sqlalchemy.inspect(connection).get_table_names(schema=schema)
    theirs = sqlalchemy.inspect(connection).get_multi_unique_constraints(schema=schema, filter_names=names)
    ours = sqlite_unique.reflect(connection, sqlalchemy.inspect(connection), schema, names)
    assert ours == theirs
    # SQLAlchemy's pattern misses a bracketed name with a space: so does migtest, as it must
    assert {key[1] for key, found in ours.items() if found} == AUTOINDEXED - {"bracketed"}


def test_only_tables_with_an_automatic_index_are_asked(connection) -> None:
    assert sqlite_unique.autoindexed(connection, None) == AUTOINDEXED
    assert sqlite_unique.autoindexed(connection, "other one") == AUTOINDEXED
