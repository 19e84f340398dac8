"""Run scenarios phase by phase, timing each, and always tear down what was provisioned.

The fresh install of each version is made once per run and cloned for every scenario that starts
from it; its schema is the reference that upgrades and downgrades are compared with.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from migtest.checks import CheckContext, run_checks
from migtest.config import Config
from migtest.databases import Database, DatabaseServer, open_server
from migtest.errors import StepFailed
from migtest.migrators import DOWNGRADE, UPGRADE, Migrator, make_migrator
from migtest.plan import Scenario, safe_name
from migtest.results import ERROR, FAILED, SKIPPED, CheckResult, Phase, RunResult, ScenarioResult
from migtest.seeding import make_seeders
from migtest.sources import Workspaces
from migtest.state import State, capture


class Progress(Protocol):
    def scenario_started(self, scenario: Scenario, index: int, total: int) -> None: ...

    def phase_finished(self, phase: Phase) -> None: ...

    def scenario_finished(self, result: ScenarioResult) -> None: ...


@dataclass
class Reference:
    """A version's fresh install: the template database to clone and its schema to compare with."""

    database: Database | None
    state: State | None
    resolved: str | None
    error: StepFailed | None


class _Aborted(Exception):
    """A phase failed in a way that leaves nothing to check; its result is already recorded."""


class Runner:
    def __init__(self, config: Config, progress: Progress, *, cache_dir: Path | None = None) -> None:
        self.config = config
        self.progress = progress
        self.cache_dir = cache_dir or config.root / ".migtest-cache"
        self.migrator: Migrator = make_migrator(config.migrations)
        self.seeders = make_seeders(config)
        self.ignored = set(self.migrator.bookkeeping_tables) | set(config.checks.ignore_tables)

    def run(self, scenarios: list[Scenario]) -> RunResult:
        started = time.perf_counter()
        results = []
        with tempfile.TemporaryDirectory(prefix="migtest-") as workdir:
            self.server: DatabaseServer = open_server(self.config.database, Path(workdir))
            self.workspaces = Workspaces(self.config, Path(workdir), self.cache_dir)
            self.references: dict[str, Reference] = {}
            try:
                for index, scenario in enumerate(scenarios, 1):
                    self.progress.scenario_started(scenario, index, len(scenarios))
                    result = self._run_scenario(scenario)
                    self.progress.scenario_finished(result)
                    results.append(result)
            finally:
                self.migrator.close()
                self.server.close()
        versions = [v.name for v in self.config.versions]
        return RunResult(str(self.config.path), versions, results, time.perf_counter() - started)

    # -- phases ---------------------------------------------------------------------------

    @contextmanager
    def _phase(self, result: ScenarioResult, name: str) -> Iterator[Phase]:
        phase = Phase(name, 0.0)
        started = time.perf_counter()
        try:
            yield phase
        except StepFailed as exc:
            phase.status, phase.detail = FAILED, str(exc)
            raise
        finally:
            phase.seconds = time.perf_counter() - started
            result.phases.append(phase)
            self.progress.phase_finished(phase)

    def _reference(self, result: ScenarioResult, name: str) -> Reference:
        if name in self.references:
            return self.references[name]
        version = self.config.version(name)
        database = self.server.create(f"template-{safe_name(name)}")
        try:
            with self._phase(result, f"install {name} (fresh, reused for the run)") as phase:
                run = self.migrator.migrate(self.workspaces.get(name), database, UPGRADE, version.revision)
                state = self._capture(database, name, with_data=False)
                phase.detail = f"at revision {state.revision}"
            reference = Reference(database, state, run.resolved, None)
        except StepFailed as exc:
            reference = Reference(None, None, None, exc)
        self.references[name] = reference
        return reference

    def _capture(self, database: Database, version: str, *, with_data: bool = True, queries: bool = False) -> State:
        assertions = [a for a in self.config.checks.sql if a.applies_to(version)] if queries else []
        revision = self.migrator.current(self.workspaces.get(version), database)
        with database.connection() as connection:
            return capture(connection, revision, self.ignored, with_data=with_data, assertions=assertions)

    def _provision(self, result: ScenarioResult, name: str, database_name: str) -> Database:
        reference = self._reference(result, name)
        if reference.error is not None:
            error = reference.error
            result.checks.append(
                CheckResult("install", FAILED, f"fresh install of {name} failed: {error}", [error.output])
            )
            raise _Aborted
        with self._phase(result, "provision"):
            database = self.server.clone(reference.database, database_name)
        self._open.append(database)
        return database

    def _seed(self, result: ScenarioResult, name: str, database: Database) -> None:
        for seeder in self.seeders:
            try:
                with self._phase(result, "seed") as phase:
                    phase.detail = seeder.seed(self.workspaces.get(name), database)
            except StepFailed as exc:
                result.checks.append(CheckResult("seed", FAILED, f"seeding {name} failed: {exc}", [exc.output]))
                raise _Aborted from exc

    # -- scenarios ------------------------------------------------------------------------

    def _run_scenario(self, scenario: Scenario) -> ScenarioResult:
        result = ScenarioResult(scenario)
        self._open: list[Database] = []
        try:
            if scenario.kind == "fresh":
                self._run_fresh(scenario, result)
            else:
                self._run_migration(scenario, result)
        except _Aborted:
            pass
        except StepFailed as exc:
            result.checks.append(CheckResult("run", ERROR, str(exc), [exc.output] if exc.output else []))
        finally:
            for database in self._open:
                self.server.drop(database)
        return result

    def _run_fresh(self, scenario: Scenario, result: ScenarioResult) -> None:
        target = scenario.target
        reference = self._reference(result, target)
        context = CheckContext(scenario, self.config.checks, migration_error=reference.error)
        if reference.error is None:
            database = self._provision(result, target, scenario.id)
            self._seed(result, target, database)
            with self._phase(result, "capture"):
                context.after = self._capture(database, target, queries=True)
            context.expected_revision = reference.resolved
        with self._phase(result, "check"):
            result.checks += run_checks(context)

    def _run_migration(self, scenario: Scenario, result: ScenarioResult) -> None:
        source, target = scenario.source, scenario.target
        assert source is not None
        direction = DOWNGRADE if scenario.kind == "downgrade" else UPGRADE
        # Upgrades run the newer release's code; a downgrade too (that is how releases roll back).
        workspace = self.workspaces.get(target if direction == UPGRADE else source)
        reference = self._reference(result, target)
        context = CheckContext(scenario, self.config.checks, reference=reference.state)
        if reference.error is not None:
            context.reference_error = str(reference.error)
            if direction == DOWNGRADE:
                summary = f"no fresh install of {target} to downgrade to: {reference.error}"
                result.checks.append(CheckResult("downgrade", ERROR, summary, [reference.error.output]))
                raise _Aborted
        goal = self._goal(target, direction, reference)
        if direction == DOWNGRADE:
            blocker = self.migrator.downgrade_blocker(workspace, self.config.version(source).revision, goal)
            if blocker:
                result.checks.append(CheckResult("downgrade", SKIPPED, f"cannot downgrade: {blocker}"))
                return
        database = self._provision(result, source, scenario.id)
        self._seed(result, source, database)
        with self._phase(result, "capture before"):
            context.before = self._capture(database, source)
        try:
            with self._phase(result, direction):
                context.migration_run = self.migrator.migrate(workspace, database, direction, goal)
            with self._phase(result, "capture after"):
                context.after = self._capture(database, target, queries=True)
            context.expected_revision = reference.state.revision if reference.state else None
        except StepFailed as exc:
            context.migration_error = exc
        if direction == UPGRADE and context.after is not None and self.config.checks.idempotent:
            try:
                with self._phase(result, "upgrade again"):
                    self.migrator.migrate(workspace, database, direction, goal)
                with self._phase(result, "capture again"):
                    context.rerun = self._capture(database, target)
            except StepFailed as exc:
                context.rerun_error = exc
        with self._phase(result, "check"):
            result.checks += run_checks(context)

    def _goal(self, target: str, direction: str, reference: Reference) -> str:
        """Downgrades aim at the revision the older version's fresh install reached, since a
        symbolic target like 'head' means the newer tree's head there."""
        if direction == DOWNGRADE and reference.state is not None and reference.state.revision:
            return reference.state.revision
        return self.config.version(target).revision
