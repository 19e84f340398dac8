"""Alembic: upgrade/downgrade through Alembic's own command API, in a fresh interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

import sqlalchemy

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.migrators import MigrationRun
from migtest.process import run
from migtest.sources import Workspace

DRIVER = Path(__file__).with_name("alembic_driver.py")
RESOLVED_PREFIX = "MIGTEST-RESOLVED:"


class AlembicMigrator:
    bookkeeping_tables = ("alembic_version",)

    def __init__(self, config: MigrationsConfig) -> None:
        assert config.config is not None
        self.ini = config.config

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        ini = workspace.relocate(self.ini)
        python = self._python(workspace)
        output = run(
            [python, "-c", DRIVER.read_text(), str(ini), direction, target, database.url, RESOLVED_PREFIX],
            cwd=ini.parent,
            env=workspace.environment(database.url),
            what=f"alembic {direction} {target}",
        )
        resolved = [line[len(RESOLVED_PREFIX) :] for line in output.splitlines() if line.startswith(RESOLVED_PREFIX)]
        log = "\n".join(line for line in output.splitlines() if not line.startswith(RESOLVED_PREFIX))
        return MigrationRun(log, (resolved[-1] or "base") if resolved else None)

    def current(self, workspace: Workspace, database: Database) -> str | None:
        with database.connection() as connection:
            if not sqlalchemy.inspect(connection).has_table("alembic_version"):
                return "base"
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
            return " ".join(sorted(rows)) or "base"

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        return None

    @staticmethod
    def _python(workspace: Workspace) -> str:
        if workspace.env_dir is not None:
            for candidate in ("bin/python", ".venv/bin/python"):
                if (workspace.env_dir / candidate).is_file():
                    return str(workspace.env_dir / candidate)
        return sys.executable
