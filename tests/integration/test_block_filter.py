"""Captures on disk are compared block by block before any SQL (see row_blocks): a shortcut that
may only ever say "identical". On a real PostgreSQL, with every table on disk and the differences
past the first blocks of 10 000 rows, the checks find what they find with the rows in SQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_capture_engines import execute

from migtest.capture.row_store import SPILL_ENV
from migtest.capture.state import State, capture
from migtest.checks import CheckContext, data, idempotent
from migtest.config import ChecksConfig
from migtest.databases import Database
from migtest.databases.postgres import PostgresServer
from migtest.plan import Scenario
from migtest.results import FAILED, PASSED

ROWS = 25_000  # three blocks
DEEP = 22_001  # a row of the third block


@pytest.fixture
def database(postgres_host, monkeypatch) -> Iterator[Database]:
    monkeypatch.setenv(SPILL_ENV, "0")  # every table on disk
    server = PostgresServer(postgres_host.url)
    try:
        database = server.create("block_filter")
        fill = f"INSERT INTO t SELECT i, '1', 0.0, 'row ' || i FROM generate_series(1, {ROWS}) AS i"
        execute(database, "CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSONB, amount FLOAT8, note TEXT)", fill)
        yield database
    finally:
        server.close()


def captured(database: Database, like: State | None = None) -> State:
    with database.connection() as connection:
        state = capture(connection, None, set(), like=like)
        connection.rollback()
    assert state.data["t"].spilled and state.data["t"].count == ROWS
    return state


def checked(before: State, after: State, rerun: State | None = None) -> dict[str, tuple[str, str, list[str]]]:
    context = CheckContext(Scenario("upgrade", "1", "2"), ChecksConfig(), "postgres", before=before, after=after)
    context.rerun = rerun
    found = [*data.rows(context), *data.content(context), *idempotent.check(context)]
    return {result.name: (result.status, result.summary, result.evidence) for result in found}


def test_keys_that_no_longer_line_up_are_paired_by_key_with_the_same_evidence(database):
    before = captured(database)
    # as many rows as before, blocks of the same sizes: only their keys tell the lost row from the new one
    execute(
        database,
        "DELETE FROM t WHERE id = 5",
        f"INSERT INTO t VALUES ({ROWS + 1}, '1', 0.0, 'new')",
        f"UPDATE t SET note = 'changed' WHERE id = {DEEP}",
    )
    results = checked(before, captured(database, like=before))
    assert results["rows"] == (FAILED, "rows lost in 1 table(s)", [f"table 't': 1 of {ROWS} row(s) lost: id=5"])
    change = f"table 't': id={DEEP}: note 'row {DEEP}' -> 'changed'"
    assert results["content"] == (FAILED, "1 change(s) to existing data", [change])


def test_a_value_equal_in_python_but_of_another_type_deep_in_a_table_is_a_change_on_rerun(database):
    before = captured(database)
    after = captured(database, like=before)
    for value in ("1.0", "true"):  # 1 == 1.0 == True to Python: `content` passes, `idempotent` does not
        execute(database, f"UPDATE t SET doc = '{value}' WHERE id = {DEEP}")
        rerun = captured(database, like=after)
        assert rerun.data["t"].rows[(DEEP,)][1] == 1
        results = checked(before, after, rerun)
        assert results["content"][0] == PASSED
        evidence = [f"table 't': rows changed ({ROWS} before, {ROWS} after the second run)"]
        assert results["idempotent"] == (FAILED, "running the upgrade again changed the database", evidence)


def test_a_value_whose_bytes_differ_but_that_is_the_same_value_is_no_change(database):
    before = captured(database)
    execute(database, f"UPDATE t SET amount = '-0' WHERE id = {DEEP}")  # -0.0 == 0.0, by another repr
    after = captured(database, like=before)
    assert repr(after.data["t"].rows[(DEEP,)][2]) == "-0.0"
    results = checked(before, after, after)
    assert results["rows"][0] == PASSED and results["content"][0] == PASSED
    assert checked(after, after, before)["idempotent"][0] == FAILED  # and strictly, it is another value
