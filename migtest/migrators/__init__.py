"""Migrators: how a version brings a database to a target revision, and which one it is at.

Each module implements `Migrator`; `make_migrator` picks it by `migrations.tool`, so adding a
migration tool means adding one module here.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from migtest.config import MigrationsConfig
from migtest.databases import Database
from migtest.sources import Workspace

if TYPE_CHECKING:
    from migtest.docker.app import ImageRunner

UPGRADE, DOWNGRADE = "upgrade", "downgrade"


@dataclass(frozen=True)
class Edited:
    """A migration already applied whose file differs from what was applied, or (`inserted`) one
    put into the history below it, which the database counts as applied and never runs:
    `migration` is what `checks.accept_edited` names it by (an Alembic revision id, a sql file's name)."""

    migration: str
    evidence: tuple[str, ...]
    inserted: bool = False


@dataclass(frozen=True)
class MigrationRun:
    output: str
    resolved: str | None = None
    # Already-applied migrations whose files differ from what was applied; None: cannot tell.
    edited: tuple[Edited, ...] | None = None
    # What the tool itself does with such an edit, checks.history's default: fail (Flyway validates
    # checksums) or warn (golang-migrate and Alembic keep none).
    edited_default: str = "fail"
    figures: dict[str, float] = field(default_factory=dict)  # of the container that migrated, if any
    files: tuple[Path, ...] = ()  # the migration files that ran, in order (where the migrator knows)


class ToolMigrator(Protocol):
    """What each tool's module implements."""

    def migrate(self, workspace: Workspace, database: Database, direction: str, target: str) -> MigrationRun:
        """Bring the database to `target`; raise StepFailed with the tool's output if it fails."""

    def current(self, workspace: Workspace, database: Database) -> str | None:
        """The revision the database says it is at (None: the migrator cannot tell)."""

    def downgrade_blocker(self, workspace: Workspace, source: str, target: str) -> str | None:
        """Why this migrator cannot downgrade from `source` to `target`, or None if it can."""

    def history(self, workspace: Workspace, database: Database) -> list[str]:
        """The migrations of the version's tree, oldest first, as targets `migrate` accepts (for
        the step walk); ConfigError when the tool cannot list them."""

    def close(self) -> None:
        """Stop whatever the migrator keeps running between commands."""


class Migrator(ToolMigrator, Protocol):
    """A tool's migrator with the user's commands that apply to every tool (user_commands.py)."""

    def install(self, workspace: Workspace, database: Database, target: str) -> MigrationRun:
        """A fresh install of the version on an empty database (`migrations.install`, else the upgrade)."""

    def kept(self, database: Database) -> AbstractContextManager[None]:
        """Keep what the tool's commands on `database` open (its engine) until the block ends."""

    def with_edits(self, run: MigrationRun, source: Workspace, target: Workspace, applied: str | None) -> MigrationRun:
        """`run`, an upgrade with `target`'s tree of a database `source` had brought to revision
        `applied`, with the migrations applied there that `target` ships edited, where the tool
        tells them this way (else `run` as it is)."""


def make_migrator(config: MigrationsConfig, images: ImageRunner | None = None, scratch: Path | None = None) -> Migrator:
    """`images` runs versions that are container images (command and on-start); `scratch` is the
    run's temporary folder, where the migrator keeps its files (default: the system's)."""
    from migtest.migrators.alembic import AlembicMigrator
    from migtest.migrators.command import CommandMigrator
    from migtest.migrators.on_start import OnStartMigrator
    from migtest.migrators.sql import SqlMigrator
    from migtest.migrators.user_commands import WithUserCommands

    tool: ToolMigrator
    if config.tool == "on-start":
        assert images is not None
        tool = OnStartMigrator(config, images)
    elif config.tool == "command":
        tool = CommandMigrator(config, images, scratch)
    else:
        tool = AlembicMigrator(config, scratch) if config.tool == "alembic" else SqlMigrator(config)
    return WithUserCommands(tool, config, images)
