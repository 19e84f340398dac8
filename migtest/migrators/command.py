"""The user's own upgrade/downgrade commands, run as argument lists in the version's tree, or,
for a version that is an image, in a throw-away container of it (with the database attached).
Its revision comes from `migrations.current` (user_commands.py), where set. Where `config` (or
`package`) names the Alembic files the commands run, their released revisions are compared as
Alembic's are (`history`)."""

from __future__ import annotations

from pathlib import Path

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.errors import ConfigError
from migtest.migrators import UPGRADE, MigrationRun
from migtest.migrators.alembic import AlembicMigrator
from migtest.run.version_command import printed_lines, run_as_version
from migtest.sources import Workspace


class CommandMigrator:
    def __init__(
        self, config: MigrationsConfig, images: ImageRunner | None = None, scratch: Path | None = None
    ) -> None:
        self.config = config
        self.images = images
        self._alembic = AlembicMigrator(config, scratch) if config.config is not None else None

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        command = self.config.upgrade if direction == UPGRADE else self.config.downgrade
        assert command is not None
        return MigrationRun(self._run(command, workspace, database, target, f"{direction} command"))

    def _run(self, command: str, workspace: Workspace, database: Database, target: str, what: str) -> str:
        return run_as_version(command, workspace, database, target, what, self.images, timeout=self.config.timeout)

    def current(self, workspace: Workspace, database: Database) -> str | None:
        """Alembic's, where `config` names the Alembic files the commands run; else unknown
        without `migrations.current`."""
        return self._alembic.current(workspace, database) if self._alembic is not None else None

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
        what = "migrations.history command"
        output = self._run(self.config.history, workspace, database, "", what)
        return printed_lines(output)

    def with_edits(self, run: MigrationRun, source: Workspace, target: Workspace, applied: str | None) -> MigrationRun:
        """Alembic's comparison of the revisions `source` applied with `target`'s files (alembic.py),
        where `config` names them and neither version is an image (its files are not on this host)."""
        if self._alembic is None or source.image is not None or target.image is not None:
            return run
        return self._alembic.with_edits(run, source, target, applied)

    def close(self) -> None:
        """Nothing runs between commands but the workers that list Alembic's revisions."""
        if self._alembic is not None:
            self._alembic.close()
