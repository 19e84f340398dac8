"""The user's own upgrade/downgrade commands, run as argument lists in the version's tree, or,
for a version that is an image, in a throw-away container of it (with the database attached)."""

from __future__ import annotations

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.errors import ConfigError
from migtest.migrators import UPGRADE, MigrationRun
from migtest.sources import Workspace
from migtest.version_command import run_as_version


class CommandMigrator:
    bookkeeping_tables: tuple[str, ...] = ()

    def __init__(self, config: MigrationsConfig, images: ImageRunner | None = None) -> None:
        self.config = config
        self.images = images

    def _run(self, command: str, workspace: Workspace, database: Database, target: str, what: str) -> str:
        return run_as_version(command, workspace, database, target, what, self.images)

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        command = self.config.upgrade if direction == UPGRADE else self.config.downgrade
        assert command is not None
        output = self._run(command, workspace, database, target, f"{direction} command")
        return MigrationRun(output)

    def current(self, workspace: Workspace, database: Database) -> str | None:
        if not self.config.current:
            return None
        output = self._run(self.config.current, workspace, database, "", "migrations.current command")
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        return lines[-1] if lines else "base"

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        if not self.config.downgrade:
            return "migrations.downgrade is not set, so this project cannot be rolled back by migtest"
        return None

    def history(self, workspace: Workspace, database: Database) -> list[str]:
        """`migrations.history` prints the migrations' targets, one per line, oldest first."""
        if not self.config.history:
            raise ConfigError(
                "a step walk needs a command that lists the migrations, oldest first, one per line",
                key="migrations.history",
            )
        output = self._run(self.config.history, workspace, database, "", "migrations.history command")
        return [line.strip() for line in output.splitlines() if line.strip()]

    def close(self) -> None:
        """Nothing runs between commands."""
