"""SIGTERM while the `sql` migrator waits on the server for a statement: the statement is cancelled
there, the run unwinds at once, exits as interrupted and drops every database it created.

The statement is one the server runs on after its client has gone (PostgreSQL's pg_sleep; on
MariaDB a wait for a row the test holds: its SLEEP() ends by itself within 5 s of a disconnect),
so only a cancel ends it; and since MariaDB's KILL QUERY returns before the statement has ended,
the test waits for that end (bounded) rather than looking at once after migtest exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import sqlalchemy
from machine import wait_for

from migtest.databases.mysql import MysqlServer
from migtest.databases.postgres import PostgresServer

SEEN_WITHIN = 120.0  # the run reaches the upgrade (installs, seeds) well within this
EXITED_WITHIN = 60.0  # not the statement's 300 s
HELD = "interrupt_held.held"  # on MariaDB: the row the runaway statement waits for
STATEMENTS = {
    "postgres": (
        "SELECT pg_sleep(300);",
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(300)%%' AND state = 'active'",
        "SELECT datname FROM pg_database WHERE datname LIKE 'migtest%%'",
    ),
    "mariadb": (
        f"SET STATEMENT innodb_lock_wait_timeout = 300 FOR SELECT id FROM {HELD} FOR UPDATE;",
        "SELECT count(*) FROM information_schema.processlist WHERE info LIKE 'SET STATEMENT innodb_lock_wait%%'",
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'migtest%%'",
    ),
}


@pytest.mark.parametrize("command", [["run", "--only", "upgrade-1.1-to-2.0"], ["steps"]], ids=["run", "steps"])
@pytest.mark.parametrize("database_config", ["postgres", "mariadb"], indirect=True)
def test_sigterm_during_a_runaway_statement_cancels_it(fixture_project, tmp_path, database_config, command):
    statement, running, databases = STATEMENTS[database_config["engine"]]
    project = fixture_project("flyway-base")
    project.write("migrations/V3__runaway.sql", statement)
    project.add_version("2.0", "3")
    project.configure(database=database_config)
    server_class = PostgresServer if database_config["engine"] == "postgres" else MysqlServer
    server = sqlalchemy.create_engine(server_class.driver_url(database_config["url"]), poolclass=sqlalchemy.NullPool)

    def ask(query: str) -> list[object]:
        with server.connect() as connection:
            return list(connection.exec_driver_sql(query).scalars())

    before = set(ask(databases))
    log = tmp_path / "migtest.log"
    with held_row(server, database_config["engine"]):
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "migtest", command[0], "-c", str(project.config), *command[1:]],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            deadline = time.monotonic() + SEEN_WITHIN
            while ask(running) != [1]:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"the statement was not seen running within {SEEN_WITHIN:.0f} s"
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=EXITED_WITHIN) == 130, log.read_text()
            wait_for(lambda: ask(running) == [0], "the cancelled statement to end on the server", timeout=EXITED_WITHIN)
        finally:
            process.kill()
            process.wait()
    assert "interrupted; everything it created was removed" in log.read_text()
    assert set(ask(databases)) == before
    server.dispose()


@contextlib.contextmanager
def held_row(server: sqlalchemy.Engine, engine: str) -> Iterator[None]:
    """On MariaDB, the row of HELD locked by the test's own transaction until the block ends."""
    if engine != "mariadb":
        yield
        return
    schema = HELD.split(".")[0]
    with server.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql(f"CREATE DATABASE {schema}")
        try:
            connection.exec_driver_sql(f"CREATE TABLE {HELD} (id int PRIMARY KEY)")
            connection.exec_driver_sql(f"INSERT INTO {HELD} VALUES (1)")
            connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql(f"SELECT id FROM {HELD} FOR UPDATE").fetchall()
            yield
        finally:
            connection.exec_driver_sql("ROLLBACK")
            connection.exec_driver_sql(f"DROP DATABASE {schema}")
