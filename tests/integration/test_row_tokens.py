"""A capture takes an earlier capture's rows of a table on disk only while the table's token says
they are the same, value for value and type for type; any change, however small, is read again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_capture_engines import execute

from migtest.capture.row_store import SPILL_ENV
from migtest.capture.state import State, capture
from migtest.databases import Database
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer
from migtest.sql.text import as_written

TABLE = {
    "sqlite": "CREATE TABLE t (id INTEGER PRIMARY KEY, amount NUMERIC(10, 2), label VARCHAR(20), value)",
    "postgres": "CREATE TABLE t (id INTEGER PRIMARY KEY, amount NUMERIC(10, 2), label VARCHAR(20), value INTEGER)",
}
FILL = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
    "INSERT INTO t SELECT i, i / 4.0, 'row ' || i, 1 FROM n",
    "postgres": "INSERT INTO t SELECT i, i / 4.0, 'row ' || i, 1 FROM generate_series(1, 3000) AS i",
}
CHANGED = 2999
# one value of one row near the end, the row count kept; on SQLite also 1 -> 1.0, equal to Python
CHANGES = {
    "sqlite": [
        f"UPDATE t SET amount = amount + 1 WHERE id = {CHANGED}",
        f"UPDATE t SET value = 1.0 WHERE id = {CHANGED}",
    ],
    "postgres": [
        f"UPDATE t SET amount = amount + 1 WHERE id = {CHANGED}",
        f"UPDATE t SET label = upper(label) WHERE id = {CHANGED}",
    ],
}


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> Iterator[tuple[str, Database]]:
    monkeypatch.setenv(SPILL_ENV, "0")  # every table on disk, where tokens are taken
    engine = request.param
    server = (
        SqliteServer(tmp_path) if engine == "sqlite" else PostgresServer(request.getfixturevalue("postgres_host").url)
    )
    try:
        database = server.create("tokens")
        execute(database, TABLE[engine], FILL[engine])
        yield engine, database
    finally:
        server.close()


def captured(database: Database, like: State | None = None) -> State:
    with database.connection() as connection:
        return capture(connection, None, set(), like=like)


def test_an_unchanged_table_on_disk_is_not_read_again(database):
    _, db = database
    first = captured(db)
    again = captured(db, like=first)
    assert first.data["t"].spilled and first.data["t"].token is not None
    assert again.data["t"] is first.data["t"]


@pytest.mark.parametrize("change", [0, 1])
def test_a_changed_value_is_read_again(database, change):
    engine, db = database
    first = captured(db)
    execute(db, CHANGES[engine][change])
    again = captured(db, like=first)
    assert again.data["t"] is not first.data["t"]
    old, new = first.data["t"].keyed(), again.data["t"].keyed()
    differing = [key for key in old if repr(old[key]) != repr(new[key])]
    assert differing == [(CHANGED,)]


def test_a_table_whose_columns_changed_is_read_again(database):
    _, db = database
    first = captured(db)
    execute(db, "ALTER TABLE t ADD COLUMN note VARCHAR(10)")
    again = captured(db, like=first)
    assert again.data["t"] is not first.data["t"]
    assert again.data["t"].columns == ("id", "amount", "label", "value", "note")


ODD = '100%\' "odd"'  # a `%`, a quote, double quotes and a space
ODD_SQL = '"' + ODD.replace('"', '""') + '"'


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_sqlite_virtual_table_has_no_token_and_is_read_again(database):
    """An FTS5 table lists no page of its own (its rows are in its shadow tables): no token, or
    its rows would be taken from the earlier capture whatever they are now."""
    _, db = database
    execute(db, "CREATE VIRTUAL TABLE docs USING fts5(body)", "INSERT INTO docs VALUES ('one')")
    first = captured(db)
    assert first.data["docs"].token is None
    execute(db, "UPDATE docs SET body = 'uno'")
    assert captured(db, like=first).data["docs"] is not first.data["docs"]  # read again, not taken


def test_a_table_of_any_name_has_a_token(database):
    _, db = database
    with db.connection() as connection:
        for statement in (f"CREATE TABLE {ODD_SQL} (id INTEGER)", f"INSERT INTO {ODD_SQL} SELECT 1"):
            connection.exec_driver_sql(as_written(connection, statement))
        connection.commit()
    first = captured(db)
    assert first.data[ODD].token is not None
    assert captured(db, like=first).data[ODD] is first.data[ODD]


def test_a_capture_in_a_transaction_that_wrote_has_no_token_and_commits_nothing(database):
    _, db = database
    with db.connection() as connection:
        connection.exec_driver_sql("INSERT INTO t (id, amount, label, value) VALUES (0, 0, 'uncommitted', 1)")
        state = capture(connection, None, set())
        connection.rollback()
    assert (0,) in state.data["t"].rows and state.data["t"].token is None  # of rows the database may never hold
    assert (0,) not in captured(db).data["t"].rows
