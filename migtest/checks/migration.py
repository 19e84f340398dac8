"""`migration`: the migration ran, and the database ended at the revision it should."""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.results import FAILED, PASSED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    error = context.migration_error
    if error is not None:
        return [CheckResult.from_error("migration", FAILED, error)]
    ended = context.after.revision if context.after else None
    expected = context.expected_revision
    if expected is not None and ended != expected:
        return [CheckResult("migration", FAILED, f"ended at revision {ended}, expected {expected}")]
    if ended is None:
        return [CheckResult("migration", PASSED, "completed; the migrator cannot report a revision")]
    return [CheckResult("migration", PASSED, f"ended at revision {ended}")]
