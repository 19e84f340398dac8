"""The Alembic worker forks a child from a warm state (Alembic's runtime, the URL's dialect and
driver imported) that serves the following commands of the same scenario (script folder, database
and environment), reading the revision files once; commands of another scenario never share it,
and a child ends with a failed or timed-out command, or with the migrator."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import sqlalchemy
from machine import wait_for

from migtest.config import load_config
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer
from migtest.errors import StepFailed
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.migrators.alembic import AlembicMigrator
from migtest.sources import Workspace

PROBE_ENV = """
import os
import sys

import counter

counter.commands += 1
print(f"commands in this process: {counter.commands}")
print(f"pid: {os.getpid()}")
print(f"driver imported before env.py: {'sqlite3' in sys.modules and 'sqlalchemy.dialects.sqlite' in sys.modules}")
"""

# An env.py that takes its URL from settings the project caches at import, as many do: a process
# that served one database must never run a command for another.
SETTINGS_ENV = """
import settings
from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(settings.URL, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
"""

# An env.py whose engine keeps a pool (no NullPool), as many do.
POOLED_ENV = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


@pytest.fixture
def project(fixture_project):
    """alembic-base whose env.py reports its process and what it imported before it, and counts
    the commands its process ran in a module of the project's own."""
    project = fixture_project("alembic-base")
    project.write("counter.py", "commands = 0\n")
    env = project.root / "migrations" / "env.py"
    env.write_text(PROBE_ENV + env.read_text())
    revision = project.root / "migrations" / "versions" / "0002_add_nickname.py"
    revision.write_text('print("reading 0002")\n' + revision.read_text())
    return project


def migrator_for(project, tmp_path) -> tuple[AlembicMigrator, Workspace]:
    config = load_config(str(project.config))
    return AlembicMigrator(config.migrations, tmp_path), Workspace(config.version("1.1"), config.root, config.root)


@pytest.fixture
def shop(project, tmp_path):
    migrator, workspace = migrator_for(project, tmp_path)
    yield migrator, workspace, SqliteServer(tmp_path).create("shop")
    migrator.close()


def test_commands_of_a_scenario_share_a_warm_process(shop):
    migrator, workspace, database = shop
    outputs = [
        migrator.migrate(workspace, database, UPGRADE, "0002").output,
        migrator.migrate(workspace, database, DOWNGRADE, "0001").output,
        migrator.migrate(workspace, database, UPGRADE, "0002").output,
    ]
    for number, output in enumerate(outputs, 1):
        assert f"commands in this process: {number}" in output, output
        assert "driver imported before env.py: True" in output, output
    assert len({process_of(output) for output in outputs}) == 1


def test_a_command_reads_each_revision_file_once(shop):
    migrator, workspace, database = shop
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert run.output.count("reading 0002") == 1, run.output
    assert run.resolved == "0002"
    assert [file.name for file in run.files] == ["0002_add_nickname.py"]
    assert migrator.history(workspace, database) == ["0001", "0002"]
    again = migrator.migrate(workspace, database, DOWNGRADE, "0001")
    assert "reading 0002" not in again.output, again.output  # read by the first command of the scenario


def test_another_database_never_shares_a_process(project, tmp_path):
    project.write("settings.py", "import os\n\nURL = os.environ['DATABASE_URL']\n")
    (project.root / "migrations" / "env.py").write_text(PROBE_ENV + SETTINGS_ENV)
    migrator, workspace = migrator_for(project, tmp_path)
    server = SqliteServer(tmp_path)
    first, second = server.create("first"), server.create("second")
    try:
        outputs = [
            migrator.migrate(workspace, first, UPGRADE, "0002").output,
            migrator.migrate(workspace, second, UPGRADE, "0001").output,
            migrator.migrate(workspace, first, DOWNGRADE, "0001").output,
        ]
        assert (migrator.current(workspace, first), migrator.current(workspace, second)) == ("0001", "0001")
    finally:
        migrator.close()
    for output in outputs:
        assert "commands in this process: 1" in output, output


def test_a_failed_command_ends_its_process(shop):
    migrator, workspace, database = shop
    migrator.migrate(workspace, database, UPGRADE, "0001")
    with pytest.raises(StepFailed):
        migrator.migrate(workspace, database, UPGRADE, "no-such-revision")
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert "commands in this process: 1" in run.output, run.output


def test_a_failed_migrations_traceback_starts_outside_the_worker(shop):
    migrator, workspace, database = shop
    revision = workspace.root / "migrations" / "versions" / "0002_add_nickname.py"
    revision.write_text(
        revision.read_text().replace("def upgrade():", "def upgrade():\n    raise RuntimeError('broken on purpose')", 1)
    )
    with pytest.raises(StepFailed) as failed:
        migrator.migrate(workspace, database, UPGRADE, "0002")
    output = failed.value.output
    assert "0002_add_nickname.py" in output and "RuntimeError: broken on purpose" in output, output
    assert "serve_scenario" not in output and "in run_command" not in output, output


def test_a_timed_out_command_kills_its_process(project, tmp_path):
    """The process that served the scenario ends with its timed-out command, and the next command
    starts in a new one. Only the hanging command has the short limit, so a loaded machine cannot
    time out the others."""
    project.revision("0003", "0002", "import time\ntime.sleep(300)")
    migrator, workspace = migrator_for(project, tmp_path)
    database = SqliteServer(tmp_path).create("shop")
    try:
        process = process_of(migrator.migrate(workspace, database, UPGRADE, "0002").output)
        limit, migrator.timeout = migrator.timeout, 2
        with pytest.raises(StepFailed, match="still running after 2s"):
            migrator.migrate(workspace, database, UPGRADE, "0003")
        migrator.timeout = limit
        wait_for(lambda: ended(process), "the timed-out command's process to end")
        run = migrator.migrate(workspace, database, DOWNGRADE, "0001")
    finally:
        migrator.close()
    assert "commands in this process: 1" in run.output, run.output


def test_a_process_killed_while_idle_fails_the_next_command_only(shop):
    migrator, workspace, database = shop
    process = process_of(migrator.migrate(workspace, database, UPGRADE, "0001").output)
    os.kill(process, signal.SIGKILL)
    with pytest.raises(StepFailed, match="exited with code -9"):
        migrator.migrate(workspace, database, UPGRADE, "0002")
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert "commands in this process: 1" in run.output, run.output


def test_closing_the_migrator_ends_an_idle_process(shop):
    migrator, workspace, database = shop
    process = process_of(migrator.migrate(workspace, database, UPGRADE, "0002").output)
    assert not ended(process)
    migrator.close()
    wait_for(lambda: ended(process), "the idle command process to end")


def test_an_idle_process_holds_no_connection(fixture_project, tmp_path, postgres_host):
    """A pooled engine's connection would keep the scenario's database busy between commands:
    PostgreSQL refuses to clone (as a template) or drop a database with sessions."""
    project = fixture_project("alembic-base")
    (project.root / "migrations" / "env.py").write_text(POOLED_ENV)
    migrator, workspace = migrator_for(project, tmp_path)
    server = PostgresServer(postgres_host.url)
    database = server.create("pooled")
    try:
        migrator.migrate(workspace, database, UPGRADE, "0002")
        sessions = sessions_on(postgres_host.url, database.url)
    finally:
        migrator.close()
        server.close()
    assert sessions == 0


def sessions_on(server_url: str, url: str) -> int:
    engine = sqlalchemy.create_engine(server_url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as connection:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %(name)s"
            return connection.exec_driver_sql(query, {"name": sqlalchemy.make_url(url).database}).scalar_one()
    finally:
        engine.dispose()


def process_of(output: str) -> int:
    return int(output.split("pid: ", 1)[1].split()[0])


def ended(pid: int) -> bool:
    """Gone, or a zombie its new parent has yet to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
