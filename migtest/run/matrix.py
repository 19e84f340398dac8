"""`migtest run`: the plan's scenarios on the runner core (session.py), each phase timed, and
whatever a scenario provisioned always dropped.

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

import time
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from migtest.capture.state import State, capture
from migtest.checks import ApiReading, AppObservation, CheckContext, CommandObservation, bookkeeping, run_checks
from migtest.databases import Database
from migtest.errors import StepFailed
from migtest.http_api import ApiClient, expected_objects
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.plan import Scenario
from migtest.results import ERROR, FAILED, SKIPPED, CheckResult, RunResult, ScenarioResult
from migtest.run import interrupts
from migtest.run.once import Once
from migtest.run.process import end_running
from migtest.run.rolling import Exerciser, RollingObservation
from migtest.run.rolling_probes import Probing
from migtest.run.session import Aborted, Attempt, Session, Stopped
from migtest.run.step_tests import discover
from migtest.run.steps import StepWalk
from migtest.run.version_command import run_as_version
from migtest.seeding.api import ApiSeeder
from migtest.seeding.restore import check_revision
from migtest.sources import Workspace
from migtest.sql.statement_limit import cancel_running

POLL_SECONDS = 0.2


@dataclass
class Reference:
    """A version's fresh install: the template database to clone and its schema to compare with."""

    database: Database | None
    state: State | None
    resolved: str | None
    error: StepFailed | None


class Matrix:
    """The plan's scenarios on the session, on up to `jobs` threads."""

    def __init__(self, session: Session, jobs: int = 1) -> None:
        self.session = session
        self.config = session.config
        self.jobs = jobs
        self.references: Once[str, Reference] = Once()
        self.snapshots: Once[str, Reference] = Once()  # seed.restore's, by release: no state

    def run(self, scenarios: list[Scenario]) -> RunResult:
        """The scenarios, then (with `steps.run`) the step tests on the newest version's history."""
        started = time.perf_counter()
        tests = discover(self.config.steps.dir) if self.config.steps.run else None
        with self.session.opened():
            self._set_up(scenarios)
            results = self._run_all(scenarios)
            if tests is not None:
                results += StepWalk(self.session).newest_tests(tests, done=len(scenarios))
        return self.session.result([v.name for v in self.config.versions], results, started)

    def _set_up(self, scenarios: list[Scenario]) -> None:
        """Every `setup:` the scenarios need, one after the other before any scenario starts, so
        that its output streams on its own and its minutes are not charged to an install."""
        needed = {name for scenario in scenarios for name in (scenario.source, scenario.target) if name}
        needed.update(filter(None, map(self._previous_of, scenarios)))
        for version in self.config.versions:
            if version.setup and version.name in needed:
                self.session.workspace(version.name)
        if self.session.restorer is not None:  # a missing snapshot or client program stops the run first
            sources = {scenario.source for scenario in scenarios}
            self.session.restorer.check(version.name for version in self.config.versions if version.name in sources)

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
                    self.session.stop.set()
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.session.migrator.close()
                    _end_work_until_done(futures)
                raise
        return [future.result() for future in futures]

    def _run_numbered(self, scenario: Scenario, index: int, total: int) -> ScenarioResult:
        if self.session.stop.is_set():
            raise Stopped
        self.session.progress.scenario_started(scenario, index, total)
        result = self._run_scenario(scenario)
        self.session.progress.scenario_finished(result)
        return result

    def _reference(self, attempt: Attempt, name: str) -> Reference:
        """Built by the first scenario that needs it; the others wait for it."""
        return self.references.get(name, lambda: self._install_reference(attempt, name))

    def _install_reference(self, attempt: Attempt, name: str) -> Reference:
        version = self.config.version(name)
        database = self.session.server.create(f"template-{name}")
        try:
            with self.session.phase(attempt, f"install {name} (fresh, reused for the run)") as phase:
                run = self.session.migrator.install(self.session.workspace(name), database, version.revision)
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
        revision = self.session.migrator.current(self.session.workspace(version), database)
        with database.connection() as connection:
            return capture(
                connection,
                revision,
                self.session.ignored,
                bookkeeping=self.session.bookkeeping,
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
            self.session.locator.pin(
                [check], version=name, tree=self.session.workspace(name).root, error=error, run=None
            )
            attempt.result.checks.append(check)
            raise Aborted
        restore = self.session.restorer is not None and attempt.scenario.source == name
        if self.session.reuse:
            template = self._snapshot(attempt, name, reference) if restore else reference.database
            with self.session.phase(attempt, "provision"):
                database = self.session.server.clone(template, database_name)
            attempt.databases.append(database)
            return database
        database = self.session.server.create(database_name)
        attempt.databases.append(database)
        if restore:
            self.session.seed_failed(
                attempt, name, self._restore(attempt, name, database, reference, f"restore {name}")
            )
            return database
        with self.session.phase(attempt, f"install {name}"):
            self.session.migrator.install(self.session.workspace(name), database, self.config.version(name).revision)
        return database

    def _snapshot(self, attempt: Attempt, name: str, reference: Reference) -> Database:
        """The from-release's snapshot restored once per run (by the first scenario that needs it)."""

        def restored() -> Reference:
            database = self.session.server.create(f"snapshot-{name}")
            error = self._restore(attempt, name, database, reference, f"restore {name} (reused for the run)")
            if error is not None:
                self.session.server.drop(database)
            return Reference(None if error else database, None, None, error)

        snapshot = self.snapshots.get(name, restored)
        self.session.seed_failed(attempt, name, snapshot.error)
        assert snapshot.database is not None
        return snapshot.database

    def _restore(
        self, attempt: Attempt, name: str, database: Database, reference: Reference, phase_name: str
    ) -> StepFailed | None:
        """Restore the snapshot into the empty database; what failed, if anything (the restored
        database at another revision than the release's fresh install too)."""
        assert self.session.restorer is not None and reference.state is not None
        try:
            with self.session.phase(attempt, phase_name) as phase:
                phase.detail = self.session.restorer.restore(name, database)
                restored = self.session.migrator.current(self.session.workspace(name), database)
                check_revision(self.session.restorer.path(name), name, restored, reference.state.revision)
        except StepFailed as exc:
            return exc
        return None

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
            check.location = self.session.locator.version(scenario.target)
            attempt.result.checks.append(check)
        finally:
            for database in attempt.databases:
                self.session.server.drop(database)
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
            self.session.seed(attempt, target, database)
            with self.session.phase(attempt, "capture"):
                context.after = self._capture(database, target, queries=scenario)
            context.expected_revision = reference.resolved
            self._verify_app(attempt, context, target, database)
            self._verify_target(attempt, context, target, database)
        with self.session.phase(attempt, "check"):
            result.checks += self._checked(context, self.session.workspace(target))

    def _run_migration(self, attempt: Attempt) -> None:
        scenario, result = attempt.scenario, attempt.result
        source, target = scenario.source, scenario.target
        assert source is not None
        direction = DOWNGRADE if scenario.kind == "downgrade" else UPGRADE
        # Upgrades run the newer release's code; a downgrade too (that is how releases roll back).
        workspace = self.session.workspace(target if direction == UPGRADE else source)
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
            blocker = self.session.migrator.downgrade_blocker(workspace, self.config.version(source).revision, goal)
            if blocker:
                result.checks.append(CheckResult("downgrade", SKIPPED, f"cannot downgrade: {blocker}"))
                return
        database = self._provision(attempt, source, scenario.id)
        self.session.seed(attempt, source, database)
        with self.session.phase(attempt, "capture before") as phase:
            context.before = self._capture(database, source, declared_for=scenario)
            phase.detail = bookkeeping.note([context.before])
        try:
            with (
                self._rolling(attempt, context, database),
                self.session.phase(attempt, direction) as phase,
                self.session.lock_observer(database) as observer,
                self.session.locks_watched(attempt, context, observer, workspace.root),
            ):
                context.migration_run = self.session.migrator.migrate(workspace, database, direction, goal)
                phase.figures = context.migration_run.figures
            if direction == UPGRADE:  # the revisions the source applied that the target ships edited
                source_tree = self.session.workspace(source)
                applied = context.before.revision
                context.migration_run = self.session.migrator.with_edits(
                    context.migration_run, source_tree, workspace, applied
                )
            with self.session.phase(attempt, "capture after"):
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
                    with self.session.phase(attempt, "upgrade again"):
                        self.session.migrator.migrate(workspace, database, direction, goal)
                elif context.app is not None and context.app.ready_seconds is None:  # never ready: the rerun failed
                    assert context.app.error is not None
                    raise context.app.error
                with self.session.phase(attempt, "capture again"):
                    context.rerun = self._capture(database, target, like=context.after)
            except StepFailed as exc:
                context.rerun_error = exc
        self._verify_target(attempt, context, target, database)
        self._verify_previous_release(attempt, context, database)
        with self.session.phase(attempt, "check"):
            result.checks += self._checked(context, workspace)

    def _checked(self, context: CheckContext, workspace: Workspace) -> list[CheckResult]:
        """The checks' results, those that failed or warned pointing into the migrating version's tree."""
        checks = run_checks(context)
        self.session.locator.pin(
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
        return (
            self.config.migrations.tool == "on-start"
            and self.session.images is not None
            and self.config.app is not None
        )

    def _verify_app(
        self, attempt: Attempt, context: CheckContext, version: str, database: Database, *, upgrade_again: bool = False
    ) -> None:
        if self.session.images is None or self.config.app is None:
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
        if self.session.images is not None and self.config.app is not None:
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
        workspace = self.session.workspace(version)
        try:
            with self.session.phase(attempt, phase_name):
                revision = self.config.version(version).revision
                observed.output = run_as_version(
                    command, workspace, database, revision, "verify.command", self.session.images, timeout=timeout
                )
        except StepFailed as exc:
            observed.error = exc
        return observed

    @contextmanager
    def _rolling(self, attempt: Attempt, context: CheckContext, database: Database) -> Iterator[None]:
        """The previous release, made ready before the migration inside runs and probed while it runs
        (rolling.py), in an upgrade from it to the newest unless `checks.rolling` is off."""
        previous = self._previous_of(context.scenario)
        workspace = self.session.workspace(previous) if previous and previous == context.scenario.source else None
        probing = Probing(self.config, self.session.images, workspace, database) if workspace else None
        if probing is None or not (probing.app or probing.command):
            yield
            return
        observed = context.rolling = RollingObservation(probing.workspace.version.name)
        with ExitStack() as running:
            try:
                with self.session.phase(attempt, f"rolling deploy: {observed.version} ready"):
                    exerciser = Exerciser(
                        observed,
                        probing.start(running, self._api_values(database, observed.version)),
                        self.session.stop,
                    )
                    exerciser.baseline()
            except StepFailed as exc:
                observed.error = exc
            with nullcontext() if observed.error else exerciser.window():
                yield

    def _api_values(self, database: Database, version: str) -> dict[str, Any]:
        """What `{name}` placeholders of API requests are filled with: the version, and what seeding captured."""
        api_seeders = [seeder for seeder in self.session.seeders if isinstance(seeder, ApiSeeder)]
        return {"version": version, **{k: v for seeder in api_seeders for k, v in seeder.captured(database).items()}}

    def _observe_app(
        self, attempt: Attempt, version: str, database: Database, phase_name: str, note: str = ""
    ) -> AppObservation:
        """Start the version's app on the database and read what `verify.api` lists for it
        (`note`: what else that start is, for the phase's detail)."""
        assert self.session.images is not None
        observed = AppObservation(version)
        reads = [read for read in self.config.verify.api if read.applies_to(version)]
        api_seeders = [seeder for seeder in self.session.seeders if isinstance(seeder, ApiSeeder)]
        sent = [exchange for seeder in api_seeders for exchange in seeder.sent(database, version)]
        values = self._api_values(database, version)
        try:
            with self.session.phase(attempt, phase_name) as phase:
                with self.session.images.app_running(
                    self.session.workspace(version), database, f"start {version}"
                ) as app:
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
