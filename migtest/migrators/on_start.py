"""`on-start`: the app migrates its database when it starts, so upgrading is starting the newer
release's image on the data and waiting until it is ready. Rolling back is what users do in
production: `migrations.downgrade` run in a throw-away container of the newer image."""

from __future__ import annotations

import sqlalchemy

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.errors import ConfigError
from migtest.migrators import UPGRADE, MigrationRun
from migtest.run.process import split_command
from migtest.sources import Workspace


class OnStartMigrator:
    def __init__(self, config: MigrationsConfig, images: ImageRunner) -> None:
        self.config = config
        self.images = images

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        if direction == UPGRADE:
            what = f"start {workspace.version.name} ({workspace.image})"
            with self.images.app_running(workspace, database, what) as app:
                log = app.log()
            return MigrationRun(f"ready after {app.ready_seconds:.1f}s\n{log}", figures=app.figures)
        assert self.config.downgrade is not None
        argv = split_command(self.config.downgrade, workspace.placeholders(self.images.database_url(database), target))
        return MigrationRun(
            self.images.command(
                workspace, database, argv, f"downgrade command in {workspace.image}", timeout=self.config.timeout
            )
        )

    def current(self, workspace: Workspace, database: Database) -> str | None:
        """The value in the first `migrations.table` (the app's history table, e.g. alembic_version), if named."""
        if not self.config.table:
            return None
        with database.connection() as connection:
            if not sqlalchemy.inspect(connection).has_table(self.config.table):
                return "base"
            preparer = connection.dialect.identifier_preparer
            rows = connection.exec_driver_sql(f"SELECT * FROM {preparer.quote(self.config.table)}").fetchall()
        return str(rows[0][0]) if len(rows) == 1 else ("base" if not rows else None)

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        if not self.config.downgrade:
            return "migrations.downgrade is not set: an app that migrates on start rolls back by a command in its image"
        return None

    def history(self, workspace: Workspace, database: Database) -> list[str]:
        raise ConfigError(
            "the app migrates itself on start, always to its newest revision; a step walk needs "
            "a migrator that takes a target (alembic, sql, or command with migrations.history)",
            key="migrations.tool",
        )

    def close(self) -> None:
        """Every container is removed when its step ends."""
