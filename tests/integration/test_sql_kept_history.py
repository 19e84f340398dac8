"""A walk's `sql` commands share one connection and, on SQLite, the history they wrote: read back
only where something else may have changed it: a file naming it (here), another connection's
commit (test_server_engines' history dropped mid-walk)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy import event

from migtest.config import DatabaseConfig, load_config
from migtest.databases import Database, open_server
from migtest.errors import StepFailed
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.migrators.sql import SqlMigrator
from migtest.sources import Workspace


@pytest.fixture
def database(tmp_path) -> Iterator[Database]:
    server = open_server(DatabaseConfig(), tmp_path)
    try:
        yield server.create("kept")
    finally:
        server.close()


@pytest.fixture
def walk(fixture_project):
    """flyway-base's migrator and workspace, and its history table's name."""
    project = fixture_project("flyway-base")
    config = load_config(str(project.config))
    return project, SqlMigrator(config.migrations), Workspace(config.versions[0], project.root, project.root)


def test_a_walks_commands_open_one_connection(walk, database) -> None:
    _project, migrator, workspace = walk
    opened = []
    listener = lambda *_args: opened.append(1)  # noqa: E731
    event.listen(sqlalchemy.pool.Pool, "connect", listener)
    try:
        with migrator.kept(database):
            migrator.migrate(workspace, database, UPGRADE, "2")
            migrator.migrate(workspace, database, DOWNGRADE, "1")
            migrator.migrate(workspace, database, UPGRADE, "2")
            assert migrator.current(workspace, database) == "2"
    finally:
        event.remove(sqlalchemy.pool.Pool, "connect", listener)
    assert len(opened) == 1


def test_the_history_a_file_changed_is_read_again(walk, database) -> None:
    project, migrator, workspace = walk
    table = migrator.config.table
    project.write("migrations/V2__add_nickname.sql", f"DELETE FROM {table} WHERE version = '1';\n")
    with migrator.kept(database):
        migrator.migrate(workspace, database, UPGRADE, "2")
        with pytest.raises(StepFailed, match=r"V1__create_users\.sql: statement 1 of 1 failed"):
            migrator.migrate(workspace, database, UPGRADE, "2")  # V1 is no longer recorded


def test_a_file_that_sets_something_on_the_connection_leaves_it_to_no_other(walk, database) -> None:
    """A temporary table (like a PRAGMA or an ATTACH) lives on the connection: the next file,
    which makes it again, runs on a new one, as without the walk."""
    project, migrator, workspace = walk
    scratch = "CREATE TEMP TABLE scratch (x INTEGER);\n"
    project.write("migrations/V2__add_nickname.sql", scratch + "ALTER TABLE users ADD COLUMN nickname VARCHAR(50);\n")
    project.write("migrations/U2__add_nickname.sql", scratch + "ALTER TABLE users DROP COLUMN nickname;\n")
    with migrator.kept(database):
        migrator.migrate(workspace, database, UPGRADE, "2")
        migrator.migrate(workspace, database, DOWNGRADE, "1")
        assert migrator.current(workspace, database) == "1"
