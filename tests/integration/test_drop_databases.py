"""Dropping a run's databases on PostgreSQL under a login that is not a superuser: its own
leftover sessions (a killed command's) are ended first; a database a superuser's session holds is
reported by name with the reason and how to drop it later, not a traceback, and `migtest
cleanup --run` drops it once that session ended."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from migtest.cli import EXIT_OK, main
from migtest.databases.postgres import PostgresServer


@pytest.fixture
def owner_url(postgres_host) -> Iterator[str]:
    """A login that may create databases (and so owns them), not a superuser."""
    role, password = f"owner_{secrets.token_hex(3)}", secrets.token_hex(8)
    with superuser(postgres_host.url) as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{password}'")
    yield make_url(postgres_host.url).set(username=role, password=password).render_as_string(hide_password=False)


def superuser(url: str, database: str = "postgres") -> sqlalchemy.Connection:
    engine = sqlalchemy.create_engine(
        make_url(url).set(drivername="postgresql+psycopg", database=database),
        poolclass=sqlalchemy.NullPool,
        isolation_level="AUTOCOMMIT",
    )
    return engine.connect()


def exists(url: str, name: str) -> bool:
    with superuser(url) as connection:
        return bool(connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first())


def test_own_leftover_sessions_are_ended_before_the_drop(owner_url):
    server = PostgresServer(owner_url)
    database = server.create("held")
    leftover = database.connect().connect()  # as a migration command that was killed leaves it

    server.drop(database)

    assert not exists(owner_url, database.name)
    with pytest.raises(sqlalchemy.exc.DBAPIError):
        leftover.exec_driver_sql("SELECT 1")
    server.close()


def test_a_database_a_superuser_holds_is_reported_then_cleaned_up(owner_url, postgres_host, capsys):
    server = PostgresServer(owner_url)
    database = server.create("held")
    held_by_admin = superuser(postgres_host.url, database.name)

    server.drop(database)
    server.close()

    error = capsys.readouterr().err
    assert f"could not drop database {database.name}" in error
    assert "superuser" in error, error
    assert f"migtest cleanup --run {server.run_id}" in error
    assert f'DROP DATABASE "{database.name}"' in error or f"DROP DATABASE {database.name}" in error
    assert "Traceback" not in error
    assert exists(owner_url, database.name)

    held_by_admin.close()
    assert main(["cleanup", "--run", server.run_id, "--database-url", owner_url]) == EXIT_OK
    assert f"removed database {database.name}" in capsys.readouterr().out
    assert not exists(owner_url, database.name)
