"""`history`: migrations already applied were not edited since (where the migrator can tell).

`checks.history` says what an edit is: fail, warn (reported, never failing the run) or off. By
default it is what the layout's own tool does: Flyway validates checksums and refuses to migrate,
golang-migrate keeps none and runs on, so there an edit is a warning.
"""

from __future__ import annotations

from migtest.checks import CheckContext
from migtest.results import FAILED, PASSED, SKIPPED, WARNED, CheckResult


def check(context: CheckContext) -> list[CheckResult]:
    run = context.migration_run
    if run is None or run.edited is None or context.scenario.kind == "fresh":
        return []
    mode = context.options.history or run.edited_default
    if mode == "off":
        return [CheckResult("history", SKIPPED, "not checked: checks.history is off")]
    if run.edited:
        summary = f"{len(run.edited)} released migration(s) edited after they were applied"
        if mode == "warn":
            why = "checks.history: warn" if context.options.history else "golang-migrate keeps no checksums"
            return [CheckResult("history", WARNED, f"{summary} (warned: {why})", list(run.edited))]
        return [CheckResult("history", FAILED, summary, list(run.edited))]
    return [CheckResult("history", PASSED, "every applied migration is unchanged")]
