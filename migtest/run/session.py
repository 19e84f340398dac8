"""The runner core that `migtest run` (matrix.py) and `migtest steps` (steps.py) share: one run's
machinery (Docker engine, database server, migrator, seeders, workspaces), opened and always torn
down whole; the phases every scenario is made of, timed and reported as they happen; seeding; and
the lock measurement around a migration.

A signal during the teardown cannot cut it short (interrupts.py); `stop` is set while the run is
being torn down, so no scenario starts another phase.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from migtest.checks import CheckContext
from migtest.config import AppConfig, Config
from migtest.databases import Database, DatabaseServer, open_server
from migtest.docker import DockerEngine
from migtest.docker.app import ImageRunner
from migtest.errors import StepFailed
from migtest.locks import LockObserver, observer_for
from migtest.locks.sites import settle
from migtest.migrators import Migrator, make_migrator
from migtest.migrators.bookkeeping import history_tables
from migtest.plan import Scenario
from migtest.results import FAILED, CheckResult, Phase, RunResult, ScenarioResult, timed
from migtest.results.locations import Locator
from migtest.run import interrupts
from migtest.run.folders import make_run_folder, new_run_id, temporary_files_in
from migtest.seeding import Seeder, make_restorer, make_seeders
from migtest.sources import SetupProgress, Workspace, Workspaces


class Progress(SetupProgress, Protocol):
    """Told what happens as it happens; with jobs > 1 from several threads, scenarios interleaved.
    The versions' setups run before any scenario starts."""

    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None: ...

    def phase_started(self, scenario: Scenario, name: str) -> None: ...

    def phase_finished(self, scenario: Scenario, phase: Phase) -> None: ...

    def scenario_finished(self, result: ScenarioResult) -> None: ...


class Aborted(Exception):
    """A phase failed in a way that leaves nothing to check; its result is already recorded."""


class Stopped(Exception):
    """The run is being torn down: the scenario starts no further phase."""


@dataclass
class Attempt:
    """One scenario being run: what it recorded so far and the databases to drop after it."""

    scenario: Scenario
    result: ScenarioResult
    databases: list[Database] = field(default_factory=list)


class Session:
    """What every scenario of one run shares, whichever command runs them."""

    def __init__(
        self,
        config: Config,
        progress: Progress,
        *,
        cache_dir: Path | None = None,
        reuse: bool = True,
        keep: bool = False,
    ) -> None:
        self.config = config
        self.progress = progress
        self.cache_dir = cache_dir or config.root / ".migtest-cache"
        self.reuse = reuse
        self.keep = keep
        self.run_id = new_run_id()  # names its databases, temporary folder and Docker objects
        self.docker: DockerEngine | None = None
        self.locator = Locator(config)

    def result(self, versions: list[str], results: list[ScenarioResult], started: float) -> RunResult:
        seconds = time.perf_counter() - started
        setups, startup = self.workspaces.setups, [*self.startup, *self.workspaces.images]
        return RunResult(str(self.config.path), versions, results, seconds, str(self.config.root), setups, startup)

    @contextmanager
    def opened(self) -> Iterator[None]:
        """The engine, migrator, seeders, database server and workspaces of one run; all closed,
        and whatever the run made removed, however it ends (a signal cannot cut that short)."""
        containerized = [v for v in self.config.versions if v.containerized]
        app = self.config.app or AppConfig()
        self.stop = threading.Event()
        cleanup = ExitStack()
        self.origin = time.perf_counter()  # the phases' start times count from here
        try:
            docker = self.docker = (
                DockerEngine(self.run_id, keep=self.keep, interrupted=self.stop, init=app.init)
                if containerized
                else None
            )
            if docker is not None:
                cleanup.callback(docker.remove_run)
            workdir = make_run_folder(self.run_id)
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
            cleanup.enter_context(temporary_files_in(workdir / "tmp"))
            self.startup: list[Phase] = []
            server = f"database server {self.config.database.image or self.config.database.engine}"
            with timed(server, self.origin, self.startup):
                self.server: DatabaseServer = open_server(self.config.database, workdir, docker, self.run_id)
            cleanup.callback(self.server.close)
            self.images = ImageRunner(app, docker) if docker else None
            self.migrator: Migrator = make_migrator(self.config.migrations, self.images, scratch=workdir)
            cleanup.callback(self.migrator.close)  # first: its commands may hold the databases open
            self.bookkeeping = history_tables(self.config.migrations)
            self.ignored = self.bookkeeping | set(self.config.checks.ignore_tables)
            self.seeders = make_seeders(self.config, self.images, skip=self.ignored)
            self.restorer = make_restorer(self.config)
            self.workspaces = Workspaces(
                self.config, workdir, self.cache_dir, docker, self.progress, origin=self.origin
            )
            for version in containerized:  # a missing image or a failing build stops the run first
                self.workspaces.get(version.name)
            yield
        finally:
            with interrupts.deferred():
                cleanup.close()

    @contextmanager
    def phase(self, attempt: Attempt, name: str) -> Iterator[Phase]:
        if self.stop.is_set():
            raise Stopped
        self.progress.phase_started(attempt.scenario, name)
        started = time.perf_counter()
        phase = Phase(name, 0.0, start=started - self.origin)
        try:
            yield phase
        except StepFailed as exc:
            if self.stop.is_set():  # the teardown killed its command: not a failure to report
                raise Stopped from exc
            phase.status, phase.detail = FAILED, str(exc)
            raise
        finally:
            phase.seconds = time.perf_counter() - started
            attempt.result.phases.append(phase)
            if not self.stop.is_set():
                self.progress.phase_finished(attempt.scenario, phase)

    @contextmanager
    def lock_observer(self, database: Database) -> Iterator[LockObserver | None]:
        """The engine's lock observer of the database (None: not measured there, or `checks.locks:
        off`), closed when the block ends."""
        measure = self.config.checks.locks.measure
        observer = observer_for(database, self.config.database.engine) if measure else None
        try:
            yield observer
        finally:
            if observer is not None:
                observer.close()

    @contextmanager
    def locks_watched(
        self, attempt: Attempt, context: CheckContext, observer: LockObserver | None, tree: Path
    ) -> Iterator[None]:
        """Measure while the block migrates; the measurement, pinned on the files that ran (`tree`:
        the migrating version's), goes to the checks and the result however the block ends."""
        if observer is None:
            yield
            return
        files: tuple[Path, ...] = ()
        measurement = None
        try:
            with observer.watch(str(context.scenario.target)) as measurement:
                try:
                    yield
                    files = context.migration_run.files if context.migration_run else ()
                except StepFailed as exc:
                    files = (exc.file,) if exc.file else ()
                    raise
        finally:
            if measurement is not None:  # complete once the watch ended
                settle(measurement, files, tree, self.ignored)
                context.locks.append(measurement)
                attempt.result.locks.append(measurement)

    def seed(self, attempt: Attempt, name: str, database: Database, seeders: list[Seeder] | None = None) -> None:
        for seeder in self.seeders if seeders is None else seeders:
            try:
                with self.phase(attempt, "seed") as phase:
                    phase.detail = seeder.seed(self.workspaces.get(name), database)
            except StepFailed as exc:
                self.seed_failed(attempt, name, exc)

    def seed_failed(self, attempt: Attempt, name: str, error: StepFailed | None) -> None:
        """A seeding that failed ends the scenario with its evidence."""
        if error is not None:
            attempt.result.checks.append(CheckResult("seed", FAILED, f"seeding {name} failed: {error}", [error.output]))
            raise Aborted from error

    def workspace(self, version: str) -> Workspace:
        """The version's tree and environment, set up the first time it is asked for."""
        return self.workspaces.get(version)

    def history(self, workspace: Workspace) -> list[str]:
        """The version's migrations, oldest first (a command lister gets a database of its own)."""
        database = self.server.create("history")
        try:
            return self.migrator.history(workspace, database)
        finally:
            self.server.drop(database)
