"""`migrations.timeout` on the SQL migtest runs itself: one watchdog thread keeps every limit, so a
file costs no thread start, and the signals of an interrupt never go to it (a BackgroundThread)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy

from migtest.errors import StepFailed
from migtest.sql import statement_limit
from migtest.sql.statement_limit import limited
from migtest.threads import BackgroundThread

ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"


def test_one_background_thread_watches_every_limited_block():
    engine = sqlalchemy.create_engine("sqlite://")
    seen = []
    with engine.connect() as connection:
        for _ in range(3):
            with limited(connection, 60, "migration V1__x.sql"):
                connection.exec_driver_sql("SELECT 1")
                seen.append(statement_limit._watchdog.thread)
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


def test_a_watchdog_ended_idle_is_started_again_for_the_next_limit(monkeypatch):
    monkeypatch.setattr(statement_limit, "IDLE", 0.05)
    monkeypatch.setattr(statement_limit, "_watchdog", statement_limit._Watchdog())  # its thread sees that IDLE
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as connection:
        for number in (1, 2):
            with pytest.raises(StepFailed, match=r"still running after 0\.2s"), limited(connection, 0.2, "V"):
                watchdog = statement_limit._watchdog.thread
                connection.exec_driver_sql(ENDLESS)
            assert watchdog is not None
            watchdog.join(10)  # ends IDLE seconds after the limit expired
            assert not watchdog.is_alive(), f"the watchdog of limit {number} is still waiting"


def test_a_limit_earlier_than_the_watchdogs_wake_wakes_it(monkeypatch):
    """The watchdog sleeps until the earliest deadline it knows: a shorter limit added meanwhile
    wakes it, so that its statement stops at its own limit, not at the long one's (30 s here)."""
    watchdog = statement_limit._Watchdog()
    monkeypatch.setattr(statement_limit, "_watchdog", watchdog)
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as outer, engine.connect() as inner, limited(outer, 30, "V1__long.sql"):
        started = time.monotonic()
        while watchdog.wakes != watchdog.limits[0].deadline:  # until it waits for the long limit
            assert time.monotonic() - started < 10, "the watchdog never waited for the long limit"
            time.sleep(0.01)
        short = pytest.raises(StepFailed, match=r"V2__endless\.sql: still running after 0\.2s")
        with short, limited(inner, 0.2, "V2__endless.sql"):
            inner.exec_driver_sql(ENDLESS)
        assert time.monotonic() - started < 15
