"""A user's command run as one version on a database: in the version's tree and environment, or,
for a version that is an image, in a throw-away container of it (the database attached)."""

from __future__ import annotations

from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.run.process import run, split_command
from migtest.sources import Workspace


def run_as_version(
    command: str,
    workspace: Workspace,
    database: Database,
    target: str,
    what: str,
    images: ImageRunner | None,
    *,
    timeout: float,
) -> str:
    """Its output, or StepFailed with the output's tail (or saying it ran out of `timeout` seconds)."""
    if workspace.image is not None:
        assert images is not None
        url = images.database_url(database)
        argv = split_command(command, workspace.placeholders(url, target))
        return images.command(workspace, database, argv, f"{what} in {workspace.image}", timeout=timeout)
    argv = split_command(command, workspace.placeholders(database.url, target))
    return run(argv, cwd=workspace.root, env=workspace.environment(database.url), what=what, timeout=timeout)


def printed_lines(output: str) -> list[str]:
    """What a command printed, one stripped line each, blank lines left out (a revision, a history)."""
    return [line.strip() for line in output.splitlines() if line.strip()]
