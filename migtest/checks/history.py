"""`history`: migrations already applied were not edited since (where the migrator can tell)."""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.results import FAILED, PASSED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    run = context.migration_run
    if run is None or run.edited is None or context.scenario.kind == "fresh":
        return []
    if run.edited:
        summary = f"{len(run.edited)} released migration(s) edited after they were applied"
        return [CheckResult("history", FAILED, summary, list(run.edited))]
    return [CheckResult("history", PASSED, "every applied migration is unchanged")]
