"""`seed.command`: the user's own program writes data through the version's own code."""

from __future__ import annotations

from migtest.databases import Database
from migtest.run.process import run, split_command
from migtest.sources import Workspace


class CommandSeeder:
    def __init__(self, command: str, timeout: float) -> None:
        self.command = command
        self.timeout = timeout

    def seed(self, workspace: Workspace, database: Database) -> str:
        argv = split_command(self.command, workspace.placeholders(database.url, workspace.version.revision))
        environment = workspace.environment(database.url)
        run(argv, cwd=workspace.root, env=environment, what="seed command", timeout=self.timeout)
        return f"seed command {argv[0]}"
