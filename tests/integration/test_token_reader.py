"""PostgreSQL's row tokens are taken on a second connection while the capture reads rows: the
token must be that of the rows the capture reads (its snapshot), whatever committed since, and the
second connection must be gone once the capture ends, however it ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from machine import wait_for
from pg_sessions import client_sessions
from test_capture_engines import execute

from migtest.capture import row_tokens
from migtest.capture.dialects import Name
from migtest.capture.row_store import SPILL_ENV
from migtest.capture.state import capture
from migtest.capture.token_reader import Tokens
from migtest.databases import Database
from migtest.databases.postgres import PostgresServer

TABLES = {"t": Name(None, "t"), "u": Name(None, "u")}


@pytest.fixture
def database(postgres_host) -> Iterator[Database]:
    server = PostgresServer(postgres_host.url)
    try:
        database = server.create("token_reader")
        fill = "INSERT INTO {} SELECT i, i / 4.0 FROM generate_series(1, 2000) AS i"
        for table in TABLES:
            execute(database, f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, amount NUMERIC)", fill.format(table))
        yield database
    finally:
        server.close()


@pytest.fixture
def sessions(database: Database) -> Iterator[Callable[[], set[int]]]:
    """The other client sessions on the database, asked on one connection kept open: one opened
    per question would leave a backend ending as the next question is asked."""
    with database.connection() as connection:
        watching = connection.execution_options(isolation_level="AUTOCOMMIT")  # each question sees the present
        yield lambda: client_sessions(watching)


def test_tokens_are_of_the_capture_snapshot_not_of_what_committed_since(database, sessions):
    with database.connection() as connection:
        assert row_tokens.snapshot(connection)
        before = row_tokens.tokens(connection, TABLES)  # the snapshot taken
        execute(database, "UPDATE t SET amount = amount + 1 WHERE id = 1999")
        present = sessions()  # the capture's, and any an earlier statement left, ending
        with Tokens(connection, True) as tokens:
            tokens.start(TABLES)
            taken = {key: tokens.asked[key].result() for key in TABLES}  # by the second connection
            opened = sessions() - present
            assert len(opened) == 1  # the tokens'
            assert {key: tokens.get(key, table) for key, table in TABLES.items()} == taken
        connection.rollback()
        assert taken == before
        assert row_tokens.snapshot(connection)
        assert row_tokens.tokens(connection, TABLES)["t"] != before["t"]  # a snapshot of its own would see it
    wait_for(lambda: not sessions() & opened, "the second connection's server process to end", timeout=30)


def test_the_second_connection_is_closed_when_the_capture_fails(database, sessions, monkeypatch):
    monkeypatch.setenv(SPILL_ENV, "0")  # every table on disk: tokens wanted
    with database.connection() as connection:
        present = sessions()  # the capture's, and any an earlier statement left, ending
        first = capture(connection, None, set())
        connection.rollback()
        assert all(table.token for table in first.data.values())
        execute(database, "UPDATE t SET amount = 1")

        def fail(*args: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr("migtest.capture.state.TableData.settle", fail)
        with pytest.raises(KeyboardInterrupt):
            capture(connection, None, set(), like=first)
        connection.rollback()
        wait_for(lambda: not sessions() - present, "only the capture's session left", timeout=30)


def test_the_second_connection_finds_tables_and_writes_rows_as_the_capture_does(database):
    """A session's search_path names another `t`, and its TimeZone writes a timestamptz's text."""
    execute(
        database,
        "CREATE SCHEMA other",
        "CREATE TABLE other.t (id INTEGER PRIMARY KEY, at TIMESTAMPTZ)",
        "INSERT INTO other.t VALUES (1, '2024-01-01 00:00+00')",
    )
    with database.connection() as connection:
        connection.exec_driver_sql("SET search_path = other, public")
        connection.exec_driver_sql("SET TimeZone = 'Asia/Kolkata'")
        connection.commit()
        assert row_tokens.snapshot(connection)
        own = row_tokens.tokens(connection, TABLES)
        with Tokens(connection, True) as tokens:
            tokens.start(TABLES)
            taken = {key: tokens.asked[key].result() for key in TABLES}  # all by the second connection
        assert taken == own
