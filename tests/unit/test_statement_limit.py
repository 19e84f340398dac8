"""`migrations.timeout` on the SQL migtest runs itself: one watchdog thread keeps every limit, so a
file costs no thread start, and the signals of an interrupt never go to it (a BackgroundThread)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy

from migtest.errors import StepFailed
from migtest.run.interrupts import BackgroundThread
from migtest.sql.statement_limit import limited

ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"


def watchdogs() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "migtest-statement-limit"]


def test_one_background_thread_watches_every_limited_block():
    engine = sqlalchemy.create_engine("sqlite://")
    seen = []
    with engine.connect() as connection:
        for _ in range(3):
            with limited(connection, 60, "migration V1__x.sql"):
                connection.exec_driver_sql("SELECT 1")
                seen += watchdogs()
    assert len(set(seen)) == 1 and isinstance(seen[0], BackgroundThread)


def test_a_statement_past_its_limit_is_cancelled_and_said_so():
    engine = sqlalchemy.create_engine("sqlite://")
    with (
        engine.connect() as connection,
        pytest.raises(StepFailed) as failure,
        limited(connection, 0.2, "migration V2__endless.sql"),
    ):
        connection.exec_driver_sql(ENDLESS)
    assert str(failure.value) == "migration V2__endless.sql: still running after 0.2s (migrations.timeout)"
