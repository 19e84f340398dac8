"""The Alembic worker forks each command from a warm state (Alembic's runtime, the URL's dialect
and driver imported) yet keeps the commands apart: the user's env.py and modules start fresh in
each one, and each command reads the revision files once."""

from __future__ import annotations

import pytest

from migtest.config import load_config
from migtest.databases.sqlite import SqliteServer
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.migrators.alembic import AlembicMigrator
from migtest.sources import Workspace

PROBE_ENV = """
import sys

import counter

counter.commands += 1
print(f"commands in this process: {counter.commands}")
print(f"driver imported before env.py: {'sqlite3' in sys.modules and 'sqlalchemy.dialects.sqlite' in sys.modules}")
"""


@pytest.fixture
def shop(fixture_project, tmp_path):
    """alembic-base whose env.py reports what its process imported before it, and counts the
    commands its process ran in a module of the project's own."""
    project = fixture_project("alembic-base")
    project.write("counter.py", "commands = 0\n")
    env = project.root / "migrations" / "env.py"
    env.write_text(PROBE_ENV + env.read_text())
    revision = project.root / "migrations" / "versions" / "0002_add_nickname.py"
    revision.write_text('print("reading 0002")\n' + revision.read_text())
    config = load_config(str(project.config))
    migrator = AlembicMigrator(config.migrations, tmp_path)
    server = SqliteServer(tmp_path)
    yield migrator, Workspace(config.version("1.1"), config.root, config.root), server.create("shop")
    migrator.close()


def test_commands_start_warm_and_apart(shop):
    migrator, workspace, database = shop
    outputs = [
        migrator.migrate(workspace, database, UPGRADE, "0002").output,
        migrator.migrate(workspace, database, DOWNGRADE, "0001").output,
        migrator.migrate(workspace, database, UPGRADE, "0002").output,
    ]
    for output in outputs:
        assert "commands in this process: 1" in output, output
        assert "driver imported before env.py: True" in output, output


def test_a_command_reads_each_revision_file_once(shop):
    migrator, workspace, database = shop
    run = migrator.migrate(workspace, database, UPGRADE, "0002")
    assert run.output.count("reading 0002") == 1, run.output
    assert run.resolved == "0002"
    assert [file.name for file in run.files] == ["0002_add_nickname.py"]
    assert migrator.history(workspace, database) == ["0001", "0002"]
