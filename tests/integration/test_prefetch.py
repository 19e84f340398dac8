"""A capture's PostgreSQL cursor fetches the next batch while the capture stores this one: the
batch is there before it is asked for, an error fetching it reaches the reader, and the fetching
thread is gone once the cursor is closed, however early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy
from machine import wait_for
from test_capture_engines import execute

from migtest.capture.dialects import dialect_for
from migtest.capture.prefetch import Prefetching
from migtest.databases import Database
from migtest.databases.postgres import PostgresServer

# row 5 fails when its value is computed, which the server does at the FETCH that reaches it
SELECT = "SELECT id, 10 / (id - 5) FROM t ORDER BY id"


@pytest.fixture
def connection(postgres_host) -> Iterator[sqlalchemy.Connection]:
    server = PostgresServer(postgres_host.url)
    try:
        database: Database = server.create("prefetch")
        execute(database, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t SELECT generate_series(1, 6)")
        with database.connection() as connection:
            yield connection
    finally:
        server.close()


def fetching() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "migtest-rows"]


def test_the_next_batch_is_fetched_before_it_is_asked_for(connection):
    cursor = dialect_for(connection).rows_cursor()
    assert isinstance(cursor, Prefetching)
    cursor.execute("SELECT id FROM t ORDER BY id")
    assert cursor.fetchmany(2) == [(1,), (2,)]
    wait_for(cursor.batches.full, "the second batch, fetched ahead", timeout=30)
    assert cursor.fetchmany(2) == [(3,), (4,)]
    cursor.close()
    assert not fetching()


def test_an_error_fetching_a_later_batch_reaches_the_reader(connection):
    cursor = dialect_for(connection).rows_cursor()
    cursor.execute(SELECT)
    assert cursor.fetchmany(2) == [(1, -2), (2, -3)]
    with pytest.raises(psycopg.errors.DivisionByZero):
        while cursor.fetchmany(2):
            pass
    cursor.close()
    assert not fetching()


def test_closing_before_the_last_batch_ends_the_thread(connection):
    cursor = dialect_for(connection).rows_cursor()
    cursor.execute("SELECT id FROM t ORDER BY id")
    assert cursor.fetchmany(1) == [(1,)]
    cursor.close()
    assert not fetching()
    connection.rollback()
    assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 6  # the connection still serves
