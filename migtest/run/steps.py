"""`migtest steps`: every migration of a version's history on its own, in order, on one database.

For each migration N: seed, capture, upgrade N-1 -> N, capture, check that the migration
reached N and lost no row or value; then, where the migrator can, downgrade N -> N-1 and check
that the schema is what it was at N-1, and upgrade again to go on. Each step is a scenario of its
own in every report, so the slowest migrations and the first broken one stand out. A step whose
database is left in an unknown state (a migration, a downgrade or the upgrade after it failed)
ends the walk: the steps after it are reported as not run. Each capture builds on the one before
it, reading again only the tables that changed (step_captures.py).

Data: the walk starts from an empty database, so a release's seed file (`seed.sql`,
`seed.command`) is loaded once, at the first step the walk starts from that release's revision;
`seed.generate` inserts new rows before every step, into the schema as it is then.

Then the step tests of `steps.dir` (steptests.py) run, each on a database of its own: brought to
its `before` revision, given its rows, migrated to its `target`, and checked as it says. They run
with `migtest run` too when `steps.run` is set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from migtest.capture.step_captures import Capture, StepCaptures
from migtest.checks import CheckContext, data, locks, migration
from migtest.checks.schema import diff_states
from migtest.databases import Database
from migtest.errors import ConfigError, StepFailed
from migtest.locks import LockObserver
from migtest.migrators import DOWNGRADE, UPGRADE
from migtest.plan import Scenario
from migtest.results import ERROR, FAILED, PASSED, SKIPPED, CheckResult, Location, RunResult, ScenarioResult
from migtest.run.db_helper import DatabaseHelper
from migtest.run.session import Aborted, Attempt, Session
from migtest.run.step_tests import StepTest, discover
from migtest.seeding.generate import GeneratedSeeder
from migtest.sources import Workspace

BASE = "base"
STEP, TEST = "step", "test"


@dataclass
class Walked:
    """What a walk keeps open from step to step: its captures and its lock observer."""

    captures: StepCaptures
    observer: LockObserver | None


def _check_revisions(tests: list[StepTest], history: list[str]) -> None:
    """Every step test names revisions of the history, before any database is touched."""
    points = [BASE, *history]
    for test in tests:
        for key in ("before", "target"):
            if getattr(test, key) not in points:
                raise ConfigError(
                    f"'{getattr(test, key)}' is not in the history: {', '.join(points)}", file=str(test.path), key=key
                )


def select_steps(history: list[str], start: str | None, end: str | None) -> list[tuple[str, str]]:
    """The (before, target) pairs from `start` (a revision the walk starts at, default base) up to
    `end` (the last migration to apply, default the newest)."""
    points = [BASE, *history]
    first = _index(points, start, "--from") if start else 0
    last = _index(points, end, "--to") if end else len(points) - 1
    if last <= first:
        raise ConfigError(f"--to {points[last]} is not after --from {points[first]}", key="--to")
    return list(zip(points[first:last], points[first + 1 : last + 1]))


def _index(points: list[str], revision: str, option: str) -> int:
    if revision not in points:
        raise ConfigError(f"no migration '{revision}' in the history: {', '.join(points)}", key=option)
    return points.index(revision)


class StepWalk:
    """The step walk and the step tests on the session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.config = session.config

    def walk(self, version: str | None = None, start: str | None = None, end: str | None = None) -> RunResult:
        """Walk the history of `version` (default the newest) between `start` and `end`, then
        run the step tests."""
        started = time.perf_counter()
        name = version or self.config.versions[-1].name
        if name not in {v.name for v in self.config.versions}:
            raise ConfigError(f"no version '{name}' in {self.config.path}", key="--version")
        tests = discover(self.config.steps.dir)
        with self.session.opened():
            workspace = self.session.workspace(name)
            history = self.session.history(workspace)
            steps = select_steps(history, start, end)
            _check_revisions(tests, history)
            database = self.session.server.create("steps")
            try:
                results = self._walk(workspace, database, steps, len(tests))
            finally:
                self.session.server.drop(database)
            results += self._tests(workspace, tests, history, len(steps))
        return self.session.result([BASE, *history], results, started)

    def newest_tests(self, tests: list[StepTest], done: int) -> list[ScenarioResult]:
        """The step tests on the newest version's history, numbered after `done` scenarios (`steps.run`)."""
        workspace = self.session.workspace(self.config.versions[-1].name)
        history = self.session.history(workspace)
        _check_revisions(tests, history)
        return self._tests(workspace, tests, history, done)

    def _tests(
        self, workspace: Workspace, tests: list[StepTest], history: list[str], done: int
    ) -> list[ScenarioResult]:
        total = done + len(tests)
        return [self._test(workspace, test, history, done + index, total) for index, test in enumerate(tests, 1)]

    def _test(self, workspace: Workspace, test: StepTest, history: list[str], index: int, total: int) -> ScenarioResult:
        """One step test on a database of its own, dropped after it."""
        scenario = Scenario(TEST, test.before, test.target, test.name)
        self.session.progress.scenario_started(scenario, index, total)
        attempt = Attempt(scenario, ScenarioResult(scenario))
        engine_name = self.config.database.engine
        if test.engines and engine_name not in test.engines:
            summary = f"not run: for {', '.join(test.engines)}, not {engine_name}"
            attempt.result.checks.append(CheckResult("engines", SKIPPED, summary))
            self.session.progress.scenario_finished(attempt.result)
            return attempt.result
        database = self.session.server.create(f"test-{test.name}")
        engine = database.connect()
        try:
            checks = self._run_test(attempt, workspace, test, database, DatabaseHelper(engine), history)
        finally:
            engine.dispose()
            self.session.server.drop(database)
        if test.path.is_relative_to(self.config.root):
            location = Location(test.path.relative_to(self.config.root).as_posix())
            for check in checks:
                check.location = check.location or (location if check.noteworthy else None)
        attempt.result.checks += checks
        self.session.progress.scenario_finished(attempt.result)
        return attempt.result

    def _run_test(
        self,
        attempt: Attempt,
        workspace: Workspace,
        test: StepTest,
        database: Database,
        db: DatabaseHelper,
        history: list[str],
    ) -> list[CheckResult]:
        points = [BASE, *history]
        direction = DOWNGRADE if points.index(test.target) < points.index(test.before) else UPGRADE
        try:
            if test.before != BASE:
                with self.session.phase(attempt, f"upgrade to {test.before}"):
                    self.session.migrator.migrate(workspace, database, UPGRADE, test.before)
            with self.session.phase(attempt, "before") as phase:
                phase.detail = test.path.name
                test.prepare(db)
        except StepFailed as exc:
            return [CheckResult.from_error("before", ERROR, exc)]
        error = None
        try:
            with self.session.phase(attempt, direction):
                self.session.migrator.migrate(workspace, database, direction, test.target)
        except StepFailed as exc:
            error = exc
        return self._expectation(test, error, db)

    @staticmethod
    def _expectation(test: StepTest, error: StepFailed | None, db: DatabaseHelper) -> list[CheckResult]:
        """The migration failed as `expect_error` says, or succeeded and the test's checks held."""
        expected = test.expect_error
        if expected is not None:
            wanted = " or ".join(f"'{text}'" for text in expected)
            if error is None:
                return [
                    CheckResult("expect_error", FAILED, f"the migration succeeded; expected it to fail with {wanted}")
                ]
            if not any(text in f"{error}\n{error.output}" for text in expected):
                return [CheckResult("expect_error", FAILED, f"failed, but not with {wanted}: {error}", [error.output])]
            return [CheckResult("expect_error", PASSED, f"failed as expected: {error}")]
        if error is not None:
            return [CheckResult.from_error("migration", FAILED, error)]
        return [CheckResult("migration", PASSED, f"reached {test.target}"), *test.verify(db)]

    def _walk(
        self, workspace: Workspace, database: Database, steps: list[tuple[str, str]], more: int
    ) -> list[ScenarioResult]:
        """`more`: the scenarios (step tests) counted after the walk's. The migrator keeps its
        engine for the walk's commands; both are closed before the database is dropped."""
        with (
            self.session.migrator.kept(database),
            database.connection() as connection,
            self.session.lock_observer(database) as observer,
        ):
            captures = StepCaptures(connection, self.session.ignored, self.session.bookkeeping, self.config.schemas)
            return self._walk_steps(workspace, database, steps, more, Walked(captures, observer))

    def _walk_steps(
        self, workspace: Workspace, database: Database, steps: list[tuple[str, str]], more: int, walked: Walked
    ) -> list[ScenarioResult]:
        results: list[ScenarioResult] = []
        broken: str | None = None
        releases = {v.revision: v.name for v in self.config.versions}
        seeded_release = False
        for index, (before, target) in enumerate(steps, 1):
            scenario = Scenario(STEP, before, target)
            self.session.progress.scenario_started(scenario, index, len(steps) + more)
            attempt = Attempt(scenario, ScenarioResult(scenario))
            if broken is not None:
                attempt.result.checks.append(CheckResult("migration", SKIPPED, f"not run: {broken}"))
            else:
                start = before if index == 1 and before != BASE else None
                release = releases.get(before) if not seeded_release else None
                seeded_release = seeded_release or release is not None
                broken = self._step(attempt, workspace, database, walked, release, start)
            self.session.progress.scenario_finished(attempt.result)
            results.append(attempt.result)
        return results

    def _step(
        self,
        attempt: Attempt,
        workspace: Workspace,
        database: Database,
        walked: Walked,
        release: str | None,
        start: str | None,
    ) -> str | None:
        """Run one step (first upgrading to `start`, where the walk starts past base); why the walk
        cannot go on after it, or None."""
        scenario, name, captures = attempt.scenario, workspace.version.name, walked.captures
        context = CheckContext(
            scenario, self.config.checks, self.config.database.engine, expected_revision=scenario.target
        )
        try:
            if start is not None:
                with self.session.phase(attempt, f"upgrade to {start} (the walk's start)"):
                    self.session.migrator.migrate(workspace, database, UPGRADE, start)
            seeders = [s for s in self.session.seeders if isinstance(s, GeneratedSeeder) or release is not None]
            self.session.seed(attempt, release or name, database, seeders)
            with self.session.phase(attempt, "capture before"):
                before = captures.rows()  # only the revision after the upgrade is checked: not read here
                context.before = before.state
            try:
                with (
                    self.session.phase(attempt, UPGRADE),
                    self.session.locks_watched(attempt, context, walked.observer, workspace.root),
                ):
                    context.migration_run = self.session.migrator.migrate(workspace, database, UPGRADE, scenario.target)
                with self.session.phase(attempt, "capture after"):
                    context.after = captures.rows(self.session.migrator.current(workspace, database)).state
            except StepFailed as exc:
                context.migration_error = exc
        except StepFailed as exc:
            attempt.result.checks.append(CheckResult.from_error("run", FAILED, exc))
            return f"step {scenario.id} could not run"
        except Aborted:
            return f"step {scenario.id} could not be seeded"
        checks = [*migration.check(context), *data.rows(context), *data.content(context), *locks.check(context)]
        error = context.migration_error
        if error is None and context.after is not None:
            round_trip, error = self._round_trip(attempt, workspace, database, context, captures, before)
            checks += round_trip
        self.session.locator.pin(checks, version=name, tree=workspace.root, error=error, run=context.migration_run)
        attempt.result.checks += checks
        return f"step {scenario.id} failed" if error is not None else None

    def _round_trip(
        self,
        attempt: Attempt,
        workspace: Workspace,
        database: Database,
        context: CheckContext,
        captures: StepCaptures,
        captured: Capture,
    ) -> tuple[list[CheckResult], StepFailed | None]:
        """Downgrade N -> N-1, compare the schema with N-1's (`captured` before the upgrade),
        upgrade again; the checks, and the error that leaves the database in an unknown state."""
        before, target = context.scenario.source, context.scenario.target
        assert before is not None and context.before is not None
        blocker = self.session.migrator.downgrade_blocker(workspace, target, before)
        if blocker:
            return [CheckResult("downgrade", SKIPPED, f"cannot downgrade: {blocker}")], None
        try:
            with self.session.phase(attempt, DOWNGRADE):
                self.session.migrator.migrate(workspace, database, DOWNGRADE, before)
            with self.session.phase(attempt, "capture downgraded"):
                downgraded = captures.schema(like=captured)
        except StepFailed as exc:
            return [CheckResult.from_error("downgrade", FAILED, exc)], exc
        differences = diff_states(context.before, downgraded)
        if differences:
            summary = f"{len(differences)} difference(s) from the schema at {before}"
            checks = [CheckResult("downgrade", FAILED, summary, differences)]
        else:
            checks = [CheckResult("downgrade", PASSED, f"back to the schema at {before}")]
        try:
            with self.session.phase(attempt, "upgrade again"):
                self.session.migrator.migrate(workspace, database, UPGRADE, target)
        except StepFailed as exc:
            return [*checks, CheckResult.from_error("upgrade again", FAILED, exc)], exc
        return checks, None
