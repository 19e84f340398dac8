"""`seed.sql`: a SQL file per version (from the project at hand), applied in one transaction."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy

from migtest.databases import Database
from migtest.errors import StepFailed
from migtest.migrators.sql import statements
from migtest.sources import Workspace
from migtest.sql.statement_limit import limited
from migtest.sql.text import as_written


class SqlFileSeeder:
    def __init__(self, root: Path, pattern: str, timeout: float) -> None:
        self.root = root
        self.pattern = pattern
        self.timeout = timeout

    def seed(self, workspace: Workspace, database: Database) -> str:
        path = self.root / self.pattern.replace("{version}", workspace.version.name)
        parts = statements(path)
        with database.engine().begin() as connection, limited(connection, self.timeout, f"seed {path.name}"):
            for number, statement in enumerate(parts, 1):
                try:
                    connection.exec_driver_sql(as_written(connection, statement))
                except sqlalchemy.exc.DBAPIError as exc:
                    raise StepFailed(f"seed {path.name}: statement {number} failed: {exc.orig}", statement) from exc
        return f"{path.name}: {len(parts)} statement(s)"
