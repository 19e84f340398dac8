"""Checks: each family reads captured states of one scenario and returns CheckResult objects.

A check module exposes `check(context) -> list[CheckResult]`; CHECKS lists them in report order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migtest.capture.state import State
from migtest.config import ChecksConfig
from migtest.config.scope import Scope
from migtest.errors import StepFailed
from migtest.locks import LockMeasurement
from migtest.migrators import MigrationRun
from migtest.plan import Scenario
from migtest.results import SKIPPED, CheckResult
from migtest.run.rolling import RollingObservation


@dataclass
class ApiReading:
    """One `verify.api` listing as the app served it: every item read, or why it could not be."""

    path: str
    expected: list[Any]
    items: list[Any] | None = None
    error: StepFailed | None = None


@dataclass
class AppObservation:
    """The target release's app started on the migrated database (None: it was not started)."""

    version: str
    ready_seconds: float | None = None
    error: StepFailed | None = None
    readings: list[ApiReading] = field(default_factory=list)


@dataclass
class CommandObservation:
    """`verify.command` run by a release on the migrated database: its output, or why it failed."""

    version: str
    output: str = ""
    error: StepFailed | None = None


@dataclass
class CheckContext:
    scenario: Scenario
    options: ChecksConfig
    engine: str  # the run's database.engine: scopes may name engines
    before: State | None = None
    after: State | None = None
    reference: State | None = None
    reference_error: str | None = None
    expected_revision: str | None = None
    migration_error: StepFailed | None = None
    migration_run: MigrationRun | None = None
    rerun: State | None = None
    rerun_error: StepFailed | None = None
    app: AppObservation | None = None
    app_checked: bool = False  # the run starts the app after migrating (so a missing observation is a skip)
    previous: AppObservation | None = None  # the release before the newest, on the newest's schema
    previous_command: CommandObservation | None = None  # verify.command run by that release
    previous_warns: bool = False  # verify.previous_release (or app.previous_release): warn
    command: CommandObservation | None = None  # verify.command run by the target (verify.target)
    rolling: RollingObservation | None = None  # that release exercised while the migration ran
    locks: list[LockMeasurement] = field(default_factory=list)  # measured while the migration ran

    def in_scope(self, scope: Scope) -> bool:
        return scope.matches(self.scenario, self.engine)

    @property
    def is_downgrade(self) -> bool:
        return self.scenario.kind == "downgrade"

    def not_run(self, name: str) -> CheckResult | None:
        """A skipped result when the migration gave nothing to check, else None."""
        if self.migration_error is not None or self.after is None:
            return CheckResult(name, SKIPPED, "not run: the migration did not complete")
        return None


Check = Callable[[CheckContext], list[CheckResult]]


def all_checks() -> list[Check]:
    from migtest.checks import (
        api,
        assertions,
        data,
        history,
        idempotent,
        locks,
        migration,
        moves,
        rolling,
        schema,
        verify_command,
    )

    checks = [migration.check, history.check, schema.check, data.rows, data.content, moves.check, idempotent.check]
    checks.append(locks.check)
    return [*checks, assertions.check, api.check, verify_command.check, api.previous_release, rolling.check]


def run_checks(context: CheckContext) -> list[CheckResult]:
    from migtest.checks import bookkeeping

    return bookkeeping.noted(context, [result for check in all_checks() for result in check(context)])
