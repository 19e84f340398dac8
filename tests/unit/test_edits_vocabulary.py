"""`with_edits` asks the tool only where the revision it is given is the tool's own: a
`migrations.current` command reads it in the command's vocabulary (a release name, say)."""

from __future__ import annotations

from pathlib import Path

from migtest.config import MigrationsConfig, Version
from migtest.migrators import Edited, MigrationRun
from migtest.migrators.user_commands import WithUserCommands
from migtest.sources import Workspace

EDIT = Edited("0002", ("0002: upgrade() changed since 1.1 applied it",))
SOURCE, TARGET = (Workspace(Version(name=name), Path(name), Path(".")) for name in ("1.1", "1.2"))


class Tool:
    """A tool that finds one edit below whatever revision it is given."""

    def with_edits(self, run: MigrationRun, source: Workspace, target: Workspace, applied: str | None) -> MigrationRun:
        return MigrationRun(run.output, run.resolved, (EDIT,), "warn")


def test_the_tools_revision_is_compared_a_current_commands_is_not():
    by_tool = MigrationsConfig(tool="alembic", config=Path("alembic.ini"))
    by_command = MigrationsConfig(tool="alembic", config=Path("alembic.ini"), current="myapp db current")
    run = MigrationRun("", "0002")
    assert WithUserCommands(Tool(), by_tool, None).with_edits(run, SOURCE, TARGET, "0002").edited == (EDIT,)
    assert WithUserCommands(Tool(), by_command, None).with_edits(run, SOURCE, TARGET, "1.1") is run
