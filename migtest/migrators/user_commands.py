"""The user's own commands that apply to every tool: `migrations.install` (a fresh install that
is not "upgrade from empty", e.g. an app that creates its tables on first start and stamps the
revision) and `migrations.current` (how the revision is read, overriding the tool's way).

Each runs as an argument list in the version's tree and environment or, for a version that is an
image, in a throw-away container of it with the database attached.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager, nullcontext

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.migrators import UPGRADE, MigrationRun, ToolMigrator
from migtest.run.version_command import printed_lines, run_as_version
from migtest.sources import Workspace


def last_line(output: str) -> str:
    """The revision a `current` command printed: its last non-empty line ("base" when it printed none)."""
    lines = printed_lines(output)
    return lines[-1] if lines else "base"


class WithUserCommands:
    """A tool's migrator, with `migrations.install` and `migrations.current` where they are set."""

    def __init__(self, tool: ToolMigrator, config: MigrationsConfig, images: ImageRunner | None) -> None:
        self.tool = tool
        self.config = config
        self.images = images

    def install(self, workspace: Workspace, database: Database, target: str) -> MigrationRun:
        if self.config.install is None:
            return self._read_by_current(self.tool.migrate(workspace, database, UPGRADE, target))
        what = "migrations.install command"
        return MigrationRun(self._run(self.config.install, workspace, database, target, what))

    def current(self, workspace: Workspace, database: Database) -> str | None:
        if self.config.current is None:
            return self.tool.current(workspace, database)
        what = "migrations.current command"
        return last_line(self._run(self.config.current, workspace, database, "", what))

    def _run(self, command: str, workspace: Workspace, database: Database, target: str, what: str) -> str:
        return run_as_version(command, workspace, database, target, what, self.images, timeout=self.config.timeout)

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        return self._read_by_current(self.tool.migrate(workspace, database, direction, target))

    def _read_by_current(self, run: MigrationRun) -> MigrationRun:
        """Without the revision the tool resolved its target to where `migrations.current` reads the
        revision: the command speaks its own vocabulary (a release, say), which only it can compare."""
        return dataclasses.replace(run, resolved=None) if self.config.current else run

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        return self.tool.downgrade_blocker(workspace, source, target)

    def history(self, workspace: Workspace, database: Database) -> list[str]:
        return self.tool.history(workspace, database)

    def kept(self, database: Database) -> AbstractContextManager[None]:
        """The tool's `kept` where it has one: what it may keep open for commands on `database` in
        the block (the step walk's), closed at its end."""
        keep = getattr(self.tool, "kept", None)
        return keep(database) if keep is not None else nullcontext()

    def with_edits(self, run: MigrationRun, source: Workspace, target: Workspace, applied: str | None) -> MigrationRun:
        """The tool's `with_edits` where it has one (alembic, and command naming its Alembic files;
        the sql migrator finds its own), unless `migrations.current` read `applied` for the alembic
        tool: its vocabulary is the command's, not the tool's. A command tool naming its Alembic
        files says its revisions are Alembic's, `current`'s included."""
        find = getattr(self.tool, "with_edits", None)
        if find is None or (self.config.tool == "alembic" and self.config.current is not None):
            return run
        return find(run, source, target, applied)

    def close(self) -> None:
        self.tool.close()
