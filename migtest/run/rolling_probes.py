"""What a rolling deploy's probes send to the previous release (migtest/run/rolling.py): its app's
health check and the first page of each `verify.api` listing, and its `verify.command`.

A request has a short timeout (a user whose page takes longer has given up: a request blocked by a
lock counts as failed); a command keeps the one it has after the migration, capped, since it
starts a process (or a container) each time.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial
from typing import Any

from migtest.config import Config
from migtest.databases import Database
from migtest.docker.app import ImageRunner
from migtest.http_api import ApiClient
from migtest.run.rolling import Probe
from migtest.run.version_command import run_as_version
from migtest.sources import Workspace

REQUEST_TIMEOUT = 5.0  # seconds
COMMAND_TIMEOUT = 60.0  # seconds at most, migrations.timeout when shorter


class Probing:
    """What of the release is probed on the database: its app where it works on the database
    itself (SQLite is copied into each container), and its verify.command only when
    `checks.rolling` is set, since each run of it is a new start of the release."""

    def __init__(self, config: Config, images: ImageRunner | None, workspace: Workspace, database: Database) -> None:
        self.config, self.images, self.workspace, self.database = config, images, workspace, database
        mode = config.checks.rolling
        shared = workspace.image is None or (images is not None and not images.copies(database))
        self.reads = [read for read in config.verify.api if read.applies_to(workspace.version.name)]
        app = config.app is not None and (config.app.health is not None or bool(self.reads))  # something to send
        self.app = shared and mode != "off" and app and workspace.image is not None
        self.command = shared and mode in ("fail", "warn") and config.verify.command is not None

    def start(self, running: ExitStack, values: dict[str, Any]) -> list[Probe]:
        """The probes, the app started first (until `running` closes); `values` fill API placeholders."""
        probes = self._app_probes(running, values) if self.app else []
        return [*probes, self._command_probe()] if self.command else probes

    def _app_probes(self, running: ExitStack, values: dict[str, Any]) -> list[Probe]:
        app_config, version = self.config.app, self.workspace.version.name
        assert self.images is not None and app_config is not None
        app = running.enter_context(self.images.app_running(self.workspace, self.database, f"start {version}"))
        client = ApiClient.connect(app.base_url, app_config, values, self.config.seed.captures, REQUEST_TIMEOUT)
        running.enter_context(client)
        health = partial(client.expect, app.health, app_config.health_status)
        probes = [Probe("GET app.health", health, REQUEST_TIMEOUT)] if app.health else []
        return probes + [Probe(f"GET {r.path}", partial(client.read_first, r), REQUEST_TIMEOUT) for r in self.reads]

    def _command_probe(self) -> Probe:
        command, timeout = self.config.verify.command, min(self.config.migrations.timeout, COMMAND_TIMEOUT)
        assert command is not None
        revision = self.config.version(self.workspace.version.name).revision
        what = "verify.command (rolling deploy)"
        run = partial(run_as_version, command, self.workspace, self.database, revision, what, self.images)
        return Probe("verify.command", partial(run, timeout=timeout), timeout)
