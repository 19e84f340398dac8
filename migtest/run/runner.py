"""Run scenarios phase by phase, timing each, and always tear down what was provisioned.

The fresh install of each version is made once per run and cloned for every scenario that starts
from it (without reuse, the baseline benchmarks compare with, each scenario installs its own); its
schema is the reference that upgrades and downgrades are compared with.

Scenarios run on up to `jobs` threads (the work is subprocesses and database I/O), each on its own
databases; results keep the plan's order. The main thread only waits, so Ctrl-C and SIGTERM reach
it: it stops new scenarios, kills the migrator's running commands, passes the signal on to the
user's commands (killed after a grace) and tears everything down, which further signals cannot
cut short (interrupts.py).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from migtest.capture.state import State, capture
from migtest.checks import ApiReading, AppObservation, CheckContext, CommandObservation, bookkeeping, run_checks
from migtest.config import AppConfig, Config
from migtest.databases import Database, DatabaseServer, open_server
from migtest.docker import DockerEngine
from migtest.docker.app import ImageRunner
from migtest.errors import StepFailed
from migtest.http_api import ApiClient, expected_objects
from migtest.locks import LockObserver, observer_for
from migtest.locks.sites import settle
from migtest.migrators import DOWNGRADE, UPGRADE, Migrator, make_migrator
from migtest.migrators.bookkeeping import history_tables
from migtest.plan import Scenario
from migtest.results import ERROR, FAILED, SKIPPED, CheckResult, Phase, RunResult, ScenarioResult, timed
from migtest.results.locations import Locator
from migtest.run import interrupts
from migtest.run.folders import make_run_folder, new_run_id
from migtest.run.once import Once
from migtest.run.process import end_running
from migtest.run.rolling import Exerciser, RollingObservation
from migtest.run.rolling_probes import Probing
from migtest.run.version_command import run_as_version
from migtest.seeding import Seeder, make_restorer, make_seeders
from migtest.seeding.api import ApiSeeder
from migtest.seeding.restore import check_revision
from migtest.sources import SetupProgress, Workspace, Workspaces
from migtest.sql.statement_limit import cancel_running

POLL_SECONDS = 0.2


class Progress(SetupProgress, Protocol):
    """Told what happens as it happens; with jobs > 1 from several threads, scenarios interleaved.
    The versions' setups run before any scenario starts."""

    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None: ...

    def phase_started(self, scenario: Scenario, name: str) -> None: ...

    def phase_finished(self, scenario: Scenario, phase: Phase) -> None: ...

    def scenario_finished(self, result: ScenarioResult) -> None: ...


@dataclass
class Reference:
    """A version's fresh install: the template database to clone and its schema to compare with."""

    database: Database | None
    state: State | None
    resolved: str | None
    error: StepFailed | None


class Aborted(Exception):
    """A phase failed in a way that leaves nothing to check; its result is already recorded."""


class _Stopped(Exception):
    """The run is being torn down: the scenario starts no further phase."""


@dataclass
class Attempt:
    """One scenario being run: what it recorded so far and the databases to drop after it."""

    scenario: Scenario
    result: ScenarioResult
    databases: list[Database] = field(default_factory=list)


class Runner:
    def __init__(
        self,
        config: Config,
        progress: Progress,
        *,
        cache_dir: Path | None = None,
        jobs: int = 1,
        reuse: bool = True,
        keep: bool = False,
    ) -> None:
        self.config = config
        self.progress = progress
        self.cache_dir = cache_dir or config.root / ".migtest-cache"
        self.jobs = jobs
        self.reuse = reuse
        self.keep = keep
        self.run_id = new_run_id()  # names its databases, temporary folder and Docker objects
        self.docker: DockerEngine | None = None
        self.locator = Locator(config)

    def run(self, scenarios: list[Scenario]) -> RunResult:
        started = time.perf_counter()
        with self._session():
            self._set_up(scenarios)
            results = self._run_all(scenarios)
        return self._result([v.name for v in self.config.versions], results, started)

    def _result(self, versions: list[str], results: list[ScenarioResult], started: float) -> RunResult:
        seconds = time.perf_counter() - started
        setups, startup = self.workspaces.setups, [*self.startup, *self.workspaces.images]
        return RunResult(str(self.config.path), versions, results, seconds, str(self.config.root), setups, startup)

    def _set_up(self, scenarios: list[Scenario]) -> None:
        """Every `setup:` the scenarios need, one after the other before any scenario starts, so
        that its output streams on its own and its minutes are not charged to an install."""
        needed = {name for scenario in scenarios for name in (scenario.source, scenario.target) if name}
        needed.update(filter(None, map(self._previous_of, scenarios)))
        for version in self.config.versions:
            if version.setup and version.name in needed:
                self.workspaces.get(version.name)
        if self.restorer is not None:  # a missing snapshot or client program stops the run first
            sources = {scenario.source for scenario in scenarios}
            self.restorer.check(version.name for version in self.config.versions if version.name in sources)

    @contextmanager
    def _session(self) -> Iterator[None]:
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
            self.references: Once[str, Reference] = Once()
            self.snapshots: Once[str, Reference] = Once()  # seed.restore's, by release: no state
            for version in containerized:  # a missing image or a failing build stops the run first
                self.workspaces.get(version.name)
            yield
        finally:
            with interrupts.deferred():
                cleanup.close()

    def _run_all(self, scenarios: list[Scenario]) -> list[ScenarioResult]:
        """Leaving the pool waits for its threads, so on an interrupt (or an unexpected error in a
        scenario) the running scenarios have dropped their databases before the server closes."""
        futures: list[Future[ScenarioResult]] = []  # those submitted so far, when a signal comes
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="migtest") as pool:
            try:
                for index, scenario in enumerate(scenarios, 1):
                    futures.append(pool.submit(self._run_numbered, scenario, index, len(scenarios)))
                _wait_all(futures)
            except BaseException:
                with interrupts.deferred():  # an unexpected error's unwinding is not cut short either
                    self.stop.set()
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.migrator.close()
                    _end_work_until_done(futures)
                raise
        return [future.result() for future in futures]

    def _run_numbered(self, scenario: Scenario, index: int, total: int) -> ScenarioResult:
        if self.stop.is_set():
            raise _Stopped
        self.progress.scenario_started(scenario, index, total)
        result = self._run_scenario(scenario)
        self.progress.scenario_finished(result)
        return result

    # -- phases ---------------------------------------------------------------------------

    @contextmanager
    def _phase(self, attempt: Attempt, name: str) -> Iterator[Phase]:
        if self.stop.is_set():
            raise _Stopped
        self.progress.phase_started(attempt.scenario, name)
        started = time.perf_counter()
        phase = Phase(name, 0.0, start=started - self.origin)
        try:
            yield phase
        except StepFailed as exc:
            if self.stop.is_set():  # the teardown killed its command: not a failure to report
                raise _Stopped from exc
            phase.status, phase.detail = FAILED, str(exc)
            raise
        finally:
            phase.seconds = time.perf_counter() - started
            attempt.result.phases.append(phase)
            if not self.stop.is_set():
                self.progress.phase_finished(attempt.scenario, phase)

    @contextmanager
    def _lock_observer(self, database: Database) -> Iterator[LockObserver | None]:
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
    def _locks_watched(
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

    def _reference(self, attempt: Attempt, name: str) -> Reference:
        """Built by the first scenario that needs it; the others wait for it."""
        return self.references.get(name, lambda: self._install_reference(attempt, name))

    def _install_reference(self, attempt: Attempt, name: str) -> Reference:
        version = self.config.version(name)
        database = self.server.create(f"template-{name}")
        try:
            with self._phase(attempt, f"install {name} (fresh, reused for the run)") as phase:
                run = self.migrator.install(self.workspaces.get(name), database, version.revision)
                state = self._capture(database, name, with_data=False)
                phase.detail = f"at revision {state.revision}"
            return Reference(database, state, run.resolved, None)
        except StepFailed as exc:
            return Reference(None, None, None, exc)

    def _capture(
        self,
        database: Database,
        version: str,
        *,
        with_data: bool = True,
        queries: Scenario | None = None,
        declared_for: Scenario | None = None,
        like: State | None = None,
    ) -> State:
        """`queries`: the scenario whose SQL assertions to run on the database; `declared_for`: the
        scenario about to migrate, whose declared conditions select their rows now; `like`: an earlier
        capture of the database, whose unchanged rows the new one shares (memory)."""
        engine = self.config.database.engine
        assertions = [a for a in self.config.checks.sql if a.applies_to(queries, engine)] if queries else []
        conditions = self.config.checks.declared_conditions(declared_for, engine) if declared_for else []
        revision = self.migrator.current(self.workspaces.get(version), database)
        with database.connection() as connection:
            return capture(
                connection,
                revision,
                self.ignored,
                bookkeeping=self.bookkeeping,
                schemas=self.config.schemas,
                with_data=with_data,
                assertions=assertions,
                conditions=conditions,
                like=like,
            )

    def _provision(self, attempt: Attempt, name: str, database_name: str) -> Database:
        reference = self._reference(attempt, name)
        if reference.error is not None:
            error = reference.error
            check = CheckResult("install", FAILED, f"fresh install of {name} failed: {error}", [error.output])
            self.locator.pin([check], version=name, tree=self.workspaces.get(name).root, error=error, run=None)
            attempt.result.checks.append(check)
            raise Aborted
        restore = self.restorer is not None and attempt.scenario.source == name
        if self.reuse:
            template = self._snapshot(attempt, name, reference) if restore else reference.database
            with self._phase(attempt, "provision"):
                database = self.server.clone(template, database_name)
            attempt.databases.append(database)
            return database
        database = self.server.create(database_name)
        attempt.databases.append(database)
        if restore:
            self._seed_failed(attempt, name, self._restore(attempt, name, database, reference, f"restore {name}"))
            return database
        with self._phase(attempt, f"install {name}"):
            self.migrator.install(self.workspaces.get(name), database, self.config.version(name).revision)
        return database

    def _snapshot(self, attempt: Attempt, name: str, reference: Reference) -> Database:
        """The from-release's snapshot restored once per run (by the first scenario that needs it)."""

        def restored() -> Reference:
            database = self.server.create(f"snapshot-{name}")
            error = self._restore(attempt, name, database, reference, f"restore {name} (reused for the run)")
            if error is not None:
                self.server.drop(database)
            return Reference(None if error else database, None, None, error)

        snapshot = self.snapshots.get(name, restored)
        self._seed_failed(attempt, name, snapshot.error)
        assert snapshot.database is not None
        return snapshot.database

    def _restore(
        self, attempt: Attempt, name: str, database: Database, reference: Reference, phase_name: str
    ) -> StepFailed | None:
        """Restore the snapshot into the empty database; what failed, if anything (the restored
        database at another revision than the release's fresh install too)."""
        assert self.restorer is not None and reference.state is not None
        try:
            with self._phase(attempt, phase_name) as phase:
                phase.detail = self.restorer.restore(name, database)
                restored = self.migrator.current(self.workspaces.get(name), database)
                check_revision(self.restorer.path(name), name, restored, reference.state.revision)
        except StepFailed as exc:
            return exc
        return None

    def _seed(self, attempt: Attempt, name: str, database: Database, seeders: list[Seeder] | None = None) -> None:
        for seeder in self.seeders if seeders is None else seeders:
            try:
                with self._phase(attempt, "seed") as phase:
                    phase.detail = seeder.seed(self.workspaces.get(name), database)
            except StepFailed as exc:
                self._seed_failed(attempt, name, exc)

    def _seed_failed(self, attempt: Attempt, name: str, error: StepFailed | None) -> None:
        """A seeding that failed ends the scenario with its evidence."""
        if error is not None:
            attempt.result.checks.append(CheckResult("seed", FAILED, f"seeding {name} failed: {error}", [error.output]))
            raise Aborted from error

    # -- scenarios ------------------------------------------------------------------------

    def _run_scenario(self, scenario: Scenario) -> ScenarioResult:
        attempt = Attempt(scenario, ScenarioResult(scenario))
        try:
            if scenario.kind == "fresh":
                self._run_fresh(attempt)
            else:
                self._run_migration(attempt)
        except Aborted:
            pass
        except StepFailed as exc:
            check = CheckResult.from_error("run", ERROR, exc)
            check.location = self.locator.version(scenario.target)
            attempt.result.checks.append(check)
        finally:
            for database in attempt.databases:
                self.server.drop(database)
        return attempt.result

    def _run_fresh(self, attempt: Attempt) -> None:
        scenario, result = attempt.scenario, attempt.result
        target = scenario.target
        reference = self._reference(attempt, target)
        context = CheckContext(
            scenario, self.config.checks, self.config.database.engine, migration_error=reference.error
        )
        if reference.error is None:
            database = self._provision(attempt, target, scenario.id)
            self._seed(attempt, target, database)
            with self._phase(attempt, "capture"):
                context.after = self._capture(database, target, queries=scenario)
            context.expected_revision = reference.resolved
            self._verify_app(attempt, context, target, database)
            self._verify_target(attempt, context, target, database)
        with self._phase(attempt, "check"):
            result.checks += self._checked(context, self.workspaces.get(target))

    def _run_migration(self, attempt: Attempt) -> None:
        scenario, result = attempt.scenario, attempt.result
        source, target = scenario.source, scenario.target
        assert source is not None
        direction = DOWNGRADE if scenario.kind == "downgrade" else UPGRADE
        # Upgrades run the newer release's code; a downgrade too (that is how releases roll back).
        workspace = self.workspaces.get(target if direction == UPGRADE else source)
        reference = self._reference(attempt, target)
        context = CheckContext(scenario, self.config.checks, self.config.database.engine, reference=reference.state)
        if reference.error is not None:
            context.reference_error = str(reference.error)
            if direction == DOWNGRADE:
                summary = f"no fresh install of {target} to downgrade to: {reference.error}"
                result.checks.append(CheckResult("downgrade", ERROR, summary, [reference.error.output]))
                raise Aborted
        goal = self._goal(target, direction, reference)
        if direction == DOWNGRADE:
            blocker = self.migrator.downgrade_blocker(workspace, self.config.version(source).revision, goal)
            if blocker:
                result.checks.append(CheckResult("downgrade", SKIPPED, f"cannot downgrade: {blocker}"))
                return
        database = self._provision(attempt, source, scenario.id)
        self._seed(attempt, source, database)
        with self._phase(attempt, "capture before") as phase:
            context.before = self._capture(database, source, declared_for=scenario)
            phase.detail = bookkeeping.note([context.before])
        try:
            with (
                self._rolling(attempt, context, database),
                self._phase(attempt, direction) as phase,
                self._lock_observer(database) as observer,
                self._locks_watched(attempt, context, observer, workspace.root),
            ):
                context.migration_run = self.migrator.migrate(workspace, database, direction, goal)
                phase.figures = context.migration_run.figures
            with self._phase(attempt, "capture after"):
                context.after = self._capture(database, target, queries=scenario, like=context.before)
            context.expected_revision = reference.state.revision if reference.state else None
        except StepFailed as exc:
            context.migration_error = exc
        again = direction == UPGRADE and context.after is not None and self.config.checks.idempotent
        verified_again = again and self._app_migrates_on_start()
        self._verify_app(attempt, context, target, database, upgrade_again=verified_again)
        if again:
            try:
                if not verified_again:
                    with self._phase(attempt, "upgrade again"):
                        self.migrator.migrate(workspace, database, direction, goal)
                elif context.app is not None and context.app.ready_seconds is None:  # never ready: the rerun failed
                    assert context.app.error is not None
                    raise context.app.error
                with self._phase(attempt, "capture again"):
                    context.rerun = self._capture(database, target, like=context.after)
            except StepFailed as exc:
                context.rerun_error = exc
        self._verify_target(attempt, context, target, database)
        self._verify_previous_release(attempt, context, database)
        with self._phase(attempt, "check"):
            result.checks += self._checked(context, workspace)

    def _checked(self, context: CheckContext, workspace: Workspace) -> list[CheckResult]:
        """The checks' results, those that failed or warned pointing into the migrating version's tree."""
        checks = run_checks(context)
        self.locator.pin(
            checks,
            version=workspace.version.name,
            tree=workspace.root,
            error=context.migration_error,
            run=context.migration_run,
        )
        return checks

    def _app_migrates_on_start(self) -> bool:
        """Each start of the app (`on-start`) runs its migration: the start that verifies the
        migrated-to release is also its upgrade again, so it is not started once more for that."""
        return self.config.migrations.tool == "on-start" and self.images is not None and self.config.app is not None

    def _verify_app(
        self, attempt: Attempt, context: CheckContext, version: str, database: Database, *, upgrade_again: bool = False
    ) -> None:
        if self.images is None or self.config.app is None:
            return
        context.app_checked = True
        if context.after is not None:  # else the check reports it not run
            note = ", the upgrade again" if upgrade_again else ""
            context.app = self._observe_app(attempt, version, database, f"verify app {version}", note)

    def _previous_of(self, scenario: Scenario) -> str | None:
        """The release before the newest, run on the database an upgrade to the newest migrated
        (None: not in this scenario, or nothing of it to run)."""
        names = [version.name for version in self.config.versions]
        verify = self.config.verify
        if verify.previous_release == "off" or len(names) < 2 or scenario.kind not in ("upgrade", "skip"):
            return None
        app_starts = self.config.app is not None and self.config.versions[-1].containerized
        if scenario.target != names[-1] or not (app_starts or verify.command):
            return None
        return names[-2]

    def _verify_previous_release(self, attempt: Attempt, context: CheckContext, database: Database) -> None:
        previous = self._previous_of(context.scenario)
        if previous is None or context.after is None:
            return
        context.previous_warns = self.config.verify.previous_release == "warn"
        if self.images is not None and self.config.app is not None:
            context.previous = self._observe_app(attempt, previous, database, f"previous release {previous}")
        if self.config.verify.command:
            phase = f"previous release {previous}: verify.command"
            context.previous_command = self._run_verify_command(attempt, previous, database, phase)

    def _verify_target(self, attempt: Attempt, context: CheckContext, version: str, database: Database) -> None:
        """`verify.target`: the release migrated to runs `verify.command` on the migrated database.
        After the captures (and the upgrade again), so what the command writes is checked by no one."""
        if self.config.verify.target and context.after is not None:
            context.command = self._run_verify_command(attempt, version, database, f"verify.command {version}")

    def _run_verify_command(
        self, attempt: Attempt, version: str, database: Database, phase_name: str
    ) -> CommandObservation:
        """`verify.command` as the version, in its tree and environment (or a container of its image)."""
        command, timeout = self.config.verify.command, self.config.migrations.timeout
        assert command is not None
        observed = CommandObservation(version)
        workspace = self.workspaces.get(version)
        try:
            with self._phase(attempt, phase_name):
                revision = self.config.version(version).revision
                observed.output = run_as_version(
                    command, workspace, database, revision, "verify.command", self.images, timeout=timeout
                )
        except StepFailed as exc:
            observed.error = exc
        return observed

    @contextmanager
    def _rolling(self, attempt: Attempt, context: CheckContext, database: Database) -> Iterator[None]:
        """The previous release, made ready before the migration inside runs and probed while it runs
        (rolling.py), in an upgrade from it to the newest unless `checks.rolling` is off."""
        previous = self._previous_of(context.scenario)
        workspace = self.workspaces.get(previous) if previous and previous == context.scenario.source else None
        probing = Probing(self.config, self.images, workspace, database) if workspace else None
        if probing is None or not (probing.app or probing.command):
            yield
            return
        observed = context.rolling = RollingObservation(probing.workspace.version.name)
        with ExitStack() as running:
            try:
                with self._phase(attempt, f"rolling deploy: {observed.version} ready"):
                    exerciser = Exerciser(
                        observed, probing.start(running, self._api_values(database, observed.version)), self.stop
                    )
                    exerciser.baseline()
            except StepFailed as exc:
                observed.error = exc
            with nullcontext() if observed.error else exerciser.window():
                yield

    def _api_values(self, database: Database, version: str) -> dict[str, Any]:
        """What `{name}` placeholders of API requests are filled with: the version, and what seeding captured."""
        api_seeders = [seeder for seeder in self.seeders if isinstance(seeder, ApiSeeder)]
        return {"version": version, **{k: v for seeder in api_seeders for k, v in seeder.captured(database).items()}}

    def _observe_app(
        self, attempt: Attempt, version: str, database: Database, phase_name: str, note: str = ""
    ) -> AppObservation:
        """Start the version's app on the database and read what `verify.api` lists for it
        (`note`: what else that start is, for the phase's detail)."""
        assert self.images is not None
        observed = AppObservation(version)
        reads = [read for read in self.config.verify.api if read.applies_to(version)]
        api_seeders = [seeder for seeder in self.seeders if isinstance(seeder, ApiSeeder)]
        sent = [exchange for seeder in api_seeders for exchange in seeder.sent(database, version)]
        values = self._api_values(database, version)
        try:
            with self._phase(attempt, phase_name) as phase:
                with self.images.app_running(self.workspaces.get(version), database, f"start {version}") as app:
                    observed.ready_seconds = app.ready_seconds
                    assert self.config.app is not None
                    with ApiClient.connect(app.base_url, self.config.app, values, self.config.seed.captures) as client:
                        for read in reads:
                            reading = ApiReading(read.path, [])
                            try:
                                reading.expected = expected_objects(read, sent, client.values)
                                reading.items = client.read_all(read)
                            except StepFailed as exc:
                                reading.error = exc
                            observed.readings.append(reading)
                phase.detail = f"ready in {app.ready_seconds:.1f}s{note}, {len(reads)} listing(s) read"
                phase.figures = app.figures
        except StepFailed as exc:
            observed.error = exc
        return observed

    def _goal(self, target: str, direction: str, reference: Reference) -> str:
        """Downgrades aim at the revision the older version's fresh install reached, since a
        symbolic target like 'head' means the newer tree's head there."""
        if direction == DOWNGRADE and reference.state is not None and reference.state.revision:
            return reference.state.revision
        return self.config.version(target).revision


def _end_work_until_done(futures: list[Future[ScenarioResult]]) -> None:
    """End the commands the scenarios run (forwarding the signal, then killing them after a grace)
    and cancel the statements a server works on for them, until every scenario has stopped: one
    between two phases may start one more."""
    pending = {future for future in futures if not future.done()}
    while pending:
        end_running()
        cancel_running()
        _, pending = wait(pending, timeout=POLL_SECONDS)


def _wait_all(futures: list[Future[ScenarioResult]]) -> None:
    """Wait in short slices, so that the main thread receives KeyboardInterrupt; a scenario's
    unexpected error is raised at once rather than when its turn in the plan comes."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()
