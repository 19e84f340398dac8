"""`idempotent`: running the same upgrade again changes nothing."""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.checks.schema import diff_states
from migtest.results import FAILED, PASSED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    if context.scenario.kind not in ("upgrade", "skip") or not context.options.idempotent:
        return []
    skipped = context.not_run("idempotent")
    if skipped:
        return [skipped]
    if context.rerun_error is not None:
        error = context.rerun_error
        return [CheckResult("idempotent", FAILED, f"running the upgrade again failed: {error}", [error.output])]
    before, after = context.after, context.rerun
    if after is None or before.fingerprint() == after.fingerprint():
        return [CheckResult("idempotent", PASSED, "running the upgrade again changed nothing")]
    evidence = diff_states(before, after)
    if before.revision != after.revision:
        evidence.append(f"revision moved from {before.revision} to {after.revision}")
    for table in sorted(set(before.data) & set(after.data)):
        old, new = before.data[table], after.data[table]
        if (
            old.count != new.count
            or old.rows != new.rows
            or sorted(map(repr, old.unkeyed)) != sorted(map(repr, new.unkeyed))
        ):
            evidence.append(f"table '{table}': rows changed ({old.count} before, {new.count} after the second run)")
    return [CheckResult("idempotent", FAILED, "running the upgrade again changed the database", evidence)]
