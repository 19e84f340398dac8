"""migtest's reflection of SQLite's primary keys, foreign keys and checks gives exactly what
SQLAlchemy's does, asking it only about the tables that can have a foreign key or a check."""

from pathlib import Path

import pytest
import sqlalchemy
from sqlite_attached import attached

from migtest.capture import sqlite_constraints

TABLES = [
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE)",
    "CREATE TABLE pair (a INTEGER, b TEXT, n INTEGER, PRIMARY KEY (b, a))",
    "CREATE TABLE named_key (x INTEGER, y INTEGER, CONSTRAINT pk_named PRIMARY KEY (y, x)) WITHOUT ROWID",
    "CREATE TABLE no_key (v TEXT, w REAL)",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent, code TEXT,"
    " CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES parent (code) ON DELETE CASCADE)",
    "CREATE TABLE to_pair (id INTEGER PRIMARY KEY, b TEXT, a INTEGER, FOREIGN KEY (b, a) REFERENCES pair (b, a))",
    "CREATE TABLE checked (id INTEGER PRIMARY KEY, n INTEGER CHECK (n > 0), m INTEGER, CONSTRAINT ck_m check (m <> n))",
    'CREATE TABLE "odd table" ("my col" INTEGER PRIMARY KEY, "Check" TEXT, twice INTEGER AS ("my col" * 2))',
    "CREATE TABLE word (id INTEGER PRIMARY KEY, checkout TEXT)",  # the word, no constraint
    "CREATE TABLE shadowed (id INTEGER PRIMARY KEY, v INTEGER)",
]
# A temporary table of a main table's name: SQLAlchemy may read it for a table of `main`.
TEMPORARY = [
    "CREATE TEMP TABLE shadowed (id INTEGER PRIMARY KEY, v INTEGER CHECK (v > 1) REFERENCES parent (id))",
    "CREATE TEMP TABLE only_temp (id INTEGER PRIMARY KEY, v INTEGER REFERENCES parent (id) CHECK (v > 0))",
]


@pytest.fixture
def connection(tmp_path: Path):
    with attached(tmp_path, TABLES) as connection:
        for statement in TEMPORARY:
            connection.exec_driver_sql(statement)
        yield connection


def reflect(connection: sqlalchemy.Connection, schema: str | None, names: list[str]):
    inspector = sqlalchemy.inspect(connection)
    columns = inspector.get_multi_columns(schema=schema, filter_names=names)
    return sqlite_constraints.reflect(connection, inspector, schema, names, columns)


@pytest.mark.parametrize("schema", [None, "other one"])
def test_keys_and_checks_are_those_sqlalchemy_reflects(connection, schema) -> None:
    inspector = sqlalchemy.inspect(connection)
    names = inspector.get_table_names(schema=schema)
    primary_keys, foreign_keys, checks = reflect(connection, schema, names)
    theirs = inspector.get_multi_pk_constraint(schema=schema, filter_names=names)
    assert {key: found["constrained_columns"] for key, found in primary_keys.items()} == {
        key: found["constrained_columns"] for key, found in theirs.items()
    }
    assert primary_keys[(schema, "pair")]["constrained_columns"] == ["b", "a"]
    assert foreign_keys == inspector.get_multi_foreign_keys(schema=schema, filter_names=names)
    assert checks == inspector.get_multi_check_constraints(schema=schema, filter_names=names)
    assert {key[1] for key, found in foreign_keys.items() if found} >= {"child", "to_pair"}
    assert {key[1] for key, found in checks.items() if found} >= {"checked"}


def test_only_tables_that_can_have_a_foreign_key_or_a_check_are_asked(connection, monkeypatch) -> None:
    asked: dict[str, list[str]] = {}
    inspector = sqlalchemy.inspect(connection)
    for kind in ("get_multi_foreign_keys", "get_multi_check_constraints"):
        reflect_kind = getattr(inspector, kind)

        def recorded(*, schema, filter_names, kind=kind, reflect_kind=reflect_kind):
            asked[kind] = list(filter_names)
            return reflect_kind(schema=schema, filter_names=filter_names)

        monkeypatch.setattr(inspector, kind, recorded)
    names = inspector.get_table_names()
    columns = inspector.get_multi_columns(filter_names=names)
    sqlite_constraints.reflect(connection, inspector, None, names, columns)
    # `shadowed` has neither in `main`, but SQLAlchemy may read its temporary namesake's
    assert asked["get_multi_foreign_keys"] == ["child", "shadowed", "to_pair"]
    assert asked["get_multi_check_constraints"] == ["checked", "odd table", "shadowed", "word"]
